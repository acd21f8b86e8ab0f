// Keeps the statistics rollups in step with event state changes. Written by transition() inside the same
// database transaction as the change itself, so the counts can never drift from the events: at any moment,
// for every shop, hour and event type, the rollup equals a recount of the raw events (a test checks this).
//
// What is counted, by the hour the event was RECEIVED (UTC):
//   received  — events that were mapped (prepared); events still waiting to be mapped are counted live
//   delivered / skipped / failed — events in that final state (a replay takes a failed one back out)
//   reasons   — skipped and failed events per reason
//   latency   — for delivered events: Loop's occurrence time → Postscript's acceptance, as a histogram
import type { Tables } from "~/db/sql.server";

export type FinalStatus = "delivered" | "skipped" | "failed";
const FINAL = new Set(["delivered", "skipped", "failed"]);

/** Upper bounds (ms) of the latency histogram's buckets; the last one catches everything slower. */
export const LATENCY_BUCKETS_MS = [
  250, 500, 1_000, 2_000, 5_000, 10_000, 30_000, 60_000, 300_000, 900_000, 3_600_000, 21_600_000, 86_400_000, 2_147_483_647,
];

export function hourStart(date: Date): Date {
  const d = new Date(date);
  d.setUTCMinutes(0, 0, 0);
  return d;
}

export function latencyBucket(ms: number): number {
  return LATENCY_BUCKETS_MS.find((bound) => ms <= bound) ?? LATENCY_BUCKETS_MS[LATENCY_BUCKETS_MS.length - 1];
}

export interface StateChange {
  shopDomain: string;
  receivedAt: Date;
  occurredAt: Date;
  /** The type the event has after the change (null: could not be mapped). */
  eventType: string | null;
  from: string;
  to: string;
  reason?: string | null;
  /** The reason the event had before (when leaving skipped/failed). */
  previousReason?: string | null;
  deliveredAt?: Date | null;
  at: Date;
}

/**
 * One rollup row to write: found by `key` (its unique columns), `add` added to its counters and `set` set; when
 * there is no such row yet, it is created from `key` and `create`, unless `create` is absent (then nothing is
 * written). Plain data, so that the writer can put it into whatever statement shape it runs.
 */
export type RollupWrite = {
  [T in "EventRollup" | "ReasonRollup" | "LatencyRollup"]: {
    table: T;
    key: Partial<Record<keyof Tables[T], unknown>>;
    create?: Partial<Record<keyof Tables[T], unknown>>;
    add: Partial<Record<keyof Tables[T], number>>;
    set?: Partial<Record<keyof Tables[T], unknown>>;
  };
}["EventRollup" | "ReasonRollup" | "LatencyRollup"];

/** The rollup writes one state change needs (to run in the same transaction as the change). */
export function rollupWrites(change: StateChange): RollupWrite[] {
  const writes: RollupWrite[] = [];
  const hour = hourStart(change.receivedAt);
  const type = change.eventType ?? "unknown";
  const counts: Partial<Record<"received" | FinalStatus, number>> = {};
  if (change.from === "received" && change.to !== "received") counts.received = 1;
  if (FINAL.has(change.to) && !FINAL.has(change.from)) counts[change.to as FinalStatus] = 1;
  if (FINAL.has(change.from) && !FINAL.has(change.to)) counts[change.from as FinalStatus] = -1;

  if (Object.keys(counts).length) {
    const creates = Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, Math.max(0, v)]));
    const seen = counts.received ? { lastSeenAt: change.occurredAt } : {};
    writes.push({
      table: "EventRollup",
      key: { shopDomain: change.shopDomain, hourStart: hour, eventType: type },
      create: { ...creates, ...seen },
      add: counts,
      set: seen,
    });
  }

  const entering = (change.to === "skipped" || change.to === "failed") && change.from !== change.to && change.reason;
  if (entering) {
    writes.push({
      table: "ReasonRollup",
      key: { shopDomain: change.shopDomain, hourStart: hour, reason: change.reason! },
      create: { count: 1, lastAt: change.at },
      add: { count: 1 },
      set: { lastAt: change.at },
    });
  }
  const leaving = (change.from === "skipped" || change.from === "failed") && change.from !== change.to && change.previousReason;
  if (leaving) {
    writes.push({ table: "ReasonRollup", key: { shopDomain: change.shopDomain, hourStart: hour, reason: change.previousReason! }, add: { count: -1 } });
  }

  if (change.to === "delivered" && change.from !== "delivered" && change.deliveredAt) {
    const bucketMs = latencyBucket(Math.max(0, change.deliveredAt.getTime() - change.occurredAt.getTime()));
    writes.push({ table: "LatencyRollup", key: { shopDomain: change.shopDomain, hourStart: hour, bucketMs }, create: { count: 1 }, add: { count: 1 } });
  }
  return writes;
}
