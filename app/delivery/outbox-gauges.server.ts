// The outbox's figures for /metrics: events waiting by status, how long the most overdue one has waited, and
// shops whose deliveries wait for a person. Read from the database at most every OUTBOX_READ_EVERY_MS however
// often Prometheus scrapes (several scrapers, or a short interval, share one read), with queries that each walk
// one index range or read one row per shop: never a scan of the events.
import type { Database } from "~/db.server";
import { log } from "~/logging/logger.server";
import { outboxEvents, outboxOldestDue, outboxReadAt, pausedShops } from "~/metrics/metrics.server";
import { OPEN_STATUSES } from "./transitions.server";

export const OUTBOX_READ_EVERY_MS = 5_000;
/**
 * A scrape waits this long for a read at most, then shows the last values: a locked table or a saturated
 * pool must not hang the scrape (Prometheus would record nothing at all, memory and latency included).
 */
export const OUTBOX_READ_WAIT_MS = 1_000;

let last: { db: Database; at: number; reading: Promise<void>; done: boolean } | undefined;

/**
 * Refreshes the outbox gauges unless they were read less than OUTBOX_READ_EVERY_MS ago or a read is still under
 * way (scrapes never pile reads up); resolves when the read is done or after OUTBOX_READ_WAIT_MS.
 */
export function refreshOutboxGauges(db: Database, now = Date.now()): Promise<void> {
  if (!last || last.db !== db || (last.done && now - last.at >= OUTBOX_READ_EVERY_MS)) {
    const entry = { db, at: now, reading: Promise.resolve(), done: false };
    entry.reading = readOutbox(db, new Date(now))
      // The gauges keep their last values; outbox_read_timestamp_seconds shows how old they are.
      .catch((error) => log.warn("metrics: could not read the outbox", { error }))
      .finally(() => void (entry.done = true));
    last = entry;
  }
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, OUTBOX_READ_WAIT_MS)));
  return Promise.race([last.reading, waited]).finally(() => clearTimeout(timer));
}

async function readOutbox(db: Database, now: Date) {
  // Each count walks the (status, nextAttemptAt) index over that status's events only.
  const counts = await Promise.all(OPEN_STATUSES.map((status) => db.event.count({ where: { status } })));
  // The most overdue event per due status: one seek at the start of its (status, nextAttemptAt) range.
  const oldest = await Promise.all(
    (["received", "pending"] as const).map((status) =>
      db.event.findFirst({ where: { status, nextAttemptAt: { lte: now } }, orderBy: { nextAttemptAt: "asc" }, select: { nextAttemptAt: true } }),
    ),
  );
  // One row per shop in each table (connections, settings), not per event.
  const [keyRejected, held] = await Promise.all([
    db.postscriptConnection.count({ where: { status: "action_needed" } }),
    db.shopSettings.count({ where: { deliveriesPausedAt: { not: null } } }),
  ]);
  OPEN_STATUSES.forEach((status, i) => outboxEvents.set({ status }, counts[i]));
  const dueSince = Math.min(...oldest.map((row) => row?.nextAttemptAt.getTime() ?? Infinity));
  outboxOldestDue.set(Number.isFinite(dueSince) ? Math.max(0, (now.getTime() - dueSince) / 1000) : 0);
  pausedShops.set({ cause: "key_rejected" }, keyRejected);
  pausedShops.set({ cause: "held_by_support" }, held);
  outboxReadAt.set(now.getTime() / 1000);
}
