// Every change of an event's state goes through here, so there is one place that knows what a state means
// (and one place where statistics can follow state changes).
import type { Database } from "~/db.server";

export type EventStatus = "received" | "pending" | "paused" | "delivered" | "skipped" | "failed";
export const OPEN_STATUSES: EventStatus[] = ["received", "pending", "paused"];
export const FINAL_STATUSES: EventStatus[] = ["delivered", "skipped", "failed"];

/** Why an event was skipped or failed; shown to merchants grouped by these codes. */
export type ReasonCode =
  | "key_rejected"
  | "rate_limited"
  | "postscript_unavailable"
  | "postscript_rejected"
  | "invalid_payload"
  | "no_identifier"
  | "stale"
  | "disabled"
  | "ignored"
  | "not_connected";

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
  subscriptionKey?: string | null;
  loopOrderId?: string | null;
  customerEmail?: string | null;
  customerPhone?: string | null;
}

/** Moves one event to a new state, with the attempt that caused it (if any), atomically. */
export async function transition(db: Database, eventId: string, change: Change) {
  const { attempt, ...fields } = change;
  const data = {
    ...fields,
    ...(attempt ? { attemptCount: { increment: 1 } } : {}),
  };
  if (!attempt) {
    await db.event.update({ where: { id: eventId }, data });
    return;
  }
  await db.$transaction([
    db.event.update({ where: { id: eventId }, data }),
    db.deliveryAttempt.create({
      data: {
        eventId,
        startedAt: attempt.startedAt,
        durationMs: attempt.durationMs,
        httpStatus: attempt.httpStatus,
        outcome: attempt.outcome,
        errorClass: attempt.errorClass ?? null,
        message: attempt.message ?? null,
      },
    }),
  ]);
}
