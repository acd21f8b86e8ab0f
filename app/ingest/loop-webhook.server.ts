// Receiving Loop's webhooks (POST /webhooks/loop?shop=<domain>). Loop waits 5 s for a 2xx and retries
// anything else for 48 h (research loop-subscriptions.md §1.7), so this does only what must happen before
// the answer: authenticate, check, and store the raw event durably. Mapping and delivery happen in the
// worker. Nothing is written for a request that is not authenticated.
import { z } from "zod";
import { isUniqueViolation, type Database } from "~/db.server";
import { SUBSCRIBED_LOOP_TOPICS } from "~/events/catalogue";
import { WEBHOOK_HEADERS, verifySignature, type SignatureEncoding } from "~/loop/protocol";
import { log } from "~/logging/logger.server";

export interface IngestDependencies {
  db: Database;
  /** The signing secrets that may have signed a webhook of `topic` for `shop`; empty for an unknown shop. */
  secretsFor(shop: string, topic: string): Promise<string[]>;
  maxBodyBytes: number;
  /** Accepted X-Loop-Signature encodings; which one Loop uses is unverified (research §1.8). */
  signatureEncodings: SignatureEncoding[];
  now?: () => Date;
}

const SHOP_DOMAIN = /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/;
const envelope = z.object({
  payload: z.record(z.unknown()),
  metaData: z.object({ myshopifyDomain: z.string() }).partial().passthrough().optional(),
});

type Rejection = { status: number; reason: string; message: string };

function reject({ status, reason, message }: Rejection, context: Record<string, unknown>): Response {
  log.warn("loop webhook rejected", { reason, status, ...context });
  return Response.json({ error: message }, { status });
}

export async function ingestLoopWebhook(request: Request, deps: IngestDependencies): Promise<Response> {
  if (request.method !== "POST") return new Response(null, { status: 405, headers: { Allow: "POST" } });
  const webhookId = request.headers.get(WEBHOOK_HEADERS.webhookId)?.trim();
  const topic = request.headers.get(WEBHOOK_HEADERS.topic)?.trim();
  const signature = request.headers.get(WEBHOOK_HEADERS.signature);
  const url = new URL(request.url);
  const context: Record<string, unknown> = { webhookId, topic, shop: url.searchParams.get("shop") ?? undefined };

  if (!webhookId || webhookId.length > 200) {
    return reject({ status: 400, reason: "missing_webhook_id", message: "X-Loop-Webhook-Id header is required" }, context);
  }
  if (!topic) return reject({ status: 400, reason: "missing_topic", message: "X-Loop-Webhook-Topic header is required" }, context);
  if (!signature) return reject({ status: 401, reason: "missing_signature", message: "X-Loop-Signature header is required" }, context);

  const body = await readLimited(request, deps.maxBodyBytes);
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
  const shop = url.searchParams.get("shop") ?? bodyShop(parsed);
  if (!shop || !SHOP_DOMAIN.test(shop)) {
    return reject({ status: 400, reason: "unknown_shop_domain", message: "the shop could not be identified" }, context);
  }
  context.shop = shop;

  let secrets: string[];
  try {
    secrets = await deps.secretsFor(shop, topic);
  } catch (error) {
    log.error("loop webhook: could not read signing secrets", { shop, error });
    return unavailable();
  }
  if (secrets.length === 0) {
    return reject({ status: 404, reason: "unknown_shop", message: "this shop has no Loop connection in this app" }, context);
  }
  const signedWith = secrets.some((secret) => verifySignature(body, secret, signature, deps.signatureEncodings) !== null);
  if (!signedWith) return reject({ status: 401, reason: "bad_signature", message: "signature does not match" }, context);

  if (parseFailed) return reject({ status: 400, reason: "malformed_json", message: "body is not valid JSON" }, context);
  const shape = envelope.safeParse(parsed);
  if (!shape.success) {
    return reject({ status: 400, reason: "malformed_envelope", message: "body must be {payload, metaData}" }, context);
  }
  const declared = shape.data.metaData?.myshopifyDomain;
  if (declared && declared !== shop) {
    return reject({ status: 400, reason: "shop_mismatch", message: "metaData.myshopifyDomain does not match the shop" }, context);
  }
  if (!SUBSCRIBED_LOOP_TOPICS.includes(topic)) {
    return reject({ status: 422, reason: "unknown_topic", message: `topic ${topic} is not handled by this app` }, context);
  }

  const now = deps.now?.() ?? new Date();
  const occurredAt = parseLoopTimestamp(request.headers.get(WEBHOOK_HEADERS.createdAt)) ?? now;
  try {
    const event = await deps.db.event.create({
      data: {
        shopDomain: shop,
        dedupeKey: webhookId,
        loopWebhookId: webhookId,
        topic,
        status: "received",
        occurredAt,
        receivedAt: now,
        nextAttemptAt: now,
        payload: body,
      },
      select: { id: true },
    });
    return Response.json({ accepted: true, id: event.id }, { status: 202 });
  } catch (error) {
    if (isUniqueViolation(error)) {
      // A redelivery of a webhook already stored: acknowledge it, store nothing.
      return Response.json({ accepted: true, duplicate: true }, { status: 200 });
    }
    log.error("loop webhook: could not store the event", { shop, topic, webhookId, error });
    return unavailable();
  }
}

/** 503 makes Loop retry later, which is what we want when the database is down. */
function unavailable(): Response {
  return Response.json({ error: "temporarily unavailable, retry later" }, { status: 503, headers: { "Retry-After": "5" } });
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
