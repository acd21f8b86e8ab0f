// A small fetch for the delivery worker's requests to Postscript: node:http(s) over a keep-alive agent, the
// body read whole. The worker sends hundreds of requests per second, and undici's fetch (WHATWG streams,
// Request/Response objects) costs several times the CPU and allocations of a plain request; the callers only
// need status, headers and text. Failures look like fetch's, so timedFetch classifies them the same way: an
// aborted request rejects with the signal's reason (AbortSignal.timeout → DOMException "TimeoutError"), a
// network failure with TypeError("fetch failed") whose cause carries the code (ECONNREFUSED, ECONNRESET…).
import http from "node:http";
import https from "node:https";

export interface KeepAliveFetchOptions {
  /** Sockets per origin (default 256). */
  maxSockets?: number;
}

class FetchedResponse {
  readonly ok: boolean;
  readonly headers: { get(name: string): string | null; has(name: string): boolean };
  constructor(
    readonly status: number,
    rawHeaders: http.IncomingHttpHeaders,
    private readonly body: string,
  ) {
    this.ok = status >= 200 && status < 300;
    const get = (name: string) => {
      const value = rawHeaders[name.toLowerCase()];
      return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
    };
    this.headers = { get, has: (name) => get(name) !== null };
  }
  async text() {
    return this.body;
  }
  async json() {
    return JSON.parse(this.body) as unknown;
  }
}

export function keepAliveFetch(options: KeepAliveFetchOptions = {}): typeof fetch {
  const maxSockets = options.maxSockets ?? 256;
  const agents = {
    "http:": new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets }),
    "https:": new https.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets }),
  };
  const request = (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(typeof input === "string" || input instanceof URL ? input : input.url);
    const protocol = url.protocol as "http:" | "https:";
    if (!agents[protocol]) return Promise.reject(new TypeError(`unsupported protocol ${url.protocol}`));
    const signal = init.signal ?? undefined;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => (headers[name] = value));
    const body = typeof init.body === "string" ? init.body : init.body == null ? undefined : String(init.body);
    if (body !== undefined) headers["content-length"] = String(Buffer.byteLength(body));
    return new Promise<Response>((resolve, reject) => {
      let settled = false;
      const fail = (error: unknown) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener("abort", onAbort);
        reject(error);
      };
      const onAbort = () => {
        fail(signal!.reason);
        req.destroy();
      };
      const req = (protocol === "https:" ? https : http).request(url, { method: init.method ?? "GET", headers, agent: agents[protocol] }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", (error) => fail(Object.assign(new TypeError("fetch failed"), { cause: error })));
        res.on("end", () => {
          if (settled) return;
          settled = true;
          signal?.removeEventListener("abort", onAbort);
          resolve(new FetchedResponse(res.statusCode ?? 0, res.headers, Buffer.concat(chunks).toString("utf8")) as unknown as Response);
        });
      });
      req.on("error", (error) => fail(Object.assign(new TypeError("fetch failed"), { cause: error })));
      signal?.addEventListener("abort", onAbort, { once: true });
      req.end(body);
    });
  };
  return request as typeof fetch;
}
