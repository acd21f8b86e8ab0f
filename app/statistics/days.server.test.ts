// Added-up days must never change what the overview says: every figure is compared with the overview read from
// hours alone, before and after days are added up, after an old event changes (its day reopens), and after the
// shop changes time zone.
import { describe, expect, it } from "vitest";
import { databaseKinds, withTestDatabase } from "../../tests/support/databases";
import type { Database } from "~/db.server";
import { transition } from "~/delivery/transitions.server";
import { pruneExpired } from "./retention.server";
import { addUpSettledDays, hourlyGaps, runsWithin, SETTLE_MS } from "./days.server";
import { loadOverview, readOverviewContext } from "./overview.server";
import { seedEvents, type SeedEvent } from "./seed.testutil";

const NOW = new Date("2026-11-25T15:20:00Z");
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const PERIODS = ["period=7d", "period=30d", "period=90d", "period=custom&from=2026-10-01&to=2026-11-20", "period=24h"];

async function overviews(db: Database, shop: string) {
  const context = await readOverviewContext(db, shop);
  return Promise.all(PERIODS.map((p) => loadOverview(db, shop, context, new URLSearchParams(p), NOW)));
}

/** Events spread over 70 days, about one a day, every outcome, two types, some reasons. */
function spread(shop: string): SeedEvent[] {
  const events: SeedEvent[] = [];
  const outcomes = ["delivered", "delivered", "skipped", "failed", "delivered"] as const;
  for (let i = 0; i < 80; i++) {
    const outcome = outcomes[i % outcomes.length];
    events.push({
      shop,
      receivedAt: new Date(NOW.getTime() - i * 21 * HOUR - (i % 7) * 997_000),
      type: i % 3 ? "order_upcoming" : "subscription_created",
      outcome,
      reason: outcome === "skipped" ? "stale" : outcome === "failed" ? (i % 2 ? "postscript_rejected" : "invalid_payload") : undefined,
      latencyMs: outcome === "delivered" ? 300 * (1 + (i % 9)) : undefined,
    });
  }
  return events;
}

describe("spans", () => {
  const at = (h: number) => new Date(Date.UTC(2026, 10, 1) + h * HOUR);
  it("joins consecutive days inside the stretch and leaves the hours around them", () => {
    const days = [0, 24, 48, 96].map((h) => ({ start: at(h), end: at(h + 24) }));
    const runs = runsWithin(days, at(0), at(110));
    expect(runs).toEqual([{ start: at(0), end: at(72) }]);
    expect(hourlyGaps(at(0), at(110), runs)).toEqual([{ start: at(72), end: at(110) }]);
    // A day only partly inside the stretch is read as hours.
    expect(runsWithin(days, at(5), at(120))).toEqual([{ start: at(24), end: at(72) }, { start: at(96), end: at(120) }]);
    expect(hourlyGaps(at(5), at(120), runsWithin(days, at(5), at(120)))).toEqual([
      { start: at(5), end: at(24) },
      { start: at(72), end: at(96) },
    ]);
  });
});

