/** Small fetch helpers shared by the stand-in's tests (real HTTP over loopback, no mocks). */

// Tests assert on arbitrary JSON shapes; `any` keeps those assertions readable.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

export interface CallOptions {
  method?: string;
  key?: string | null;
  /** Raw Authorization header value (overrides `key`). */
  authorization?: string;
  headers?: Record<string, string>;
  /** Object → JSON; string → sent as is. */
  body?: unknown;
  signal?: AbortSignal;
}

export interface CallResult {
  status: number;
  headers: Headers;
  text: string;
  json: Json;
  ms: number;
}

export async function call(base: string, path: string, opts: CallOptions = {}): Promise<CallResult> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.authorization !== undefined) headers.authorization = opts.authorization;
  else if (opts.key) headers.authorization = `Bearer ${opts.key}`;
  let body: string | undefined;
  if (opts.body !== undefined) {
    body = typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body);
    headers["content-type"] ??= "application/json";
  }
  const t0 = performance.now();
  const res = await fetch(`${base}${path}`, { method: opts.method ?? (body !== undefined ? "POST" : "GET"), headers, body, signal: opts.signal });
  const text = await res.text();
  const ms = performance.now() - t0;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json, ms };
}

export async function control(base: string, path: string, method = "GET", body?: unknown): Promise<Json> {
  const res = await fetch(`${base}/__sandbox${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`control ${method} ${path} → ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Asserts the v2 validation error shape and returns the error list. */
export function v2Errors(json: Json): Array<{ ctx: object; log: string[]; msg: string; type: string; loc: (string | number)[] }> {
  if (!json || !Array.isArray(json.errors) || json.errors.length === 0) throw new Error(`not a v2 error body: ${JSON.stringify(json)}`);
  for (const e of json.errors) {
    if (typeof e.ctx !== "object" || e.ctx === null || Array.isArray(e.ctx)) throw new Error(`ctx not an object: ${JSON.stringify(e)}`);
    if (!Array.isArray(e.log) || !e.log.every((l: unknown) => typeof l === "string")) throw new Error(`log not string[]: ${JSON.stringify(e)}`);
    if (typeof e.msg !== "string" || typeof e.type !== "string" || !Array.isArray(e.loc)) throw new Error(`bad error entry: ${JSON.stringify(e)}`);
  }
  return json.errors;
}
