// Requests the app cannot read are the sender's mistake, and get a 4xx, never a 500 (which would say the app
// is broken, page someone, and make a well-behaved client retry). Found by the fuzz test (tests/faults):
//   - a body a route reads as a form or JSON but that is not one (wrong Content-Type, broken multipart, bad
//     JSON): routes and the Shopify library call request.formData()/json(), which throw; answered 400;
//   - a path with a malformed %-escape, which the router cannot decode: answered 400;
//   - a Host header that makes no URL (Remix's Express adapter throws building the request): answered 400;
//   - a form post whose Origin is unreadable or names another host: Remix's own CSRF check refuses it by
//     throwing, which makes a 500; answered 403, the refusal it means;
//   - a `host` parameter that is not base64 (the Shopify library's atob throws on it): answered 400.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ServerBuild } from "@remix-run/node";
import type { NextFunction, Request as ExpressRequest, Response as ExpressResponse } from "express";

type RouteFunction = (args: { request: Request } & Record<string, unknown>) => unknown;

const badRequest = (what: string) =>
  new Response(`The request body could not be read as ${what}.`, { status: 400, headers: { "Content-Type": "text/plain; charset=utf-8" } });

/** The request, with formData() and json() answering 400 (a thrown Response) when the body is not that. */
function readableOrBadRequest(request: Request): Request {
  return new Proxy(request, {
    get(target, key) {
      if (key === "formData") {
        return () => target.formData().catch(() => Promise.reject(badRequest("a form")));
      }
      if (key === "json") {
        return () => target.json().catch(() => Promise.reject(badRequest("JSON")));
      }
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

function guard(fn: RouteFunction): RouteFunction {
  return (args) => fn({ ...args, request: readableOrBadRequest(args.request) });
}

/** The build with every route's loader and action seeing such a request. */
export function answerUnreadableBodies(build: ServerBuild): ServerBuild {
  const routes: ServerBuild["routes"] = {};
  for (const [id, route] of Object.entries(build.routes)) {
    const module = route.module as unknown as Record<string, unknown>;
    if (typeof module.action !== "function" && typeof module.loader !== "function") {
      routes[id] = route;
      continue;
    }
    const guarded: Record<string, unknown> = { ...module };
    if (typeof module.action === "function") guarded.action = guard(module.action as RouteFunction);
    if (typeof module.loader === "function") guarded.loader = guard(module.loader as RouteFunction);
    routes[id] = { ...route, module: guarded as unknown as typeof route.module };
  }
  return { ...build, routes };
}

/** Answers 400 for a request whose path cannot be decoded; true when it did. */
export function refuseUndecodablePath(req: IncomingMessage, res: ServerResponse): boolean {
  const path = (req.url ?? "/").split("?")[0];
  try {
    decodeURIComponent(path);
    return false;
  } catch {
    res.writeHead(400, { "Content-Type": "text/plain; charset=utf-8" });
    res.end("The request path is not valid (a malformed %-escape).");
    return true;
  }
}

/** The URL @remix-run/express builds for a request (same host and port rules), so it fails where that one does. */
function remixRequestUrl(req: ExpressRequest): URL {
  const port = [req.get("X-Forwarded-Host"), req.get("Host")].map((host) => Number.parseInt(host?.split(":")[1] ?? "", 10)).find(Number.isSafeInteger);
  return new URL(`${req.protocol}://${req.hostname}${port ? `:${port}` : ""}${req.originalUrl}`);
}

const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * Remix's check before a document request's action: an Origin header must name the host the request came to
 * (X-Forwarded-Host first, then Host). True when it would throw: the Origin is unreadable or another host's.
 */
function originRemixRefuses(req: ExpressRequest): boolean {
  const origin = req.get("Origin");
  if (!origin) return false;
  let originHost = origin;
  if (origin !== "null") {
    try {
      originHost = new URL(origin).host;
    } catch {
      return true;
    }
  }
  const host = req.get("X-Forwarded-Host")?.split(",")[0]?.trim() || req.get("Host");
  return !host || originHost !== host;
}

function answer(res: ExpressResponse, status: number, text: string) {
  res.status(status).type("text/plain; charset=utf-8").send(text);
}

/** Express middleware before the Remix handler: 400 for an unusable Host, 403 for a form post from elsewhere. */
export function refuseUnusableHostOrForeignOrigin(req: ExpressRequest, res: ExpressResponse, next: NextFunction) {
  let url: URL;
  try {
    url = remixRequestUrl(req);
  } catch {
    return answer(res, 400, "The Host header is not valid.");
  }
  // Data requests (?_data, the app's fetchers) and GETs are not checked by Remix; documents posted are.
  if (WRITE_METHODS.has(req.method) && !url.searchParams.has("_data") && originRemixRefuses(req)) {
    return answer(res, 403, "A form posted from another site is refused.");
  }
  next();
}


/**
 * Answers 400 for a `host` query parameter the Shopify library cannot decode; true when it did. Shopify's admin
 * sends the admin's host in base64; the library checks it against this same pattern and then decodes it with
 * atob and URL, which throw on e.g. `host=x` and turn an unauthenticated request into a 500.
 */
export function refuseMalformedHostParam(req: IncomingMessage, res: ServerResponse): boolean {
  const query = (req.url ?? "").split("?")[1];
  if (!query) return false;
  const host = new URLSearchParams(query).get("host");
  if (host === null || !/^[0-9a-zA-Z+/]+={0,2}$/.test(host)) return false;
  try {
    new URL(`https://${atob(host)}`);
    return false;
  } catch {
    res.writeHead(400, { "Content-Type": "text/plain; charset=utf-8" });
    res.end("The host parameter is not valid.");
    return true;
  }
}
