// Shopify Admin GraphQL calls through the library's offline-session path, against the local Admin stand-in
// over real HTTP (SHOPIFY_ADMIN_API_ORIGIN sends the library's requests there).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startShopifyAdminStandIn } from "../../sandbox/shopify/server";
import { databaseKinds, withTestDatabase } from "../../tests/support/databases";
import { closedPort } from "../../tests/support/net";
import { installShop } from "../../tests/support/shopify";
import { resetConfigForTests } from "~/config/env.server";
import { fetchCustomer, generateActivationUrl } from "./customers.server";

const SHOP = "customers.myshopify.com";

describe.each(databaseKinds)("Shopify customer lookups (%s)", (kind) => {
  const database = withTestDatabase(kind);
  let shopify: Awaited<ReturnType<typeof startShopifyAdminStandIn>>;
  const options = () => ({ timeoutMs: 2000 });

  beforeAll(async () => {
    shopify = await startShopifyAdminStandIn({ shopDomain: SHOP, acceptAnyToken: true });
    process.env.SHOPIFY_ADMIN_API_ORIGIN = shopify.url;
    resetConfigForTests();
    await installShop(database.db, SHOP);
  });
  afterAll(async () => {
    delete process.env.SHOPIFY_ADMIN_API_ORIGIN;
    resetConfigForTests();
    await shopify.close();
  });

  it("reads a customer's state, email and phone", async () => {
    const result = await fetchCustomer(options(), SHOP, "7400000002");
    expect(result).toEqual({
      ok: true,
      value: { id: "gid://shopify/Customer/7400000002", state: "DISABLED", email: "liam.garcia@example.com", phone: "+13125550142", firstName: "Liam" },
    });
  });

  it("says when the customer does not exist", async () => {
    expect(await fetchCustomer(options(), SHOP, "999")).toMatchObject({ ok: false, kind: "not_found" });
  });

  it("generates an account activation URL for a customer who has not activated", async () => {
    const result = await generateActivationUrl(options(), SHOP, "7400000003");
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.value).toMatch(new RegExp(`^https://${SHOP}/account/activate/7400000003/`));
  });

  it("returns Shopify's userErrors for an account already enabled", async () => {
    expect(await generateActivationUrl(options(), SHOP, "7400000001")).toMatchObject({ ok: false, kind: "user_error", message: expect.stringMatching(/already enabled/i) });
  });

  it("reports throttling with how long to wait", async () => {
    await fetch(`${shopify.url}/__sandbox/faults`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ throttle: true }) });
    const result = await fetchCustomer(options(), SHOP, "7400000002");
    await fetch(`${shopify.url}/__sandbox/faults`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ throttle: false }) });
    expect(result).toMatchObject({ ok: false, kind: "throttled" });
    if (!result.ok) expect(result.retryAfterMs).toBeGreaterThanOrEqual(1000);
  });

  it("reports a refused access token, and a shop without an offline session, as lost access", async () => {
    await fetch(`${shopify.url}/__sandbox/tokens`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ acceptAnyToken: false }) });
    expect(await fetchCustomer(options(), SHOP, "7400000002")).toMatchObject({ ok: false, kind: "access_lost", message: "Shopify refused the shop's access token (401)" });
    await fetch(`${shopify.url}/__sandbox/tokens`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ acceptAnyToken: true }) });
    expect(await fetchCustomer(options(), "not-installed.myshopify.com", "1")).toMatchObject({ ok: false, kind: "access_lost", message: expect.stringContaining("no offline session") });
  });

  it("reports an expired token whose refresh Shopify refuses as a failed refresh (worth trying again for a while)", async () => {
    const expired = "expired.myshopify.com";
    await installShop(database.db, expired);
    await database.db.session.update({ where: { id: `offline_${expired}` }, data: { expires: new Date(Date.now() - 1_000), refreshToken: "shprt_unknown" } });
    expect(await fetchCustomer(options(), expired, "7400000002")).toMatchObject({ ok: false, kind: "refresh_failed", retryAfterMs: 60_000 });
    // For a minute the same refused refresh token is not sent again; a new one is tried at once.
    const asked = shopify.state.oauth.requests.length;
    expect(await fetchCustomer(options(), expired, "7400000003")).toMatchObject({ ok: false, kind: "refresh_failed" });
    expect(shopify.state.oauth.requests).toHaveLength(asked);
    await database.db.session.update({ where: { id: `offline_${expired}` }, data: { refreshToken: "shprt_another" } });
    expect(await fetchCustomer(options(), expired, "7400000003")).toMatchObject({ ok: false, kind: "refresh_failed" });
    expect(shopify.state.oauth.requests).toHaveLength(asked + 1);
  });

  it("reports Shopify's server errors and an unreachable Shopify as unavailable", async () => {
    await fetch(`${shopify.url}/__sandbox/faults`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ failNext: { count: 1, status: 503 } }) });
    expect(await fetchCustomer(options(), SHOP, "7400000002")).toMatchObject({ ok: false, kind: "unavailable", message: "Shopify answered 503" });
    process.env.SHOPIFY_ADMIN_API_ORIGIN = `http://127.0.0.1:${await closedPort()}`;
    resetConfigForTests();
    expect(await fetchCustomer(options(), SHOP, "7400000002")).toMatchObject({ ok: false, kind: "unavailable", message: "Shopify could not be reached" });
    process.env.SHOPIFY_ADMIN_API_ORIGIN = shopify.url;
    resetConfigForTests();
  });
});
