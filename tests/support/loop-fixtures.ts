// Test fixtures for app/events: Loop webhook bodies from the stand-in's deterministic generator
// (sandbox/loop/payloads.ts), mapped the way the worker will map them. They live with the test support, not in
// app/, because app code never depends on the stand-ins.
import { generatePayload, type GenerateOptions } from "../../sandbox/loop/payloads";
import { mapLoopWebhook, type MapResult, type MappedEvent, type MapLoopWebhookInput } from "~/events/mapping";
import { CONSUMED_TOPICS, type LoopTopic } from "~/loop/protocol";

export const SHOP = "demo-shop.myshopify.com";
/** The generator's default reference time; webhook Created-At in the fixtures. */
export const OCCURRED_AT = new Date("2025-06-01T12:00:00.000Z");

export type FixtureOptions = Omit<GenerateOptions, "shopDomain" | "seed"> & { seed?: number | string };

export function envelope(topic: LoopTopic, options: FixtureOptions = {}) {
  return generatePayload(topic, { seed: 1, ...options, shopDomain: SHOP });
}

export function map(
  topic: LoopTopic | string,
  options: FixtureOptions = {},
  extra: Partial<Omit<MapLoopWebhookInput, "topic" | "payload">> = {},
): MapResult {
  return mapLoopWebhook({
    topic,
    payload: envelope(topic as LoopTopic, options),
    webhookId: "wh_1",
    occurredAt: OCCURRED_AT,
    settings: { paymentRetryCount: 3 },
    ...extra,
  });
}

/** map() that must produce an event. */
export function mapEvent(
  topic: LoopTopic,
  options: FixtureOptions = {},
  extra: Partial<Omit<MapLoopWebhookInput, "topic" | "payload">> = {},
): MappedEvent {
  const result = map(topic, options, extra);
  if (result.kind !== "event") throw new Error(`expected an event for ${topic}, got ${JSON.stringify(result)}`);
  return result;
}

/** The topics that produce one of the 17 event types: every topic the app consumes but subscription/updated, which has no
 * Postscript event and only updates the subscription's state. */
export const EVENT_TOPICS: readonly LoopTopic[] = CONSUMED_TOPICS.filter((topic) => topic !== "subscription/updated");
