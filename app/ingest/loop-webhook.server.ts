// Receiving Loop's webhooks (POST /webhooks/loop?shop=<domain>). Loop waits 5 s for a 2xx and retries
// anything else for 48 h (docs/protocols.md, Webhook delivery), so this does only what must happen before
// the answer: authenticate, check, and store the raw event durably. Mapping and delivery happen in the
// worker. Nothing is written for a request that is not authenticated.
//
// One implementation, two doors: ingestLoopWebhook takes a web Request (the Remix route, tests), and the
// production server's node:http fast path (./http.server.ts) feeds the same handleLoopWebhook without
// building a Request. Both answer the same statuses and bodies.
import { createHash } from "node:crypto";
import { isUniqueViolation, type Database } from "~/db.server";
import { SUBSCRIBED_LOOP_TOPICS } from "~/events/catalogue";
import { WHOLE_TOPIC_PATH, type UnusedFieldLog } from "~/events/unused-field-log.server";
import { WEBHOOK_HEADERS, verifySignature, type SignatureEncoding } from "~/loop/protocol";
import { log } from "~/logging/logger.server";
import { webhooksAccepted, webhooksReceived, webhooksRefused } from "~/metrics/metrics.server";
import type { EventWriter, NewEventRow, StoredEvent } from "./event-writer.server";

export interface IngestDependencies {
  db: Database;
  /**
   * The signing secrets that may have signed a webhook of `topic` for `shop`; empty for an unknown shop.
   * topic null: every secret the shop's Loop connection holds (a topic the app does not consume has none of its own).
   */
  secretsFor(shop: string, topic: string | null): Promise<string[]>;
  /**
   * When none of secretsFor's secrets verifies: the secrets as stored right now (secretsFor may answer from a
   * cache, and a secret added a moment ago must work at once). Absent: secretsFor is always fresh.
   */
  freshSecretsFor?(shop: string, topic: string | null): Promise<string[]>;
  /** Stores accepted events (group commit); absent: one insert per event through `db`. */
  writer?: EventWriter;
  maxBodyBytes: number;
  /** How far X-Loop-Webhook-Created-At may lie before or after now; absent: Loop's retry window plus an hour, 5 minutes. */
  createdAtWindow?: CreatedAtWindow;
  /** Accepted X-Loop-Signature encodings; which one Loop uses is not documented (docs/protocols.md, Signing). */
  signatureEncodings: SignatureEncoding[];
  /** Where webhooks of topics the app does not consume are counted (support sees them); absent: not counted. */
  unusedFields?: UnusedFieldLog;
  now?: () => Date;
}

export interface CreatedAtWindow {
  maxAgeMs: number;
  maxAheadMs: number;
}

/** Loop retries a webhook for 48 h: the same body within that time is the same event (or a replay of it). */
export const LOOP_RETRY_WINDOW_MS = 48 * 3_600_000;
const DEFAULT_CREATED_AT_WINDOW: CreatedAtWindow = { maxAgeMs: LOOP_RETRY_WINDOW_MS + 3_600_000, maxAheadMs: 300_000 };

/** What the ingestion needs from a request, whichever server received it. */
export interface IncomingWebhook {
  method: string;
  /** Value of the ?shop= query parameter, if any. */
  shopParam: string | null;
  header(name: string): string | null;
  /** The body as text, or null when it is larger than `limit` bytes (then it is not buffered further). */
  readBody(limit: number): Promise<string | null>;
}

export interface WebhookAnswer {
  status: number;
  body: Record<string, unknown> | null;
  headers?: Record<string, string>;
  /** Why the webhook was not taken, for the metrics (never sent to the caller). */
  refused?: string;
}

const SHOP_DOMAIN = /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Loop's envelope: {payload: object, metaData?: {myshopifyDomain?: string, …}}. Returns the declared shop
 * domain (or undefined), or null when the body is not that shape. Checked by hand rather than with a schema
 * library: this runs for every webhook, and the payload's contents are the mapping's business, not ours.
 */
function envelopeShop(parsed: unknown): { declared: string | undefined } | null {
  if (!isObject(parsed) || !isObject(parsed.payload)) return null;
  const meta = parsed.metaData;
  if (meta === undefined) return { declared: undefined };
  if (!isObject(meta)) return null;
  const declared = meta.myshopifyDomain;
  if (declared !== undefined && typeof declared !== "string") return null;
  return { declared };
}

type Rejection = { status: number; reason: string; message: string };

function reject({ status, reason, message }: Rejection, context: Record<string, unknown>): WebhookAnswer {
  log.warn("loop webhook rejected", { reason, status, ...context });
  return { status, body: { error: message }, refused: reason };
}

const BAD_SIGNATURE: Rejection = { status: 401, reason: "bad_signature", message: "signature does not match" };

const METHOD_NOT_ALLOWED: WebhookAnswer = { status: 405, body: null, headers: { Allow: "POST" } };

