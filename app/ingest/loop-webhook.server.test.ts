// Loop webhook ingestion: authentication, checks and durable storage, on every test database.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { databaseKinds, withTestDatabase } from "../../tests/support/databases";
import { withTestEnv } from "../../tests/support/connections";
import { closedPort } from "../../tests/support/net";
import { closeDatabaseClient, createDatabaseClient, getSql } from "~/db.server";
import { signBody, type SignatureEncoding } from "~/loop/protocol";
import { setLogSink } from "~/logging/logger.server";
import { createUnusedFieldLog } from "~/events/unused-field-log.server";
import { eventInsert } from "./event-insert.server";
import { createEventWriter } from "./event-writer.server";
import { ingestLoopWebhook, parseLoopTimestamp, type IngestDependencies } from "./loop-webhook.server";

const SHOP = "ingest.myshopify.com";
const SECRET = "whsec_loop_test_secret_0123456789";
const CREATED_AT = new Date(Date.now() - 60_000).toISOString();
const HOUR = 3_600_000;

interface WebhookOptions {
  topic?: string;
  id?: string;
  secret?: string;
  encoding?: SignatureEncoding;
  body?: string;
  shop?: string | null;
  headers?: Record<string, string | null>;
}

function webhook(options: WebhookOptions = {}) {
  const id = options.id ?? crypto.randomUUID();
  // The body names the webhook id: the same body under another id would be refused as a replay.
  const body =
    options.body ??
    JSON.stringify({ payload: { id: 123, status: "ACTIVE", customer: { email: "ada@example.com" }, webhook: id }, metaData: { myshopifyDomain: SHOP } });
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    "X-Loop-Webhook-Id": id,
    "X-Loop-Webhook-Topic": options.topic ?? "subscription/created",
    "X-Loop-Webhook-Api-Version": "2023-10",
    "X-Loop-Webhook-Created-At": CREATED_AT,
    "X-Loop-Webhook-Delivery-At": new Date().toISOString(),
    "X-Loop-Webhook-Retry-Count": "0",
    "X-Loop-Signature": signBody(body, options.secret ?? SECRET, options.encoding ?? "base64"),
  };
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (value === null) delete headers[name];
    else headers[name] = value;
  }
  const shop = options.shop === undefined ? SHOP : options.shop;
  return new Request(`https://app.example.com/webhooks/loop${shop ? `?shop=${shop}` : ""}`, { method: "POST", headers, body });
}

