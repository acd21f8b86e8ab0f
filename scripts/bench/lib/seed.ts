// Events ready to send, written straight into the outbox ("pending", with the Postscript request prepared),
// as the worker's prepare step would leave them: realistic requests made by the app's own mapping from
// generated Loop payloads, each checked to be deliverable now (not stale).
import type { Prisma } from "@prisma/client";
import { generatePayload } from "../../../sandbox/loop/payloads";
import type { Database } from "../../../app/db.server";
import { SUBSCRIBED_LOOP_TOPICS } from "../../../app/events/catalogue";
import { mapLoopWebhook } from "../../../app/events/mapping";
import { staleReason } from "../../../app/events/stale";
import type { LoopTopic } from "../../../app/loop/protocol";

/** Topics whose mapped events carry an email or phone (the generator's personas all have one or both). */
const TOPICS = SUBSCRIBED_LOOP_TOPICS.filter((t) => t !== "subscription/updated" && t !== "flow/completed");

export interface SeedOptions {
  /** Prefix of the webhook ids (external_id at Postscript is "loop:<webhook id>"). */
  prefix: string;
  now?: Date;
  /** Events of one subscription: ordered delivery applies within it. Default 1 (each event its own subscription). */
  eventsPerSubscription?: number;
}

/** `count` pending events for `shop`, occurred in the last minute, each deliverable now. */
export function pendingEvents(shop: string, count: number, options: SeedOptions): Prisma.EventCreateManyInput[] {
  const now = options.now ?? new Date();
  const perSubscription = options.eventsPerSubscription ?? 1;
  const rows: Prisma.EventCreateManyInput[] = [];
  for (let i = 0, attempt = 0; rows.length < count; attempt++) {
    const topic = TOPICS[attempt % TOPICS.length] as LoopTopic;
    const webhookId = `${options.prefix}-${shop}-${attempt}`;
    const occurredAt = new Date(now.getTime() - 60_000 + (rows.length * 50) / count);
    const envelope = generatePayload(topic, { seed: webhookId, shopDomain: shop, now: now.getTime() });
    const mapped = mapLoopWebhook({ topic, payload: envelope, webhookId, occurredAt, settings: { paymentRetryCount: 3 } });
    if (mapped.kind !== "event" || (!mapped.identifiers.email && !mapped.identifiers.phone)) continue;
    if (staleReason({ type: mapped.type, occurredAt, facts: mapped.facts }, { now, laterEventsForSubscription: [] })) continue;
    rows.push({
      shopDomain: shop,
      dedupeKey: webhookId,
      loopWebhookId: webhookId,
      topic,
      eventType: mapped.type,
      status: "pending",
      subscriptionKey: `${options.prefix}-${shop}-sub-${Math.floor(i / perSubscription)}`,
      customerEmail: mapped.identifiers.email ?? null,
      customerPhone: mapped.identifiers.phone ?? null,
      occurredAt,
      receivedAt: occurredAt,
      nextAttemptAt: now,
      payload: JSON.stringify(envelope),
      request: JSON.stringify(mapped.event),
    });
    i++;
  }
  return rows;
}

export async function insertEvents(db: Database, rows: Prisma.EventCreateManyInput[], chunk = 500): Promise<void> {
  for (let i = 0; i < rows.length; i += chunk) await db.event.createMany({ data: rows.slice(i, i + chunk) });
}
