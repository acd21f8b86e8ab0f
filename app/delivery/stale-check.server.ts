// Whether an event's moment has passed, judged at send time with what the app has seen since it happened
// (app/events/stale.ts holds the rules): the later events of the same subscription, whose payloads are
// mapped again to read their facts.
import type { Event } from "@prisma/client";
import type { Database } from "~/db.server";
import { isEventType } from "~/events/catalogue";
import { mapLoopWebhook, type EventFacts } from "~/events/mapping";
import { staleReason, type LaterEvent } from "~/events/stale";

const LATER_EVENTS_LIMIT = 50;

function factsOf(event: Pick<Event, "topic" | "payload" | "loopWebhookId" | "occurredAt">, paymentRetryCount: number): { type: string; facts: EventFacts | null } {
  let body: unknown;
  try {
    body = JSON.parse(event.payload);
  } catch {
    return { type: "invalid", facts: null };
  }
  const mapped = mapLoopWebhook({ topic: event.topic, payload: body, webhookId: event.loopWebhookId, occurredAt: event.occurredAt, settings: { paymentRetryCount } });
  if (mapped.kind === "event") return { type: mapped.type, facts: mapped.facts };
  if (mapped.kind === "ignored") return { type: event.topic, facts: mapped.facts };
  return { type: "invalid", facts: null };
}

export async function staleCheck(db: Database, event: Event, now: Date, paymentRetryCount = 3): Promise<string | null> {
  if (!isEventType(event.eventType)) return null;
  const own = factsOf(event, paymentRetryCount);
  if (!own.facts) return null;
  const later: LaterEvent[] = [];
  let latestStatus: { status: string; at: Date } | null = null;
  if (event.subscriptionKey) {
    const rows = await db.event.findMany({
      where: { shopDomain: event.shopDomain, subscriptionKey: event.subscriptionKey, occurredAt: { gt: event.occurredAt }, id: { not: event.id } },
      orderBy: { occurredAt: "asc" },
      take: LATER_EVENTS_LIMIT,
      select: { topic: true, payload: true, loopWebhookId: true, occurredAt: true, dedupeKey: true },
    });
    for (const row of rows) {
      if (row.dedupeKey !== row.loopWebhookId) continue; // derived events repeat their source's facts
      const { type, facts } = factsOf(row, paymentRetryCount);
      later.push({ type, occurredAt: row.occurredAt, facts });
      if (facts?.subscriptionStatus) latestStatus = { status: facts.subscriptionStatus, at: row.occurredAt };
    }
  }
  return staleReason(
    { type: event.eventType, occurredAt: event.occurredAt, facts: own.facts },
    { now, laterEventsForSubscription: later, subscriptionStatus: latestStatus?.status ?? null, subscriptionStatusAt: latestStatus?.at ?? null },
  );
}
