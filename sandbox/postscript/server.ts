/**
 * Contract-faithful local stand-in for Postscript's API (development/test tool; NOT part of the production
 * app). A real HTTP server on loopback built on node:http. The wire rules live in ./protocol.ts.
 *
 * Request pipeline for /api/v2/* (control API /__sandbox/* bypasses all of it):
 *   log → [fault] latency → [fault] timeout (hold socket) → [fault] 5xx → auth (401) → rate limit (429)
 *   → partner-without-shop (403) → route → [fault] timeout-after-processing → [fault] malformed 2xx → send
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { z } from "zod";
import { FaultController, defaultErrorBody, faultPatchSchema, type FaultConfig, type FaultPatch } from "./faults";
import {
  API_PREFIX,
  CONTROL_PREFIX,
  DEFAULT_RATE_LIMIT_PER_SECOND,
  DEFAULT_UNAUTHORIZED_BODY,
  ERROR_TYPES,
  PARTNER_WITHOUT_SHOP_BODY,
  PATHS,
  RATE_LIMIT_BODY,
  RATE_LIMIT_WINDOW_MS,
  SHOP_TOKEN_HEADER,
  SUBSCRIBER_PATH_RE,
  SUBSCRIBER_SORT_FIELDS,
  isPartnerKey,
  maskAuthorization,
  maskSecret,
  notFoundBody,
  parseAuthorization,
  v2Error,
  validateCustomEvent,
  validateSubscriberPatch,
  type ContractOptions,
  type SubscriberSortField,
  type V2ErrorBody,
} from "../../app/postscript/protocol";
import { ArrivalRecorder, SlidingWindowRateLimiter, type KeyRateStats } from "./rate-limit";
import { defaultSeed } from "./seed";
import { Store, StoreError, type Partner, type RequestRecord, type SeedData, type Shop, type SubscriberQuery } from "./store";

export interface PostscriptStandInOptions extends ContractOptions {
  /** 0 (default) = ephemeral port. */
  port?: number;
  /** Loopback only; default "127.0.0.1". */
  host?: string;
  /** Per-token limit; default 15 (documented). */
  rateLimitPerSecond?: number;
  /** Initial data; default `defaultSeed()`. `POST /__sandbox/reset` returns to it. */
  seed?: SeedData;
  /** Faults active from the start (same shape as POST /__sandbox/faults). */
  faults?: FaultPatch;
  /** Request-log ring size; default 10 000. */
  maxLoggedRequests?: number;
  /** Larger bodies get 413; default 1 MiB (Postscript's limit is undocumented). */
  maxBodyBytes?: number;
}

export interface PostscriptStandIn {
  url: string;
  port: number;
  close(): Promise<void>;
  /** In-process access to shops, subscribers, events and the request log. */
  state: Store;
  /** Same as POST /__sandbox/faults (merge) and DELETE /__sandbox/faults. */
  setFaults(patch: FaultPatch): FaultConfig;
  resetFaults(): void;
  /** Same as GET /__sandbox/rate: per token identity, requests by arrival and the most in any 1 s window. */
  rateStats(): KeyRateStats[];
  /** Same as DELETE /__sandbox/rate. */
  resetRateStats(): void;
}

