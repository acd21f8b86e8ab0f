// Whether an event's moment has passed, judged at send time with what the app has seen since it happened
// (app/events/stale.ts holds the rules): the later events of the same subscription, whose payloads are
// mapped again to read their facts.
import type { Event } from "@prisma/client";
import type { CompiledQuery } from "kysely";
import { getSql, type Database } from "~/db.server";
import { shapes } from "~/db/sql.server";
import { isEventType } from "~/events/catalogue";
import { mapLoopWebhook, type EventFacts } from "~/events/mapping";
import { needsLaterEvents, staleReason, type LaterEvent } from "~/events/stale";

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

type LaterRow = Pick<Event, "topic" | "payload" | "loopWebhookId" | "occurredAt" | "dedupeKey">;

// Built once, reused with each event's values (building a statement costs more CPU than running it).
const laterEventsShape = shapes();

/** The subscription's events that occurred after `event` (this runs before every send, so on the query builder). */
async function laterEvents(db: Database, event: Event): Promise<LaterRow[]> {
  const sql = getSql(db);
  const shape = laterEventsShape();
  const v = shape.bind("", { shopDomain: event.shopDomain, subscriptionKey: event.subscriptionKey, occurredAt: event.occurredAt, id: event.id });
  const query = shape.statement(sql.kind, () =>
    sql.db
      .selectFrom("Event")
      .select(["topic", "payload", "loopWebhookId", "occurredAt", "dedupeKey"])
      .where("shopDomain", "=", v.shopDomain)
      .where("subscriptionKey", "=", v.subscriptionKey)
      .where("occurredAt", ">", v.occurredAt)
      .where("id", "<>", v.id)
      .orderBy("occurredAt", "asc")
      .limit(LATER_EVENTS_LIMIT),
  );
  return (await sql.execute(query as CompiledQuery<LaterRow>)).rows;
}

/**
 * The event's own facts, read from its payload only when a rule asks for one: most rules look at later events
 * first, and mapping a payload is the costliest part of this check.
 */
function lazyFacts(load: () => EventFacts | null): EventFacts {
  const target = () => load() ?? ({} as EventFacts);
  return new Proxy({} as EventFacts, {
    get: (_, key) => Reflect.get(target(), key),
    has: (_, key) => Reflect.has(target(), key),
    ownKeys: () => Reflect.ownKeys(target()),
    getOwnPropertyDescriptor: (_, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(target(), key);
      return descriptor && { ...descriptor, configurable: true };
    },
  });
}

export async function staleCheck(db: Database, event: Event, now: Date, paymentRetryCount = 3): Promise<string | null> {
  if (!isEventType(event.eventType)) return null;
  let own: { type: string; facts: EventFacts | null } | undefined;
  const ownFacts = () => (own ??= factsOf(event, paymentRetryCount)).facts;
  const later: LaterEvent[] = [];
  let latestStatus: { status: string; at: Date } | null = null;
  // Most events are order confirmations, whose only rule is their age: no read for them.
  if (event.subscriptionKey && needsLaterEvents(event.eventType)) {
    const rows = await laterEvents(db, event);
    for (const row of rows) {
      if (row.dedupeKey !== row.loopWebhookId) continue; // derived events repeat their source's facts
      const { type, facts } = factsOf(row, paymentRetryCount);
      later.push({ type, occurredAt: row.occurredAt, facts });
      if (facts?.subscriptionStatus) latestStatus = { status: facts.subscriptionStatus, at: row.occurredAt };
    }
  }
  const reason = staleReason(
    { type: event.eventType, occurredAt: event.occurredAt, facts: lazyFacts(ownFacts) },
    { now, laterEventsForSubscription: later, subscriptionStatus: latestStatus?.status ?? null, subscriptionStatusAt: latestStatus?.at ?? null },
  );
  // An event whose payload cannot be mapped (any more) is never judged stale. When no rule needed its facts,
  // they are read now only if the answer would be "stale".
  if (reason && !ownFacts()) return null;
  return reason;
}
