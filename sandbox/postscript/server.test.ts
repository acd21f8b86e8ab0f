// Contract tests of the Postscript stand-in over real HTTP (loopback, port 0). Rate limiting is raised here
// so functional tests never trip it; rate-limit.test.ts covers the default 15/s.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  DEMO_PARTNER_KEY,
  DEMO_PARTNER_NAME,
  DEMO_SHOP_ID,
  DEMO_SHOP_KEY,
  DEMO_SHOP_NAME,
  DEMO_SHOP_PUBLIC_KEY,
  DEMO_SUBSCRIBERS,
  TEA_SHOP_ID,
  TEA_SHOP_KEY,
  TEA_SHOP_NAME,
} from "./seed";
import { startPostscriptStandIn, type PostscriptStandIn } from "./server";
import { call, control, v2Errors } from "./test-helpers";

let ps: PostscriptStandIn;
let base: string;

beforeAll(async () => {
  ps = await startPostscriptStandIn({ rateLimitPerSecond: 10_000 });
  base = ps.url;
});
afterAll(async () => {
  await ps.close();
});
beforeEach(async () => {
  await control(base, "/reset", "POST");
});

const partnerHeaders = (shopKey: string) => ({ "x-postscript-shop-token": shopKey });

describe("GET /api/v2/me", () => {
  it("returns the shop for a Bearer sk_ key", async () => {
    const r = await call(base, "/api/v2/me", { key: DEMO_SHOP_KEY });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ resource_id: DEMO_SHOP_ID, resource_name: DEMO_SHOP_NAME, resource_type: "shop" });
    expect(r.headers.get("content-type")).toMatch(/application\/json/);
  });

  it("accepts legacy Basic base64('<sk>:')", async () => {
    const r = await call(base, "/api/v2/me", { authorization: `Basic ${Buffer.from(`${TEA_SHOP_KEY}:`).toString("base64")}` });
    expect(r.status).toBe(200);
    expect(r.json.resource_name).toBe(TEA_SHOP_NAME);
  });

  it.each([
    ["unknown sk_ key", { key: "sk_00000000000000000000000000000000" }],
    ["pk_ public key", { key: DEMO_SHOP_PUBLIC_KEY }],
    ["missing header", {}],
    ["scheme only", { authorization: "Bearer" }],
    ["no scheme", { authorization: DEMO_SHOP_KEY }],
    ["unknown scheme", { authorization: `Token ${DEMO_SHOP_KEY}` }],
    ["Basic with a password", { authorization: `Basic ${Buffer.from(`${DEMO_SHOP_KEY}:secret`).toString("base64")}` }],
  ])("401 for %s", async (_label, opts) => {
    const r = await call(base, "/api/v2/me", opts);
    expect(r.status).toBe(401);
    expect(r.json).toEqual({ errors: [{ msg: "Unauthorized", type: "v2.unauthorized" }] });
  });

  it("partner key + X-Postscript-Shop-Token acts on that shop", async () => {
    const r = await call(base, "/api/v2/me", { key: DEMO_PARTNER_KEY, headers: partnerHeaders(TEA_SHOP_KEY) });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ resource_id: TEA_SHOP_ID, resource_name: TEA_SHOP_NAME, resource_type: "shop" });
  });

  it("partner mode rejects unknown partner keys and unknown/public shop tokens", async () => {
    expect((await call(base, "/api/v2/me", { key: "sk_partner_nope", headers: partnerHeaders(TEA_SHOP_KEY) })).status).toBe(401);
    expect((await call(base, "/api/v2/me", { key: DEMO_PARTNER_KEY, headers: partnerHeaders("sk_unknown") })).status).toBe(401);
    expect((await call(base, "/api/v2/me", { key: DEMO_PARTNER_KEY, headers: partnerHeaders(DEMO_SHOP_PUBLIC_KEY) })).status).toBe(401);
  });

  it("partner key without a shop token is authenticated but has no shop (403 access denied)", async () => {
    const r = await call(base, "/api/v2/me", { key: DEMO_PARTNER_KEY });
    expect(r.status).toBe(403);
    expect(v2Errors(r.json)[0].type).toBe("v2.access_denied");
  });

  it("a shop key ignores X-Postscript-Shop-Token", async () => {
    const r = await call(base, "/api/v2/me", { key: DEMO_SHOP_KEY, headers: partnerHeaders(TEA_SHOP_KEY) });
    expect(r.json.resource_id).toBe(DEMO_SHOP_ID);
  });

  it("the 401 body is configurable (it is undocumented)", async () => {
    const other = await startPostscriptStandIn({ unauthorizedBody: { message: "Invalid API key" } });
    try {
      const r = await call(other.url, "/api/v2/me", { key: "sk_x" });
      expect(r.status).toBe(401);
      expect(r.json).toEqual({ message: "Invalid API key" });
    } finally {
      await other.close();
    }
  });

  it("unknown /api/v2 path → 404, wrong method → 405", async () => {
    expect((await call(base, "/api/v2/custom-events", { key: DEMO_SHOP_KEY, body: { type: "x" } })).status).toBe(404);
    expect((await call(base, "/api/v2/me", { key: DEMO_SHOP_KEY, method: "POST", body: {} })).status).toBe(405);
    expect((await call(base, "/api/v2/events", { key: DEMO_SHOP_KEY })).status).toBe(405);
  });
});

