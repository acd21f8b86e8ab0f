// How many times the same Loop order's payment failed before this failure: Loop's order/paymentFailed has no
// documented retry counter, and without one every failure would look like the first (app/events/payment-failure.ts
// rule 7 takes this count instead).
//
// Counted by occurrence (X-Loop-Webhook-Created-At), not arrival: Loop retries webhooks and does not keep their
// order, so a failure may arrive after a later one. Each stored row is one webhook (a redelivery of the same
// X-Loop-Webhook-Id is stored once; a replay sends the same row again), so nothing is counted twice. A processed
// order (order/processed, order/partiallyProcessed) of the same order id means its payment went through: only
// failures after the last such success count. The count is taken when the event is prepared, from every row
// stored by then, mapped or not.
import type { Event } from "@prisma/client";
import type { Database } from "~/db.server";
import { parseLoopWebhook } from "~/events/loop-payloads";

export const PAYMENT_FAILED_TOPIC = "order/paymentFailed";
const PAID_TOPICS = ["order/processed", "order/partiallyProcessed"];
const ORDER_HISTORY_TOPICS = [PAYMENT_FAILED_TOPIC, ...PAID_TOPICS];

interface OrderEvent {
  loopWebhookId: string;
  topic: string;
  occurredAt: Date;
}

/** The order id a stored payload names, or null when it cannot be read. */
function orderIdOf(topic: string, payload: string): string | null {
  let body: unknown;
  try {
    body = JSON.parse(payload);
  } catch {
    return null;
  }
  const parsed = parseLoopWebhook(topic, body);
  return parsed.ok ? (parsed.value.order?.id ?? null) : null;
}

/** The order's events that occurred before `event`: prepared ones by their order id column, the rest by payload. */
async function earlierOrderEvents(db: Database, event: Pick<Event, "id" | "shopDomain" | "occurredAt">, orderId: string): Promise<OrderEvent[]> {
  const earlier = { shopDomain: event.shopDomain, topic: { in: ORDER_HISTORY_TOPICS }, occurredAt: { lt: event.occurredAt }, id: { not: event.id } };
  const select = { loopWebhookId: true, topic: true, occurredAt: true } as const;
  const prepared = await db.event.findMany({ where: { ...earlier, loopOrderId: orderId }, select });
  // Not mapped yet (arrived in the same batch, or is waiting for Shopify): its order id is only in the payload.
  // The text match narrows the rows cheaply; parsing confirms the id.
  const waiting = await db.event.findMany({
    where: { ...earlier, status: "received", loopOrderId: null, payload: { contains: orderId } },
    select: { ...select, payload: true },
  });
  return [...prepared, ...waiting.filter((row) => orderIdOf(row.topic, row.payload) === orderId)];
}

/** Failures of the same order that occurred before `event`, since the order's last successful charge. */
export async function earlierPaymentFailures(db: Database, event: Pick<Event, "id" | "shopDomain" | "occurredAt">, orderId: string): Promise<number> {
  const history = await earlierOrderEvents(db, event, orderId);
  const lastPaid = Math.max(-Infinity, ...history.filter((e) => PAID_TOPICS.includes(e.topic)).map((e) => e.occurredAt.getTime()));
  const failures = new Set(history.filter((e) => e.topic === PAYMENT_FAILED_TOPIC && e.occurredAt.getTime() > lastPaid).map((e) => e.loopWebhookId));
  return failures.size;
}
