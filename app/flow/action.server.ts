// Flow's "Send custom event to Postscript" action, after authenticate.flow has verified the request: the input is
// checked, and the event is written to the outbox (the Event table) as "received", exactly like a Loop webhook,
// so the delivery worker gives it the same ordering, rate budget, retries, statistics and event log. Nothing
// is sent to Postscript (nor asked of Shopify) while Flow waits for the answer.
import type { Database } from "~/db.server";
import { isUniqueViolation } from "~/db.server";
import { FLOW_TOPIC, flowDedupeKey, readFlowActionRequest } from "~/events/flow-action";
import { log } from "~/logging/logger.server";

/**
 * What Flow is answered. Flow treats 2xx as done and does not retry other 4xx answers (it retries 429 and
 * 5xx); the JSON `message` is what this app means Flow to show in the workflow's run log (Shopify's pages do
 * not say which field of an error body Flow displays; `message` is the one their examples use).
 */
export interface FlowActionAnswer {
  status: number;
  message: string;
}

export async function receiveFlowAction(db: Database, shop: string, body: unknown, now = new Date()): Promise<FlowActionAnswer> {
  const input = readFlowActionRequest(body);
  if (!input.ok) return { status: 400, message: input.message };
  const dedupeKey = flowDedupeKey(input.value.actionRunId);
  try {
    await db.event.create({
      data: {
        shopDomain: shop,
        dedupeKey,
        loopWebhookId: dedupeKey,
        topic: FLOW_TOPIC,
        eventType: input.value.eventType,
        status: "received",
        occurredAt: now,
        receivedAt: now,
        nextAttemptAt: now,
        payload: JSON.stringify(input.value),
      },
    });
  } catch (error) {
    // Flow sends a run again when it did not see the first answer: the run is queued already.
    if (isUniqueViolation(error)) return { status: 200, message: "Already queued for Postscript" };
    throw error;
  }
  log.info("flow action queued", { shop, eventType: input.value.eventType });
  return { status: 200, message: "Queued for Postscript" };
}
