// The Postscript page's Integration overview tab: its loader reads the statistics (loadOverview) only when that
// tab is shown — asked for, or the default once Postscript is connected — and never for another shop.
import { beforeAll, describe, expect, it, vi } from "vitest";
import { databaseKinds, withTestDatabase } from "../../tests/support/databases";
import { adminFetchRequest, installShop, runRoute } from "../../tests/support/shopify";
import { seedEvent } from "~/statistics/seed.testutil";
import { loader } from "./app.integrations.postscript";

const SHOP = "overview-tab.myshopify.com";
const OTHER = "overview-tab-other.myshopify.com";

// The time zone check must not reach Shopify from tests: every call is refused.
await vi.hoisted(async () => (await import("../../tests/support/net")).refuseNetwork());

describe.each(databaseKinds)("Postscript page, Integration overview tab (%s)", (kind) => {
  const database = withTestDatabase(kind);

  beforeAll(async () => {
    const db = database.db;
    await installShop(db, SHOP);
    await installShop(db, OTHER);
    await db.shop.update({ where: { domain: SHOP }, data: { ianaTimezone: "Europe/Berlin" } });
    await db.postscriptConnection.create({ data: { shopDomain: SHOP, status: "connected" } });
    await seedEvent(db, { shop: SHOP, receivedAt: new Date(Date.now() - 3_600_000), outcome: "delivered" });
    await seedEvent(db, { shop: OTHER, receivedAt: new Date(Date.now() - 3_600_000), outcome: "failed" });
  });

  const load = async (shop: string, search: string) => (await runRoute(loader, await adminFetchRequest(shop, `/app/integrations/postscript${search}`))).json();

  it("loads the statistics for the overview tab, with the period from the URL", async () => {
    const data = await load(SHOP, "?tab=overview&period=24h");
    expect(data.overview.period).toMatchObject({ key: "24h", granularity: "hour" });
    expect(data.overview.summary.current).toMatchObject({ received: 1, delivered: 1, failed: 0 });
    expect(data.overview.timeZone).toMatchObject({ name: "Europe/Berlin", known: true });
  });

  it("shows the overview by default once connected, and reads nothing for the other tabs", async () => {
    expect((await load(SHOP, "")).overview.period.key).toBe("7d");
    expect((await load(SHOP, "?tab=settings")).overview).toBeNull();
    expect((await load(SHOP, "?tab=setup")).overview).toBeNull();
    // Not connected: Set up is the default tab.
    expect((await load(OTHER, "")).overview).toBeNull();
    const other = await load(OTHER, "?tab=overview");
    expect(other.overview.summary.current).toMatchObject({ received: 1, delivered: 0, failed: 1 });
  });
});
