// The webhook topics the app consumes, with what each carries and how often the demo stream emits it.
// Topic strings live in protocol.ts (wire contract); this file adds sandbox metadata.
import { CONSUMED_TOPICS, type ALL_LOOP_TOPICS, type LoopTopic } from "../../app/loop/protocol";

export { CONSUMED_TOPICS, ALL_LOOP_TOPICS, isConsumedTopic, isKnownTopic, type LoopTopic } from "../../app/loop/protocol";

/** Any topic Loop documents, consumed by the app or not (a merchant can add a webhook for any in Loop's admin). */
export type KnownLoopTopic = (typeof ALL_LOOP_TOPICS)[number];

/** Which entity sits in `payload` for a topic. Assumed: webhooks very likely embed the Admin API objects. */
export type TopicEntity = "subscription" | "order" | "paymentMethod" | "flow";

export function topicEntity(topic: KnownLoopTopic): TopicEntity {
  const prefix = topic.split("/")[0];
  // Assumed: a checkout webhook most likely carries the subscription it created.
  if (prefix === "subscription" || prefix === "subscriptionCheckout") return "subscription";
  if (prefix === "order") return "order";
  if (prefix === "paymentMethod") return "paymentMethod";
  return "flow";
}

/** Relative frequency in the demo stream / sendMany default mix (roughly how often a real store emits them). */
export const DEFAULT_TOPIC_WEIGHTS: Record<LoopTopic, number> = {
  "subscription/created": 8,
  "subscription/paused": 3,
  "subscription/resumed": 2,
  "subscription/cancelled": 3,
  "subscription/reactivated": 1,
  "subscription/expired": 1,
  "subscription/updated": 5,
  "order/upcoming": 12,
  "order/processed": 12,
  "order/partiallyProcessed": 1,
  "order/outOfStock": 1,
  "order/skipped": 3,
  "order/paymentFailed": 4,
  "paymentMethod/expiringSoon": 2,
  "flow/completed": 2,
};

/** A topic mix: a list (equal weights) or a weight per topic. */
export type TopicMix = readonly LoopTopic[] | Partial<Record<LoopTopic, number>>;

export function mixEntries(mix: TopicMix | undefined): Array<readonly [LoopTopic, number]> {
  if (!mix) return CONSUMED_TOPICS.map((t) => [t, DEFAULT_TOPIC_WEIGHTS[t]] as const);
  if (Array.isArray(mix)) return (mix as readonly LoopTopic[]).map((t) => [t, 1] as const);
  return Object.entries(mix as Partial<Record<LoopTopic, number>>)
    .filter(([, w]) => typeof w === "number" && w > 0)
    .map(([t, w]) => [t as LoopTopic, w as number] as const);
}
