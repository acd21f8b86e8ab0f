// The subscriber property figures of the Integration Overview and the support console, from sync rows with
// known answers: each customer counted once by where they stand, problems grouped by cause in plain words,
// contact details masked for support, and nothing at all on the overview while the shop has syncing off.
import { describe, expect, it } from "vitest";
import { databaseKinds, withTestDatabase } from "../../tests/support/databases";
import type { Database } from "~/db.server";
import { loadOverview, readOverviewContext } from "./overview.server";
import { seedEvents } from "./seed.testutil";
import { subscriberSyncFigures, subscriberSyncRows } from "./subscriber-sync.server";

const SHOP = "sync-figures.myshopify.com";
const NOW = new Date("2026-11-25T15:20:00Z");

async function row(db: Database, customerKey: string, fields: Record<string, unknown>) {
  await db.subscriberSync.create({ data: { shopDomain: SHOP, customerKey, markedAt: NOW, ...fields } });
}

describe.each(databaseKinds)("subscriber property figures (%s)", (kind) => {
  const database = withTestDatabase(kind);

  it("counts customers by where they stand and groups the problems by cause", async () => {
    const db = database.db;
    await row(db, "loop:1", { syncStatus: "synced", subscriberId: "s_1", contactEmail: "ana@example.com", sentProperties: JSON.stringify({ loop_active_subscriptions: 1, loop_products: ["Tea"] }), syncedAt: NOW });
    await row(db, "loop:2", { syncStatus: "synced", subscriberId: "s_2" });
    await row(db, "loop:3", { syncStatus: "not_subscriber", contactPhone: "+15555550103" });
    await row(db, "loop:4", { syncStatus: "failed", errorKind: "rejected", errorDetail: "body.properties: Subscribers can have up to 50 custom properties (would have 51)" });
    await row(db, "loop:5", { syncStatus: "retrying", errorKind: "rate_limited", errorDetail: "Rate limit exceeded", dueAt: NOW });
    await row(db, "loop:6", { syncStatus: "retrying", errorKind: "rate_limited", errorDetail: "Rate limit exceeded", dueAt: NOW });
    await row(db, "email:x@example.com", { syncStatus: "pending", dueAt: NOW });
    await db.subscriberSync.create({ data: { shopDomain: "another.myshopify.com", customerKey: "loop:1", syncStatus: "failed", markedAt: NOW } });

    const figures = await subscriberSyncFigures(db, SHOP, true, "UTC");
    expect(figures).toMatchObject({ enabled: true, synced: 2, notSubscribers: 1, failed: 1, waiting: 3 });
    expect(figures.problems.map((p) => [p.kind, p.count, p.title, p.detail])).toEqual([
      ["rate_limited", 2, "Postscript asked the app to slow down", null],
      ["rejected", 1, "Postscript refused the update", "body.properties: Subscribers can have up to 50 custom properties (would have 51)"],
    ]);
    expect(JSON.stringify(figures)).not.toMatch(/\b429\b|\b400\b/);

    const rows = await subscriberSyncRows(db, SHOP);
    expect(rows).toHaveLength(7);
    expect(rows.find((r) => r.customer === "loop:1")).toMatchObject({ email: "a•••@example.com", subscriberId: "s_1", status: "synced", sentProperties: 2 });
    expect(rows.find((r) => r.customer === "loop:3")?.phone).toBe("+1••••••0103");
    // A customer known only by contact is not named by it.
    expect(rows.filter((r) => r.customer === "by contact")).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain("x@example.com");
  });

  it("shows the figures on the overview only while syncing is switched on", async () => {
    const db = database.db;
    await seedEvents(db, [{ shop: SHOP, receivedAt: "2026-11-24T11:00:00Z", type: "subscription_created", outcome: "delivered", latencyMs: 1_000 }]);
    const load = async () => loadOverview(db, SHOP, await readOverviewContext(db, SHOP), new URLSearchParams("period=7d"), NOW);
    expect((await load()).subscribers).toBeNull();
    await db.shopSettings.upsert({ where: { shopDomain: SHOP }, create: { shopDomain: SHOP, propertySyncEnabled: true }, update: { propertySyncEnabled: true } });
    expect((await load()).subscribers).toMatchObject({ synced: 2, notSubscribers: 1, failed: 1 });
  });
});
