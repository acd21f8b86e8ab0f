import { PassThrough } from "node:stream";
import { createReadableStreamFromReadable, type EntryContext, type HandleErrorFunction } from "@remix-run/node";
import { isRouteErrorResponse, RemixServer } from "@remix-run/react";
import { isbot } from "isbot";
import { renderToPipeableStream } from "react-dom/server";
import { log } from "~/logging/logger.server";
import { NonceContext } from "~/nonce";
import { addDocumentResponseHeaders } from "~/shopify.server";
import { applySupportDocumentHeaders, createNonce, isSupportRequest, withSupportDataHeaders } from "~/support/headers.server";

// The production server (server/index.ts) reaches the app's lifecycle through this module: the background
// workers and the database live in the same bundle as the routes, so there is one copy of each.
export { startBackgroundWork } from "~/workers/background.server";
export { disconnectDatabase, pingDatabase } from "~/db.server";
export { getConfig } from "~/config/env.server";
export { applyMigrations } from "~/db/migrations.server";
export { log } from "~/logging/logger.server";
export { handleLoopWebhookHttp, isLoopWebhookRequest } from "~/ingest/http.server";
export { closeLoopIngestion } from "~/ingest/runtime.server";

export const streamTimeout = 5000;

export default async function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
) {
  // The support console (/support) is a stand-alone area with its own, stricter headers; the embedded app's
  // pages get Shopify's (frame-ancestors for the shop's admin).
  const nonce = isSupportRequest(request) ? createNonce() : undefined;
  if (nonce) applySupportDocumentHeaders(responseHeaders, nonce);
  else addDocumentResponseHeaders(request, responseHeaders);
  const userAgent = request.headers.get("user-agent");
  const callbackName = isbot(userAgent ?? "") ? "onAllReady" : "onShellReady";

  return new Promise((resolve, reject) => {
    const app = (
      <NonceContext.Provider value={nonce}>
        <RemixServer context={remixContext} url={request.url} nonce={nonce} />
      </NonceContext.Provider>
    );
    const { pipe, abort } = renderToPipeableStream(app, {
      nonce,
      [callbackName]: () => {
        const body = new PassThrough();
        const stream = createReadableStreamFromReadable(body);
        responseHeaders.set("Content-Type", "text/html");
        resolve(new Response(stream, { headers: responseHeaders, status: responseStatusCode }));
        pipe(body);
      },
      onShellError(error) {
        reject(error);
      },
      onError(error) {
        responseStatusCode = 500;
        log.error("page render failed", { path: new URL(request.url).pathname, error });
      },
    });
    // Abort a render that outlives the stream timeout, leaving time for rejected data to flush.
    setTimeout(abort, streamTimeout + 1000);
  });
}

/**
 * A loader or action that threw (not a Response): logged as one JSON line with the redacted stack, instead of
 * Remix's default console.error, which prints the raw error with whatever its message holds. A request the
 * client abandoned or the server cut short (body too large or too slow) is not a failure, nor is a 4xx Remix
 * answers itself (no route matches the URL, say).
 */
export const handleError: HandleErrorFunction = (error, { request }) => {
  if (request.signal.aborted || (isRouteErrorResponse(error) && error.status < 500)) return;
  log.error("request failed", { method: request.method, path: new URL(request.url).pathname, error });
};

/** Data requests (loaders and actions fetched by the browser): the support console's headers on its own. */
export function handleDataRequest(response: Response, { request }: { request: Request }) {
  return isSupportRequest(request) ? withSupportDataHeaders(response) : response;
}
