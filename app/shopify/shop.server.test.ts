// The shop's time zone, read through Admin GraphQL with the shop's offline session and stored on the Shop row,
// against the Shopify stand-in over real HTTP (its request log shows what the app asked).
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { startShopifyAdminStandIn } from "../../sandbox/shopify/server";
import { databaseKinds, withTestDatabase } from "../../tests/support/databases";
import { closedPort } from "../../tests/support/net";
import { installShop } from "../../tests/support/shopify";
import { resetConfigForTests } from "~/config/env.server";
import { apiVersion } from "~/shopify.server";
import { fetchShopTimezone, refreshShopTimezone, resetShopTimezoneChecks } from "./shop.server";

const SHOP = "timezone.myshopify.com";

describe.each(databaseKinds)("shop time zone (%s)", (kind) => {
  const database = withTestDatabase(kind);
  let shopify: Awaited<ReturnType<typeof startShopifyAdminStandIn>>;
  const options = () => ({ db: database.db });

  async function control(path: string, body: unknown) {
    await fetch(`${shopify.url}${path}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  }
  const setZone = (ianaTimezone: string) => control("/__sandbox/shop", { ianaTimezone });
  const zoneRequests = () => shopify.state.requests.filter((r) => r.rootFields.includes("shop"));
  const storedZone = async () => (await database.db.shop.findUniqueOrThrow({ where: { domain: SHOP } })).ianaTimezone;

  beforeAll(async () => {
    shopify = await startShopifyAdminStandIn({ shopDomain: SHOP, acceptAnyToken: true });
    process.env.SHOPIFY_ADMIN_API_ORIGIN = shopify.url;
    resetConfigForTests();
  });
  afterAll(async () => {
    delete process.env.SHOPIFY_ADMIN_API_ORIGIN;
    resetConfigForTests();
    await shopify.close();
  });
  beforeEach(async () => {
    resetShopTimezoneChecks();
    shopify.state.requests.length = 0;
    shopify.state.faults.latencyMs = 0;
    await installShop(database.db, SHOP);
    await database.db.shop.update({ where: { domain: SHOP }, data: { ianaTimezone: null } });
  });

  it("asks Shopify for shop { ianaTimezone } with the offline session and stores the answer", async () => {
    await setZone("Asia/Kolkata");
    expect(await refreshShopTimezone(options(), SHOP)).toBe("Asia/Kolkata");
    expect(zoneRequests()).toEqual([expect.objectContaining({ apiVersion, authorized: true, operationName: "shopTimezone", rootFields: ["shop"], status: 200 })]);
    expect(await storedZone()).toBe("Asia/Kolkata");
  });

  it("asks again only after a day, and follows a change made in Shopify", async () => {
    await setZone("America/New_York");
    const t0 = Date.parse("2026-11-25T10:00:00Z");
    expect(await refreshShopTimezone(options(), SHOP, t0)).toBe("America/New_York");
    await setZone("Europe/Berlin");
    expect(await refreshShopTimezone(options(), SHOP, t0 + 3_600_000)).toBe("America/New_York");
    expect(zoneRequests()).toHaveLength(1);
    // A day later the stored zone is returned at once and checked in the background ({ wait } to see the result).
    expect(await refreshShopTimezone(options(), SHOP, t0 + 25 * 3_600_000)).toBe("America/New_York");
    // That check runs on its own: wait for it, or it could land after this test and be counted by the next one.
    await vi.waitFor(async () => expect(await storedZone()).toBe("Europe/Berlin"));
    expect(zoneRequests()).toHaveLength(2);
    expect(await refreshShopTimezone(options(), SHOP, t0 + 50 * 3_600_000, { wait: true })).toBe("Europe/Berlin");
    expect(zoneRequests()).toHaveLength(3);
    expect(await storedZone()).toBe("Europe/Berlin");
  });

  it("answers at once from what is stored while the check runs, and asks once for concurrent pages", async () => {
    await database.db.shop.update({ where: { domain: SHOP }, data: { ianaTimezone: "Asia/Tokyo" } });
    await setZone("Asia/Seoul");
    shopify.state.faults.latencyMs = 300;
    const answers = await Promise.all([1, 2, 3].map(() => refreshShopTimezone(options(), SHOP)));
    expect(answers).toEqual(["Asia/Tokyo", "Asia/Tokyo", "Asia/Tokyo"]);
    await vi.waitFor(async () => expect(await storedZone()).toBe("Asia/Seoul"));
    expect(zoneRequests()).toHaveLength(1);
  });

  it("keeps what it has when Shopify fails, and does not ask again for ten minutes", async () => {
    await database.db.shop.update({ where: { domain: SHOP }, data: { ianaTimezone: "Asia/Tokyo" } });
    await control("/__sandbox/faults", { failNext: { count: 5, status: 503 } });
    const t0 = Date.parse("2026-11-25T10:00:00Z");
    expect(await refreshShopTimezone(options(), SHOP, t0, { wait: true })).toBe("Asia/Tokyo");
    expect(await refreshShopTimezone(options(), SHOP, t0 + 60_000, { wait: true })).toBe("Asia/Tokyo");
    expect(shopify.state.requests).toHaveLength(1);
    await refreshShopTimezone(options(), SHOP, t0 + 11 * 60_000, { wait: true });
    expect(shopify.state.requests).toHaveLength(2);
    await control("/__sandbox/faults", { failNext: null });
  });

  it("returns null (the overview then shows UTC and says so) when nothing is known", async () => {
    process.env.SHOPIFY_ADMIN_API_ORIGIN = `http://127.0.0.1:${await closedPort()}`;
    resetConfigForTests();
    try {
      expect(await refreshShopTimezone(options(), SHOP)).toBeNull();
    } finally {
      process.env.SHOPIFY_ADMIN_API_ORIGIN = shopify.url;
      resetConfigForTests();
    }
  });

  it("refuses answers it cannot use, and says why", async () => {
    await setZone("Mars/Olympus_Mons");
    expect(await fetchShopTimezone(options(), SHOP)).toEqual({ ok: false, message: "Shopify named a time zone this server does not know (Mars/Olympus_Mons)" });
    await control("/__sandbox/tokens", { acceptAnyToken: false });
    expect(await fetchShopTimezone(options(), SHOP)).toEqual({ ok: false, message: "Shopify refused the shop's access token (401)" });
    await control("/__sandbox/tokens", { acceptAnyToken: true });
    expect(await fetchShopTimezone(options(), "not-installed.myshopify.com")).toMatchObject({ ok: false, message: expect.stringContaining("offline session") });
  });
});
