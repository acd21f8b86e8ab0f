// Helpers for the connection tests: the Postscript and Loop stand-ins over real HTTP with the app's config
// pointed at them, environment changes that the (cached) config sees, and route calls through the real
// authenticate.admin with a session token for a given shop.
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { afterAll, beforeAll } from "vitest";
import { startLoopStandIn, type LoopStandIn } from "../../sandbox/loop/server";
import { startPostscriptStandIn, type PostscriptStandIn } from "../../sandbox/postscript/server";
import { resetConfigForTests } from "~/config/env.server";
import { adminDocumentRequest, adminFetchRequest, runRoute } from "./shopify";

/** Sets environment variables for the app's config (re-read on next use); returns a function that restores them. */
export function setTestEnv(vars: Record<string, string | undefined>): () => void {
  const previous = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    resetConfigForTests();
  };
  apply(vars);
  return () => apply(previous);
}

/** Runs `fn` with `vars` in the environment, restoring it afterwards. */
export async function withTestEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const restore = setTestEnv(vars);
  try {
    return await fn();
  } finally {
    restore();
  }
}

/**
 * Starts both stand-ins for the calling describe block (after its database hooks, so the config they reset is
 * then pointed at the stand-ins). Returns getters.
 */
export function useStandIns() {
  let postscript: PostscriptStandIn | undefined;
  let loop: LoopStandIn | undefined;
  let restore: (() => void) | undefined;
  beforeAll(async () => {
    postscript = await startPostscriptStandIn();
    loop = await startLoopStandIn();
    restore = setTestEnv({ POSTSCRIPT_API_URL: postscript.url, LOOP_API_URL: loop.url, POSTSCRIPT_TIMEOUT_MS: "3000", LOOP_TIMEOUT_MS: "3000" });
  });
  afterAll(async () => {
    restore?.();
    await postscript?.close();
    await loop?.close();
  });
  return {
    get postscript(): PostscriptStandIn {
      if (!postscript) throw new Error("the stand-ins start in beforeAll");
      return postscript;
    },
    get loop(): LoopStandIn {
      if (!loop) throw new Error("the stand-ins start in beforeAll");
      return loop;
    },
  };
}

type RouteFunction = (args: LoaderFunctionArgs & ActionFunctionArgs) => unknown;
// Tests read the routes' JSON freely (as the lint config allows in *.test.ts files).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** POSTs a form to a route's action as the embedded app does (bearer session token of `shop`); returns the JSON. */
export async function submitForm<T = Json>(action: RouteFunction, shop: string, pathname: string, fields: Record<string, string | string[]>): Promise<T> {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) {
    for (const item of Array.isArray(value) ? value : [value]) body.append(name, item);
  }
  const request = await adminFetchRequest(shop, pathname, { method: "POST", body, headers: { "Content-Type": "application/x-www-form-urlencoded" } });
  const response = await runRoute(action, request);
  if (response.status !== 200) throw new Error(`action answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

/** Runs a route's loader as a document load in Shopify admin would; returns the raw JSON text and the parsed data. */
export async function loadRoute<T = Json>(loader: RouteFunction, shop: string, pathname: string): Promise<{ text: string; data: T }> {
  const response = await runRoute(loader, await adminDocumentRequest(shop, pathname));
  const text = await response.text();
  if (response.status !== 200) throw new Error(`loader answered ${response.status}: ${text}`);
  return { text, data: JSON.parse(text) as T };
}
