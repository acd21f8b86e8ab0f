// The subscriber properties' rows answer the privacy webhooks: a customer's sync row and subscription states
// are exported and removed when found by email, phone or Shopify customer id; other customers and shops stay.
import { describe, expect, it } from "vitest";
import { databaseKinds, withTestDatabase } from "../../tests/support/databases";
import { owners } from "./owners.server";

const SHOP = "privacy-props.myshopify.com";
const NOW = new Date("2026-11-25T15:20:00Z");

describe.each(databaseKinds)("subscriber properties and the privacy webhooks (%s)", (kind) => {
  const database = withTestDatabase(kind);
  const records = owners.find((o) => o.name === "subscriber properties")!;

  it("exports and removes one customer's rows, found by email, phone or Shopify id", async () => {
    const db = database.db;
    const customers = [
      { key: "loop:1", email: "ana@example.com", phone: "+15555550101" },
      { key: "loop:2", email: "ben@example.com", phone: null },
      { key: "shopify:77", email: null, phone: null },
    ];
    for (const shop of [SHOP, "other.myshopify.com"]) {
      for (const c of customers) {
        await db.subscriberSync.create({ data: { shopDomain: shop, customerKey: c.key, contactEmail: c.email, contactPhone: c.phone, sentProperties: '{"loop_products":["Tea"]}', markedAt: NOW } });
        await db.loopSubscriptionState.create({
          data: { shopDomain: shop, subscriptionId: `sub-${c.key}`, customerKey: c.key, subscriptionStatus: "CANCELLED", cancellationReason: "Too much tea", stateAsOf: NOW, stateUpdatedAt: NOW },
        });
      }
    }
    const exported = await records.exportCustomer(db, SHOP, { phone: "+1 555 555 0101" });
    expect(exported).toEqual([
      { kind: "subscriber_properties", email: "ana@example.com", phone: "+15555550101", postscriptSubscriberId: null, propertiesSent: { loop_products: ["Tea"] } },
      expect.objectContaining({ kind: "loop_subscription_state", subscriptionId: "sub-loop:1", cancellationReason: "Too much tea" }),
    ]);
    expect(await records.redactCustomer(db, SHOP, { email: "ANA@example.com" })).toBe(2);
    expect(await records.redactCustomer(db, SHOP, { id: "77" })).toBe(2);
    expect(await records.redactCustomer(db, SHOP, {})).toBe(0);
    expect((await db.subscriberSync.findMany({ where: { shopDomain: SHOP } })).map((r) => r.customerKey)).toEqual(["loop:2"]);
    expect(await db.loopSubscriptionState.count({ where: { shopDomain: SHOP } })).toBe(1);
    expect(await records.redactShop(db, SHOP)).toBe(2);
    expect(await db.subscriberSync.count({ where: { shopDomain: "other.myshopify.com" } })).toBe(3);
  });
});