interface ApiResult {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

type AuthResult =
  | { ok: true; shop: Shop | null; partner: Partner | null; bucket: string }
  | { ok: false; revoked: boolean; shop: Shop | null; partner: Partner | null };

const LOOPBACK = new Set(["127.0.0.1", "::1", "::ffff:127.0.0.1"]);

export async function startPostscriptStandIn(options: PostscriptStandInOptions = {}): Promise<PostscriptStandIn> {
  const host = options.host ?? "127.0.0.1";
  const defaultRate = options.rateLimitPerSecond ?? DEFAULT_RATE_LIMIT_PER_SECOND;
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const unauthorizedBody = options.unauthorizedBody ?? DEFAULT_UNAUTHORIZED_BODY;
  const seed = options.seed ?? defaultSeed();

  const store = new Store(seed, options.maxLoggedRequests);
  const faults = new FaultController();
  const limiter = new SlidingWindowRateLimiter(defaultRate, RATE_LIMIT_WINDOW_MS);
  const arrivals = new ArrivalRecorder(RATE_LIMIT_WINDOW_MS);
  const startedAt = Date.now();
  let closed = false;
  const sleepers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();

  function setFaults(patch: FaultPatch): FaultConfig {
    const cfg = faults.set(patch);
    if (patch.rateLimitPerSecond !== undefined) limiter.setLimit(patch.rateLimitPerSecond);
    return cfg;
  }
  function resetFaults(): void {
    faults.reset();
    limiter.setLimit(defaultRate);
  }
  if (options.faults) setFaults(faultPatchSchema.parse(options.faults));

  function sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          sleepers.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      sleepers.add(entry);
    });
  }

  // --- authentication --------------------------------------------------------------------------------

  function authenticate(req: IncomingMessage): AuthResult {
    const parsed = parseAuthorization(headerValue(req, "authorization"));
    if (!parsed.ok) return { ok: false, revoked: false, shop: null, partner: null };
    const token = parsed.token;
    if (faults.isRevoked(token)) {
      return { ok: false, revoked: true, shop: store.shopByPrivateKey(token) ?? null, partner: store.partnerByPrivateKey(token) ?? null };
    }
    if (isPartnerKey(token)) {
      // Documented partner mode: Bearer sk_partner_… + X-Postscript-Shop-Token: <shop sk_…>.
      const partner = store.partnerByPrivateKey(token);
      if (!partner) return { ok: false, revoked: false, shop: null, partner: null };
      const shopToken = headerValue(req, SHOP_TOKEN_HEADER);
      if (shopToken === undefined || shopToken === "") {
        // Partner alone: authenticated, own rate-limit bucket (documented), but no shop to act on.
        return { ok: true, shop: null, partner, bucket: `partner:${partner.id}` };
      }
      if (faults.isRevoked(shopToken)) return { ok: false, revoked: true, shop: store.shopByPrivateKey(shopToken) ?? null, partner };
      const shop = store.shopByPrivateKey(shopToken);
      if (!shop) return { ok: false, revoked: false, shop: null, partner };
      return { ok: true, shop, partner, bucket: `partner:${partner.id}|shop:${shop.id}` };
    }
    // Documented: the shop private key. A pk_ public key is simply not a known private key → 401.
    // Assumed: a shop key sent together with X-Postscript-Shop-Token: the header is ignored (docs: shop-token header
    // is "used only by partners").
    const shop = store.shopByPrivateKey(token);
    if (!shop) return { ok: false, revoked: false, shop: null, partner: null };
    return { ok: true, shop, partner: null, bucket: `shop:${shop.id}` };
  }

  // --- /api/v2 routes --------------------------------------------------------------------------------

  function route(method: string, path: string, url: URL, raw: Buffer, shop: Shop, partner: Partner | null, receivedAt: number): ApiResult {
    if (path === PATHS.me) {
      if (method !== "GET") return methodNotAllowed();
      // Documented: 200 {"resource_id":"shop_…","resource_name":"…","resource_type":"shop"}
      return { status: 200, body: { resource_id: shop.id, resource_name: shop.name, resource_type: "shop" } };
    }
    if (path === PATHS.events) {
      if (method !== "POST") return methodNotAllowed();
      const json = parseJson(raw);
      if (!json.ok) return badRequest([v2Error(["body"], "Invalid JSON body", ERROR_TYPES.jsonDecode)]);
      const v = validateCustomEvent(json.value);
      if (!v.ok) return badRequest(v.errors);
      if (options.externalIdDedup === "return-existing" && v.value.external_id !== undefined) {
        const existing = store.findEventByExternalId(shop.id, v.value.external_id);
        if (existing) return { status: 202, body: { event_ids: [existing.event_id] } };
      }
      const ev = store.recordEvent({ shop, partner, input: v.value, receivedAt });
      // Documented: 202 {"event_ids":["…"]}; queued, subscriber matching is async.
      return { status: 202, body: { event_ids: [ev.event_id] } };
    }
    if (path === PATHS.subscribers) {
      if (method !== "GET") return methodNotAllowed();
      const q = parseSubscriberQuery(url.searchParams);
      if (!q.ok) return badRequest(q.errors);
      const r = store.listSubscribers(shop.id, q.value);
      // Documented: {"page_info":{"page":1,"total_pages":1},"subscribers":[…]}
      return { status: 200, body: { page_info: { page: r.page, total_pages: r.total_pages }, subscribers: r.subscribers } };
    }
    const m = SUBSCRIBER_PATH_RE.exec(path);
    if (m) {
      const id = decodeURIComponent(m[1]);
      if (method === "GET") {
        const s = store.getSubscriber(shop.id, id);
        return s ? { status: 200, body: s } : { status: 404, body: notFoundBody("Subscriber not found") };
      }
      if (method === "PATCH") {
        const json = parseJson(raw);
        if (!json.ok) return badRequest([v2Error(["body"], "Invalid JSON body", ERROR_TYPES.jsonDecode)]);
        const v = validateSubscriberPatch(json.value);
        if (!v.ok) return badRequest(v.errors);
        const r = store.patchSubscriber(shop.id, id, v.value, options.subscriberPropertiesPatch ?? "merge");
        if (r.ok) return { status: 200, body: r.subscriber };
        if (r.reason === "not_found") return { status: 404, body: notFoundBody("Subscriber not found") };
        return badRequest([
          v2Error(["body", "properties"], `Subscribers can have up to 50 custom properties (would have ${r.count})`, ERROR_TYPES.tooManyProperties, {
            limit_value: 50,
            count: r.count,
          }),
        ]);
      }
      return methodNotAllowed();
    }
    return { status: 404, body: notFoundBody() };
  }

  // --- request handling ------------------------------------------------------------------------------

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL, raw: Buffer, tooLarge: boolean): Promise<void> {
    const receivedAt = Date.now();
    const t0 = performance.now();
    const path = url.pathname;
    const method = (req.method ?? "GET").toUpperCase();
    const rec: RequestRecord = store.logRequest({
      time: receivedAt,
      method,
      path,
      query: queryRecord(url.searchParams),
      headers: maskedHeaders(req),
      body: bodyForLog(raw),
      status: null,
      outcome: "pending",
      shop_id: null,
      shop_name: null,
      partner_id: null,
      fault: null,
      latency_ms: 0,
      duration_ms: null,
    });
    res.on("close", () => {
      if (!res.writableFinished) {
        rec.outcome = rec.fault === "timeout" ? "timeout" : "client_closed";
        rec.duration_ms = Math.round(performance.now() - t0);
      }
    });
    const send = (r: ApiResult, rawBody?: { contentType: string; body: string }) => {
      rec.status = r.status;
      if (res.destroyed || res.writableEnded) return;
      const payload = rawBody ?? { contentType: "application/json", body: JSON.stringify(r.body) };
      res.writeHead(r.status, { "content-type": payload.contentType, ...(r.headers ?? {}) });
      res.end(payload.body, () => {
        rec.outcome = "answered";
        rec.duration_ms = Math.round(performance.now() - t0);
      });
    };

    // [fault] latency
    const latency = faults.latencyFor(path);
    if (latency > 0) {
      rec.latency_ms = latency;
      await sleep(latency);
      if (closed) return;
    }
    // [fault] timeout: never answer; the socket stays open until the client gives up (or close()).
    const timeout = faults.hit("timeout", path);
    const cfg = faults.current;
    if (timeout) rec.fault = "timeout";
    if (timeout && !cfg.timeoutAfterProcessing) return;
    // [fault] 5xx before any processing (nothing recorded)
    if (!timeout && faults.hit("error", path)) {
      rec.fault = "error";
      const e = cfg.errorBody !== undefined ? { contentType: "text/plain", body: cfg.errorBody } : defaultErrorBody(cfg.errorStatus);
      return send({ status: cfg.errorStatus, body: null }, e);
    }
    if (tooLarge) {
      return send({ status: 413, body: { errors: [v2Error(["body"], "Request body too large", ERROR_TYPES.payloadTooLarge)] } });
    }

    // auth → 401 (body configurable; undocumented)
    const auth = authenticate(req);
    rec.shop_id = auth.shop?.id ?? null;
    rec.shop_name = auth.shop?.name ?? null;
    rec.partner_id = auth.partner?.id ?? null;
    if (!auth.ok) {
      if (auth.revoked && rec.fault === null) rec.fault = "revoked";
      return timeout ? undefined : send({ status: 401, body: unauthorizedBody });
    }
    // rate limit → 429, per token identity (documented)
    // Counted at arrival, as a gateway in front of Postscript would, not when this check runs.
    const decision = limiter.take(auth.bucket, t0);
    arrivals.record(auth.bucket, t0, decision.allowed);
    if (!decision.allowed) {
      const retryAfter = (cfg.retryAfterOn429 ?? options.retryAfterOn429 ?? false)
        ? { "retry-after": String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000))) }
        : undefined;
      return timeout ? undefined : send({ status: 429, body: RATE_LIMIT_BODY, headers: retryAfter });
    }
    if (auth.shop === null) return timeout ? undefined : send({ status: 403, body: PARTNER_WITHOUT_SHOP_BODY });

    let result: ApiResult;
    try {
      result = route(method, path, url, raw, auth.shop, auth.partner, receivedAt);
    } catch (err) {
      result = { status: 500, body: { errors: [v2Error([], `stand-in bug: ${(err as Error).message}`, "v2.internal_error")] } };
    }
    if (timeout) return; // processed, answer lost ([fault] timeoutAfterProcessing)
    // [fault] malformed: counted among would-be-2xx answers
    if (result.status >= 200 && result.status < 300 && faults.hit("malformed", path)) {
      rec.fault = "malformed";
      const full = JSON.stringify(result.body);
      return send(result, { contentType: "application/json", body: full.slice(0, Math.max(1, Math.floor(full.length / 2))) });
    }
    send(result);
  }

  // --- control API -----------------------------------------------------------------------------------

  const shopBodySchema = z
    .object({
      name: z.string().min(1),
      key: z.string().optional(),
      id: z.string().optional(),
      subscribers: z
        .array(
          z
            .object({
              id: z.string().optional(),
              email: z.string().nullable().optional(),
              phone_number: z.string().nullable().optional(),
              shopify_customer_id: z.number().int().nullable().optional(),
              properties: z.record(z.union([z.string(), z.number(), z.array(z.string())])).optional(),
              tags: z.array(z.string()).optional(),
              can_send: z.object({ promotional: z.boolean().optional(), transactional: z.boolean().optional() }).optional(),
              created_at: z.string().optional(),
            })
            .strict(),
        )
        .optional(),
    })
    .strict();

  function control(method: string, path: string, url: URL, raw: Buffer): ApiResult {
    const sub = path.slice(CONTROL_PREFIX.length) || "/";
    const sp = url.searchParams;
    const body = () => {
      const j = parseJson(raw.length === 0 ? Buffer.from("{}") : raw);
      if (!j.ok) throw new ControlError("body is not JSON");
      return j.value;
    };
    switch (`${method} ${sub}`) {
      case "GET /health":
        return {
          status: 200,
          body: {
            ok: true,
            service: "postscript-stand-in",
            uptime_ms: Date.now() - startedAt,
            shops: store.shops.size,
            events: store.events.length,
            requests: store.requests.length,
            rate_limit_per_second: limiter.limitPerWindow,
            faults: faults.current,
          },
        };
      case "GET /requests": {
        const since = sp.get("since");
        if (since !== null && !/^\d+$/.test(since)) throw new ControlError("since must be a non-negative integer");
        const list = store.requestsFor({ since: since === null ? undefined : Number(since), path: sp.get("path") ?? undefined, method: sp.get("method") ?? undefined });
        return { status: 200, body: { requests: list, last_seq: store.requests.at(-1)?.seq ?? Number(since ?? 0) } };
      }
      case "DELETE /requests":
        return { status: 200, body: { cleared: store.clearRequests() } };
      case "GET /events":
        return { status: 200, body: { events: store.eventsFor({ shop: sp.get("shop") ?? undefined, type: sp.get("type") ?? undefined }) } };
      case "DELETE /events": {
        const n = store.events.length;
        store.events = [];
        return { status: 200, body: { cleared: n } };
      }
      case "GET /faults":
        return { status: 200, body: { faults: faults.current, rate_limit_per_second: limiter.limitPerWindow } };
      case "POST /faults": {
        const parsed = faultPatchSchema.safeParse(body());
        if (!parsed.success) return { status: 400, body: { error: "invalid faults", issues: parsed.error.issues } };
        return { status: 200, body: { faults: setFaults(parsed.data), rate_limit_per_second: limiter.limitPerWindow } };
      }
      case "DELETE /faults":
        resetFaults();
        return { status: 200, body: { faults: faults.current, rate_limit_per_second: limiter.limitPerWindow } };
      case "GET /shops":
        return {
          status: 200,
          body: {
            shops: [...store.shops.values()].map((s) => ({ ...shopJson(s), subscribers: store.subscribersOf(s.id).length })),
            partners: [...store.partners.values()],
          },
        };
      case "POST /shops": {
        const parsed = shopBodySchema.safeParse(body());
        if (!parsed.success) return { status: 400, body: { error: "invalid shop", issues: parsed.error.issues } };
        const { shop, subscribers } = store.addShop(parsed.data);
        return { status: 201, body: { ...shopJson(shop), subscribers } };
      }
      case "GET /rate":
        return { status: 200, body: { window_ms: RATE_LIMIT_WINDOW_MS, keys: arrivals.stats() } };
      case "DELETE /rate":
        arrivals.reset();
        return { status: 200, body: { ok: true } };
      case "POST /reset":
        store.reset();
        resetFaults();
        limiter.reset();
        arrivals.reset();
        return { status: 200, body: { ok: true } };
    }
    return { status: 404, body: { error: `unknown control endpoint ${method} ${path}` } };
  }

  // --- server ----------------------------------------------------------------------------------------

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://stand-in.local");
      const { raw, tooLarge } = await readBody(req, maxBodyBytes);
      if (url.pathname === CONTROL_PREFIX || url.pathname.startsWith(`${CONTROL_PREFIX}/`)) {
        // Control API: no auth, loopback only, not logged, no faults.
        let r: ApiResult;
        if (!LOOPBACK.has(req.socket.remoteAddress ?? "")) r = { status: 403, body: { error: "control API is loopback-only" } };
        else {
          try {
            r = control((req.method ?? "GET").toUpperCase(), url.pathname, url, raw);
          } catch (err) {
            r = { status: 400, body: { error: err instanceof ControlError || err instanceof StoreError ? err.message : String(err) } };
          }
        }
        res.writeHead(r.status, { "content-type": "application/json" });
        res.end(JSON.stringify(r.body));
        return;
      }
      if (url.pathname === API_PREFIX || url.pathname.startsWith(`${API_PREFIX}/`)) {
        await handleApi(req, res, url, raw, tooLarge);
        return;
      }
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify(notFoundBody()));
    })().catch((err: unknown) => {
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ errors: [v2Error([], `stand-in bug: ${String(err)}`, "v2.internal_error")] }));
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;

  return {
    url,
    port,
    state: store,
    setFaults: (patch) => setFaults(faultPatchSchema.parse(patch)),
    resetFaults,
    rateStats: () => arrivals.stats(),
    resetRateStats: () => arrivals.reset(),
    close: async () => {
      if (closed) return;
      closed = true;
      for (const s of sleepers) {
        clearTimeout(s.timer);
        s.resolve();
      }
      sleepers.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // includes sockets held open by the timeout fault
      });
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------------------------

