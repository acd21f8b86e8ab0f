// Every figure of the Integration Overview on events with known answers, made through the real state changes
// (so the rollups are the ones the pipeline keeps): period boundaries to the second, time zones with whole,
// half-hour and changing offsets, comparisons with the previous period, errors, and shop isolation.
import { describe, expect, it } from "vitest";
import { databaseKinds, withTestDatabase } from "../../tests/support/databases";
import type { Database } from "~/db.server";
import { listEvents, readLogQuery } from "./event-log.server";
import { formatMedianLatency } from "./format";
import { loadOverview, medianBand, readOverviewContext } from "./overview.server";
import { seedEvents } from "./seed.testutil";

const NOW = new Date("2026-11-25T15:20:00Z");
const search = (s = "") => new URLSearchParams(s);

async function shopWithZone(db: Database, domain: string, ianaTimezone: string | null) {
  await db.shop.upsert({ where: { domain }, create: { domain, ianaTimezone }, update: { ianaTimezone } });
}

async function countInLog(db: Database, shop: string, s: string, zone: string) {
  let total = 0;
  let cursor: string | null = null;
  for (;;) {
    const params = new URLSearchParams(s);
    if (cursor) params.set("after", cursor);
    const page = await listEvents(db, shop, readLogQuery("merchant", params, zone, NOW), 100);
    total += page.rows.length;
    if (!page.hasNext) return total;
    cursor = page.nextCursor;
  }
}

