// Requests the app cannot read are the sender's mistake, and get a 4xx, never a 500 (which would say the app
// is broken, page someone, and make a well-behaved client retry). Found by the fuzz test (tests/faults):
//   - a body a route reads as a form or JSON but that is not one (wrong Content-Type, broken multipart, bad
//     JSON): routes and the Shopify library call request.formData()/json(), which throw; answered 400;
//   - a path with a malformed %-escape, which the router cannot decode: answered 400;
//   - a `host` parameter that is not base64 (the Shopify library's atob throws on it): answered 400;
//   - a cross-origin write (Remix throws for it, which answers 500): answered 403.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ServerBuild } from "@remix-run/node";

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

const refuse = (res: ServerResponse, status: 400 | 403, text: string) => {
  res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8" });
  res.end(text);
};

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
    refuse(res, 400, "The host parameter is not valid.");
    return true;
  }
}

/**
 * Answers 403 for a write whose Origin is not this host; true when it did. Remix refuses these itself (against
 * cross-site form posts) but by throwing, which answers 500 and logs a stack trace; this is the same rule,
 * checked first: the Origin's host must be X-Forwarded-Host's first entry when there is one, else Host.
 */
export function refuseCrossOriginWrite(req: IncomingMessage, res: ServerResponse): boolean {
  if (!["POST", "PUT", "PATCH", "DELETE"].includes(req.method ?? "")) return false;
  const origin = req.headers.origin;
  if (!origin) return false;
  const forwarded = headerValue(req.headers["x-forwarded-host"])?.split(",")[0]?.trim();
  const host = forwarded || req.headers.host;
  if (host && originHost(origin) === host) return false;
  refuse(res, 403, "Cross-origin requests may not change anything here.");
  return true;
}

const headerValue = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

function originHost(origin: string): string | null {
  if (origin === "null") return "null";
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}
