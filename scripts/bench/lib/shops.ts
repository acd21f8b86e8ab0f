// Shops for benchmarks and fault tests, made the way merchants make them: Loop connected with an API token
// through the Loop stand-in (the app subscribes to every topic and keeps each subscription's signing secret),
// Postscript connected with a private key the Postscript stand-in issued. Runs the app's own modules in this
// process against the same database as the server (same SECRETS_ENCRYPTION_KEYS).
import { generatePayload, serializeEnvelope } from "../../../sandbox/loop/payloads";
import type { LoopStandIn } from "../../../sandbox/loop/server";
import { resetConfigForTests } from "../../../app/config/env.server";
import { connectLoopWithToken } from "../../../app/connections/loop.server";
import { connectPostscript } from "../../../app/connections/postscript.server";
import { disconnectDatabase, getDatabase, type Database } from "../../../app/db.server";
import { SUBSCRIBED_LOOP_TOPICS } from "../../../app/events/catalogue";
import { mapLoopWebhook } from "../../../app/events/mapping";
import { staleReason } from "../../../app/events/stale";
import { signBody, type LoopTopic } from "../../../app/loop/protocol";
import type { WebhookTemplate } from "./load-generator";

/** Points this process's app modules (config, database client) at `url`. */
export async function pointAppAtDatabase(url: string): Promise<Database> {
  await disconnectDatabase();
  process.env.DATABASE_URL = url;
  resetConfigForTests();
  return getDatabase();
}

/** Points this process's app modules at the stand-ins (the server child gets the same URLs in its env). */
export function pointAppAtStandIns(urls: { loop?: string; postscript?: string; shopifyAdmin?: string }) {
  if (urls.loop) process.env.LOOP_API_URL = urls.loop;
  if (urls.postscript) process.env.POSTSCRIPT_API_URL = urls.postscript;
  if (urls.shopifyAdmin) process.env.SHOPIFY_ADMIN_API_ORIGIN = urls.shopifyAdmin;
  resetConfigForTests();
}

/** shop → topic → signing secret. */
export type LoopSecrets = Map<string, Map<string, string>>;

/**
 * Adds `count` stores to the Loop stand-in (bench-<i>.myshopify.com, token loop_bench_<i>…) and connects each
 * with its token, as a merchant would. Returns the signing secrets the stand-in holds for each subscription.
 */
export async function connectLoopShops(db: Database, loop: LoopStandIn, count: number, prefix = "bench"): Promise<LoopSecrets> {
  const secrets: LoopSecrets = new Map();
  for (let i = 0; i < count; i++) {
    const shopDomain = `${prefix}-${i}.myshopify.com`;
    const token = `loop_${prefix}_${String(i).padStart(4, "0")}_token`;
    const response = await fetch(`${loop.url}/__sandbox/stores`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ shopDomain, token, name: `${prefix} ${i}` }),
    });
    if (!response.ok) throw new Error(`Loop stand-in refused store ${shopDomain}: ${response.status} ${await response.text()}`);
    const result = await connectLoopWithToken(db, shopDomain, token);
    if (!result.ok) throw new Error(`could not connect Loop for ${shopDomain}: ${result.message}`);
    const topics = new Map<string, string>();
    for (const webhook of loop.state.webhooks.values()) {
      if (webhook.shopDomain === shopDomain) topics.set(webhook.topic, webhook.secret);
    }
    secrets.set(shopDomain, topics);
  }
  return secrets;
}

export interface TemplateOptions {
  /** Generated payloads per topic and shop (default 3). */
  perTopic?: number;
  topics?: readonly string[];
  /** Reference time of the payloads (their dates: next order, card expiry…); default the generator's fixed one. */
  now?: number;
  /**
   * Only payloads that become a Postscript event deliverable now without help: mapped to an event with an
   * email or phone of its own (no Shopify lookup), not subscription/created (which also asks Shopify about the
   * customer's account), and not stale at `now`.
   */
  deliverableOnly?: boolean;
}

