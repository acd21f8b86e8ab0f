// Shopify webhooks go through the real authenticate.webhook (HMAC-SHA256 of the raw body with the app secret).
import { describe, expect, it } from "vitest";
import { databaseKinds, withTestDatabase } from "../../tests/support/databases";
import { installShop, runRoute, webhookRequest } from "../../tests/support/shopify";
import { action as uninstalled } from "./webhooks.app.uninstalled";
import { action as scopesUpdate } from "./webhooks.app.scopes_update";
import { action as dataRequest } from "./webhooks.customers.data_request";
import { action as customersRedact } from "./webhooks.customers.redact";
import { action as shopRedact } from "./webhooks.shop.redact";

const routes = [
  ["app/uninstalled", "/webhooks/app/uninstalled", uninstalled],
  ["app/scopes_update", "/webhooks/app/scopes_update", scopesUpdate],
  ["customers/data_request", "/webhooks/customers/data_request", dataRequest],
  ["customers/redact", "/webhooks/customers/redact", customersRedact],
  ["shop/redact", "/webhooks/shop/redact", shopRedact],
] as const;

const customerPayload = (shop: string) => ({
  shop_id: 1,
  shop_domain: shop,
  customer: { id: 207119551, email: "john@example.com", phone: "+15555550100" },
  orders_requested: [299938],
  orders_to_redact: [299938],
  data_request: { id: 9999 },
});

describe.each(databaseKinds)("Shopify webhooks (%s)", (kind) => {
  const database = withTestDatabase(kind);

  describe.each(routes)("%s", (topic, path, action) => {
    it("answers 401 to a wrong HMAC and changes nothing", async () => {
      const shop = `hmac-${topic.replace(/\W/g, "-")}.myshopify.com`;
      await installShop(database.db, shop);
      const request = webhookRequest(path, topic, shop, customerPayload(shop), { hmac: "bm90IHRoZSByaWdodCBobWFj" });
      expect((await runRoute(action, request)).status).toBe(401);
      expect(await database.db.session.count({ where: { shop } })).toBe(1);
      expect(await database.db.complianceRequest.count({ where: { shopDomain: shop } })).toBe(0);
    });

    it("answers 400 when Shopify's headers are missing", async () => {
      const request = webhookRequest(path, topic, "x.myshopify.com", {}, { omitHeaders: ["X-Shopify-Topic"] });
      expect((await runRoute(action, request)).status).toBe(400);
    });

    it("answers 405 to anything but POST", async () => {
      const request = webhookRequest(path, topic, "x.myshopify.com", {}, { method: "GET" });
      expect((await runRoute(action, request)).status).toBe(405);
    });
  });

  it("app/uninstalled deletes the shop's sessions and marks it uninstalled, and tolerates a repeat", async () => {
    const shop = "leaving.myshopify.com";
    await installShop(database.db, shop);
    await installShop(database.db, "staying.myshopify.com");
    for (let i = 0; i < 2; i++) {
      const response = await runRoute(uninstalled, webhookRequest("/webhooks/app/uninstalled", "app/uninstalled", shop, { id: 1 }));
      expect(response.status).toBe(200);
    }
    expect(await database.db.session.count({ where: { shop } })).toBe(0);
    expect(await database.db.session.count({ where: { shop: "staying.myshopify.com" } })).toBe(1);
    const record = await database.db.shop.findUniqueOrThrow({ where: { domain: shop } });
    expect(record.uninstalledAt).toBeInstanceOf(Date);
  });

  it("app/scopes_update records the granted scopes on the session and the shop", async () => {
    const shop = "scopes.myshopify.com";
    await installShop(database.db, shop, "read_customers");
    const payload = { id: 1, previous: ["read_customers"], current: ["read_customers", "write_customers"], updated_at: new Date().toISOString() };
    const response = await runRoute(scopesUpdate, webhookRequest("/webhooks/app/scopes_update", "app/scopes_update", shop, payload));
    expect(response.status).toBe(200);
    expect((await database.db.session.findFirstOrThrow({ where: { shop } })).scope).toBe("read_customers,write_customers");
    expect((await database.db.shop.findUniqueOrThrow({ where: { domain: shop } })).scopes).toBe("read_customers,write_customers");
  });

  it("customers/data_request records the request with what the app holds, once per webhook id", async () => {
    const shop = "privacy.myshopify.com";
    await installShop(database.db, shop);
    const webhookId = crypto.randomUUID();
    for (let i = 0; i < 2; i++) {
      const request = webhookRequest("/webhooks/customers/data_request", "customers/data_request", shop, customerPayload(shop), { webhookId });
      expect((await runRoute(dataRequest, request)).status).toBe(200);
    }
    const rows = await database.db.complianceRequest.findMany({ where: { shopDomain: shop, topic: "customers/data_request" } });
    expect(rows).toHaveLength(1);
    expect(rows[0].customerId).toBe("207119551");
    expect(rows[0].completedAt).toBeInstanceOf(Date);
    expect(JSON.parse(rows[0].result!)).toEqual({
      dataRequestId: 9999,
      data: { "Loop events and their deliveries to Postscript": [], "Loop field names the app does not read": [], "Shopify Flow triggers": [], "subscriber properties": [], "connections, settings and configuration history": [], "sessions and shop record": [] },
    });
  });

  it("customers/redact is recorded as done", async () => {
    const shop = "redact-customer.myshopify.com";
    await installShop(database.db, shop);
    const response = await runRoute(customersRedact, webhookRequest("/webhooks/customers/redact", "customers/redact", shop, customerPayload(shop)));
    expect(response.status).toBe(200);
    const row = await database.db.complianceRequest.findFirstOrThrow({ where: { shopDomain: shop, topic: "customers/redact" } });
    expect(JSON.parse(row.result!)).toEqual({
      removed: { "Loop events and their deliveries to Postscript": 0, "Loop field names the app does not read": 0, "Shopify Flow triggers": 0, "subscriber properties": 0, "connections, settings and configuration history": 0, "sessions and shop record": 0 },
    });
  });

  it("shop/redact removes the shop's sessions and record and leaves other shops alone", async () => {
    const shop = "redact-shop.myshopify.com";
    await installShop(database.db, shop);
    await installShop(database.db, "neighbour.myshopify.com");
    for (const shopDomain of [shop, "neighbour.myshopify.com"]) {
      const at = new Date();
      await database.db.unusedLoopField.create({ data: { shopDomain, topic: "order/processed", path: "orderTags", firstSeenAt: at, lastSeenAt: at, count: 3 } });
    }
    const response = await runRoute(shopRedact, webhookRequest("/webhooks/shop/redact", "shop/redact", shop, { shop_id: 1, shop_domain: shop }));
    expect(response.status).toBe(200);
    expect(await database.db.session.count({ where: { shop } })).toBe(0);
    expect(await database.db.shop.count({ where: { domain: shop } })).toBe(0);
    expect(await database.db.shop.count({ where: { domain: "neighbour.myshopify.com" } })).toBe(1);
    expect((await database.db.unusedLoopField.findMany()).map((f) => f.shopDomain)).toEqual(["neighbour.myshopify.com"]);
    const row = await database.db.complianceRequest.findFirstOrThrow({ where: { shopDomain: shop, topic: "shop/redact" } });
    expect(JSON.parse(row.result!)).toEqual({
      removed: { "Loop events and their deliveries to Postscript": 0, "Loop field names the app does not read": 1, "Shopify Flow triggers": 0, "subscriber properties": 0, "connections, settings and configuration history": 0, "sessions and shop record": 2 },
    });
  });
});
