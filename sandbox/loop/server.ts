// Loop Subscriptions stand-in: a loopback HTTP server with the Admin API subset the app needs (token check,
// webhook subscribe/list/unsubscribe) and a sandbox control plane that plays Loop's webhook sender
// (fan-out to subscribed addresses, signed with each subscription's secret). Development/test tool only.
import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import {
  ADMIN_BASE_PATH,
  ADMIN_PATHS,
  ALL_LOOP_TOPICS,
  ALL_SCOPES,
  INVALID_TOKEN_MESSAGE,
  LOOP_API_VERSION,
  LOOP_REQUESTS_PER_SECOND,
  SANDBOX_PATHS,
  SCOPES,
  SUBSCRIPTION_PAGE_PARAMS,
  SUBSCRIPTION_PAGE_SIZE_MAX,
  TOKEN_HEADER,
  isConsumedTopic,
  isKnownTopic,
  type LoopApiResponse,
  type LoopScope,
  type LoopWebhookSubscription,
  type RetryInfoStyle,
  type PayloadSpelling,
} from "../../app/loop/protocol";
import { generatePayload, type GenerateOptions } from "./payloads";
import { createPrng, hashSeed } from "./prng";
import { cataloguePage, type SubscriptionCatalogue } from "./subscriptions";
import { createLoopSender, startEventStream, summarize, type DeliveryResult, type EventStream, type LoopSender, type LoopSenderOptions } from "./sender";
import type { KnownLoopTopic, TopicMix } from "./topics";

// ---------------------------------------------------------------------------------------------------------
// Seeds (fake values for local development and tests — not secrets)
// ---------------------------------------------------------------------------------------------------------

export const DEMO_SHOP = "demo-shop.myshopify.com";
/** Token with every scope, for the demo. */
export const DEMO_TOKEN = "loop_demo_4f1c2e9a7b3d8e6f";
/** Token of the demo shop WITHOUT the webhook scope (tests the 403 path). */
export const DEMO_READONLY_TOKEN = "loop_demo_readonly_9a8b7c6d";
/** A second store, to test isolation between shops. */
export const SECOND_SHOP = "second-shop.myshopify.com";
export const SECOND_TOKEN = "loop_second_2b4d6f8a1c3e";

export interface StoreToken {
  token: string;
  name: string;
  scopes: LoopScope[];
}
export interface LoopStore {
  shopDomain: string;
  name: string;
  currencyCode: string;
  tokens: StoreToken[];
}

export const DEFAULT_STORES: LoopStore[] = [
  {
    shopDomain: DEMO_SHOP,
    name: "Demo Shop",
    currencyCode: "USD",
    tokens: [
      { token: DEMO_TOKEN, name: "Postscript bridge (demo)", scopes: [...ALL_SCOPES] },
      { token: DEMO_READONLY_TOKEN, name: "Read-only reporting", scopes: [SCOPES.readSubscriptions, SCOPES.readOrders] },
    ],
  },
  {
    shopDomain: SECOND_SHOP,
    name: "Second Shop",
    currencyCode: "CAD",
    tokens: [{ token: SECOND_TOKEN, name: "Postscript bridge (second)", scopes: [...ALL_SCOPES] }],
  },
];

// ---------------------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------------------

export type StoredWebhook = LoopWebhookSubscription & { shopDomain: string };

export interface ApiRequestLog {
  at: string;
  method: string;
  path: string;
  shopDomain: string | null;
  status: number;
  /** The query string ("?pageNo=2&pageSize=50"), when there was one. */
  search?: string;
}

/**
 * Admin API faults, for the app's retries: the next `count` requests (every one when absent) of the given
 * methods (all when absent) are answered `status`, or, with `hold`, wait unanswered until the faults are
 * cleared. A held request whose client went away meanwhile (a killed app) is dropped, as if it never reached
 * Loop, so a test can tell a removal that happened from one that was cut off.
 */
export interface AdminFaults {
  status?: 429 | 500 | 502 | 503;
  count?: number;
  hold?: boolean;
  methods?: string[];
}

export interface StreamInfo {
  shopDomain: string;
  ratePerMinute: number;
  seed: string | number;
  stream: EventStream;
}

export interface LoopStandInState {
  stores: Map<string, LoopStore>;
  webhooks: Map<number, StoredWebhook>;
  /** Every delivery (duplicates included), newest last; records are updated in place while retries run. */
  deliveries: DeliveryResult[];
  requests: ApiRequestLog[];
  streams: Map<string, StreamInfo>;
  settings: { duplicateSubscribe: "reject" | "idempotent"; requireHttps: boolean; webhookSecrets: WebhookSecretScope };
  faults: AdminFaults | null;
  /** Admin requests held by a `hold` fault right now. */
  held: number;
  /** Each store's subscriptions (sandbox/loop/subscriptions.ts); a store without one has none. */
  subscriptions: Map<string, SubscriptionCatalogue>;
  /** Subscription list requests per second and store before Loop answers 429 (0: no limit). */
  listRatePerSecond: number;
}

