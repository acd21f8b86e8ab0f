// Raw events and their attempts are kept for EVENT_RETENTION_DAYS (default 90) and then pruned by a
// background worker; the hourly rollups are kept for ROLLUP_RETENTION_DAYS (default 730), so statistics
// outlive the raw log.
import type { Database } from "~/db.server";
import { systemClock } from "~/jobs/clock";
import type { BackgroundWorker } from "~/jobs/background-worker";
import { log } from "~/logging/logger.server";

const DAY = 86_400_000;
const BATCH = 1_000;

export interface RetentionPolicy {
  eventRetentionDays: number;
  rollupRetentionDays: number;
}

/** Deletes what is older than the policy allows, in batches so no single statement locks for long. */
export async function pruneExpired(db: Database, policy: RetentionPolicy, now = new Date()) {
  const eventsBefore = new Date(now.getTime() - policy.eventRetentionDays * DAY);
  const rollupsBefore = new Date(now.getTime() - policy.rollupRetentionDays * DAY);
  let events = 0;
  for (;;) {
    // Only final events: an event still waiting to be delivered is never pruned.
    const ids = await db.event.findMany({
      where: { receivedAt: { lt: eventsBefore }, status: { in: ["delivered", "skipped", "failed"] } },
      select: { id: true },
      take: BATCH,
    });
    if (ids.length === 0) break;
    const idList = ids.map((e) => e.id);
    await db.$transaction([
      db.deliveryAttempt.deleteMany({ where: { eventId: { in: idList } } }),
      db.event.deleteMany({ where: { id: { in: idList } } }),
    ]);
    events += ids.length;
  }
  const [rollups, reasons, latency, , eventDays, reasonDays, latencyDays, unusedFields] = await db.$transaction([
    db.eventRollup.deleteMany({ where: { hourStart: { lt: rollupsBefore } } }),
    db.reasonRollup.deleteMany({ where: { hourStart: { lt: rollupsBefore } } }),
    db.latencyRollup.deleteMany({ where: { hourStart: { lt: rollupsBefore } } }),
    // A day some of whose hours are pruned is no longer listed; the overview reads what hours remain.
    db.statisticsDay.deleteMany({ where: { dayStart: { lt: rollupsBefore } } }),
    db.eventRollupDay.deleteMany({ where: { dayStart: { lt: rollupsBefore } } }),
    db.reasonRollupDay.deleteMany({ where: { dayStart: { lt: rollupsBefore } } }),
    db.latencyRollupDay.deleteMany({ where: { dayStart: { lt: rollupsBefore } } }),
    // A Loop field not seen for as long as raw events are kept is no longer news.
    db.unusedLoopField.deleteMany({ where: { lastSeenAt: { lt: eventsBefore } } }),
  ]);
  return { events, rollups: rollups.count + reasons.count + latency.count + eventDays.count + reasonDays.count + latencyDays.count, unusedFields: unusedFields.count };
}

export function retentionWorker(db: () => Database, policy: RetentionPolicy, everyMs = 3_600_000): BackgroundWorker {
  return {
    name: "retention",
    async run(signal) {
      while (!signal.aborted) {
        try {
          const pruned = await pruneExpired(db(), policy);
          if (pruned.events || pruned.rollups || pruned.unusedFields) log.info("retention: pruned expired records", pruned);
        } catch (error) {
          log.error("retention: pruning failed", { error });
        }
        // Its abort listener goes when the wait ends, so the worker's signal does not collect one per hour.
        await systemClock.sleep(everyMs, signal);
      }
    },
  };
}