class ControlError extends Error {}

function shopJson(s: Shop) {
  return { id: s.id, name: s.name, key: s.key, public_key: s.publicKey };
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function methodNotAllowed(): ApiResult {
  return { status: 405, body: { errors: [v2Error([], "Method Not Allowed", ERROR_TYPES.methodNotAllowed)] } };
}

function badRequest(errors: V2ErrorBody["errors"]): ApiResult {
  return { status: 400, body: { errors } };
}

function parseJson(raw: Buffer): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(raw.toString("utf8")) };
  } catch {
    return { ok: false };
  }
}

function bodyForLog(raw: Buffer): unknown {
  if (raw.length === 0) return null;
  const j = parseJson(raw);
  if (j.ok) return j.value;
  const text = raw.toString("utf8");
  return text.length > 10_000 ? `${text.slice(0, 10_000)}…` : text;
}

function queryRecord(sp: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(sp.keys())) {
    const all = sp.getAll(key);
    out[key] = all.length === 1 ? all[0] : all;
  }
  return out;
}

function maskedHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    const value = Array.isArray(v) ? v.join(", ") : v;
    out[k] = k === "authorization" ? maskAuthorization(value) : k === SHOP_TOKEN_HEADER ? maskSecret(value) : value;
  }
  return out;
}

