// Requests the app cannot read are the sender's mistake, and get a 4xx, never a 500 (which would say the app
// is broken, page someone, and make a well-behaved client retry). Found by the fuzz test (tests/faults):
//   - a body a route reads as a form or JSON but that is not one (wrong Content-Type, broken multipart, bad
//     JSON): routes and the Shopify library call request.formData()/json(), which throw; answered 400;
//   - a path with a malformed %-escape, which the router cannot decode: answered 400.
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