describe.each(databaseKinds)("Loop webhook ingestion (%s)", (kind) => {
  const database = withTestDatabase(kind);
  const logs: string[] = [];
  let restoreSink: ReturnType<typeof setLogSink>;
  beforeAll(() => {
    restoreSink = setLogSink((line) => logs.push(line));
  });
  afterAll(() => void setLogSink(restoreSink));
  beforeEach(async () => {
    logs.length = 0;
    await database.db.event.deleteMany();
    await database.db.unusedLoopField.deleteMany();
  });

  const deps = (overrides: Partial<IngestDependencies> = {}): IngestDependencies => ({
    db: database.db,
    secretsFor: async (shop) => (shop === SHOP ? [SECRET] : []),
    maxBodyBytes: 4096,
    signatureEncodings: ["base64", "hex"],
    ...overrides,
  });

  it("stores a signed webhook before answering 202, with Loop's created-at as the time it occurred", async () => {
    const response = await ingestLoopWebhook(webhook({ id: "wh-1" }), deps());
    expect(response.status).toBe(202);
    const rows = await database.db.event.findMany();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ shopDomain: SHOP, loopWebhookId: "wh-1", dedupeKey: "wh-1", topic: "subscription/created", status: "received" });
    expect(rows[0].occurredAt.toISOString()).toBe(CREATED_AT);
    expect(JSON.parse(rows[0].payload).payload.id).toBe(123);
  });

  it("acknowledges a redelivery (same webhook id) and stores it once", async () => {
    const first = await ingestLoopWebhook(webhook({ id: "wh-dup" }), deps());
    const again = await ingestLoopWebhook(webhook({ id: "wh-dup", headers: { "X-Loop-Webhook-Retry-Count": "1" } }), deps());
    expect([first.status, again.status]).toEqual([202, 200]);
    expect(await again.json()).toEqual({ accepted: true, duplicate: true });
    expect(await database.db.event.count()).toBe(1);
  });

  describe("a captured body sent again under a new webhook id", () => {
    const captured = JSON.stringify({ payload: { id: 9, status: "PAUSED" }, metaData: { myshopifyDomain: SHOP } });
    const at = (time: number) => ({ "X-Loop-Webhook-Created-At": new Date(time).toISOString() });

    it("is acknowledged as a duplicate and stored once (no second SMS), with a log line saying so", async () => {
      const first = await ingestLoopWebhook(webhook({ id: "wh-original", body: captured }), deps());
      const replay = await ingestLoopWebhook(webhook({ id: "wh-replayed", body: captured, headers: at(Date.now()) }), deps());
      expect([first.status, replay.status]).toEqual([202, 200]);
      expect(await replay.json()).toEqual({ accepted: true, duplicate: true });
      expect(await database.db.event.findMany({ select: { loopWebhookId: true } })).toEqual([{ loopWebhookId: "wh-original" }]);
      expect(JSON.parse(logs.at(-1)!)).toMatchObject({ level: "warn", reason: "duplicate_body", webhookId: "wh-replayed" });
    });

    it("is a duplicate through the group-commit writer too, even within one batch", async () => {
      const insert = eventInsert(getSql(database.db));
      const writer = createEventWriter(insert);
      const answers = await Promise.all(["wh-a", "wh-b", "wh-c"].map((id) => ingestLoopWebhook(webhook({ id, body: captured }), deps({ writer }))));
      await writer.close();
      expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 202]);
      expect(await database.db.event.count()).toBe(1);
    });

    it("is a new event once the first was received longer ago than Loop's 48 h of retries", async () => {
      const start = Date.now();
      expect((await ingestLoopWebhook(webhook({ id: "wh-day-1", body: captured, headers: at(start) }), deps({ now: () => new Date(start) }))).status).toBe(202);
      const later = start + 47 * HOUR;
      const within = await ingestLoopWebhook(webhook({ id: "wh-day-2", body: captured, headers: at(later) }), deps({ now: () => new Date(later) }));
      expect(within.status).toBe(200);
      const after = start + 49 * HOUR;
      const outside = await ingestLoopWebhook(webhook({ id: "wh-day-3", body: captured, headers: at(after) }), deps({ now: () => new Date(after) }));
      expect(outside.status).toBe(202);
      expect((await database.db.event.findMany({ select: { loopWebhookId: true }, orderBy: { receivedAt: "asc" } })).map((e) => e.loopWebhookId)).toEqual(["wh-day-1", "wh-day-3"]);
    });

    it("is still a new event when it comes for another topic", async () => {
      expect((await ingestLoopWebhook(webhook({ body: captured, topic: "subscription/paused" }), deps())).status).toBe(202);
      expect((await ingestLoopWebhook(webhook({ body: captured, topic: "subscription/created" }), deps())).status).toBe(202);
    });
  });

  it.each([
    ["more than 49 h in the past", -50 * HOUR, "created_at_too_old"],
    ["more than 5 minutes ahead", 10 * 60_000, "created_at_in_future"],
  ])("refuses a delivery whose Created-At is %s (422), stores nothing and logs why", async (_name, offset, reason) => {
    const response = await ingestLoopWebhook(webhook({ headers: { "X-Loop-Webhook-Created-At": new Date(Date.now() + offset).toISOString() } }), deps());
    expect(response.status).toBe(422);
    expect(await database.db.event.count()).toBe(0);
    expect(JSON.parse(logs.at(-1)!)).toMatchObject({ level: "warn", msg: "loop webhook rejected", reason, status: 422 });
  });

  it("accepts a Created-At within the window, and none at all (its format is unverified)", async () => {
    expect((await ingestLoopWebhook(webhook({ headers: { "X-Loop-Webhook-Created-At": new Date(Date.now() - 48 * HOUR).toISOString() } }), deps())).status).toBe(202);
    expect((await ingestLoopWebhook(webhook({ headers: { "X-Loop-Webhook-Created-At": null } }), deps())).status).toBe(202);
  });

  it("accepts a hex signature unless configured for base64 only", async () => {
    expect((await ingestLoopWebhook(webhook({ encoding: "hex" }), deps())).status).toBe(202);
    expect((await ingestLoopWebhook(webhook({ encoding: "hex" }), deps({ signatureEncodings: ["base64"] }))).status).toBe(401);
  });

  it.each([
    ["a wrong signature", { secret: "another secret" }, 401, "bad_signature"],
    ["no signature", { headers: { "X-Loop-Signature": null } }, 401, "missing_signature"],
    ["no webhook id", { headers: { "X-Loop-Webhook-Id": null } }, 400, "missing_webhook_id"],
    ["no topic", { headers: { "X-Loop-Webhook-Topic": null } }, 400, "missing_topic"],
    ["an unknown shop", { shop: "stranger.myshopify.com" }, 401, "unknown_shop"],
    ["a shop that is not a myshopify domain", { shop: "evil.example.com" }, 400, "unknown_shop_domain"],
    ["malformed JSON (correctly signed)", { body: "{not json" }, 400, "malformed_json"],
    ["JSON that is not Loop's envelope", { body: JSON.stringify({ hello: "world" }) }, 400, "malformed_envelope"],
    ["a body naming another shop", { body: JSON.stringify({ payload: {}, metaData: { myshopifyDomain: "other.myshopify.com" } }) }, 400, "shop_mismatch"],
    ["a topic the app does not consume, wrongly signed", { topic: "subscriptionCheckout/success", secret: "another secret" }, 401, "bad_signature"],
    ["a topic the app does not consume, unsigned", { topic: "subscriptionCheckout/success", headers: { "X-Loop-Signature": null } }, 401, "missing_signature"],
    ["a body over the size limit", { body: JSON.stringify({ payload: { pad: "x".repeat(5000) }, metaData: { myshopifyDomain: SHOP } }) }, 413, "body_too_large"],
  ] as const)("rejects %s, stores nothing and logs why (never the secret)", async (_name, options, status, reason) => {
    const response = await ingestLoopWebhook(webhook(options as WebhookOptions), deps());
    expect(response.status).toBe(status);
    expect(await database.db.event.count()).toBe(0);
    const line = JSON.parse(logs.at(-1)!);
    expect(line).toMatchObject({ level: "warn", msg: "loop webhook rejected", reason, status });
    expect(logs.join("\n")).not.toContain(SECRET);
  });

  it("acknowledges a signed webhook of a topic the app does not consume (checked against every secret of the shop): 200, nothing stored, logged and counted", async () => {
    const HAND_ADDED = "whsec_added_by_hand_in_loop_admin_01";
    const asked: (string | null)[] = [];
    const unusedFields = createUnusedFieldLog(database.db);
    const secretsFor = async (shop: string, topic: string | null) => {
      asked.push(topic);
      if (shop !== SHOP) return [];
      return topic === null ? [SECRET, HAND_ADDED] : [SECRET];
    };
    // Logged at info: an ignored topic is the merchant's set-up, not a fault of the app.
    await withTestEnv({ LOG_LEVEL: "info" }, async () => {
      for (const id of ["wh-ignored-1", "wh-ignored-2"]) {
        const response = await ingestLoopWebhook(webhook({ id, topic: "subscription/delayed", secret: HAND_ADDED }), deps({ secretsFor, unusedFields }));
        expect(response.status).toBe(200);
        expect(await response.json()).toEqual({ accepted: true, ignored: true });
      }
    });
    expect(asked).toEqual([null, null]);
    expect(await database.db.event.count()).toBe(0);
    expect(JSON.parse(logs.at(-1)!)).toMatchObject({ level: "info", msg: "loop webhook ignored", reason: "ignored_topic", shop: SHOP, topic: "subscription/delayed" });
    await unusedFields.flush();
    expect(await database.db.unusedLoopField.findMany({ select: { shopDomain: true, topic: true, path: true, count: true } })).toEqual([
      { shopDomain: SHOP, topic: "subscription/delayed", path: "", count: 2 },
    ]);
    // A shop without a Loop connection is still unknown, whatever the topic.
    expect((await ingestLoopWebhook(webhook({ topic: "subscription/delayed", shop: "stranger.myshopify.com" }), deps({ secretsFor }))).status).toBe(401);
  });

  it("answers an unknown shop exactly as a bad signature (status and body), so no one learns which shops use the app", async () => {
    const unknown = await ingestLoopWebhook(webhook({ shop: "stranger.myshopify.com" }), deps());
    const badSignature = await ingestLoopWebhook(webhook({ secret: "another secret" }), deps());
    expect(unknown.status).toBe(401);
    expect([unknown.status, await unknown.text()]).toEqual([badSignature.status, await badSignature.text()]);
    expect(logs.map((line) => JSON.parse(line).reason)).toEqual(["unknown_shop", "bad_signature"]);
  });

  it("finds the shop in the envelope when the address has no ?shop=", async () => {
    expect((await ingestLoopWebhook(webhook({ shop: null }), deps())).status).toBe(202);
  });

  it("answers 405 to anything but POST", async () => {
    const response = await ingestLoopWebhook(new Request("https://app.example.com/webhooks/loop", { method: "GET" }), deps());
    expect(response.status).toBe(405);
  });

  it("answers 503 (so Loop retries) when the database is down, and never 2xx", async () => {
    const down = createDatabaseClient(`postgresql://postgres@127.0.0.1:${await closedPort()}/none`);
    const response = await ingestLoopWebhook(webhook(), deps({ db: down }));
    expect(response.status).toBe(503);
    expect(response.headers.get("Retry-After")).toBe("5");
    await closeDatabaseClient(down);
  });

  it("answers 503 when the signing secrets cannot be read", async () => {
    const response = await ingestLoopWebhook(webhook(), deps({ secretsFor: async () => { throw new Error("database is down"); } }));
    expect(response.status).toBe(503);
  });
});

describe("X-Loop-Webhook-Created-At", () => {
  it.each([
    ["2026-11-20T10:00:00.000Z", "2026-11-20T10:00:00.000Z"],
    ["1795600000", "2026-11-25T09:46:40.000Z"],
    ["1795600000123", "2026-11-25T09:46:40.123Z"],
  ])("reads %s", (value, iso) => {
    expect(parseLoopTimestamp(value)?.toISOString()).toBe(iso);
  });
  it("gives null for nonsense", () => {
    expect(parseLoopTimestamp("yesterday")).toBeNull();
    expect(parseLoopTimestamp(null)).toBeNull();
  });
});