export async function handleLoopWebhook(request: IncomingWebhook, deps: IngestDependencies): Promise<WebhookAnswer> {
  if (request.method !== "POST") return METHOD_NOT_ALLOWED;
  webhooksReceived.inc();
  const answer = await answerWebhook(request, deps);
  if (answer.refused) webhooksRefused.inc({ reason: answer.refused });
  else if (answer.status < 300) webhooksAccepted.inc({ result: answer.body?.duplicate ? "duplicate" : answer.body?.ignored ? "ignored" : "stored" });
  return answer;
}

async function answerWebhook(request: IncomingWebhook, deps: IngestDependencies): Promise<WebhookAnswer> {
  const webhookId = request.header(WEBHOOK_HEADERS.webhookId)?.trim();
  const topic = request.header(WEBHOOK_HEADERS.topic)?.trim();
  const signature = request.header(WEBHOOK_HEADERS.signature);
  const context: Record<string, unknown> = { webhookId, topic, shop: request.shopParam ?? undefined };

  if (!webhookId || webhookId.length > 200) {
    return reject({ status: 400, reason: "missing_webhook_id", message: "X-Loop-Webhook-Id header is required" }, context);
  }
  if (!topic) return reject({ status: 400, reason: "missing_topic", message: "X-Loop-Webhook-Topic header is required" }, context);
  if (!signature) return reject({ status: 401, reason: "missing_signature", message: "X-Loop-Signature header is required" }, context);

  const body = await request.readBody(deps.maxBodyBytes);
  if (body === null) {
    return reject({ status: 413, reason: "body_too_large", message: `body exceeds ${deps.maxBodyBytes} bytes` }, context);
  }

  // The shop comes from our own subscription address (?shop=); Loop's envelope names it too.
  let parsed: unknown;
  let parseFailed = false;
  try {
    parsed = JSON.parse(body);
  } catch {
    parseFailed = true;
  }
  const shop = request.shopParam ?? bodyShop(parsed);
  if (!shop || !SHOP_DOMAIN.test(shop)) {
    return reject({ status: 400, reason: "unknown_shop_domain", message: "the shop could not be identified" }, context);
  }
  context.shop = shop;

  // A topic the app does not consume (one the merchant added in Loop's admin, say) has no secret of its own
  // here: any secret the shop's connection holds may have signed it.
  const consumed = SUBSCRIBED_LOOP_TOPICS.includes(topic);
  const secretTopic = consumed ? topic : null;
  let secrets: string[];
  try {
    secrets = await deps.secretsFor(shop, secretTopic);
    if (deps.freshSecretsFor && !signedWithAny(body, secrets, signature, deps.signatureEncodings)) {
      secrets = await deps.freshSecretsFor(shop, secretTopic);
    }
  } catch (error) {
    log.error("loop webhook: could not read signing secrets", { shop, error });
    return unavailable();
  }
  // An unknown shop gets the very answer a bad signature gets, so a stranger cannot learn which shops use the
  // app; only the log tells the two apart.
  if (secrets.length === 0) return reject({ ...BAD_SIGNATURE, reason: "unknown_shop" }, context);
  if (!signedWithAny(body, secrets, signature, deps.signatureEncodings)) return reject(BAD_SIGNATURE, context);
  if (!consumed) return ignoredTopic(shop, topic, webhookId, deps);

  if (parseFailed) return reject({ status: 400, reason: "malformed_json", message: "body is not valid JSON" }, context);
  const shape = envelopeShop(parsed);
  if (!shape) {
    return reject({ status: 400, reason: "malformed_envelope", message: "body must be {payload, metaData}" }, context);
  }
  const declared = shape.declared;
  if (declared && declared !== shop) {
    return reject({ status: 400, reason: "shop_mismatch", message: "metaData.myshopifyDomain does not match the shop" }, context);
  }

  const now = deps.now?.() ?? new Date();
  // The signature covers only the body: Created-At (like the webhook id) is whatever the sender says, so a
  // time outside what Loop would send marks a replay. A missing or unreadable one is tolerated (its format is
  // unverified); the body hash below still catches a replay within the retry window.
  const createdAt = parseLoopTimestamp(request.header(WEBHOOK_HEADERS.createdAt));
  const outside = createdAt && createdAtOutside(createdAt, now, deps.createdAtWindow ?? DEFAULT_CREATED_AT_WINDOW);
  if (outside) {
    return reject({ status: 422, reason: outside, message: "X-Loop-Webhook-Created-At is outside the accepted window" }, { ...context, createdAt });
  }
  const occurredAt = createdAt ?? now;
  const row: NewEventRow = { shopDomain: shop, webhookId, topic, occurredAt, receivedAt: now, payload: body, bodyHash: bodyHash(body) };
  try {
    const stored = await store(row, deps);
    // A redelivery of a webhook already stored, or its body again under another id: acknowledge, store nothing.
    if (stored.duplicate) return { status: 200, body: { accepted: true, duplicate: true } };
    return { status: 202, body: { accepted: true, id: stored.id } };
  } catch (error) {
    log.error("loop webhook: could not store the event", { shop, topic, webhookId, error });
    return unavailable();
  }
}