function parseSubscriberQuery(sp: URLSearchParams): { ok: true; value: SubscriberQuery } | { ok: false; errors: V2ErrorBody["errors"] } {
  const errors: V2ErrorBody["errors"] = [];
  const pageRaw = sp.get("page");
  let page = 1;
  if (pageRaw !== null) {
    if (!/^\d+$/.test(pageRaw) || Number(pageRaw) < 1) {
      errors.push(v2Error(["query", "page"], "page must be a positive integer", ERROR_TYPES.notInteger));
    } else page = Number(pageRaw);
  }
  // RudderStack's destination sends repeated `phone_number__in=` params; comma-separated values are also accepted (assumed).
  const list = (key: string): string[] | undefined => {
    const all = sp.getAll(key);
    return all.length === 0 ? undefined : all.flatMap((v) => v.split(",")).map((v) => v.trim()).filter((v) => v !== "");
  };
  let sort: SubscriberQuery["sort"];
  const sortRaw = sp.get("sort");
  if (sortRaw !== null) {
    const m = /^([a-z_]+)__(asc|desc)$/.exec(sortRaw);
    if (!m || !(SUBSCRIBER_SORT_FIELDS as readonly string[]).includes(m[1])) {
      errors.push(v2Error(["query", "sort"], `sort must be one of ${SUBSCRIBER_SORT_FIELDS.map((f) => `${f}__asc|${f}__desc`).join(", ")}`, ERROR_TYPES.regex));
    } else sort = { field: m[1] as SubscriberSortField, dir: m[2] as "asc" | "desc" };
  }
  if (errors.length > 0) return { ok: false, errors };
  // Other documented filters (__contains, created_at__gt, …) are not implemented and are ignored.
  return {
    ok: true,
    value: {
      page,
      sort,
      phone_number__eq: sp.get("phone_number__eq") ?? undefined,
      phone_number__in: list("phone_number__in"),
      email__eq: sp.get("email__eq") ?? undefined,
      email__in: list("email__in"),
      shopify_customer_id__eq: sp.get("shopify_customer_id__eq") ?? undefined,
    },
  };
}

function readBody(req: IncomingMessage, max: number): Promise<{ raw: Buffer; tooLarge: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > max) tooLarge = true;
      else chunks.push(c);
    });
    req.on("end", () => resolve({ raw: tooLarge ? Buffer.alloc(0) : Buffer.concat(chunks), tooLarge }));
    req.on("error", () => resolve({ raw: Buffer.alloc(0), tooLarge }));
    req.on("close", () => resolve({ raw: tooLarge ? Buffer.alloc(0) : Buffer.concat(chunks), tooLarge }));
  });
}