describe.each(databaseKinds)("Integration Overview (%s)", (kind) => {
  const database = withTestDatabase(kind);

  it("reads only rollups and events when the page passes the shop's zone, connections and settings: 10 queries", async () => {
    const SHOP = "overview-queries.myshopify.com";
    await shopWithZone(database.db, SHOP, "America/New_York");
    await database.db.postscriptConnection.create({ data: { shopDomain: SHOP, status: "connected" } });
    await seedEvents(database.db, [
      { shop: SHOP, receivedAt: "2026-11-20T10:00:00Z", type: "subscription_created", outcome: "delivered", latencyMs: 3_000 },
      { shop: SHOP, receivedAt: "2026-11-24T11:00:00Z", type: "order_processed", outcome: "paused" },
    ]);
    const context = await readOverviewContext(database.db, SHOP);
    let queries = 0;
    const counted = database.db.$extends({
      query: {
        $allOperations({ args, query }) {
          queries++;
          return query(args);
        },
      },
    }) as unknown as Database;
    const data = await loadOverview(counted, SHOP, context, search(), NOW);
    expect(data.postscript.status).toBe("connected");
    expect(data.summary.current.received).toBe(2);
    // Six rollup reads (a week is read from hours), the unmapped events, the waiting ones per status and cause,
    // and whether the shop has any rollup or event yet.
    expect(queries).toBe(10);
  });

  describe("a shop in America/New_York, last 7 days", () => {
    const SHOP = "overview-ny.myshopify.com";
    const OTHER = "overview-other.myshopify.com";

    it("counts every figure from the rollups, the unmapped events and the paused ones", async () => {
      const db = database.db;
      await shopWithZone(db, SHOP, "America/New_York");
      await db.postscriptConnection.create({ data: { shopDomain: SHOP, status: "action_needed", actionNeededReason: "Postscript answered 401", actionNeededAt: new Date("2026-11-24T11:00:05Z") } });
      await db.shopSettings.create({ data: { shopDomain: SHOP, disabledEventTypes: JSON.stringify(["payment_attempt_failed"]) } });
      // The 7-day period is [Nov 19 00:00 EST = 05:00Z, end of the current hour 16:00Z); the previous period is
      // the same length before it: [Nov 12 18:00Z, Nov 19 05:00Z).
      await seedEvents(db, [
        { shop: SHOP, receivedAt: "2026-11-19T05:00:00.000Z", type: "order_upcoming", outcome: "delivered", latencyMs: 800 },
        { shop: SHOP, receivedAt: "2026-11-19T04:59:59.999Z", type: "order_upcoming", outcome: "delivered", latencyMs: 20_000 },
        { shop: SHOP, receivedAt: "2026-11-20T10:00:00Z", type: "subscription_created", outcome: "delivered", latencyMs: 3_000 },
        { shop: SHOP, receivedAt: "2026-11-21T10:00:00Z", type: "subscription_created", outcome: "delivered", latencyMs: 200, retries: 2 },
        { shop: SHOP, receivedAt: "2026-11-22T12:00:00Z", type: "order_upcoming", outcome: "skipped", reason: "stale" },
        { shop: SHOP, receivedAt: "2026-11-22T12:30:00Z", type: "payment_attempt_failed", outcome: "skipped", reason: "disabled" },
        { shop: SHOP, receivedAt: "2026-11-23T10:00:00Z", type: "order_processed", outcome: "pending", retries: 1 },
        { shop: SHOP, receivedAt: "2026-11-24T10:00:00Z", outcome: "received" },
        { shop: SHOP, receivedAt: "2026-11-24T11:00:00Z", type: "order_processed", outcome: "paused" },
        { shop: SHOP, receivedAt: "2026-11-25T15:59:59.999Z", type: "subscription_created", outcome: "failed", reason: "postscript_unavailable" },
        { shop: SHOP, receivedAt: "2026-11-15T10:00:00Z", type: "order_upcoming", outcome: "failed", reason: "postscript_rejected" },
        { shop: SHOP, receivedAt: "2026-11-12T17:59:59Z", type: "order_upcoming", outcome: "delivered" },
        // Another shop's events, in the same hours: never counted for this shop.
        { shop: OTHER, receivedAt: "2026-11-20T10:00:00Z", type: "subscription_created", outcome: "failed", reason: "rate_limited" },
        { shop: OTHER, receivedAt: "2026-11-24T10:30:00Z", outcome: "received" },
        { shop: OTHER, receivedAt: "2026-11-24T11:00:00Z", outcome: "paused" },
      ]);

      const data = await loadOverview(db, SHOP, await readOverviewContext(db, SHOP), search(), NOW);
      expect(data.timeZone).toEqual({ name: "America/New_York", known: true, offset: "UTC−5", partHour: false, dayStartsAt: "12:00 AM" });
      expect(data.period).toMatchObject({
        key: "7d",
        label: "Last 7 days",
        range: "Nov 19 – Nov 25, 2026",
        start: "2026-11-19T05:00:00.000Z",
        end: "2026-11-25T16:00:00.000Z",
        previousStart: "2026-11-12T18:00:00.000Z",
        granularity: "day",
        problem: null,
      });
      expect(data.hasEvents).toBe(true);
      expect(data.summary.current).toEqual({ received: 9, delivered: 3, skipped: 2, failed: 1, waiting: 3 });
      expect(data.summary.previous).toEqual({ received: 2, delivered: 1, skipped: 0, failed: 1, waiting: 0 });
      expect(data.summary.successRate).toEqual({ current: 0.75, previous: 0.5 });
      // Current deliveries took 800 ms, 3 s, 200 ms: the middle one is in the (500 ms, 1 s] bucket; the previous
      // period's one delivery took 20 s.
      expect(data.summary.medianLatency).toEqual({ current: { lowerMs: 500, upperMs: 1_000, medianMs: 750 }, previous: { lowerMs: 10_000, upperMs: 30_000, medianMs: 20_000 } });
      expect(data.waitingNow).toEqual({ paused: 1, retrying: 1, unmapped: 1 });

      expect(data.chart.map((b) => b.label)).toEqual(["Nov 19", "Nov 20", "Nov 21", "Nov 22", "Nov 23", "Nov 24", "Nov 25"]);
      expect(data.chart.map(({ delivered, skipped, failed, waiting }) => [delivered, skipped, failed, waiting])).toEqual([
        [1, 0, 0, 0],
        [1, 0, 0, 0],
        [1, 0, 0, 0],
        [0, 2, 0, 0],
        [0, 0, 0, 1],
        [0, 0, 0, 2],
        [0, 0, 1, 0],
      ]);

      const row = (type: string) => data.types.find((t) => t.type === type)!;
      expect(data.types).toHaveLength(17);
      expect(row("order_upcoming")).toMatchObject({ received: 2, delivered: 1, skipped: 1, failed: 0, waiting: 0, enabled: true, logUrl: "/app/events?period=7d&type=order_upcoming" });
      expect(row("subscription_created")).toMatchObject({ received: 3, delivered: 2, skipped: 0, failed: 1 });
      expect(row("order_processed")).toMatchObject({ received: 2, waiting: 2 });
      expect(row("payment_attempt_failed")).toMatchObject({ received: 1, skipped: 1, enabled: false });
      expect(row("flow_completed")).toMatchObject({ received: 0, lastSeenAt: null, lastSeenLabel: null });
      expect(row("order_upcoming").lastSeenLabel).toMatch(/^Nov 2[12], 2026/);

      expect(data.errors.map((e) => [e.code, e.count, e.outcome, e.current])).toEqual([
        ["key_rejected", 1, "waiting", true],
        // The event still retrying after a 503 is waiting now, not failed: worded so, with its next attempt.
        ["postscript_unavailable", 1, "waiting", true],
        ["postscript_unavailable", 1, "failed", false],
        ["disabled", 1, "skipped", false],
        ["stale", 1, "skipped", false],
      ]);
      expect(data.errors[0]).toMatchObject({ actionUrl: "/app/integrations/postscript?tab=settings", lastLabel: "Nov 24, 2026, 6:00 AM" });
      expect(data.errors.find((e) => e.code === "disabled")).toMatchObject({ actionUrl: "/app/integrations/postscript?tab=settings" });
      expect(data.errors.find((e) => e.code === "postscript_unavailable" && !e.current)).toMatchObject({ action: "replay", logUrl: "/app/events?period=7d&reason=postscript_unavailable", nextAttemptLabel: null });
      expect(data.errors.find((e) => e.code === "postscript_unavailable" && e.current)).toMatchObject({
        title: "Retrying: Postscript unavailable",
        action: "view",
        actionUrl: null,
        lastLabel: "Nov 23, 2026, 5:00 AM",
        nextAttemptLabel: "Nov 23, 2026, 5:01 AM",
        logUrl: "/app/events?period=all&outcome=waiting",
      });
      expect(data.postscript).toMatchObject({ status: "action_needed", actionNeededReason: "Postscript answered 401" });
      expect(data.replay).toEqual({ from: "2026-11-19T05:00:00.000Z", to: "2026-11-25T16:00:00.000Z", failed: 1 });

      // The event log, with the same period, lists exactly the events the overview counts.
      expect(await countInLog(db, SHOP, "period=7d", "America/New_York")).toBe(9);
      expect(await countInLog(db, SHOP, "period=7d&type=subscription_created", "America/New_York")).toBe(3);
      expect(await countInLog(db, SHOP, "period=7d&outcome=waiting", "America/New_York")).toBe(3);
      // By reason: the skipped and failed events, as counted (not the one still retrying after a 503).
      expect(await countInLog(db, SHOP, "period=7d&reason=postscript_unavailable", "America/New_York")).toBe(1);

      // The other shop sees only its own.
      const other = await loadOverview(db, OTHER, await readOverviewContext(db, OTHER), search(), NOW);
      expect(other.summary.current).toEqual({ received: 3, delivered: 0, skipped: 0, failed: 1, waiting: 2 });
      expect(other.errors.map((e) => e.code)).toEqual(["not_connected", "rate_limited"]);
      expect(other.timeZone).toMatchObject({ name: "UTC", known: false });
    });

    it("shows the last 24 hours by the hour and compares with the 24 hours before", async () => {
      const data = await loadOverview(database.db, SHOP, await readOverviewContext(database.db, SHOP), search("period=24h"), NOW);
      expect(data.period).toMatchObject({ start: "2026-11-24T16:00:00.000Z", end: "2026-11-25T16:00:00.000Z", granularity: "hour" });
      expect(data.chart).toHaveLength(24);
      expect(data.chart[0].label).toBe("Nov 24, 11 AM");
      expect(data.summary.current).toEqual({ received: 1, delivered: 0, skipped: 0, failed: 1, waiting: 0 });
      // Nov 23 16:00Z – Nov 24 16:00Z: the unmapped event (10:00Z) and the paused one (11:00Z).
      expect(data.summary.previous).toEqual({ received: 2, delivered: 0, skipped: 0, failed: 0, waiting: 2 });
      expect(data.summary.successRate).toEqual({ current: 0, previous: null });
      expect(data.summary.medianLatency).toEqual({ current: null, previous: null });
      expect(data.chart[23]).toMatchObject({ failed: 1 });
    });

    it("reads a custom range and reports one it cannot show", async () => {
      const data = await loadOverview(database.db, SHOP, await readOverviewContext(database.db, SHOP), search("tab=overview&period=custom&from=2026-11-20&to=2026-11-21"), NOW);
      expect(data.period).toMatchObject({ key: "custom", label: "Custom", range: "Nov 20 – Nov 21, 2026", granularity: "hour" });
      expect(data.summary.current).toMatchObject({ received: 2, delivered: 2 });
      expect(data.types.find((t) => t.type === "subscription_created")!.logUrl).toBe("/app/events?period=custom&from=2026-11-20&to=2026-11-21&type=subscription_created");
      const bad = await loadOverview(database.db, SHOP, await readOverviewContext(database.db, SHOP), search("period=custom&from=2026-11-21&to=2026-11-20"), NOW);
      expect(bad.period).toMatchObject({ key: "7d", problem: "The custom period ends before it starts" });
    });
  });

  it("counts a day in Asia/Kolkata from 23:30 to 23:30 local time (whole UTC hours), in the overview and the log alike", async () => {
    const db = database.db;
    const SHOP = "overview-kolkata.myshopify.com";
    await shopWithZone(db, SHOP, "Asia/Kolkata");
    await seedEvents(db, [
      // Nov 23, 23:20 local (17:50Z): in Nov 23.
      { shop: SHOP, receivedAt: "2026-11-23T17:50:00Z", outcome: "delivered" },
      // Nov 23, 23:50 local (18:20Z): in the hour 18:00–19:00Z, which belongs to Nov 24.
      { shop: SHOP, receivedAt: "2026-11-23T18:20:00Z", outcome: "delivered" },
      { shop: SHOP, receivedAt: "2026-11-24T12:00:00Z", outcome: "failed", reason: "postscript_rejected" },
      // Nov 24, 23:40 local (18:10Z): already Nov 25 by the same rule.
      { shop: SHOP, receivedAt: "2026-11-24T18:10:00Z", outcome: "delivered" },
    ]);
    const data = await loadOverview(db, SHOP, await readOverviewContext(db, SHOP), search("period=custom&from=2026-11-24&to=2026-11-24"), NOW);
    expect(data.timeZone).toEqual({ name: "Asia/Kolkata", known: true, offset: "UTC+5:30", partHour: true, dayStartsAt: "11:30 PM" });
    expect(data.period).toMatchObject({ start: "2026-11-23T18:00:00.000Z", end: "2026-11-24T18:00:00.000Z", granularity: "hour" });
    expect(data.summary.current).toMatchObject({ received: 2, delivered: 1, failed: 1 });
    expect(data.chart[0].label).toBe("Nov 23, 11:30 PM");
    expect(data.chart[0].delivered).toBe(1);
    expect(await countInLog(db, SHOP, "period=custom&from=2026-11-24&to=2026-11-24", "Asia/Kolkata")).toBe(2);
    const week = await loadOverview(db, SHOP, await readOverviewContext(db, SHOP), search("period=7d"), NOW);
    expect(week.chart.slice(-3).map((b) => [b.label, b.delivered, b.failed])).toEqual([
      ["Nov 23", 1, 0],
      ["Nov 24", 1, 1],
      ["Nov 25", 1, 0],
    ]);
  });

  it("gives the autumn clock change its 25 hours in America/New_York", async () => {
    const db = database.db;
    const SHOP = "overview-dst.myshopify.com";
    await shopWithZone(db, SHOP, "America/New_York");
    await seedEvents(db, [
      { shop: SHOP, receivedAt: "2026-11-01T04:30:00Z", outcome: "delivered" }, // 00:30 EDT, Nov 1
      { shop: SHOP, receivedAt: "2026-11-01T05:30:00Z", outcome: "delivered" }, // 01:30 EDT
      { shop: SHOP, receivedAt: "2026-11-01T06:30:00Z", outcome: "delivered" }, // 01:30 EST, the hour again
      { shop: SHOP, receivedAt: "2026-11-02T04:30:00Z", outcome: "delivered" }, // 23:30 EST, Nov 1
      { shop: SHOP, receivedAt: "2026-11-02T05:00:00Z", outcome: "delivered" }, // 00:00 EST, Nov 2
    ]);
    const day = await loadOverview(db, SHOP, await readOverviewContext(db, SHOP), search("period=custom&from=2026-11-01&to=2026-11-01"), NOW);
    expect(day.chart).toHaveLength(25);
    expect(day.summary.current.delivered).toBe(4);
    expect(day.chart.filter((b) => b.label === "Nov 1, 1 AM").map((b) => b.delivered)).toEqual([1, 1]);
    const days = await loadOverview(db, SHOP, await readOverviewContext(db, SHOP), search("period=custom&from=2026-10-31&to=2026-11-02"), NOW);
    expect(days.chart.map((b) => [b.label, b.delivered])).toEqual([
      ["Oct 31", 0],
      ["Nov 1", 4],
      ["Nov 2", 1],
    ]);
    // The previous period has the same length (72 + 1 hours) and ends where this one starts.
    expect(days.period).toMatchObject({ start: "2026-10-31T04:00:00.000Z", end: "2026-11-03T05:00:00.000Z", previousStart: "2026-10-28T03:00:00.000Z" });
  });

  it("knows a shop before its first event, and a shop whose time zone is unknown", async () => {
    const SHOP = "overview-empty.myshopify.com";
    await shopWithZone(database.db, SHOP, null);
    const data = await loadOverview(database.db, SHOP, await readOverviewContext(database.db, SHOP), search("period=30d"), NOW);
    expect(data.hasEvents).toBe(false);
    expect(data.timeZone).toEqual({ name: "UTC", known: false, offset: "UTC+0", partHour: false, dayStartsAt: "12:00 AM" });
    expect(data.summary.current).toEqual({ received: 0, delivered: 0, skipped: 0, failed: 0, waiting: 0 });
    expect(data.chart).toHaveLength(30);
    expect(data.errors).toEqual([]);
    expect(data.postscript.status).toBe("not_set_up");
    expect(data.loop.status).toBe("not_set_up");
  });
});

