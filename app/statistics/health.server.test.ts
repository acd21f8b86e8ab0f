// The live delivery state on events with known answers, made through the real state changes: each state's
// sentence (working, sending, retrying after 5xx or 429, a rejected key, a support hold with its note, not
// connected), the last received and delivered times, and the 24 h success rate from the rollups.
import { describe, expect, it } from "vitest";
import { databaseKinds, withTestDatabase } from "../../tests/support/databases";
import { holdDeliveries } from "~/delivery/holds.server";
import type { Database } from "~/db.server";
import { deliveryHealth, readDeliveryHealth, type HealthContext } from "./health.server";
import { seedEvents } from "./seed.testutil";

const NOW = new Date("2026-11-25T18:50:00Z");
const ZONE = "America/New_York";
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000);
const connected: HealthContext = { timeZone: ZONE, postscriptStatus: "connected", actionNeededAt: null, deliveriesPausedAt: null };

async function connectedShop(db: Database, shop: string) {
  await db.shop.upsert({ where: { domain: shop }, create: { domain: shop, ianaTimezone: ZONE }, update: { ianaTimezone: ZONE } });
  await db.postscriptConnection.create({ data: { shopDomain: shop, status: "connected" } });
}

describe.each(databaseKinds)("delivery health (%s)", (kind) => {
  const database = withTestDatabase(kind);

  it("says so before the first event and when everything went out", async () => {
    const db = database.db;
    const SHOP = "health-quiet.myshopify.com";
    await connectedShop(db, SHOP);
    expect(await deliveryHealth(db, SHOP, connected, NOW)).toMatchObject({ state: "no_events", sentence: "No events from Loop yet.", lastReceivedLabel: null, successRate24h: null });
    await seedEvents(db, [
      { shop: SHOP, receivedAt: minutesAgo(90), type: "order_processed", outcome: "delivered", latencyMs: 400 },
      { shop: SHOP, receivedAt: minutesAgo(30), type: "order_processed", outcome: "delivered", latencyMs: 600 },
      { shop: SHOP, receivedAt: minutesAgo(20), type: "order_processed", outcome: "skipped", reason: "disabled" },
      { shop: SHOP, receivedAt: minutesAgo(60 * 30), type: "order_processed", outcome: "failed", reason: "postscript_rejected" },
    ]);
    const health = await readDeliveryHealth(db, SHOP, NOW);
    expect(health).toMatchObject({ state: "working", tone: "success", waiting: 0, retrying: [] });
    // 1:50 PM New York is 18:50Z; the newest event came 20 minutes before; the newest delivery is Loop's moment
    // (2 s before receipt, 30 minutes ago) plus 0.6 s: 1:19:58 PM.
    expect(health.lastReceivedLabel).toBe("1:30 PM");
    expect(health.lastDeliveredLabel).toBe("1:19 PM");
    // The failure 30 hours ago is outside the last 24 hours.
    expect(health.successRate24h).toBe(1);
  });

  it("names a Postscript outage: retrying since the first failed attempt, how many wait, the next attempt", async () => {
    const db = database.db;
    const SHOP = "health-outage.myshopify.com";
    await connectedShop(db, SHOP);
    await seedEvents(db, [
      { shop: SHOP, receivedAt: minutesAgo(180), type: "order_processed", outcome: "delivered" },
      { shop: SHOP, receivedAt: minutesAgo(120), type: "order_processed", outcome: "failed", reason: "postscript_unavailable" },
      { shop: SHOP, receivedAt: minutesAgo(63), type: "order_processed", outcome: "pending", retries: 2 },
      { shop: SHOP, receivedAt: minutesAgo(10), type: "order_upcoming", outcome: "pending", retries: 1 },
      { shop: SHOP, receivedAt: minutesAgo(1), type: "order_upcoming", outcome: "pending" },
    ]);
    const health = await deliveryHealth(db, SHOP, connected, NOW);
    expect(health).toMatchObject({ state: "retrying", tone: "critical", waiting: 3, successRate24h: 0.5 });
    // First attempt 0.5 s after receipt (63 min ago: 12:47 PM); next attempt one minute after the last try.
    expect(health.sentence).toBe("Postscript is not answering — retrying since 12:47 PM, 3 events waiting. Next attempt at 12:49 PM.");
    expect(health.retrying).toEqual([expect.objectContaining({ reason: "postscript_unavailable", count: 2, sinceLabel: "12:47 PM" })]);

    // Another shop's outage is not this one's.
    expect((await deliveryHealth(db, "health-other.myshopify.com", connected, NOW)).state).toBe("no_events");
  });

  it("puts a rejected key, a support hold (with support's note) and a missing connection before retries", async () => {
    const db = database.db;
    const SHOP = "health-held.myshopify.com";
    await connectedShop(db, SHOP);
    await seedEvents(db, [
      { shop: SHOP, receivedAt: minutesAgo(40), type: "order_processed", outcome: "paused", reason: "held_by_support" },
      { shop: SHOP, receivedAt: minutesAgo(5), outcome: "received" },
    ]);
    await holdDeliveries(db, SHOP, "ana@support", "Checking duplicate messages with Postscript", minutesAgo(45));
    const held = await readDeliveryHealth(db, SHOP, NOW);
    expect(held).toMatchObject({ state: "held", tone: "warning", waiting: 2 });
    expect(held.sentence).toBe("Deliveries are on hold by support since 1:05 PM (“Checking duplicate messages with Postscript”) — 2 events waiting; nothing is lost.");

    const rejected = await deliveryHealth(db, SHOP, { ...connected, postscriptStatus: "action_needed", actionNeededAt: minutesAgo(15) }, NOW);
    expect(rejected).toMatchObject({ state: "key_rejected", tone: "critical" });
    expect(rejected.sentence).toBe("Postscript rejected the API key at 1:35 PM — 2 events waiting until the key is replaced.");

    const none = await deliveryHealth(db, SHOP, { ...connected, postscriptStatus: "disconnected" }, NOW);
    expect(none.sentence).toBe("Postscript is not connected — 2 events waiting to be sent once it is.");
  });
});