/**
 * Loop's documentation says each delivery is signed with "a secret unique to that webhook", which reads as one
 * secret per webhook subscription ("per-webhook", the default) or, read the other way, one per store that every
 * webhook of the store shares ("per-store"). Which one is real decides whether the app can check a webhook the
 * merchant added by hand, so the stand-in plays either.
 */
export type WebhookSecretScope = "per-webhook" | "per-store";

export interface LoopStandInOptions {
  /** 0 = ephemeral. Default 0. */
  port?: number;
  host?: string;
  /** Seeds webhook secrets and the event seeds used when a request gives none. */
  seed?: number | string;
  /** Extra stores (added to the defaults unless seedDefaults is false). */
  stores?: LoopStore[];
  seedDefaults?: boolean;
  /** Sender behaviour (timeoutMs, retries, signatureEncoding, duplicateRate, outOfOrder, …). */
  sender?: Omit<LoopSenderOptions, "url" | "endpoint" | "secret" | "secretFor">;
  /**
   * Loop's behaviour for a second subscription to the same topic+address is unknown.
   * "reject" (default): 409 with the existing id (no secret). "idempotent": 200 with the existing subscription.
   */
  duplicateSubscribe?: "reject" | "idempotent";
  /** Loop requires HTTPS addresses. Off by default so a local app (http://localhost) can subscribe. */
  requireHttps?: boolean;
  webhookSecrets?: WebhookSecretScope;
  maxDeliveries?: number;
  log?: (line: string) => void;
  /** Each store's subscriptions, by shop domain. */
  subscriptions?: Record<string, SubscriptionCatalogue>;
  /** Subscription list requests per second and store; default LOOP_REQUESTS_PER_SECOND, 0 = unlimited. */
  listRatePerSecond?: number;
}

export interface LoopStandIn {
  url: string;
  port: number;
  state: LoopStandInState;
  sender: LoopSender;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------
// HTTP helpers
// ---------------------------------------------------------------------------------------------------------

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

function loopResponse<T>(res: http.ServerResponse, code: number, message: string, data: T, pageInfo?: LoopApiResponse<T>["pageInfo"]): number {
  const body: LoopApiResponse<T> = { success: code >= 200 && code < 300, message, code, data, ...(pageInfo ? { pageInfo } : {}) };
  sendJson(res, code, body);
  return code;
}

async function readJson(req: http.IncomingMessage, limit = 1_000_000): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, "body too large");
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8").trim();
  if (!text) return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
    return parsed as Record<string, unknown>;
  } catch {
    throw new HttpError(400, "body must be a JSON object");
  }
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v.length > 0 ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

function parseFaults(body: Record<string, unknown>): AdminFaults {
  const faults: AdminFaults = {};
  if (body.status !== undefined) {
    if (![429, 500, 502, 503].includes(body.status as number)) throw new HttpError(400, "status must be 429, 500, 502 or 503");
    faults.status = body.status as AdminFaults["status"];
  }
  if (body.count !== undefined) {
    if (!(Number.isInteger(body.count) && (body.count as number) >= 0)) throw new HttpError(400, "count must be a non-negative integer");
    faults.count = body.count as number;
  }
  if (body.hold !== undefined) faults.hold = body.hold === true;
  if (body.methods !== undefined) {
    if (!(Array.isArray(body.methods) && body.methods.every((m) => typeof m === "string"))) throw new HttpError(400, "methods must be an array of HTTP methods");
    faults.methods = (body.methods as string[]).map((m) => m.toUpperCase());
  }
  if (!faults.status && !faults.hold) throw new HttpError(400, "give a status or hold");
  return faults;
}

/** Public view of a delivery (no nested duplicate records; they are listed on their own). */
function deliveryView(d: DeliveryResult): Record<string, unknown> {
  const { duplicates, ...rest } = d;
  return { ...rest, duplicateCount: duplicates.length };
}

function itemSeed(seed: string | number, i: number): string | number {
  return i === 0 ? seed : `${seed}:${i}`;
}

// ---------------------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------------------