describe("POST /api/v2/events", () => {
  const ok = { type: "subscription_created", phone: "+15555550101" };

  it.each([
    ["type with a space", { type: "subscription cancelled" }, ["body", "type"]],
    ["type with a hyphen", { type: "subscription-cancelled" }, ["body", "type"]],
    ["missing type", { phone: "+15555550101" }, ["body", "type"]],
    ["non-string type", { type: 5 }, ["body", "type"]],
    ["ISO occurred_at", { ...ok, occurred_at: "2025-06-20T14:03:11Z" }, ["body", "occurred_at"]],
    ["occurred_at without fraction", { ...ok, occurred_at: "2025-06-20 14:03:11" }, ["body", "occurred_at"]],
    ["impossible occurred_at", { ...ok, occurred_at: "2025-02-30 14:03:11.000" }, ["body", "occurred_at"]],
    ["nested object property", { ...ok, properties: { plan: { id: 1 } } }, ["body", "properties", "plan"]],
    ["array property", { ...ok, properties: { skus: ["a", "b"] } }, ["body", "properties", "skus"]],
    ["null property value", { ...ok, properties: { a: null } }, ["body", "properties", "a"]],
    ["properties not an object", { ...ok, properties: ["a"] }, ["body", "properties"]],
    ["unknown top-level field", { ...ok, event_type: "x" }, ["body", "event_type"]],
    ["camelCase occurredAt", { ...ok, occurredAt: "2025-06-20 14:03:11.123" }, ["body", "occurredAt"]],
    ["bad email", { ...ok, email: "not-an-email" }, ["body", "email"]],
    ["numeric phone", { ...ok, phone: 15555550101 }, ["body", "phone"]],
    ["JSON array body", [ok], ["body"]],
  ])("400 for %s", async (_label, body, loc) => {
    const r = await call(base, "/api/v2/events", { key: DEMO_SHOP_KEY, body });
    expect(r.status).toBe(400);
    const errors = v2Errors(r.json);
    expect(errors.map((e) => e.loc)).toContainEqual(loc);
    expect(ps.state.events).toHaveLength(0);
  });

  it.each([
    ["non-JSON", "type=subscription_created"],
    ["truncated JSON", '{"type":"subscription_created"'],
    ["empty body", ""],
  ])("400 for %s body", async (_label, raw) => {
    const r = await call(base, "/api/v2/events", { key: DEMO_SHOP_KEY, method: "POST", body: raw });
    expect(r.status).toBe(400);
    expect(v2Errors(r.json)[0]).toMatchObject({ loc: ["body"], type: "value_error.jsondecode" });
  });

  it("202 with event_ids, and the event is recorded for the shop", async () => {
    const body = {
      type: "subscription_created",
      subscriber_id: "s_unknown",
      phone: "+15555550101",
      email: "ana@example.com",
      occurred_at: "2025-06-20 14:03:11.123",
      properties: { "Next Order Date": "2025-07-01", price: 29.99, quantity: 2, is_prepaid: false },
      external_id: "loop:wh_1",
    };
    const r = await call(base, "/api/v2/events", { key: DEMO_SHOP_KEY, body });
    expect(r.status).toBe(202);
    expect(r.json).toEqual({ event_ids: [expect.stringMatching(/^evt_[0-9a-f]+$/)] });
    const { events } = await control(base, `/events?shop=${DEMO_SHOP_ID}`);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      event_id: r.json.event_ids[0],
      shop_id: DEMO_SHOP_ID,
      via: "shop",
      display_type: `[${DEMO_SHOP_NAME}] - subscription_created`,
      occurred_at: "2025-06-20 14:03:11.123",
      properties: body.properties,
      external_id: "loop:wh_1",
      // subscriber_id unknown → falls back to phone (Postscript's documented match order)
      matched_subscriber_id: DEMO_SUBSCRIBERS.ana.id,
    });
    expect((await control(base, `/events?shop=${TEA_SHOP_ID}`)).events).toHaveLength(0);
  });

  it("accepts an identifier-less event and defaults occurred_at to receive time in the documented format", async () => {
    const r = await call(base, "/api/v2/events", { key: DEMO_SHOP_KEY, body: { type: "seed_event", occurred_at: null } });
    expect(r.status).toBe(202);
    const ev = ps.state.events[0];
    expect(ev.occurred_at).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/);
    expect(ev.matched_subscriber_id).toBeNull();
  });

  it("email matching prefers the most recent subscriber when several share it", async () => {
    await call(base, "/api/v2/events", { key: DEMO_SHOP_KEY, body: { type: "x", email: "SHARED@example.com" } });
    expect(ps.state.events[0].matched_subscriber_id).toBe(DEMO_SUBSCRIBERS.dora.id);
  });

  it("partner-sent events belong to the shop but carry the partner's display prefix", async () => {
    const r = await call(base, "/api/v2/events", { key: DEMO_PARTNER_KEY, headers: partnerHeaders(TEA_SHOP_KEY), body: { type: "order_upcoming" } });
    expect(r.status).toBe(202);
    const { events } = await control(base, `/events?shop=${encodeURIComponent(TEA_SHOP_NAME)}`);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ via: "partner", shop_id: TEA_SHOP_ID, display_type: `[${DEMO_PARTNER_NAME}] - order_upcoming` });
  });

  it("external_id is NOT deduplicated by default (undocumented), but can be configured", async () => {
    const body = { type: "x", external_id: "loop:dup" };
    const a = await call(base, "/api/v2/events", { key: DEMO_SHOP_KEY, body });
    const b = await call(base, "/api/v2/events", { key: DEMO_SHOP_KEY, body });
    expect(a.json.event_ids[0]).not.toBe(b.json.event_ids[0]);
    expect(ps.state.events).toHaveLength(2);

    const dedup = await startPostscriptStandIn({ externalIdDedup: "return-existing" });
    try {
      const c = await call(dedup.url, "/api/v2/events", { key: DEMO_SHOP_KEY, body });
      const d = await call(dedup.url, "/api/v2/events", { key: DEMO_SHOP_KEY, body });
      expect(d.status).toBe(202);
      expect(d.json.event_ids).toEqual(c.json.event_ids);
      expect(dedup.state.events).toHaveLength(1);
    } finally {
      await dedup.close();
    }
  });
});

