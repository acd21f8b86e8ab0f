// The Loop Subscriptions wire contract as far as it is known — the ONE place for header names, paths, topic
// strings, field spellings, the signature scheme and response envelopes. Both sides of the wire import it: the
// app (its Loop client and webhook verification) and the local stand-in in sandbox/loop/. docs/protocols.md (Loop
// Subscriptions) says what each fact rests on: "documented" by Loop, "observed" in third-party code using Loop, or
// "assumed" by us. Whatever is assumed is configurable somewhere (sender options, generator options or server options) so the
// app can be tested against each plausible variant until a live store settles it.
import { createHmac, timingSafeEqual } from "node:crypto";

// ---------------------------------------------------------------------------------------------------------
// Admin API
// ---------------------------------------------------------------------------------------------------------

/** Observed: base URL https://api.loopsubscriptions.com/admin/2023-10 (several third-party clients). */
export const LOOP_API_VERSION = "2023-10";
export const LOOP_PRODUCTION_BASE_URL = "https://api.loopsubscriptions.com";
export const ADMIN_BASE_PATH = `/admin/${LOOP_API_VERSION}`;

/** Observed: auth header is `X-Loop-Token: <token>` — NOT `Authorization: Bearer`. */
export const TOKEN_HEADER = "x-loop-token";

/**
 * Admin paths below ADMIN_BASE_PATH.
 * - tokenCheck: assumed; the real "who am I / validate token" path is not known; `/store` is our pick.
 * - webhooks: documented — "Subscribe webhook" (attributes id, address, topic, version), "Unsubscribe webhook" by
 *   id and "List webhook" exist; the HTTP paths are assumed (`POST /webhook`, `GET /webhook`,
 *   `DELETE /webhook/{id}`).
 * - webhookTopics: a "List webhook topics" endpoint is documented; its path is assumed.
 */
export const ADMIN_PATHS = {
  tokenCheck: "/store",
  webhooks: "/webhook",
  webhookTopics: "/webhook/topics",
  webhookById: (id: string | number) => `/webhook/${encodeURIComponent(String(id))}`,
  subscriptions: "/subscription",
} as const;

/**
 * The subscription list (the backfill reads it). Observed: `GET /subscription/{id}` and a paginated
 * `GET /order?pageNo=&pageSize=` (pageSize at most 50) in third-party clients. Assumed: the list itself at
 * `GET /subscription` with the same `pageNo` / `pageSize` parameters, the same limit and a `pageInfo` envelope.
 * The app takes the path and page size from its configuration so a live store can correct them.
 */
export const SUBSCRIPTION_PAGE_PARAMS = { page: "pageNo", size: "pageSize" } as const;
export const SUBSCRIPTION_PAGE_SIZE_MAX = 50;

/**
 * Observed: "3 req/sec" per store in a third-party client; Loop's rate-limit page exists but was not captured.
 * Assumed: an exceeded limit answers 429 with Retry-After in seconds, like most APIs.
 */
export const LOOP_REQUESTS_PER_SECOND = 3;

/**
 * Token scopes. Documented: tokens are generated with scopes in Loop admin → Settings → API Tokens.
 * Assumed: the scope names themselves are not published; these are ours. Webhook management needs WEBHOOKS.
 */
export const SCOPES = {
  readSubscriptions: "read_subscriptions",
  writeSubscriptions: "write_subscriptions",
  readOrders: "read_orders",
  readCustomers: "read_customers",
  webhooks: "write_webhooks",
} as const;
export type LoopScope = (typeof SCOPES)[keyof typeof SCOPES];
export const ALL_SCOPES: LoopScope[] = Object.values(SCOPES);

/** Observed: responses look like `{ success, message, code, data, pageInfo? }`. */
export interface LoopApiResponse<T> {
  success: boolean;
  message: string;
  code: number;
  data: T;
  pageInfo?: { hasNextPage: boolean; hasPreviousPage: boolean; pageNo: number; pageSize: number; total: number };
}

/** Documented (Loop's API FAQ): a deleted token makes API calls return "invalid token". */
export const INVALID_TOKEN_MESSAGE = "invalid token";

/**
 * What the token check answers (`data` of GET ADMIN_PATHS.tokenCheck). Assumed like the path itself: Loop's real
 * "validate token" answer is not known, so the app reads every field as optional and only
 * uses what is there: the store's myshopifyDomain (to refuse another store's token) and the token's scopes
 * (to say up front that the webhook scope is missing). The stand-in answers exactly this shape.
 */
