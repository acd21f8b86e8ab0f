// A capturing webhook receiver for tests and demos: records every request (raw bytes included, so signatures
// can be verified) and answers with a programmable status — or hangs, to exercise the sender's timeout.
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  rawBody: Buffer;
  /** Parsed JSON body (undefined if not JSON). */
  body: unknown;
  receivedAt: number;
}

/** Return an HTTP status, or "hang" to never answer (the connection is dropped on close()). */
export type Responder = (req: ReceivedRequest, index: number) => number | "hang" | Promise<number | "hang">;

export interface WebhookReceiver {
  url: string;
  requests: ReceivedRequest[];
  /** Resolves once at least `count` requests arrived; rejects after timeoutMs. */
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(opts: { respond?: Responder; path?: string } = {}): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const rawBody = Buffer.concat(chunks);
      let body: unknown;
      try {
        body = JSON.parse(rawBody.toString("utf8"));
      } catch {
        body = undefined;
      }
      const entry: ReceivedRequest = { method: req.method ?? "", path: req.url ?? "", headers: req.headers, rawBody, body, receivedAt: Date.now() };
      const index = requests.push(entry) - 1;
      for (const w of waiters.filter((x) => requests.length >= x.count)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
      void Promise.resolve(opts.respond ? opts.respond(entry, index) : 200).then((status) => {
        if (status === "hang") return;
        res.writeHead(status, { "Content-Type": "text/plain" });
        res.end(status >= 200 && status < 300 ? "ok" : "error");
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${opts.path ?? "/webhooks/loop"}`,
    requests,
    waitFor(count, timeoutMs = 5_000) {
      if (requests.length >= count) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`expected ${count} request(s), got ${requests.length}`)), timeoutMs);
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