describe.each(databaseKinds)("statistics days (%s)", (kind) => {
  const database = withTestDatabase(kind);

  it("the overview says the same from added-up days as from hours, also after an old event changes and after a zone change", async () => {
    const db = database.db;
    const SHOP = "days.myshopify.com";
    await db.shop.create({ data: { domain: SHOP, ianaTimezone: "America/New_York" } });
    await db.postscriptConnection.create({ data: { shopDomain: SHOP, status: "connected" } });
    const seeded = await seedEvents(db, spread(SHOP));
    const fromHours = await overviews(db, SHOP);

    // Two workers at once: each day is added up by one of them, and the other leaves its rows as they are.
    const [first, second] = await Promise.all([addUpSettledDays(db, SHOP, NOW, 1_000), addUpSettledDays(db, SHOP, NOW, 1_000)]);
    const added = first + second;
    // 70 days back, less the two settling days and the partial first day.
    expect(added).toBeGreaterThan(60);
    expect(added).toBeLessThanOrEqual(68);
    const listed = await db.statisticsDay.findMany({ where: { shopDomain: SHOP }, orderBy: { dayStart: "desc" } });
    expect(listed).toHaveLength(added);
    expect(listed[0].dayEnd.getTime()).toBeLessThanOrEqual(NOW.getTime() - SETTLE_MS);
    expect(listed.every((d) => d.timeZone === "America/New_York")).toBe(true);
    expect(await addUpSettledDays(db, SHOP, NOW, 1_000)).toBe(0);
    expect(await overviews(db, SHOP)).toEqual(fromHours);

    // A failed event of a listed day is replayed (failed → pending): its day is taken off the list, and the
    // overview counts the change from that day's hours.
    const old = seeded.find((e) => e.status === "failed" && e.receivedAt.getTime() < NOW.getTime() - 20 * DAY)!;
    const dayOfOld = listed.find((d) => d.dayStart <= old.receivedAt && d.dayEnd > old.receivedAt)!;
    expect(await transition(db, old, { status: "pending", reason: null, nextAttemptAt: NOW })).toBe(true);
    expect(await db.statisticsDay.findUnique({ where: { shopDomain_dayStart: { shopDomain: SHOP, dayStart: dayOfOld.dayStart } } })).toBeNull();
    const afterReplay = await overviews(db, SHOP);
    expect(afterReplay[2].summary.current.failed).toBe(fromHours[2].summary.current.failed - 1);
    await db.statisticsDay.deleteMany({ where: { shopDomain: SHOP } });
    expect(await overviews(db, SHOP)).toEqual(afterReplay);
    expect(await addUpSettledDays(db, SHOP, NOW, 1_000)).toBe(added);
    expect(await overviews(db, SHOP)).toEqual(afterReplay);

    // The shop moves to India (+5:30): the New York days are not read, then replaced by days cut in the new zone.
    await db.shop.update({ where: { domain: SHOP }, data: { ianaTimezone: "Asia/Kolkata" } });
    const kolkataFromHours = await overviews(db, SHOP);
    await addUpSettledDays(db, SHOP, NOW, 1_000);
    const zones = await db.statisticsDay.groupBy({ by: ["timeZone"], where: { shopDomain: SHOP }, _count: { _all: true } });
    expect(zones.map((z) => z.timeZone)).toEqual(["Asia/Kolkata"]);
    expect(await overviews(db, SHOP)).toEqual(kolkataFromHours);
  }, 120_000);

  it("a 90-day overview reads the added-up days instead of 2,000 hours", async () => {
    const db = database.db;
    const SHOP = "days-queries.myshopify.com";
    await db.shop.create({ data: { domain: SHOP, ianaTimezone: "Europe/Berlin" } });
    await seedEvents(db, spread(SHOP).slice(0, 35));
    await addUpSettledDays(db, SHOP, NOW, 1_000);
    const context = await readOverviewContext(db, SHOP);
    const reads: string[] = [];
    const counted = db.$extends({
      query: {
        $allOperations({ model, operation, args, query }) {
          reads.push(`${model}.${operation}`);
          return query(args);
        },
      },
    }) as unknown as Database;
    await loadOverview(counted, SHOP, context, new URLSearchParams("period=90d"), NOW);
    // The list of days, then per series of the period the days (all seeded days are in it) and the hours around
    // them (the days before the first event, and the last two days with today): the 10 reads of an overview, the
    // list, 4 of days and 4 of a second span of hours.
    expect(reads.filter((r) => r.startsWith("StatisticsDay"))).toEqual(["StatisticsDay.findMany"]);
    expect(reads.filter((r) => r.includes("RollupDay.")).sort()).toEqual(["EventRollupDay.groupBy", "EventRollupDay.groupBy", "LatencyRollupDay.groupBy", "ReasonRollupDay.groupBy"]);
    expect(reads).toHaveLength(19);
  }, 60_000);

  it("retention prunes added-up days with the hours they were added up from", async () => {
    const db = database.db;
    const SHOP = "days-retention.myshopify.com";
    await db.shop.create({ data: { domain: SHOP, ianaTimezone: "UTC" } });
    await seedEvents(db, spread(SHOP).slice(0, 40));
    await addUpSettledDays(db, SHOP, NOW, 1_000);
    const before = await db.eventRollupDay.count({ where: { shopDomain: SHOP } });
    expect(before).toBeGreaterThan(0);
    await pruneExpired(db, { eventRetentionDays: 90, rollupRetentionDays: 10 }, NOW);
    const left = await db.statisticsDay.findMany({ where: { shopDomain: SHOP } });
    expect(left.every((d) => d.dayStart.getTime() >= NOW.getTime() - 10 * DAY)).toBe(true);
    expect(await db.eventRollupDay.count({ where: { shopDomain: SHOP, dayStart: { lt: new Date(NOW.getTime() - 10 * DAY) } } })).toBe(0);
  }, 60_000);
});
