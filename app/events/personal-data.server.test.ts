// The privacy webhooks' view of the event pipeline: a customer's events (by email, phone, their
// subscriptions, and the Shopify customer id inside payloads not mapped yet) are exported and redacted, and
// shop/redact leaves nothing of the shop, and only of that shop.
import { describe, expect, it } from "vitest";
import { databaseKinds, withTestDatabase } from "../../tests/support/databases";
import { eventRecords } from "./personal-data.server";
import { seedEvent } from "~/statistics/seed.testutil";

const SHOP = "privacy.myshopify.com";
const OTHER_SHOP = "privacy-other.myshopify.com";
const AVA = { id: "7400000001", email: "Ava.Thompson@example.com", phone: "+12015550101" };

const payload = (customer: Record<string, unknown> | null, subscriptionId = 555) => ({ payload: { id: subscriptionId, customer }, metaData: {} });

describe.each(databaseKinds)("event records for the privacy webhooks (%s)", (kind) => {
  const database = withTestDatabase(kind);

  async function seed() {
    const db = database.db;
    const at = "2026-11-20T10:00:00Z";
    const byEmail = await seedEvent(db, { shop: SHOP, receivedAt: at, outcome: "delivered", email: "ava.thompson@example.com", phone: null, subscriptionKey: "555", payload: payload({ shopifyId: 7400000001, email: "ava.thompson@example.com" }) });
    const byPhone = await seedEvent(db, { shop: SHOP, receivedAt: at, outcome: "failed", email: null, phone: "+12015550101", subscriptionKey: "777", payload: payload({ shopifyId: 7400000001, phone: "+12015550101" }, 777) });
    const sameSubscription = await seedEvent(db, { shop: SHOP, receivedAt: at, type: "flow_completed", outcome: "delivered", email: null, phone: null, subscriptionKey: "555", payload: { payload: { id: 9, name: "Winback", subscription: { id: 555 } } } });
    const unmapped = await seedEvent(db, { shop: SHOP, receivedAt: at, outcome: "received", payload: payload({ shopifyId: "gid://shopify/Customer/7400000001", email: null }, 888) });
    const someoneElse = await seedEvent(db, { shop: SHOP, receivedAt: at, outcome: "delivered", email: "liam@example.com", subscriptionKey: "556", payload: payload({ shopifyId: 7400000002, email: "liam@example.com" }, 556) });
    // Mentions Ava's id only as an order number, not as a customer: not hers.
    const lookalike = await seedEvent(db, { shop: SHOP, receivedAt: at, outcome: "received", payload: { payload: { id: 7400000001, customer: { shopifyId: 42 } } } });
    const otherShop = await seedEvent(db, { shop: OTHER_SHOP, receivedAt: at, outcome: "delivered", email: "ava.thompson@example.com", subscriptionKey: "555", payload: payload({ shopifyId: 7400000001 }) });
    for (const shopDomain of [SHOP, OTHER_SHOP]) {
      await db.deliveryLease.upsert({ where: { shopDomain }, create: { shopDomain, owner: "worker-1", expiresAt: new Date() }, update: {} });
    }
    return { byEmail, byPhone, sameSubscription, unmapped, someoneElse, lookalike, otherShop };
  }

  it("exports the customer's events with their attempts, and only theirs", async () => {
    const events = await seed();
    const records = (await eventRecords.exportCustomer(database.db, SHOP, AVA)) as { id: string; attempts: unknown[]; loopWebhook: unknown }[];
    expect(records.map((r) => r.id).sort()).toEqual([events.byEmail.id, events.byPhone.id, events.sameSubscription.id, events.unmapped.id].sort());
    const byPhone = records.find((r) => r.id === events.byPhone.id)!;
    expect(byPhone.attempts).toHaveLength(1);
    expect(byPhone.loopWebhook).toEqual(payload({ shopifyId: 7400000001, phone: "+12015550101" }, 777));
    expect(await eventRecords.exportCustomer(database.db, SHOP, { id: "1" })).toEqual([]);
  });

  it("redacts the customer's events and attempts and nothing else", async () => {
    const db = database.db;
    await db.event.deleteMany({});
    const events = await seed();
    const removed = await eventRecords.redactCustomer(db, SHOP, { email: AVA.email, phone: "+1 (201) 555-0101", id: AVA.id });
    // 4 events and 3 attempts (delivered, failed, delivered; the unmapped one has none).
    expect(removed).toBe(7);
    const left = await db.event.findMany({ select: { id: true } });
    expect(left.map((e) => e.id).sort()).toEqual([events.someoneElse.id, events.lookalike.id, events.otherShop.id].sort());
    expect(await db.deliveryAttempt.count({ where: { eventId: { in: [events.byEmail.id, events.byPhone.id, events.sameSubscription.id] } } })).toBe(0);
    expect(await db.deliveryAttempt.count({ where: { eventId: events.otherShop.id } })).toBe(1);
  });

  it("removes all of a shop's events, attempts, statistics and leases on shop/redact", async () => {
    const db = database.db;
    await db.event.deleteMany({});
    await seed();
    const before = {
      events: await db.event.count({ where: { shopDomain: SHOP } }),
      attempts: await db.deliveryAttempt.count({ where: { event: { shopDomain: SHOP } } }),
      rollups:
        (await db.eventRollup.count({ where: { shopDomain: SHOP } })) +
        (await db.reasonRollup.count({ where: { shopDomain: SHOP } })) +
        (await db.latencyRollup.count({ where: { shopDomain: SHOP } })),
    };
    expect(before.rollups).toBeGreaterThan(0);
    const removed = await eventRecords.redactShop(db, SHOP);
    expect(removed).toBe(before.events + before.attempts + before.rollups + 1);
    for (const table of ["event", "eventRollup", "reasonRollup", "latencyRollup", "deliveryLease"] as const) {
      expect(await (db[table] as unknown as { count(args: unknown): Promise<number> }).count({ where: { shopDomain: SHOP } })).toBe(0);
    }
    expect(await db.event.count({ where: { shopDomain: OTHER_SHOP } })).toBe(1);
    expect(await db.eventRollup.count({ where: { shopDomain: OTHER_SHOP } })).toBeGreaterThan(0);
    expect(await db.deliveryLease.count({ where: { shopDomain: OTHER_SHOP } })).toBe(1);
  });
});
