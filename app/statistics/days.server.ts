// Statistics days: the hourly rollups of a day that has settled, added up into one row per event type, reason
// and latency bucket, so an overview of 30 or 90 days reads a row per day instead of one per hour.
//
// A day here is a statistics day of the shop (its local midnight snapped to a UTC hour, as period.ts cuts the
// overview's days), in the zone the shop has when the day is added up. A day is added up once it ended
// SETTLE_MS ago, when almost every event received in it is final. An event of such a day can still change (a
// replay, an event paused for days while the key was rejected): transition() then takes the day off the list
// (reopenDayStatement), and the overview reads its hours again until the worker adds it up anew. The list,
// StatisticsDay, is what the overview trusts: daily rows of a day not on it are never read.
//
// Adding up a day and reopening it cannot cross: on PostgreSQL the day is added up under a lock that makes
// transition()'s statement on StatisticsDay wait (so a change either is in the sums, or reopens the day after
// it was listed); SQLite has one writer at a time.
import { getSql, type Database } from "~/db.server";
import { systemClock } from "~/jobs/clock";
import type { BackgroundWorker } from "~/jobs/background-worker";
import { log } from "~/logging/logger.server";
import { shopTimeZone } from "~/shopify/time-zone.server";
import { addDays, dayStart, HOUR_MS, statisticsDay } from "./period";

const DAY_MS = 24 * HOUR_MS;
/** How long after its end a day is added up. Events are retried for 24 hours, so by then nearly all are final. */
export const SETTLE_MS = 2 * DAY_MS;

export interface Span {
  start: Date;
  end: Date;
}

/**
 * Whether a change to an event received at `receivedAt` may touch a day that is added up already, so that
 * transition() reopens it. An hour of margin covers another process's clock running ahead.
 */
export function mayTouchSettledDay(receivedAt: Date, now: Date): boolean {
  return receivedAt.getTime() < now.getTime() - SETTLE_MS + HOUR_MS;
}

/** The added-up days of the shop inside [start, end), cut in `timeZone`, in order. */
export async function readSettledDays(db: Database, shopDomain: string, timeZone: string, start: Date, end: Date): Promise<Span[]> {
  const days = await db.statisticsDay.findMany({
    where: { shopDomain, timeZone, dayStart: { gte: start }, dayEnd: { lte: end } },
    select: { dayStart: true, dayEnd: true },
    orderBy: { dayStart: "asc" },
  });
  return days.map((day) => ({ start: day.dayStart, end: day.dayEnd }));
}

/** The days inside [start, end) joined into runs of consecutive days. */
export function runsWithin(days: Span[], start: Date, end: Date): Span[] {
  const runs: Span[] = [];
  for (const day of days) {
    if (day.start < start || day.end > end) continue;
    const last = runs[runs.length - 1];
    if (last && last.end.getTime() === day.start.getTime()) last.end = day.end;
    else runs.push({ ...day });
  }
  return runs;
}

/** The parts of [start, end) outside `runs` (sorted, inside [start, end)): what is read from hourly rows. */
export function hourlyGaps(start: Date, end: Date, runs: Span[]): Span[] {
  const gaps: Span[] = [];
  let from = start;
  for (const run of runs) {
    if (run.start > from) gaps.push({ start: from, end: run.start });
    if (run.end > from) from = run.end;
  }
  if (end > from) gaps.push({ start: from, end });
  return gaps;
}

/**
 * Adds up the shop's settled days that are not added up yet, oldest first, at most `limit` per call; returns
 * how many. Days of another zone (the shop changed zone) are dropped first: they no longer match its days.
 */
export async function addUpSettledDays(db: Database, shopDomain: string, now = new Date(), limit = 60): Promise<number> {
  const zone = (await shopTimeZone(db, shopDomain)).name;
  const otherZone = await db.statisticsDay.findFirst({ where: { shopDomain, NOT: { timeZone: zone } }, select: { dayStart: true } });
  if (otherZone) await dropDays(db, shopDomain);
  const oldest = await db.eventRollup.findFirst({ where: { shopDomain }, orderBy: { hourStart: "asc" }, select: { hourStart: true } });
  if (!oldest) return 0;
  // The first whole day after the oldest hour (a day with hours before the oldest rollup may have been pruned).
  let date = addDays(statisticsDay(zone, oldest.hourStart.getTime()), 1);
  const settledBefore = now.getTime() - SETTLE_MS;
  const listed = new Set(
    (await db.statisticsDay.findMany({ where: { shopDomain, dayStart: { gte: new Date(dayStart(zone, date)) } }, select: { dayStart: true } })).map((d) =>
      d.dayStart.getTime(),
    ),
  );
  let added = 0;
  for (; added < limit; date = addDays(date, 1)) {
    const start = dayStart(zone, date);
    const end = dayStart(zone, addDays(date, 1));
    if (end > settledBefore) break;
    if (listed.has(start)) continue;
    if (await addUpDay(db, shopDomain, zone, new Date(start), new Date(end))) added++;
  }
  return added;
}