/** Signed webhook bodies for every shop: `perTopic` generated payloads of each consumed topic. */
export function webhookTemplates(secrets: LoopSecrets, options: TemplateOptions | number = {}): WebhookTemplate[] {
  const { perTopic = 3, topics = SUBSCRIBED_LOOP_TOPICS, now, deliverableOnly = false } = typeof options === "number" ? { perTopic: options } : options;
  const templates: WebhookTemplate[] = [];
  for (const [shop, byTopic] of secrets) {
    for (const topic of topics) {
      const secret = byTopic.get(topic);
      if (!secret) continue;
      for (let i = 0, tries = 0; i < perTopic && tries < perTopic * 20; tries++) {
        const envelope = generatePayload(topic as LoopTopic, { seed: `${shop}:${topic}:${tries}`, shopDomain: shop, ...(now ? { now } : {}) });
        if (deliverableOnly && !deliverableNow(topic, envelope, now ?? Date.now())) continue;
        const body = serializeEnvelope(envelope);
        templates.push({ shop, topic, body, signature: signBody(body, secret, "base64"), secret });
        i++;
      }
    }
  }
  return templates;
}

/**
 * Topics whose only stale rule is the maximum age (72 h for orders): with a customer who has an email and a
 * phone (persona "ava"), every webhook of these becomes an event deliverable now, with no Shopify lookup.
 */
export const ALWAYS_DELIVERABLE_TOPICS = ["order/processed", "order/partiallyProcessed"] as const;

/**
 * A signed webhook of its own for every id: generated from the id (its own order and, but for rare
 * collisions, its own subscription), of one of the shops, deliverable now. Cheap enough to make thousands.
 */
export function uniqueWebhooks(secrets: LoopSecrets, now = Date.now()): (id: string) => WebhookTemplate {
  const shops = [...secrets.keys()];
  return (id) => {
    let hash = 0;
    for (const c of id) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
    const shop = shops[hash % shops.length];
    const topic = ALWAYS_DELIVERABLE_TOPICS[(hash >>> 8) % ALWAYS_DELIVERABLE_TOPICS.length];
    const body = serializeEnvelope(generatePayload(topic, { seed: id, shopDomain: shop, now, persona: "ava" }));
    return { shop, topic, body, signature: signBody(body, secrets.get(shop)!.get(topic)!, "base64") };
  };
}

function deliverableNow(topic: string, envelope: unknown, now: number): boolean {
  if (topic === "subscription/created") return false;
  const occurredAt = new Date(now);
  const mapped = mapLoopWebhook({ topic, payload: envelope, webhookId: "probe", occurredAt, settings: { paymentRetryCount: 3 } });
  if (mapped.kind !== "event" || mapped.needsCustomerLookup || (!mapped.identifiers.email && !mapped.identifiers.phone)) return false;
  return staleReason({ type: mapped.type, occurredAt, facts: mapped.facts }, { now: new Date(now + 120_000), laterEventsForSubscription: [] }) === null;
}

export interface PostscriptShop {
  shopDomain: string;
  postscriptShopId: string;
  key: string;
}

/**
 * Creates a shop at the Postscript stand-in (POST /__sandbox/shops) and connects its key for `shopDomain`; with
 * `sameKeyAs`, connects that shop's key instead (a merchant with several stores on one Postscript account).
 */
export async function connectPostscriptShop(db: Database, postscriptUrl: string, shopDomain: string, sameKeyAs?: PostscriptShop): Promise<PostscriptShop> {
  if (sameKeyAs) {
    const result = await connectPostscript(db, shopDomain, { apiKey: sameKeyAs.key, label: "bench" });
    if (!result.ok) throw new Error(`could not connect Postscript for ${shopDomain}: ${result.message}`);
    return { ...sameKeyAs, shopDomain };
  }
  const response = await retrying(() =>
    fetch(`${postscriptUrl}/__sandbox/shops`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name: shopDomain.replace(/\.myshopify\.com$/, "") }),
    }),
  );
  if (response.status !== 201) throw new Error(`Postscript stand-in refused a shop: ${response.status} ${await response.text()}`);
  const created = (await response.json()) as { id: string; key: string };
  const result = await connectPostscript(db, shopDomain, { apiKey: created.key, label: "bench" });
  if (!result.ok) throw new Error(`could not connect Postscript for ${shopDomain}: ${result.message}`);
  return { shopDomain, postscriptShopId: created.id, key: created.key };
}

/** Retries a request that failed on the network (a keep-alive connection closed under it). */
async function retrying<T>(request: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await request();
    } catch (error) {
      if (i >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * i));
    }
  }
}
