// The production server's fast path for POST /webhooks/loop: the same handleLoopWebhook as the Remix route,
// fed straight from node:http (no Express middleware, no web Request/Response objects, no route matching).
// This is the app's hottest endpoint; everything else goes through Remix as before.
import type { IncomingMessage, ServerResponse } from "node:http";
import { log } from "~/logging/logger.server";
import { handleLoopWebhook, type IncomingWebhook } from "./loop-webhook.server";
import { loopIngestion } from "./runtime.server";

export const LOOP_WEBHOOK_PATH = "/webhooks/loop";

/** Whether this request is for the fast path (POST /webhooks/loop, with or without a query). */
export function isLoopWebhookRequest(req: IncomingMessage): boolean {
  if (req.method !== "POST" || !req.url) return false;
  const url = req.url;
  return url.startsWith(LOOP_WEBHOOK_PATH) && (url.length === LOOP_WEBHOOK_PATH.length || url[LOOP_WEBHOOK_PATH.length] === "?");
}

class BodyAborted extends Error {}

function incoming(req: IncomingMessage, state: { tooLarge: boolean }): IncomingWebhook {
  const query = req.url!.indexOf("?");
  const shopParam = query < 0 ? null : new URLSearchParams(req.url!.slice(query + 1)).get("shop");
  return {
    method: req.method ?? "GET",
    shopParam,
    header(name) {
      const value = req.headers[name.toLowerCase()];
      if (value === undefined) return null;
      return Array.isArray(value) ? value.join(", ") : value;
    },
    readBody(limit) {
      const declared = Number(req.headers["content-length"]);
      if (Number.isFinite(declared) && declared > limit) {
        state.tooLarge = true;
        return Promise.resolve(null);
      }
      return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const onData = (chunk: Buffer) => {
          size += chunk.length;
          if (size > limit) {
            state.tooLarge = true;
            cleanup();
            resolve(null);
            return;
          }
          chunks.push(chunk);
        };
        const onEnd = () => {
          cleanup();
          resolve(chunks.length === 1 ? chunks[0].toString("utf8") : Buffer.concat(chunks).toString("utf8"));
        };
        const onAbort = () => {
          cleanup();
          reject(new BodyAborted("the client went away before sending the whole body"));
        };
        const cleanup = () => {
          req.off("data", onData);
          req.off("end", onEnd);
          req.off("error", onAbort);
          req.off("aborted", onAbort);
        };
        req.on("data", onData);
        req.on("end", onEnd);
        req.on("error", onAbort);
        req.on("aborted", onAbort);
      });
    },
  };
}

/** Answers one Loop webhook on the raw node:http request. */
export function handleLoopWebhookHttp(req: IncomingMessage, res: ServerResponse): void {
  const state = { tooLarge: false };
  handleLoopWebhook(incoming(req, state), loopIngestion()).then(
    (answer) => {
      const headers: Record<string, string | number> = { ...answer.headers };
      let text = "";
      if (answer.body !== null) {
        text = JSON.stringify(answer.body);
        headers["Content-Type"] = "application/json";
      }
      headers["Content-Length"] = Buffer.byteLength(text);
      // A body we stopped reading is not drained: answer and close the connection.
      if (state.tooLarge) headers.Connection = "close";
      res.writeHead(answer.status, headers);
      res.end(text);
      if (state.tooLarge) req.resume();
    },
    (error) => {
      if (error instanceof BodyAborted) {
        res.destroy();
        return;
      }
      log.error("loop webhook: unexpected failure", { error });
      if (!res.headersSent) {
        res.writeHead(500, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ error: "internal error" }));
      } else {
        res.destroy();
      }
    },
  );
}
