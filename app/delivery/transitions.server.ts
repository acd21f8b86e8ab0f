// Every change of an event's state goes through here, so there is one place that knows what a state means
// (and one place where statistics can follow state changes).
import type { Event } from "@prisma/client";
import type { Database } from "~/db.server";
import type { ReasonCode } from "~/events/reasons";
import { driverFor, type ConditionalGroup, type Driver } from "~/db/driver.server";
import { rollupOperations } from "~/statistics/rollups.server";
import { createTransitionBatcher, planStatements, UnsupportedChange, type TransitionBatcher } from "./transition-batch.server";

const batchers = new WeakMap<Driver, TransitionBatcher>();
function batcherFor(driver: Driver): TransitionBatcher {
  let batcher = batchers.get(driver);
  if (!batcher) {
    batcher = createTransitionBatcher(driver);
    batchers.set(driver, batcher);
  }
  return batcher;
}

export type EventStatus = "received" | "pending" | "paused" | "delivered" | "skipped" | "failed";
export const OPEN_STATUSES: EventStatus[] = ["received", "pending", "paused"];
export const FINAL_STATUSES: EventStatus[] = ["delivered", "skipped", "failed"];

/** Why an event was skipped, failed or is waiting; the codes are listed once, with their texts, in ~/events/reasons. */
export type { ReasonCode };

export interface AttemptRecord {
  startedAt: Date;
  durationMs: number;
  httpStatus: number | null;
  outcome: "delivered" | "retry" | "failed" | "paused";
  errorClass?: string | null;
  message?: string | null;
}

interface Change {
  status: EventStatus;
  reason?: ReasonCode | null;
  reasonDetail?: string | null;
  nextAttemptAt?: Date;
  deliveredAt?: Date;
  postscriptEventId?: string | null;
  firstAttemptAt?: Date;
  attempt?: AttemptRecord;
  eventType?: string | null;
  request?: string | null;
  typeDecision?: string | null;
  subscriptionKey?: string | null;
  loopOrderId?: string | null;
  customerEmail?: string | null;
  customerPhone?: string | null;
}

/** What transition() needs to know about the event as it is now. */
export type EventSnapshot = Pick<Event, "id" | "shopDomain" | "status" | "receivedAt" | "occurredAt" | "eventType" | "reason">;

/**
 * Moves one event from the state in `event` to a new one, with the attempt that caused it (if any) and the
 * statistics, atomically. Returns false (and changes nothing) when the event is no longer in that state.
 */
export async function transition(db: Database, event: EventSnapshot, change: Change): Promise<boolean> {
  const { attempt, ...fields } = change;
  const now = new Date();
  const rollups = {
    shopDomain: event.shopDomain,
    receivedAt: event.receivedAt,
    occurredAt: event.occurredAt,
    eventType: change.eventType !== undefined ? change.eventType : event.eventType,
    from: event.status,
    to: change.status,
    reason: change.reason,
    previousReason: event.reason,
    deliveredAt: change.deliveredAt,
    at: now,
  };
  // The same change, written in a batch with the others requested meanwhile (./transition-batch.server.ts),
  // when `db` is the app's client; through Prisma (below) for a transaction client or a change it cannot plan.
  const driver = driverFor(db);
  if (driver) {
    let group: ConditionalGroup | undefined;
    try {
      group = planStatements({ eventId: event.id, fromStatus: event.status, fields, attempt, rollups }, now, driver.kind);
    } catch (error) {
      if (!(error instanceof UnsupportedChange)) throw error;
    }
    if (group) return batcherFor(driver).submit(group);
  }
  const data = { ...fields, ...(attempt ? { attemptCount: { increment: 1 } } : {}) };
  return db.$transaction(async (tx) => {
    const updated = await tx.event.updateMany({ where: { id: event.id, status: event.status }, data });
    if (updated.count !== 1) return false;
    if (attempt) {
      await tx.deliveryAttempt.create({
        data: {
          eventId: event.id,
          startedAt: attempt.startedAt,
          durationMs: attempt.durationMs,
          httpStatus: attempt.httpStatus,
          outcome: attempt.outcome,
          errorClass: attempt.errorClass ?? null,
          message: attempt.message ?? null,
        },
      });
    }
    const operations = rollupOperations(tx, rollups);
    for (const operation of operations) await operation;
    return true;
  });
}