/** One day's hourly rows added up and the day listed, in one transaction; false if another worker did it first. */
async function addUpDay(db: Database, shopDomain: string, timeZone: string, start: Date, end: Date): Promise<boolean> {
  const postgres = getSql(db).kind === "postgres";
  try {
    return await db.$transaction(async (tx) => addUpDayIn(tx, postgres, shopDomain, timeZone, start, end));
  } catch (error) {
    if (error instanceof AlreadyListed) return false;
    throw error;
  }
}

/** Thrown inside the transaction to roll it back: the day's daily rows were deleted before it was seen listed. */
class AlreadyListed extends Error {}

type Tx = Parameters<Parameters<Database["$transaction"]>[0]>[0];

async function addUpDayIn(tx: Tx, postgres: boolean, shopDomain: string, timeZone: string, start: Date, end: Date): Promise<true> {
  if (postgres) await tx.$executeRawUnsafe(`LOCK TABLE "StatisticsDay" IN SHARE ROW EXCLUSIVE MODE`);
  // A write first, so SQLite takes the write lock before anything is read; if another worker listed the day
  // meanwhile, the transaction is rolled back so its daily rows stay.
  const day = { shopDomain, dayStart: { gte: start, lt: end } };
  await tx.eventRollupDay.deleteMany({ where: day });
  if (await tx.statisticsDay.findUnique({ where: { shopDomain_dayStart: { shopDomain, dayStart: start } }, select: { dayStart: true } })) throw new AlreadyListed();
  await tx.reasonRollupDay.deleteMany({ where: day });
  await tx.latencyRollupDay.deleteMany({ where: day });
  const hours = { shopDomain, hourStart: { gte: start, lt: end } };
  const [types, reasons, latency] = await Promise.all([
    tx.eventRollup.groupBy({ by: ["eventType"], where: hours, _sum: { received: true, delivered: true, skipped: true, failed: true }, _max: { lastSeenAt: true } }),
    tx.reasonRollup.groupBy({ by: ["reason"], where: hours, _sum: { count: true }, _max: { lastAt: true } }),
    tx.latencyRollup.groupBy({ by: ["bucketMs"], where: hours, _sum: { count: true } }),
  ]);
  const at = { shopDomain, dayStart: start };
  if (types.length) {
    await tx.eventRollupDay.createMany({
      data: types.map((t) => ({
        ...at,
        eventType: t.eventType,
        received: t._sum.received ?? 0,
        delivered: t._sum.delivered ?? 0,
        skipped: t._sum.skipped ?? 0,
        failed: t._sum.failed ?? 0,
        lastSeenAt: t._max.lastSeenAt,
      })),
    });
  }
  const reasonRows = reasons.filter((r) => r._max.lastAt);
  if (reasonRows.length) await tx.reasonRollupDay.createMany({ data: reasonRows.map((r) => ({ ...at, reason: r.reason, count: r._sum.count ?? 0, lastAt: r._max.lastAt! })) });
  if (latency.length) await tx.latencyRollupDay.createMany({ data: latency.map((l) => ({ ...at, bucketMs: l.bucketMs, count: l._sum.count ?? 0 })) });
  await tx.statisticsDay.create({ data: { ...at, dayEnd: end, timeZone } });
  return true;
}

/** Forgets every added-up day of the shop (it changed time zone). */
async function dropDays(db: Database, shopDomain: string) {
  await db.$transaction([
    db.statisticsDay.deleteMany({ where: { shopDomain } }),
    db.eventRollupDay.deleteMany({ where: { shopDomain } }),
    db.reasonRollupDay.deleteMany({ where: { shopDomain } }),
    db.latencyRollupDay.deleteMany({ where: { shopDomain } }),
  ]);
}

/** Adds up the settled days of every shop, a bounded number per shop per pass. */
export async function addUpAllShops(db: Database, now = new Date()): Promise<number> {
  let added = 0;
  let cursor: string | undefined;
  for (;;) {
    const shops = await db.shop.findMany({ select: { domain: true }, orderBy: { domain: "asc" }, take: 200, ...(cursor ? { cursor: { domain: cursor }, skip: 1 } : {}) });
    for (const { domain } of shops) added += await addUpSettledDays(db, domain, now);
    if (shops.length < 200) return added;
    cursor = shops[shops.length - 1].domain;
  }
}

export function statisticsDaysWorker(db: () => Database, everyMs = 10 * 60_000): BackgroundWorker {
  return {
    name: "statistics-days",
    async run(signal) {
      while (!signal.aborted) {
        try {
          const added = await addUpAllShops(db());
          if (added) log.info("statistics: added up settled days", { days: added });
        } catch (error) {
          log.error("statistics: adding up settled days failed", { error });
        }
        await systemClock.sleep(everyMs, signal);
      }
    },
  };
}
