// What one request may cost the server before any route sees it. Without these, an unauthenticated client
// could make the app read a body of any size into memory (Remix reads a form whole), or hold a connection
// open for minutes by trickling bytes (Node's own request timeout is 300 s), and thousands of such
// connections hold as many file descriptors.
//   - a body cap per route: 413 at once by Content-Length, or as soon as the streamed bytes pass the cap;
//   - a body that pauses longer than the idle timeout: 408 and the connection closes;
//   - header, whole-request and keep-alive timeouts and a connection limit on the server itself.
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";

export interface RequestLimits {
  loopWebhookBytes: number;
  shopifyWebhookBytes: number;
  formBytes: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  bodyIdleTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxConnections: number;
}

/** Requests this module answered or cut off itself: what their routes do afterwards is not an app error. */
const cutShort = new WeakSet<IncomingMessage>();

export function wasCutShort(req: IncomingMessage): boolean {
  return cutShort.has(req);
}

/** Loop's configured limit for Loop's webhooks, Shopify's for Shopify's, and the small form limit for the rest. */
export function bodyCapFor(url: string | undefined, limits: RequestLimits): number {
  const path = (url ?? "/").split("?")[0].toLowerCase();
  if (path === "/webhooks/loop" || path === "/webhooks/loop/") return limits.loopWebhookBytes;
  if (path.startsWith("/webhooks/")) return limits.shopifyWebhookBytes;
  return limits.formBytes;
}

// After a 413 the rest of the body is read and dropped for up to this long before the connection is closed.
// Closing at once, with the client still sending, makes the kernel reset the connection, and the client
// then often loses the 413 it was sent and sees only "connection reset" (servers call this a lingering close).
const LINGER_MS = 1_000;

function answerTooLarge(req: IncomingMessage, res: ServerResponse, cap: number) {
  cutShort.add(req);
  // A route already reading the body (Remix's request stream listens for "error") sees it fail instead of end:
  // a truncated form must never reach an action.
  if (req.listenerCount("error") > 0) req.emit("error", new Error(`request body over ${cap} bytes`));
  if (res.headersSent) {
    req.socket.destroy();
    return;
  }
  const text = `The request body is larger than ${cap} bytes.`;
  lingerOnClose(req.socket);
  res.writeHead(413, { "Content-Type": "text/plain; charset=utf-8", "Content-Length": Buffer.byteLength(text), Connection: "close" });
  res.end(text);
  req.resume();
}

/** Node closes a "Connection: close" socket with destroySoon() once the answer is out: end it, drain, then destroy. */
function lingerOnClose(socket: Socket) {
  socket.destroySoon = () => {
    socket.end();
    socket.resume();
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  };
}

function answerTimedOut(req: IncomingMessage, res: ServerResponse) {
  cutShort.add(req);
  if (req.listenerCount("error") > 0) req.emit("error", new Error("request body stopped arriving"));
  if (res.headersSent) {
    req.socket.destroy();
    return;
  }
  // Connection: close makes Node end the connection once the answer is out (the client is not sending).
  const text = "The request body stopped arriving.";
  res.writeHead(408, { "Content-Type": "text/plain; charset=utf-8", "Content-Length": Buffer.byteLength(text), Connection: "close" });
  res.end(text);
}

/** Answers 413 when the declared Content-Length is over the cap, before a byte of the body is read; true when it did. */
export function refuseDeclaredOversize(req: IncomingMessage, res: ServerResponse, cap: number): boolean {
  const declared = Number(req.headers["content-length"]);
  if (!(declared > cap)) return false;
  answerTooLarge(req, res, cap);
  return true;
}

/**
 * Counts the body's bytes as they arrive (a chunked body declares no length) and answers 413 as soon as they pass
 * the cap. It listens for "data" itself, so it must be called in the same tick as the body's reader is attached
 * (the Express and Remix adapters attach theirs synchronously); a body nobody reads is then discarded as it comes.
 */
export function capStreamedBody(req: IncomingMessage, res: ServerResponse, cap: number): void {
  let received = 0;
  const count = (chunk: Buffer) => {
    received += chunk.length;
    if (received <= cap) return;
    req.off("data", count);
    answerTooLarge(req, res, cap);
  };
  req.on("data", count);
}

/**
 * Answers 408 and closes when the body pauses longer than `idleMs` (the socket's own idle timer, so it needs no
 * reader). Once the whole request has arrived the timer is off: a slow route is not a slow client.
 */
export function limitBodyIdleTime(req: IncomingMessage, res: ServerResponse, idleMs: number): void {
  // Node emits "timeout" on the request only while it is incomplete, and on the response always; with nobody
  // listening to either it destroys the socket, which must not happen to a complete request in a slow route.
  req.setTimeout(idleMs, () => answerTimedOut(req, res));
  res.on("timeout", () => {
    if (req.complete) req.socket.setTimeout(0);
  });
  req.once("end", () => {
    // After the response, Node has set its keep-alive timer on the socket: leave that one alone.
    if (!res.writableFinished) req.socket?.setTimeout(0);
  });
}

/** Header, whole-request and keep-alive timeouts and the connection limit on the HTTP server. */
export function applyServerLimits(server: Server, limits: RequestLimits): void {
  server.requestTimeout = limits.requestTimeoutMs;
  // Node refuses a headers timeout longer than the request timeout.
  server.headersTimeout = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxConnections = limits.maxConnections;
}

/**
 * Node checks the header and request timeouts on an interval (30 s by default), which would let a slow request
 * live up to that much longer than its timeout; a createServer option, so it is computed before the server exists.
 */
export function connectionsCheckingInterval(limits: RequestLimits): number {
  return Math.max(50, Math.min(1_000, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 4)));
}

export function requestLimitsFrom(config: {
  LOOP_WEBHOOK_MAX_BODY_BYTES: number;
  SHOPIFY_WEBHOOK_MAX_BODY_BYTES: number;
  FORM_MAX_BODY_BYTES: number;
  HTTP_HEADERS_TIMEOUT_MS: number;
  HTTP_REQUEST_TIMEOUT_MS: number;
  HTTP_BODY_IDLE_TIMEOUT_MS: number;
  HTTP_KEEP_ALIVE_TIMEOUT_MS: number;
  HTTP_MAX_CONNECTIONS: number;
}): RequestLimits {
  return {
    loopWebhookBytes: config.LOOP_WEBHOOK_MAX_BODY_BYTES,
    shopifyWebhookBytes: config.SHOPIFY_WEBHOOK_MAX_BODY_BYTES,
    formBytes: config.FORM_MAX_BODY_BYTES,
    headersTimeoutMs: config.HTTP_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: config.HTTP_REQUEST_TIMEOUT_MS,
    bodyIdleTimeoutMs: config.HTTP_BODY_IDLE_TIMEOUT_MS,
    keepAliveTimeoutMs: config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    maxConnections: config.HTTP_MAX_CONNECTIONS,
  };
}