describe("GET /api/v2/subscribers", () => {
  const list = (query: string, key = DEMO_SHOP_KEY) => call(base, `/api/v2/subscribers${query}`, { key });

  it("matches E.164 and digits-only phones against each other", async () => {
    // ben is stored digits-only, ana is stored E.164
    for (const [q, id] of [
      ["%2B15555550102", DEMO_SUBSCRIBERS.ben.id],
      ["15555550102", DEMO_SUBSCRIBERS.ben.id],
      ["%2B15555550101", DEMO_SUBSCRIBERS.ana.id],
      ["15555550101", DEMO_SUBSCRIBERS.ana.id],
    ]) {
      const r = await list(`?phone_number__eq=${q}`);
      expect(r.status).toBe(200);
      expect(r.json.subscribers.map((s: { id: string }) => s.id), q).toEqual([id]);
      expect(r.json.page_info).toEqual({ page: 1, total_pages: 1 });
    }
  });

  it("returns the documented subscriber shape", async () => {
    const r = await list("?email__eq=ana%40example.com");
    expect(r.json.subscribers[0]).toEqual({
      id: DEMO_SUBSCRIBERS.ana.id,
      email: "ana@example.com",
      phone_number: "+15555550101",
      shopify_customer_id: 7_000_000_001,
      ps_id: expect.any(Number),
      properties: { favourite_roast: "dark" },
      tags: ["VIP"],
      subscriptions: { promotional: { can_send: true }, transactional: { can_send: true } },
      data: {},
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
  });

  it("email lookup is case-insensitive and returns every match", async () => {
    const r = await list("?email__eq=Shared%40Example.com");
    expect(r.json.subscribers.map((s: { id: string }) => s.id)).toEqual([DEMO_SUBSCRIBERS.dana.id, DEMO_SUBSCRIBERS.dora.id]);
  });

  it("supports repeated __in params and returns an empty page for no match", async () => {
    const r = await list("?phone_number__in=%2B15555550101&phone_number__in=15555550102");
    expect(r.json.subscribers).toHaveLength(2);
    const none = await list("?phone_number__eq=%2B19999999999");
    expect(none.json).toEqual({ page_info: { page: 1, total_pages: 1 }, subscribers: [] });
  });

  it("pages with a fixed size of 20 and is scoped to the calling shop", async () => {
    const p1 = await list("", TEA_SHOP_KEY);
    expect(p1.json.page_info).toEqual({ page: 1, total_pages: 3 });
    expect(p1.json.subscribers).toHaveLength(20);
    const p3 = await list("?page=3", TEA_SHOP_KEY);
    expect(p3.json.subscribers).toHaveLength(5);
    const p4 = await list("?page=4", TEA_SHOP_KEY);
    expect(p4.json.subscribers).toHaveLength(0);
    const ids = new Set([...p1.json.subscribers, ...p3.json.subscribers].map((s: { id: string }) => s.id));
    expect(ids.size).toBe(25);
    expect((await list("?phone_number__eq=%2B15555550101", TEA_SHOP_KEY)).json.subscribers).toHaveLength(0);
    const bad = await list("?page=0");
    expect(bad.status).toBe(400);
    expect(v2Errors(bad.json)[0].loc).toEqual(["query", "page"]);
  });

  it("GET /subscribers/{id}: 200 for own shop, 404 otherwise", async () => {
    const r = await call(base, `/api/v2/subscribers/${DEMO_SUBSCRIBERS.cara.id}`, { key: DEMO_SHOP_KEY });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ id: DEMO_SUBSCRIBERS.cara.id, email: "cara@example.com", phone_number: null });
    expect((await call(base, `/api/v2/subscribers/${DEMO_SUBSCRIBERS.cara.id}`, { key: TEA_SHOP_KEY })).status).toBe(404);
    const missing = await call(base, "/api/v2/subscribers/s_nope", { key: DEMO_SHOP_KEY });
    expect(missing.status).toBe(404);
    expect(v2Errors(missing.json)[0].type).toBe("v2.not_found");
  });
});