describe("median from the latency histogram", () => {
  const rows = (entries: [number, number][]) => entries.map(([bucketMs, count]) => ({ bucketMs, _sum: { count } }));
  it("takes the bucket of the middle delivery, and says 'more than a day' for the last bucket", () => {
    expect(medianBand([])).toBeNull();
    expect(medianBand(rows([[250, 1]]))).toEqual({ lowerMs: 0, upperMs: 250, medianMs: 125 });
    // The 2nd of 4 is the second of the two in (0, 250]: three quarters into the bucket.
    expect(medianBand(rows([[250, 2], [1_000, 2]]))).toEqual({ lowerMs: 0, upperMs: 250, medianMs: 188 });
    expect(medianBand(rows([[250, 2], [1_000, 3]]))).toEqual({ lowerMs: 500, upperMs: 1_000, medianMs: 583 });
    expect(medianBand(rows([[2_147_483_647, 5], [250, 1]]))).toEqual({ lowerMs: 86_400_000, upperMs: null, medianMs: 86_400_000 });
  });

  it("is one number for the merchant and support alike", () => {
    expect(formatMedianLatency(medianBand(rows([[500, 3]])))).toBe("0.4 s");
    expect(formatMedianLatency(medianBand(rows([[30_000, 1]])))).toBe("20.0 s");
    expect(formatMedianLatency(medianBand(rows([[300_000, 1]])))).toBe("3 min");
    expect(formatMedianLatency(medianBand(rows([[2_147_483_647, 1]])))).toBe("over 1 day");
    expect(formatMedianLatency(null)).toBe("—");
  });
});