function createdAtOutside(createdAt: Date, now: Date, window: CreatedAtWindow): "created_at_too_old" | "created_at_in_future" | null {
  const age = now.getTime() - createdAt.getTime();
  if (age > window.maxAgeMs) return "created_at_too_old";
  if (-age > window.maxAheadMs) return "created_at_in_future";
  return null;
}

export function bodyHash(body: string): string {
  return createHash("sha256").update(body).digest("hex");
}

/**
 * Stores the event unless its webhook id, or its body for the shop and topic, is stored already. The hot path is
 * the one INSERT; only a duplicate costs more: when the same body was last received before Loop's retry window,
 * that old row lets go of its hash and the event is stored as new (Loop does not resend after 48 h, so it is a
 * genuinely new event that happens to look the same).
 */
async function store(row: NewEventRow, deps: IngestDependencies): Promise<StoredEvent> {
  const write = () => (deps.writer ? deps.writer.write(row) : createOne(deps.db, row));
  const stored = await write();
  if (!stored.duplicate) return stored;
  const released = await deps.db.event.updateMany({
    where: { shopDomain: row.shopDomain, topic: row.topic, bodyHash: row.bodyHash, receivedAt: { lt: new Date(row.receivedAt.getTime() - LOOP_RETRY_WINDOW_MS) } },
    data: { bodyHash: null },
  });
  if (released.count > 0) return write();
  const sameId = await deps.db.event.count({ where: { shopDomain: row.shopDomain, dedupeKey: row.webhookId } });
  if (sameId === 0) {
    log.warn("loop webhook refused as a duplicate", { reason: "duplicate_body", shop: row.shopDomain, topic: row.topic, webhookId: row.webhookId });
  }
  return stored;
}

/**
 * A correctly signed webhook of a topic the app does not use: acknowledged, so Loop does not retry it for 48 hours,
 * with nothing stored to send; logged and counted per shop and topic for support.
 */
async function ignoredTopic(shop: string, topic: string, webhookId: string, deps: IngestDependencies): Promise<WebhookAnswer> {
  log.info("loop webhook ignored", { reason: "ignored_topic", shop, topic, webhookId });
  await deps.unusedFields?.note(shop, topic, [WHOLE_TOPIC_PATH]);
  return { status: 200, body: { accepted: true, ignored: true } };
}

/** The web-Request door (Remix route, tests): same checks and answers as the node:http fast path. */
export async function ingestLoopWebhook(request: Request, deps: IngestDependencies): Promise<Response> {
  const answer = await handleLoopWebhook(
    {
      method: request.method,
      shopParam: new URL(request.url).searchParams.get("shop"),
      header: (name) => request.headers.get(name),
      readBody: (limit) => readLimited(request, limit),
    },
    deps,
  );
  if (answer.body === null) return new Response(null, { status: answer.status, headers: answer.headers });
  return Response.json(answer.body, { status: answer.status, headers: answer.headers });
}

function signedWithAny(body: string, secrets: string[], signature: string, encodings: SignatureEncoding[]): boolean {
  return secrets.some((secret) => verifySignature(body, secret, signature, encodings) !== null);
}

async function createOne(db: Database, row: NewEventRow): Promise<StoredEvent> {
  try {
    const event = await db.event.create({
      data: {
        shopDomain: row.shopDomain,
        dedupeKey: row.webhookId,
        loopWebhookId: row.webhookId,
        topic: row.topic,
        status: "received",
        occurredAt: row.occurredAt,
        receivedAt: row.receivedAt,
        nextAttemptAt: row.receivedAt,
        payload: row.payload,
        bodyHash: row.bodyHash,
      },
      select: { id: true },
    });
    return { id: event.id, duplicate: false };
  } catch (error) {
    if (isUniqueViolation(error)) return { id: null, duplicate: true };
    throw error;
  }
}

/** 503 makes Loop retry later, which is what we want when the database is down. */
function unavailable(): WebhookAnswer {
  return { status: 503, body: { error: "temporarily unavailable, retry later" }, headers: { "Retry-After": "5" }, refused: "database_unavailable" };
}

function bodyShop(parsed: unknown): string | undefined {
  const domain = (parsed as { metaData?: { myshopifyDomain?: unknown } } | undefined)?.metaData?.myshopifyDomain;
  return typeof domain === "string" ? domain : undefined;
}

/** Reads at most `limit` bytes; null when the body is larger (without buffering the rest). */
async function readLimited(request: Request, limit: number): Promise<string | null> {
  const declared = Number(request.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > limit) return null;
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** X-Loop-Webhook-Created-At: ISO 8601, or epoch seconds/milliseconds (the format is unverified). */
export function parseLoopTimestamp(value: string | null): Date | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d{9,11}$/.test(trimmed)) return new Date(Number(trimmed) * 1000);
  if (/^\d{12,14}$/.test(trimmed)) return new Date(Number(trimmed));
  const ms = Date.parse(trimmed);
  return Number.isNaN(ms) ? null : new Date(ms);
}