describe("PATCH /api/v2/subscribers/{id}", () => {
  const patch = (id: string, body: unknown, key = DEMO_SHOP_KEY) => call(base, `/api/v2/subscribers/${id}`, { key, method: "PATCH", body });

  it("merges properties, adds tags, and only sets email when allowed", async () => {
    const r = await patch(DEMO_SUBSCRIBERS.ana.id, {
      properties: { loop_active_subscription: 1, loop_next_order_date: "2025-07-01", products: ["Dark Roast"] },
      tags: ["VIP", "loop_subscriber"],
      email: "other@example.com",
    });
    expect(r.status).toBe(200);
    expect(r.json.properties).toEqual({ favourite_roast: "dark", loop_active_subscription: 1, loop_next_order_date: "2025-07-01", products: ["Dark Roast"] });
    expect(r.json.tags).toEqual(["VIP", "loop_subscriber"]);
    expect(r.json.email).toBe("ana@example.com"); // has email AND linked Shopify customer → unchanged
    const ben = await patch(DEMO_SUBSCRIBERS.ben.id, { email: "ben@example.com" });
    expect(ben.json.email).toBe("ben@example.com");
    const again = await call(base, `/api/v2/subscribers/${DEMO_SUBSCRIBERS.ana.id}`, { key: DEMO_SHOP_KEY });
    expect(again.json.properties.loop_active_subscription).toBe(1);
  });

  it("allows 50 custom properties and rejects the 51st atomically", async () => {
    const fortyNine = Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`p${i}`, i]));
    const r = await patch(DEMO_SUBSCRIBERS.ana.id, { properties: fortyNine }); // + favourite_roast = 50
    expect(r.status).toBe(200);
    expect(Object.keys(r.json.properties)).toHaveLength(50);
    const over = await patch(DEMO_SUBSCRIBERS.ana.id, { properties: { one_more: "x", p0: 100 } });
    expect(over.status).toBe(400);
    expect(v2Errors(over.json)[0].loc).toEqual(["body", "properties"]);
    const after = await call(base, `/api/v2/subscribers/${DEMO_SUBSCRIBERS.ana.id}`, { key: DEMO_SHOP_KEY });
    expect(Object.keys(after.json.properties)).toHaveLength(50);
    expect(after.json.properties.p0).toBe(0);
    // updating existing keys stays within the limit
    expect((await patch(DEMO_SUBSCRIBERS.ana.id, { properties: { p0: 100 } })).status).toBe(200);
  });

  it("ignores properties that are null or unset (documented), keeping what the subscriber has", async () => {
    for (const body of [{ properties: null }, {}]) {
      const r = await patch(DEMO_SUBSCRIBERS.ana.id, body);
      expect(r.status, JSON.stringify(body)).toBe(200);
      expect(r.json.properties).toEqual({ favourite_roast: "dark" });
    }
  });

  it("answers 401 to lookups and updates with an unknown key, like every endpoint", async () => {
    expect((await call(base, "/api/v2/subscribers?email__eq=ana%40example.com", { key: "sk_not_a_real_key" })).status).toBe(401);
    expect((await patch(DEMO_SUBSCRIBERS.ana.id, { properties: { a: "b" } }, "sk_not_a_real_key")).status).toBe(401);
  });

  it("rejects undocumented value types, unknown fields, and unknown ids", async () => {
    for (const body of [{ properties: { active: true } }, { properties: { x: { y: 1 } } }, { properties: { f: 1.5 } }, { first_name: "Ana" }, { tags: "VIP" }]) {
      const r = await patch(DEMO_SUBSCRIBERS.ana.id, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      v2Errors(r.json);
    }
    expect((await patch("s_nope", { tags: ["x"] })).status).toBe(404);
    expect((await patch("s_nope", { properties: { loop_active_subscription: "yes" } })).status).toBe(404);
    expect((await patch(DEMO_SUBSCRIBERS.ana.id, { tags: ["x"] }, TEA_SHOP_KEY)).status).toBe(404);
  });
});