export interface LoopTokenCheckData {
  myshopifyDomain?: string;
  name?: string;
  currencyCode?: string;
  token?: { name?: string; scopes?: string[] };
}

/**
 * Assumed: Loop's answer to a second subscription for the same topic and address is not documented.
 * The stand-in answers 409 with `data: { id }` of the existing subscription (its default) or 200 with the
 * existing subscription; the app handles both, and a 409 without an id by looking the subscription up.
 */
export const ALREADY_SUBSCRIBED_STATUS = 409;

/** What subscribe returns. Documented attributes: id, address, topic, version. `secret` is assumed: the
 *  per-webhook signing secret (documented to exist) — where Loop shows it is not known. */
export interface LoopWebhookSubscription {
  id: number;
  topic: string;
  address: string;
  version: string;
  secret: string;
  createdAt: string;
}

// ---------------------------------------------------------------------------------------------------------
// Topics (documented: the full list from Loop's "Webhooks" article; entity/action in camelCase)
// ---------------------------------------------------------------------------------------------------------

/** The topics the app consumes (they feed the 17 Postscript event names, docs/events.md). */
export const CONSUMED_TOPICS = [
  "subscription/created",
  "subscription/paused",
  "subscription/resumed",
  "subscription/cancelled",
  "subscription/reactivated",
  "subscription/expired",
  "subscription/updated",
  "order/upcoming",
  "order/processed",
  "order/partiallyProcessed",
  "order/outOfStock",
  "order/skipped",
  "order/paymentFailed",
  "paymentMethod/expiringSoon",
  "flow/completed",
] as const;
export type LoopTopic = (typeof CONSUMED_TOPICS)[number];

/** Every topic Loop documents; the stand-in accepts subscriptions to all of them (it only generates the consumed ones). */
export const ALL_LOOP_TOPICS = [
  ...CONSUMED_TOPICS,
  "subscription/delayed",
  "subscription/rescheduled",
  "subscription/inventoryAction",
  "order/unskipped",
  "paymentMethod/updateRequested",
  "paymentMethod/updated",
  "subscriptionCheckout/success",
  "subscriptionCheckout/failed",
] as const;

export function isConsumedTopic(value: unknown): value is LoopTopic {
  return typeof value === "string" && (CONSUMED_TOPICS as readonly string[]).includes(value);
}
export function isKnownTopic(value: unknown): value is string {
  return typeof value === "string" && (ALL_LOOP_TOPICS as readonly string[]).includes(value);
}

// ---------------------------------------------------------------------------------------------------------
// Webhook delivery
// ---------------------------------------------------------------------------------------------------------

/**
 * Delivery headers (lower-case, as node:http exposes them).
 * Documented (sources in docs/protocols.md, Loop webhook delivery): X-Loop-Webhook-Id, -Api-Version, -Topic,
 * -Created-At, -Delivery-At, -Retry-Count, and X-Loop-Signature.
 */
export const WEBHOOK_HEADERS = {
  webhookId: "x-loop-webhook-id",
  topic: "x-loop-webhook-topic",
  apiVersion: "x-loop-webhook-api-version",
  createdAt: "x-loop-webhook-created-at",
  deliveryAt: "x-loop-webhook-delivery-at",
  retryCount: "x-loop-webhook-retry-count",
  signature: "x-loop-signature",
} as const;

/** Documented: a delivery must get a 2xx within 5 seconds, else it is retried (for 48 h, then dropped). */
export const WEBHOOK_TIMEOUT_MS = 5_000;

/**
 * Assumed: Loop retries "over the next 48 hours" but the backoff schedule is undocumented. The sandbox
 * default is short so demos and CLI runs finish; override per sender / at run time via POST /__sandbox/options.
 * maxAttempts counts the first attempt; delaysMs[i] is the wait before retry i+1 (the last value repeats).
 */
export const DEFAULT_RETRY_POLICY = { maxAttempts: 4, delaysMs: [1_000, 5_000, 15_000] } as const;
export interface RetryPolicy {
  maxAttempts: number;
  delaysMs: number[];
}

/**
 * Documented: X-Loop-Signature = HMAC-SHA256 with a per-webhook secret.
 * Assumed: encoding and signed bytes are unverified: we sign the raw body bytes and default to base64 (as Loop
 * Returns, a different company, does; docs/protocols.md, Loop signing); "hex" is the alternative. Configurable in the sender and at run time.
 */
export type SignatureEncoding = "base64" | "hex";
export const DEFAULT_SIGNATURE_ENCODING: SignatureEncoding = "base64";

