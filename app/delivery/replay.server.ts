// Sending failed events again, one or all in a time range, from the merchant's screens or support's console.
// A replayed event starts a new retry window and goes through the same pipeline (order, pace, staleness).
import type { Database } from "~/db.server";
import { transition } from "./transitions.server";

export async function replayEvent(db: Database, shopDomain: string, eventId: string, now = new Date()): Promise<boolean> {
  // Scoped by shop: one shop can never replay another shop's event.
  const event = await db.event.findFirst({ where: { id: eventId, shopDomain, status: "failed" } });
  if (!event) return false;
  return transition(db, event, {
    status: "pending",
    reason: null,
    reasonDetail: "Replayed",
    nextAttemptAt: now,
    firstAttemptAt: now,
  });
}

export interface ReplayRange {
  from: Date;
  to: Date;
  eventType?: string;
}

/** Replays every failed event received in [from, to); returns how many were queued again. */
export async function replayFailedInRange(db: Database, shopDomain: string, range: ReplayRange, now = new Date()): Promise<number> {
  let replayed = 0;
  for (;;) {
    const batch = await db.event.findMany({
      where: { shopDomain, status: "failed", receivedAt: { gte: range.from, lt: range.to }, ...(range.eventType ? { eventType: range.eventType } : {}) },
      take: 200,
    });
    if (batch.length === 0) return replayed;
    for (const event of batch) {
      if (await transition(db, event, { status: "pending", reason: null, reasonDetail: "Replayed", nextAttemptAt: now, firstAttemptAt: now })) replayed++;
    }
  }
}