describe("request record", () => {
  it("records every request in order with masked keys, parsed body, status and shop", async () => {
    const { last_seq } = await control(base, "/requests");
    await call(base, "/api/v2/me", { key: DEMO_SHOP_KEY });
    await call(base, "/api/v2/events", { key: DEMO_PARTNER_KEY, headers: partnerHeaders(TEA_SHOP_KEY), body: { type: "a_b" } });
    await call(base, "/api/v2/subscribers?phone_number__in=1&phone_number__in=2", { key: DEMO_SHOP_KEY });
    await call(base, "/api/v2/me", { key: "sk_wrong_key_1234" });
    const { requests } = await control(base, `/requests?since=${last_seq}`);
    expect(requests.map((r: { method: string; path: string; status: number }) => [r.method, r.path, r.status])).toEqual([
      ["GET", "/api/v2/me", 200],
      ["POST", "/api/v2/events", 202],
      ["GET", "/api/v2/subscribers", 200],
      ["GET", "/api/v2/me", 401],
    ]);
    const seqs = requests.map((r: { seq: number }) => r.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(4);
    expect(requests[0]).toMatchObject({ shop_id: DEMO_SHOP_ID, shop_name: DEMO_SHOP_NAME, headers: { authorization: "Bearer ****7890" } });
    expect(requests[1]).toMatchObject({
      shop_id: TEA_SHOP_ID,
      partner_id: expect.any(String),
      body: { type: "a_b" },
      headers: { authorization: `Bearer ****${DEMO_PARTNER_KEY.slice(-4)}`, "x-postscript-shop-token": `****${TEA_SHOP_KEY.slice(-4)}` },
    });
    expect(requests[2].query).toEqual({ phone_number__in: ["1", "2"] });
    expect(requests[3]).toMatchObject({ shop_id: null, headers: { authorization: "Bearer ****1234" } });
    expect(typeof requests[0].time).toBe("number");
    const dump = JSON.stringify(requests);
    for (const k of [DEMO_SHOP_KEY, TEA_SHOP_KEY, DEMO_PARTNER_KEY, "sk_wrong_key_1234"]) expect(dump).not.toContain(k);
  });

  it("filters by path, clears, and keeps the since-cursor monotonic", async () => {
    await call(base, "/api/v2/me", { key: DEMO_SHOP_KEY });
    await call(base, "/api/v2/events", { key: DEMO_SHOP_KEY, body: { type: "x" } });
    const onlyEvents = await control(base, "/requests?path=/api/v2/events");
    expect(onlyEvents.requests).toHaveLength(1);
    const before = await control(base, "/requests");
    expect((await control(base, "/requests", "DELETE")).cleared).toBe(2);
    expect((await control(base, "/requests")).requests).toHaveLength(0);
    await call(base, "/api/v2/me", { key: DEMO_SHOP_KEY });
    const after = await control(base, "/requests");
    expect(after.requests[0].seq).toBeGreaterThan(before.last_seq);
  });
});

describe("control API", () => {
  it("health", async () => {
    expect(await control(base, "/health")).toMatchObject({ ok: true, shops: 3 });
  });

  it("POST /shops creates a fresh shop with a real-looking key", async () => {
    const created = await control(base, "/shops", "POST", { name: "Fresh Shop", subscribers: [{ phone_number: "+15550001111" }] });
    expect(created.key).toMatch(/^sk_[0-9a-f]{32}$/);
    expect(created.public_key).toBe(`pk_${created.key.slice(3)}`);
    expect(created.id).toMatch(/^shop_/);
    expect(created.subscribers[0].id).toMatch(/^s_/);
    const me = await call(base, "/api/v2/me", { key: created.key });
    expect(me.json).toEqual({ resource_id: created.id, resource_name: "Fresh Shop", resource_type: "shop" });
    expect((await call(base, "/api/v2/me", { key: created.public_key })).status).toBe(401);
    // duplicate key and bad body are rejected
    await expect(control(base, "/shops", "POST", { name: "Dup", key: DEMO_SHOP_KEY })).rejects.toThrow(/400/);
    await expect(control(base, "/shops", "POST", { nom: "x" })).rejects.toThrow(/400/);
    // reset removes it
    await control(base, "/reset", "POST");
    expect((await call(base, "/api/v2/me", { key: created.key })).status).toBe(401);
  });
});