export async function startLoopStandIn(opts: LoopStandInOptions = {}): Promise<LoopStandIn> {
  const log = opts.log ?? (() => {});
  const seed = opts.seed ?? 1;
  const secretPrng = createPrng(hashSeed("loop-webhook-secrets", seed));
  let autoSeed = 0;
  let nextWebhookId = 1001;

  const state: LoopStandInState = {
    stores: new Map(),
    webhooks: new Map(),
    deliveries: [],
    requests: [],
    streams: new Map(),
    settings: {
      duplicateSubscribe: opts.duplicateSubscribe ?? "reject",
      requireHttps: opts.requireHttps ?? false,
      webhookSecrets: opts.webhookSecrets ?? "per-webhook",
    },
    faults: null,
    held: 0,
    subscriptions: new Map(Object.entries(opts.subscriptions ?? {})),
    listRatePerSecond: opts.listRatePerSecond ?? LOOP_REQUESTS_PER_SECOND,
  };
  /** Per store: when its list-rate bucket was last filled, and how many requests it holds. */
  const listBuckets = new Map<string, { at: number; tokens: number }>();

  /** Loop's per-store limit on the list: null when the request may go, else the seconds to wait. */
  function listRetryAfter(shop: string): number | null {
    const rate = state.listRatePerSecond;
    if (rate <= 0) return null;
    const now = Date.now();
    const bucket = listBuckets.get(shop) ?? { at: now, tokens: rate };
    bucket.tokens = Math.min(rate, bucket.tokens + ((now - bucket.at) / 1000) * rate);
    bucket.at = now;
    listBuckets.set(shop, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return null;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / rate));
  }
  /** Releases every held request (when faults are cleared or the stand-in closes). */
  const releases = new Set<() => void>();
  const storeSecrets = new Map<string, string>();
  for (const s of [...(opts.seedDefaults === false ? [] : DEFAULT_STORES), ...(opts.stores ?? [])]) {
    state.stores.set(s.shopDomain, structuredClone(s));
  }
  const maxDeliveries = opts.maxDeliveries ?? 5_000;

  const sender = createLoopSender({
    ...opts.sender,
    seed: opts.sender?.seed ?? seed,
    endpoint: (_shop, ctx) => {
      const wh = state.webhooks.get(Number(ctx.webhookSubscriptionId));
      if (!wh) throw new Error(`webhook subscription ${ctx.webhookSubscriptionId} not found`);
      return wh.address;
    },
    secretFor: (ctx) => {
      const wh = state.webhooks.get(Number(ctx.webhookSubscriptionId));
      if (!wh) throw new Error(`webhook subscription ${ctx.webhookSubscriptionId} not found`);
      return wh.secret;
    },
    onDeliveryStart: (d) => {
      state.deliveries.push(d);
      if (state.deliveries.length > maxDeliveries) state.deliveries.splice(0, state.deliveries.length - maxDeliveries);
    },
    onDeliveryDone: (d) => {
      const last = d.attempts[d.attempts.length - 1];
      log(`[loop] ${d.duplicate ? "dup " : ""}${d.topic} ${d.webhookId} → ${d.url} ${d.state} (${d.attempts.length} attempt(s), last ${last?.status ?? last?.outcome})`);
    },
  });

  function findToken(token: string | undefined): { store: LoopStore; token: StoreToken } | null {
    if (!token) return null;
    for (const store of state.stores.values()) {
      const t = store.tokens.find((x) => x.token === token);
      if (t) return { store, token: t };
    }
    return null;
  }

  function newSecret(shopDomain: string): string {
    // Loop's secret format is unknown; 64 hex chars, deterministic per server seed and creation order.
    const make = () => createHash("sha256").update(secretPrng.hex(64)).digest("hex");
    if (state.settings.webhookSecrets === "per-webhook") return make();
    let secret = storeSecrets.get(shopDomain);
    if (!secret) storeSecrets.set(shopDomain, (secret = make()));
    return secret;
  }

  /** A subscription, made through the Admin API (with a token) or by the merchant in Loop's admin. */
  function addWebhook(shopDomain: string, topic: string, address: string): StoredWebhook {
    const wh: StoredWebhook = {
      id: nextWebhookId++,
      topic,
      address,
      version: LOOP_API_VERSION,
      secret: newSecret(shopDomain),
      createdAt: new Date().toISOString(),
      shopDomain,
    };
    state.webhooks.set(wh.id, wh);
    return wh;
  }

  /** Admin API rule for an address: absolute; HTTPS, or plain HTTP while the stand-in allows it. */
  function addressProblem(address: string): string | null {
    let parsed: URL;
    try {
      parsed = new URL(address);
    } catch {
      return "address must be an absolute URL";
    }
    if (parsed.protocol !== "https:" && (state.settings.requireHttps || parsed.protocol !== "http:")) return "address must use HTTPS";
    return null;
  }

  function subscriptionsFor(shopDomain: string, topic: string): StoredWebhook[] {
    return [...state.webhooks.values()].filter((w) => w.shopDomain === shopDomain && w.topic === topic);
  }

  /** Generate `count` events and deliver each to every subscription of shop+topic. */
  function fanOut(input: {
    shopDomain: string;
    topic: KnownLoopTopic;
    count: number;
    seed: string | number;
    generate: Omit<GenerateOptions, "seed" | "shopDomain">;
    ratePerSecond?: number;
    createdAt?: number;
  }) {
    const subs = subscriptionsFor(input.shopDomain, input.topic);
    const items = [];
    for (let i = 0; i < input.count; i++) {
      const env = generatePayload(input.topic, { ...input.generate, seed: itemSeed(input.seed, i), shopDomain: input.shopDomain });
      for (const wh of subs) {
        items.push({
          shopDomain: input.shopDomain,
          topic: input.topic,
          payload: env.payload,
          webhookSubscriptionId: wh.id,
          ...(input.createdAt !== undefined ? { createdAt: input.createdAt } : {}),
        });
      }
    }
    return { subscriptions: subs.length, batch: items.length > 0 ? sender.sendBatch(items, { ratePerSecond: input.ratePerSecond }) : null };
  }

  // ---- Admin API ----------------------------------------------------------------------------------------

  async function handleAdmin(req: http.IncomingMessage, res: http.ServerResponse, path: string, query: URLSearchParams): Promise<{ status: number; shop: string | null }> {
    const method = req.method ?? "GET";
    const auth = findToken(str(req.headers[TOKEN_HEADER]));
    if (!auth) return { status: loopResponse(res, 401, INVALID_TOKEN_MESSAGE, null), shop: null };
    const shop = auth.store.shopDomain;
    if (!path.startsWith(ADMIN_BASE_PATH + "/")) {
      return { status: loopResponse(res, 404, `unsupported API version or path; this stand-in serves ${ADMIN_BASE_PATH}`, null), shop };
    }
    const sub = path.slice(ADMIN_BASE_PATH.length);

    if (sub === ADMIN_PATHS.tokenCheck && method === "GET") {
      return {
        status: loopResponse(res, 200, "Store details fetched", {
          myshopifyDomain: shop,
          name: auth.store.name,
          currencyCode: auth.store.currencyCode,
          token: { name: auth.token.name, scopes: auth.token.scopes },
        }),
        shop,
      };
    }

    if (sub === ADMIN_PATHS.subscriptions && method === "GET") return { status: listSubscriptions(res, auth, query), shop };

    const isWebhookPath = sub === ADMIN_PATHS.webhooks || sub.startsWith(ADMIN_PATHS.webhooks + "/");
    if (isWebhookPath && !auth.token.scopes.includes(SCOPES.webhooks)) {
      return { status: loopResponse(res, 403, `token does not have the required scope: ${SCOPES.webhooks}`, null), shop };
    }

    if (sub === ADMIN_PATHS.webhookTopics && method === "GET") {
      return { status: loopResponse(res, 200, "Webhook topics fetched", [...ALL_LOOP_TOPICS]), shop };
    }

    if (sub === ADMIN_PATHS.webhooks && method === "GET") {
      // Assumed: the list does not reveal secrets (they are handed out once, on subscribe).
      const list = [...state.webhooks.values()]
        .filter((w) => w.shopDomain === shop)
        .map(({ id, topic, address, version, createdAt }) => ({ id, topic, address, version, createdAt }));
      return {
        status: loopResponse(res, 200, "Webhooks fetched", list, { hasNextPage: false, hasPreviousPage: false, pageNo: 1, pageSize: list.length, total: list.length }),
        shop,
      };
    }

    if (sub === ADMIN_PATHS.webhooks && method === "POST") {
      const body = await readJson(req);
      const topic = str(body.topic);
      const address = str(body.address);
      if (!topic) return { status: loopResponse(res, 400, "topic is required", null), shop };
      if (!isKnownTopic(topic)) return { status: loopResponse(res, 400, `unknown topic: ${topic}`, null), shop };
      if (!address) return { status: loopResponse(res, 400, "address is required", null), shop };
      const problem = addressProblem(address);
      if (problem) return { status: loopResponse(res, 400, problem, null), shop };
      const existing = [...state.webhooks.values()].find((w) => w.shopDomain === shop && w.topic === topic && w.address === address);
      if (existing) {
        if (state.settings.duplicateSubscribe === "idempotent") {
          const { shopDomain: _s, ...wh } = existing;
          return { status: loopResponse(res, 200, "Webhook already subscribed", wh), shop };
        }
        return { status: loopResponse(res, 409, "webhook already exists for this topic and address", { id: existing.id }), shop };
      }
      const { shopDomain: _s, ...out } = addWebhook(shop, topic, address);
      return { status: loopResponse(res, 200, "Webhook subscribed", out), shop };
    }

    const byId = /^\/webhook\/([^/]+)$/.exec(sub);
    if (byId && method === "DELETE") {
      const id = Number(decodeURIComponent(byId[1]));
      const wh = state.webhooks.get(id);
      if (!wh || wh.shopDomain !== shop) return { status: loopResponse(res, 404, "webhook not found", null), shop };
      state.webhooks.delete(id);
      return { status: loopResponse(res, 200, "Webhook unsubscribed", { id }), shop };
    }

    return { status: loopResponse(res, 404, "not found", null), shop };
  }

  function listSubscriptions(res: http.ServerResponse, auth: { store: LoopStore; token: StoreToken }, query: URLSearchParams): number {
    const shop = auth.store.shopDomain;
    if (!auth.token.scopes.includes(SCOPES.readSubscriptions)) return loopResponse(res, 403, `token does not have the required scope: ${SCOPES.readSubscriptions}`, null);
    const retryAfter = listRetryAfter(shop);
    if (retryAfter !== null) {
      res.setHeader("Retry-After", String(retryAfter));
      return loopResponse(res, 429, "Too many requests", null);
    }
    const pageNo = Number(query.get(SUBSCRIPTION_PAGE_PARAMS.page) ?? "1");
    const pageSize = Number(query.get(SUBSCRIPTION_PAGE_PARAMS.size) ?? "10");
    if (!(Number.isInteger(pageNo) && pageNo >= 1)) return loopResponse(res, 400, `${SUBSCRIPTION_PAGE_PARAMS.page} must be a whole number from 1`, null);
    if (!(Number.isInteger(pageSize) && pageSize >= 1 && pageSize <= SUBSCRIPTION_PAGE_SIZE_MAX)) {
      return loopResponse(res, 400, `${SUBSCRIPTION_PAGE_PARAMS.size} must be 1..${SUBSCRIPTION_PAGE_SIZE_MAX}`, null);
    }
    const catalogue = state.subscriptions.get(shop);
    const total = catalogue?.count ?? 0;
    const data = catalogue ? cataloguePage(shop, catalogue, pageNo, pageSize) : [];
    return loopResponse(res, 200, "Subscriptions fetched", data, { hasNextPage: pageNo * pageSize < total, hasPreviousPage: pageNo > 1, pageNo, pageSize, total });
  }

  // ---- Sandbox control ----------------------------------------------------------------------------------

  function generateOptionsFrom(body: Record<string, unknown>): Omit<GenerateOptions, "seed" | "shopDomain"> {
    const g: Omit<GenerateOptions, "seed" | "shopDomain"> = {};
    if (body.overrides && typeof body.overrides === "object") g.overrides = body.overrides as Record<string, unknown>;
    if (str(body.spelling)) g.spelling = body.spelling as PayloadSpelling;
    if (str(body.retryInfo)) g.retryInfo = body.retryInfo as RetryInfoStyle;
    if (body.retryState && typeof body.retryState === "object") g.retryState = body.retryState as GenerateOptions["retryState"];
    if (typeof body.portalLink === "boolean") g.portalLink = body.portalLink;
    if (str(body.persona)) g.persona = body.persona as string;
    if (typeof body.orderSubscriptionRef === "boolean") g.orderSubscriptionRef = body.orderSubscriptionRef;
    // Deterministic payload dates only when asked; otherwise "now" so the demo shows current dates.
    g.now = str(body.now) ?? num(body.now) ?? Date.now();
    return g;
  }

  async function handleSandbox(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? "GET";
    const path = url.pathname;

    if (path === SANDBOX_PATHS.send && method === "POST") {
      const body = await readJson(req);
      const shopDomain = str(body.shopDomain);
      if (!shopDomain) throw new HttpError(400, "shopDomain is required");
      if (!isKnownTopic(body.topic)) throw new HttpError(400, `topic must be a Loop webhook topic, got ${JSON.stringify(body.topic)}`);
      const topic = body.topic as KnownLoopTopic;
      const count = num(body.count) ?? 1;
      if (!(count >= 1 && count <= 10_000)) throw new HttpError(400, "count must be 1..10000");
      const eventSeed = (str(body.seed) ?? num(body.seed) ?? `auto-${seed}-${autoSeed++}`) as string | number;
      let generate: Omit<GenerateOptions, "seed" | "shopDomain">;
      try {
        generate = generateOptionsFrom(body);
        generatePayload(topic, { ...generate, seed: eventSeed, shopDomain }); // validate options early
      } catch (e) {
        throw new HttpError(400, (e as Error).message);
      }
      const { subscriptions, batch } = fanOut({ shopDomain, topic, count, seed: eventSeed, generate, ratePerSecond: num(body.ratePerSecond) });
      if (!batch) {
        return sendJson(res, 200, { shopDomain, topic, seed: eventSeed, subscriptions: 0, events: count, deliveries: [], warning: `no webhook subscriptions for ${shopDomain} ${topic}` });
      }
      if (body.wait === false) {
        void batch.catch(() => {});
        return sendJson(res, 202, { shopDomain, topic, seed: eventSeed, subscriptions, events: count, accepted: true });
      }
      const result = await batch;
      return sendJson(res, 200, { shopDomain, topic, seed: eventSeed, subscriptions, events: count, summary: result.summary, deliveries: result.all.map(deliveryView) });
    }

    // The merchant adds a webhook in Loop's admin (any topic, also one the app never subscribed to); Loop's admin
    // shows its signing secret, which the merchant may paste into the app.
    if (path === SANDBOX_PATHS.webhooks && method === "POST") {
      const body = await readJson(req);
      const shopDomain = str(body.shopDomain);
      const topic = str(body.topic);
      const address = str(body.address);
      if (!shopDomain || !state.stores.has(shopDomain)) throw new HttpError(400, "shopDomain must be a store of this stand-in");
      if (!topic || !isKnownTopic(topic)) throw new HttpError(400, `topic must be a Loop webhook topic, got ${JSON.stringify(body.topic)}`);
      if (!address) throw new HttpError(400, "address is required");
      const problem = addressProblem(address);
      if (problem) throw new HttpError(400, problem);
      return sendJson(res, 200, addWebhook(shopDomain, topic, address));
    }

    if (path === SANDBOX_PATHS.deliveries) {
      if (method === "DELETE") {
        state.deliveries.length = 0;
        return sendJson(res, 200, { cleared: true });
      }
      if (method === "GET") {
        const shop = url.searchParams.get("shop");
        const topic = url.searchParams.get("topic");
        const limit = Number(url.searchParams.get("limit") ?? "500");
        const list = state.deliveries.filter((d) => (!shop || d.shopDomain === shop) && (!topic || d.topic === topic));
        const recent = list.slice(-Math.max(1, limit));
        return sendJson(res, 200, { total: list.length, summary: summarize(list.filter((d) => !d.duplicate), 0), deliveries: recent.map(deliveryView) });
      }
    }

    // The store's subscriptions for the list endpoint: { shopDomain, count, customers, seed }.
    if (path === SANDBOX_PATHS.subscriptions && method === "POST") {
      const body = await readJson(req);
      const shopDomain = str(body.shopDomain);
      if (!shopDomain || !state.stores.has(shopDomain)) throw new HttpError(400, "shopDomain must be a store of this stand-in");
      const count = num(body.count) ?? 0;
      const customers = num(body.customers) ?? Math.max(1, count);
      if (!(Number.isInteger(count) && count >= 0 && count <= 1_000_000)) throw new HttpError(400, "count must be 0..1000000");
      if (!(Number.isInteger(customers) && customers >= 1)) throw new HttpError(400, "customers must be a whole number from 1");
      const catalogue = { count, customers, seed: (str(body.seed) ?? num(body.seed) ?? seed) as string | number, now: num(body.now) ?? Date.now() };
      state.subscriptions.set(shopDomain, catalogue);
      return sendJson(res, 200, { shopDomain, ...catalogue });
    }

    if (path === SANDBOX_PATHS.options) {
      if (method === "POST") {
        const body = await readJson(req);
        const patch: Partial<LoopSenderOptions> = {};
        if (body.signatureEncoding !== undefined) patch.signatureEncoding = body.signatureEncoding as LoopSenderOptions["signatureEncoding"];
        if (body.duplicateRate !== undefined) patch.duplicateRate = Number(body.duplicateRate);
        if (body.outOfOrder !== undefined) patch.outOfOrder = Boolean(body.outOfOrder);
        if (body.sign !== undefined) patch.sign = Boolean(body.sign);
        if (body.timeoutMs !== undefined) patch.timeoutMs = Number(body.timeoutMs);
        if (body.timestampFormat !== undefined) patch.timestampFormat = body.timestampFormat as LoopSenderOptions["timestampFormat"];
        const retries = (body.retries ?? {}) as Record<string, unknown>;
        const delays = body.retryDelaysMs ?? retries.delaysMs;
        const maxAttempts = body.maxAttempts ?? retries.maxAttempts;
        if (delays !== undefined || maxAttempts !== undefined) {
          if (delays !== undefined && !(Array.isArray(delays) && delays.every((x) => typeof x === "number" && x >= 0))) {
            throw new HttpError(400, "retry delays must be an array of non-negative numbers");
          }
          patch.retries = { ...(delays !== undefined ? { delaysMs: delays as number[] } : {}), ...(maxAttempts !== undefined ? { maxAttempts: Number(maxAttempts) } : {}) };
        }
        if (body.duplicateSubscribe === "reject" || body.duplicateSubscribe === "idempotent") state.settings.duplicateSubscribe = body.duplicateSubscribe;
        if (typeof body.requireHttps === "boolean") state.settings.requireHttps = body.requireHttps;
        if (body.webhookSecrets === "per-webhook" || body.webhookSecrets === "per-store") state.settings.webhookSecrets = body.webhookSecrets;
        if (body.listRatePerSecond !== undefined) {
          const rate = Number(body.listRatePerSecond);
          if (!(Number.isFinite(rate) && rate >= 0)) throw new HttpError(400, "listRatePerSecond must be a number from 0");
          state.listRatePerSecond = rate;
        }
        try {
          sender.setOptions(patch);
        } catch (e) {
          throw new HttpError(400, (e as Error).message);
        }
      }
      if (method === "POST" || method === "GET") return sendJson(res, 200, optionsView());
    }

    if (path === SANDBOX_PATHS.stream) {
      if (method === "POST") {
        const body = await readJson(req);
        const shopDomain = str(body.shopDomain);
        const ratePerMinute = num(body.ratePerMinute) ?? 20;
        if (!shopDomain) throw new HttpError(400, "shopDomain is required");
        if (!(ratePerMinute > 0 && ratePerMinute <= 60_000)) throw new HttpError(400, "ratePerMinute must be within (0, 60000]");
        const streamSeed = (str(body.seed) ?? num(body.seed) ?? `stream-${seed}-${autoSeed++}`) as string | number;
        const generate = generateOptionsFrom(body);
        delete generate.now; // a stream always uses the current time per event
        state.streams.get(shopDomain)?.stream.stop();
        const stream = startEventStream({
          ratePerMinute,
          seed: streamSeed,
          topics: Array.isArray(body.topics) || (body.topics && typeof body.topics === "object") ? (body.topics as TopicMix) : undefined,
          outOfOrder: () => sender.options.outOfOrder,
          availableTopics: () => [...new Set([...state.webhooks.values()].filter((w) => w.shopDomain === shopDomain).map((w) => w.topic))].filter(isConsumedTopic),
          emit: (event) => {
            const { batch } = fanOut({ shopDomain, topic: event.topic, count: 1, seed: event.seed, generate: { ...generate, now: Date.now() }, createdAt: event.createdAt });
            return batch;
          },
        });
        state.streams.set(shopDomain, { shopDomain, ratePerMinute, seed: streamSeed, stream });
        return sendJson(res, 200, { running: true, shopDomain, ratePerMinute, seed: streamSeed });
      }
      if (method === "DELETE") {
        const shop = url.searchParams.get("shop") ?? url.searchParams.get("shopDomain");
        const stopped: string[] = [];
        for (const [key, s] of state.streams) {
          if (shop && key !== shop) continue;
          s.stream.stop();
          state.streams.delete(key);
          stopped.push(key);
        }
        return sendJson(res, 200, { stopped });
      }
      if (method === "GET") return sendJson(res, 200, { streams: streamsView() });
    }

    if (path === SANDBOX_PATHS.stores) {
      if (method === "POST") {
        const body = await readJson(req);
        const shopDomain = str(body.shopDomain);
        if (!shopDomain) throw new HttpError(400, "shopDomain is required");
        const scopes = Array.isArray(body.scopes) ? (body.scopes.filter((s) => typeof s === "string") as LoopScope[]) : [...ALL_SCOPES];
        const token = str(body.token) ?? `loop_${createPrng(hashSeed("loop-token", seed, shopDomain, autoSeed++)).hex(24)}`;
        if (findToken(token)) throw new HttpError(409, "token already exists");
        const store = state.stores.get(shopDomain) ?? { shopDomain, name: str(body.name) ?? shopDomain, currencyCode: str(body.currencyCode) ?? "USD", tokens: [] };
        store.tokens.push({ token, name: str(body.tokenName) ?? "sandbox token", scopes });
        state.stores.set(shopDomain, store);
        return sendJson(res, 200, { shopDomain, token, scopes });
      }
      if (method === "GET") return sendJson(res, 200, { stores: [...state.stores.values()] });
    }

    if (path === SANDBOX_PATHS.state && method === "GET") {
      return sendJson(res, 200, {
        stores: [...state.stores.values()],
        webhooks: [...state.webhooks.values()],
        streams: streamsView(),
        options: optionsView(),
        deliveries: state.deliveries.length,
      });
    }

    if (path === SANDBOX_PATHS.requests && method === "GET") return sendJson(res, 200, { requests: state.requests });

    if (path === SANDBOX_PATHS.faults) {
      if (method === "POST") {
        state.faults = parseFaults(await readJson(req));
        return sendJson(res, 200, { faults: state.faults, held: state.held });
      }
      if (method === "DELETE") {
        clearFaults();
        return sendJson(res, 200, { faults: null, held: state.held });
      }
      if (method === "GET") return sendJson(res, 200, { faults: state.faults, held: state.held });
    }

    throw new HttpError(404, `no sandbox route ${method} ${path}`);
  }

  function clearFaults() {
    state.faults = null;
    for (const release of releases) release();
    releases.clear();
  }

  /** The fault this admin request meets, if any (counting it against `count`). */
  function faultFor(method: string): AdminFaults | null {
    const faults = state.faults;
    if (!faults || (faults.methods && !faults.methods.includes(method))) return null;
    if (faults.count !== undefined) {
      if (faults.count <= 0) return null;
      faults.count--;
    }
    return faults;
  }

  /** Waits until the faults are cleared; false when the client went away first (the request is then dropped). */
  function hold(req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean> {
    state.held++;
    return new Promise<boolean>((resolve) => {
      const done = (carriedOn: boolean) => {
        releases.delete(release);
        res.off("close", gone);
        state.held--;
        resolve(carriedOn);
      };
      const release = () => done(!res.destroyed && !req.socket.destroyed);
      const gone = () => done(false);
      releases.add(release);
      res.once("close", gone);
    });
  }

  async function faultedAdmin(req: http.IncomingMessage, res: http.ServerResponse, path: string, query: URLSearchParams): Promise<{ status: number; shop: string | null }> {
    const fault = faultFor(req.method ?? "GET");
    // 499: the client closed the connection before an answer (nginx's code), here a held request dropped.
    if (fault?.hold && !(await hold(req, res))) return { status: 499, shop: null };
    if (fault?.status) return { status: loopResponse(res, fault.status, "Service temporarily unavailable (stand-in fault)", null), shop: null };
    return handleAdmin(req, res, path, query);
  }

  function optionsView() {
    const o = sender.options;
    return {
      signatureEncoding: o.signatureEncoding,
      sign: o.sign,
      duplicateRate: o.duplicateRate,
      outOfOrder: o.outOfOrder,
      timeoutMs: o.timeoutMs,
      retries: o.retries,
      timestampFormat: o.timestampFormat,
      apiVersion: o.apiVersion,
      ...state.settings,
    };
  }

  function streamsView() {
    return [...state.streams.values()].map((s) => ({ shopDomain: s.shopDomain, seed: s.seed, ...s.stream.stats }));
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const path = url.pathname;
    const run = async () => {
      if (path.startsWith("/admin/")) {
        let outcome: { status: number; shop: string | null } = { status: 500, shop: null };
        try {
          outcome = await faultedAdmin(req, res, path, url.searchParams);
        } catch (e) {
          const status = e instanceof HttpError ? e.status : 500;
          outcome = { status: loopResponse(res, status, (e as Error).message, null), shop: null };
        }
        state.requests.push({ at: new Date().toISOString(), method: req.method ?? "GET", path, shopDomain: outcome.shop, status: outcome.status, ...(url.search ? { search: url.search } : {}) });
        if (state.requests.length > 2_000) state.requests.splice(0, state.requests.length - 2_000);
        return;
      }
      if (path.startsWith("/__sandbox/")) return handleSandbox(req, res, url);
      if (path === "/" && req.method === "GET") {
        return sendJson(res, 200, {
          service: "Loop Subscriptions stand-in (sandbox; not Loop)",
          adminBase: ADMIN_BASE_PATH,
          tokenHeader: "X-Loop-Token",
          demo: { shopDomain: DEMO_SHOP, token: DEMO_TOKEN, readOnlyToken: DEMO_READONLY_TOKEN },
          sandbox: SANDBOX_PATHS,
        });
      }
      throw new HttpError(404, "not found");
    };
    run().catch((e: unknown) => {
      if (res.headersSent) return res.end();
      const status = e instanceof HttpError ? e.status : 500;
      sendJson(res, status, { error: (e as Error).message });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = !opts.host || opts.host === "0.0.0.0" || opts.host === "::" ? "127.0.0.1" : opts.host;

  return {
    url: `http://${host}:${port}`,
    port,
    state,
    sender,
    async close() {
      clearFaults();
      for (const s of state.streams.values()) s.stream.stop();
      state.streams.clear();
      sender.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
