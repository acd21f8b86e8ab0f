// The 17 event types of Loop's own Postscript integration (docs/protocols.md, Loop webhook topics), each with
// the Loop webhook topic it comes from and the merchant-facing description. The Postscript Custom Event's
// `type` is exactly Loop's name, so flows built on Loop's own integration keep working.
// Types are plain data so the browser (Settings tab) can import this module too.

export type EventGroup = "subscription" | "order" | "payment" | "flow" | "customer";

export interface EventTypeDefinition {
  /** The Postscript Custom Event `type` ([A-Za-z0-9_], as Postscript documents). */
  type: string;
  /** Loop's description, shown to merchants. */
  description: string;
  /** The Loop topic the event is derived from; null when no topic exists (customer_activation). */
  loopTopic: string | null;
  group: EventGroup;
}

export const EVENT_TYPES = [
  { type: "subscription_created", description: "New subscription is created", loopTopic: "subscription/created", group: "subscription" },
  { type: "subscription_paused", description: "Subscription is paused", loopTopic: "subscription/paused", group: "subscription" },
  { type: "subscription_resumed", description: "Subscription is resumed", loopTopic: "subscription/resumed", group: "subscription" },
  { type: "subscription_cancelled", description: "Subscription is cancelled", loopTopic: "subscription/cancelled", group: "subscription" },
  { type: "subscription_reactivated", description: "Subscription is reactivated", loopTopic: "subscription/reactivated", group: "subscription" },
  { type: "subscription_expired", description: "Subscription is expired", loopTopic: "subscription/expired", group: "subscription" },
  { type: "order_upcoming", description: "Upcoming recurring order reminder", loopTopic: "order/upcoming", group: "order" },
  { type: "order_skipped", description: "Order skipped", loopTopic: "order/skipped", group: "order" },
  { type: "order_out_of_stock", description: "Order delayed/skipped out of stock", loopTopic: "order/outOfStock", group: "order" },
  { type: "order_processed", description: "Order processed successfully", loopTopic: "order/processed", group: "order" },
  { type: "order_partially_processed", description: "Order partially processed", loopTopic: "order/partiallyProcessed", group: "order" },
  { type: "payment_attempt_failed_with_retries_left", description: "Payment failed with retries left", loopTopic: "order/paymentFailed", group: "payment" },
  { type: "payment_attempt_failed_last_retry_left", description: "Payment failed with only 1 retry left", loopTopic: "order/paymentFailed", group: "payment" },
  { type: "payment_attempt_failed", description: "Payment failed with no retries left", loopTopic: "order/paymentFailed", group: "payment" },
  { type: "payment_method_expiring_soon", description: "Payment method expiring", loopTopic: "paymentMethod/expiringSoon", group: "payment" },
  { type: "flow_completed", description: "Loop flow executed successfully", loopTopic: "flow/completed", group: "flow" },
  { type: "customer_activation", description: "Customer created subscription but have not created the customer account yet", loopTopic: null, group: "customer" },
] as const satisfies readonly EventTypeDefinition[];

export type EventType = (typeof EVENT_TYPES)[number]["type"];

export const EVENT_TYPE_NAMES: readonly EventType[] = EVENT_TYPES.map((e) => e.type);

export function isEventType(value: unknown): value is EventType {
  return typeof value === "string" && (EVENT_TYPE_NAMES as readonly string[]).includes(value);
}

export function eventTypeDefinition(type: EventType): EventTypeDefinition {
  return EVENT_TYPES.find((e) => e.type === type)!;
}

/** The merchant's words for an event type ("Payment failed with only 1 retry left"), shown beside its name; null for a name the catalogue does not have. */
export function eventTypeLabel(type: string | null | undefined): string | null {
  return EVENT_TYPES.find((e) => e.type === type)?.description ?? null;
}

/** The Loop topics the app subscribes to: every topic an event type comes from, once. */
export const SUBSCRIBED_LOOP_TOPICS: readonly string[] = [
  ...new Set(EVENT_TYPES.map((e) => e.loopTopic).filter((t): t is NonNullable<typeof t> => t !== null)),
];

/**
 * Stands for "a topic the app does not use" where the merchant says which topics a webhook they added in Loop
 * is for (such deliveries are only acknowledged).
 */
export const OTHER_LOOP_TOPICS = "other";

/**
 * Loop topics read for subscription STATE only: they map to no event type (mapLoopWebhook answers "ignored" with
 * their facts), but their subscription status feeds the stale rules (stale.ts). Not part of SUBSCRIBED_LOOP_TOPICS;
 * subscribe to them as well if the app should know about status changes that have no event of their own.
 */
export const STATE_LOOP_TOPICS: readonly string[] = ["subscription/updated"];