export function signBody(body: string | Buffer, secret: string, encoding: SignatureEncoding = DEFAULT_SIGNATURE_ENCODING): string {
  return createHmac("sha256", secret).update(typeof body === "string" ? Buffer.from(body, "utf8") : body).digest(encoding);
}

/** Constant-time check of a signature against the raw body, trying each accepted encoding. */
export function verifySignature(
  body: string | Buffer,
  secret: string,
  signature: string | undefined | null,
  encodings: SignatureEncoding[] = ["base64", "hex"],
): SignatureEncoding | null {
  if (!signature) return null;
  const given = Buffer.from(signature.trim(), "utf8");
  for (const encoding of encodings) {
    const expected = Buffer.from(signBody(body, secret, encoding), "utf8");
    if (expected.length === given.length && timingSafeEqual(expected, given)) return encoding;
  }
  return null;
}

/**
 * Assumed: the format of X-Loop-Webhook-Created-At / -Delivery-At is not documented. ISO 8601 by default;
 * epoch seconds / milliseconds selectable in the sender.
 */
export type HeaderTimestampFormat = "iso" | "epoch-s" | "epoch-ms";
export function formatHeaderTimestamp(ms: number, format: HeaderTimestampFormat = "iso"): string {
  if (format === "epoch-s") return String(Math.floor(ms / 1000));
  if (format === "epoch-ms") return String(Math.floor(ms));
  return new Date(ms).toISOString();
}

/** Documented example, and observed in a real handler: `{ payload: {…entity…}, metaData: { myshopifyDomain } }`. */
export interface LoopWebhookEnvelope<P = Record<string, unknown>> {
  payload: P;
  metaData: { myshopifyDomain: string };
}

// ---------------------------------------------------------------------------------------------------------
// Payload field spellings (docs/protocols.md, Loop payload fields)
// ---------------------------------------------------------------------------------------------------------

/**
 * - "admin": the Admin API object shape (observed): `lines`, `nextBillingDateEpoch` (unix s) + `nextBillingDate` (ISO).
 * - "doc":   Loop's webhook doc example (documented): `lineItems`, `nextOrderDate` (ISO).
 * Which one real webhooks use is unverified; the generator produces both (picked by its random seed, or forced).
 */
export type PayloadSpelling = "admin" | "doc";
export const SPELLING_FIELDS = {
  admin: { lines: "lines", nextDate: ["nextBillingDateEpoch", "nextBillingDate"] },
  doc: { lines: "lineItems", nextDate: ["nextOrderDate"] },
} as const;

/**
 * Retry information on order/paymentFailed — entirely undocumented, so these shapes are assumed:
 * - "paymentRetryCount": `{ paymentRetryCount, maxRetries }` (retries done so far / retries allowed)
 * - "attemptCount":      `{ attemptCount, maxAttempts }` (attempts incl. the first / attempts allowed)
 * - "billingAttempt":    `{ billingAttempt: { retryCount, maxRetries, nextRetryAtEpoch } }`
 * - "none":              no retry information at all (the app must look it up elsewhere)
 */
export type RetryInfoStyle = "paymentRetryCount" | "attemptCount" | "billingAttempt" | "none";
export const RETRY_INFO_STYLES: RetryInfoStyle[] = ["paymentRetryCount", "attemptCount", "billingAttempt", "none"];

/**
 * Customer portal link. Documented: the portal URL pattern `…/a/loop_subscriptions/customer/{id}?sessionToken=…`
 * and the names `loop_customer_portal_link` / `customer_portal_link` appear in Loop's integration docs. Assumed:
 * that webhooks carry it, and under this field name.
 */
export const PORTAL_LINK_FIELD = "customerPortalLink";
export function portalLinkUrl(shopDomain: string, loopCustomerId: number, sessionToken: string): string {
  return `https://${shopDomain}/a/loop_subscriptions/customer/${loopCustomerId}?sessionToken=${sessionToken}`;
}

// ---------------------------------------------------------------------------------------------------------
// Sandbox control plane (not Loop's API; only the stand-in has these)
// ---------------------------------------------------------------------------------------------------------

export const SANDBOX_PATHS = {
  send: "/__sandbox/send",
  webhooks: "/__sandbox/webhooks",
  deliveries: "/__sandbox/deliveries",
  options: "/__sandbox/options",
  stream: "/__sandbox/stream",
  stores: "/__sandbox/stores",
  state: "/__sandbox/state",
  requests: "/__sandbox/requests",
  faults: "/__sandbox/faults",
  subscriptions: "/__sandbox/subscriptions",
} as const;
