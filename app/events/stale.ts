// The stale-event rule: an event whose moment has passed is not sent late. Loop retries a webhook for 48 h and
// does not promise ordering (docs/protocols.md, Loop webhook delivery); our own outbox may hold events while
// Postscript is down. Sending "your order ships in 3 days" after it shipped, or "payment failed, we'll retry" after
// the subscription was cancelled, is worse than sending nothing. Pure, table-driven, browser-safe (the Settings tab
// can list the rules).
//
// staleReason(subject, context) returns the FIRST matching rule's reason (STALE_RULES order: specific rules first,
// the generic maximum age last), or null when the event may still be sent. Reasons are written for merchants:
// "<what> not sent: <why>".
//
// Inputs the caller (the delivery worker) supplies:
// - laterEventsForSubscription: events of the same Loop subscription (same subscriptionKey) that occurred AFTER the
//   subject (by X-Loop-Webhook-Created-At), whatever their delivery status, with the facts mapLoopWebhook returned
//   (ignored webhooks such as subscription/updated may be included: their type is not an EventType, only their
//   facts.subscriptionStatus is used). Entries not strictly later than the subject are ignored defensively.
// - subscriptionStatus: the subscription's current status as the caller knows it (e.g. from a Loop API read or the
//   newest webhook), with subscriptionStatusAt when known: a status known only as of a moment before the subject
//   is ignored.
import { EVENT_TYPE_NAMES, type EventType } from "./catalogue";
import { SUBSCRIPTION_STATUS_AFTER, factDate, type EventFacts } from "./facts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface StaleSubject {
  type: EventType;
  occurredAt: Date | string;
  facts: Partial<EventFacts>;
}

export interface LaterEvent {
  /** An EventType, or anything else for webhooks that mapped to no event (their facts still count). */
  type: EventType | string;
  occurredAt: Date | string;
  facts?: Partial<EventFacts> | null;
}

export interface StaleContext {
  now: Date;
  laterEventsForSubscription: readonly LaterEvent[];
  subscriptionStatus?: string | null;
  /** When subscriptionStatus was true; if before the subject's occurredAt it is not used. */
  subscriptionStatusAt?: Date | string | null;
  /** Per-type overrides of MAX_AGE_MS. */
  maxAgeMs?: Partial<Record<EventType, number>>;
}

export interface StaleRule {
  id: string;
  appliesTo: readonly EventType[];
  /** What the rule does, for documentation (Settings tab / docs/events.md). */
  description: string;
  /** Whether check() looks at the subscription's later events or status (the caller reads them only then). */
  readsLaterEvents?: true;
  check(subject: StaleSubject, ctx: StaleContext): string | null;
}

// ---------------------------------------------------------------------------------------------------------
// Tables
// ---------------------------------------------------------------------------------------------------------

/**
 * Maximum age (now − occurredAt) after which an event is not sent. Our choice, configurable per call:
 * 48 h for reminders and time-critical notices (Loop itself gives up retrying after 48 h), 72 h for order
 * confirmations, 7 days for lifecycle events.
 */
export const MAX_AGE_MS: Readonly<Record<EventType, number>> = {
  subscription_created: 7 * DAY,
  subscription_paused: 7 * DAY,
  subscription_resumed: 7 * DAY,
  subscription_cancelled: 7 * DAY,
  subscription_reactivated: 7 * DAY,
  subscription_expired: 7 * DAY,
  order_upcoming: 48 * HOUR,
  order_skipped: 72 * HOUR,
  order_out_of_stock: 48 * HOUR,
  order_processed: 72 * HOUR,
  order_partially_processed: 72 * HOUR,
  payment_attempt_failed_with_retries_left: 48 * HOUR,
  payment_attempt_failed_last_retry_left: 48 * HOUR,
  payment_attempt_failed: 48 * HOUR,
  payment_method_expiring_soon: 48 * HOUR,
  flow_completed: 7 * DAY,
  customer_activation: 7 * DAY,
};

/** How a merchant recognises each message in a reason. */
export const MESSAGE_LABELS: Readonly<Record<EventType, string>> = {
  subscription_created: "New subscription message",
  subscription_paused: "Subscription paused message",
  subscription_resumed: "Subscription resumed message",
  subscription_cancelled: "Cancellation message",
  subscription_reactivated: "Reactivation message",
  subscription_expired: "Subscription expired message",
  order_upcoming: "Order reminder",
  order_skipped: "Order skipped message",
  order_out_of_stock: "Out-of-stock message",
  order_processed: "Order confirmation",
  order_partially_processed: "Partially processed order message",
  payment_attempt_failed_with_retries_left: "Payment failure message",
  payment_attempt_failed_last_retry_left: "Last-retry payment failure message",
  payment_attempt_failed: "Final payment failure message",
  payment_method_expiring_soon: "Card expiry reminder",
  flow_completed: "Flow completed event",
  customer_activation: "Account activation reminder",
};

/** Subscription statuses that make an event pointless when the subscription is in them NOW (after the event). */
export const STATUS_CONFLICTS: Readonly<Partial<Record<EventType, readonly string[]>>> = {
  subscription_created: ["CANCELLED", "EXPIRED"],
  subscription_paused: ["ACTIVE", "CANCELLED", "EXPIRED"],
  subscription_resumed: ["PAUSED", "CANCELLED", "EXPIRED"],
  subscription_reactivated: ["PAUSED", "CANCELLED", "EXPIRED"],
  subscription_cancelled: ["ACTIVE", "PAUSED"],
  subscription_expired: ["ACTIVE", "PAUSED"],
  order_upcoming: ["PAUSED", "CANCELLED", "EXPIRED"],
  payment_attempt_failed_with_retries_left: ["CANCELLED", "EXPIRED"],
  payment_attempt_failed_last_retry_left: ["CANCELLED", "EXPIRED"],
};

const PROCESSED: readonly string[] = ["order_processed", "order_partially_processed"];
const PAYMENT_FAILURES: readonly string[] = [
  "payment_attempt_failed_with_retries_left",
  "payment_attempt_failed_last_retry_left",
  "payment_attempt_failed",
];

/** What a later order event says happened to the order (order_upcoming rule). */
const ORDER_OUTCOMES: Readonly<Record<string, string>> = {
  order_processed: "the order was already processed",
  order_partially_processed: "the order was already processed",
  order_skipped: "the order was skipped",
  order_out_of_stock: "the order was delayed because it is out of stock",
  payment_attempt_failed_with_retries_left: "the order's payment was already attempted",
  payment_attempt_failed_last_retry_left: "the order's payment was already attempted",
  payment_attempt_failed: "the order's payment was already attempted",
};

// ---------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------

const time = (v: Date | string | null | undefined): number | null => factDate(v)?.getTime() ?? null;
const day = (v: string | null | undefined): string | null => factDate(v)?.toISOString().slice(0, 10) ?? null;
const label = (s: StaleSubject) => MESSAGE_LABELS[s.type] ?? s.type;
const because = (s: StaleSubject, why: string) => `${label(s)} not sent: ${why}`;

/** Later events strictly after the subject, oldest first. */
function later(subject: StaleSubject, ctx: StaleContext): LaterEvent[] {
  const t = time(subject.occurredAt);
  if (t === null) return [];
  return ctx.laterEventsForSubscription
    .filter((e) => {
      const et = time(e.occurredAt);
      return et !== null && et > t;
    })
    .sort((a, b) => (time(a.occurredAt) ?? 0) - (time(b.occurredAt) ?? 0));
}

/**
 * The same order? Two Loop order ids decide it alone: different ids are different orders, even when they bill
 * on the same day (another order of the subscription). The billing day is the fallback when either side has no
 * id; when neither can be compared, the later event of the same subscription is taken to be about the same order.
 */
export function sameOrder(a: Partial<EventFacts>, b: Partial<EventFacts> | null | undefined): boolean {
  if (!b) return true;
  if (a.orderId && b.orderId) return a.orderId === b.orderId;
  const dayA = day(a.orderDate);
  const dayB = day(b.orderDate);
  if (dayA !== null && dayB !== null) return dayA === dayB;
  return true;
}

function sameCard(a: Partial<EventFacts>, b: Partial<EventFacts> | null | undefined): boolean {
  if (!b) return false;
  if (a.paymentMethodId && b.paymentMethodId) return a.paymentMethodId === b.paymentMethodId;
  if (a.card && b.card) return a.card === b.card;
  return false;
}

/** The subscription's status now, as far as the context tells: the newest of (later events, the caller's known status). */
export function currentStatus(subject: StaleSubject, ctx: StaleContext): string | null {
  let status: string | null = null;
  let at = -Infinity;
  for (const e of later(subject, ctx)) {
    const s = e.facts?.subscriptionStatus ?? SUBSCRIPTION_STATUS_AFTER[e.type as EventType] ?? null;
    const t = time(e.occurredAt) ?? -Infinity;
    if (s && t >= at) {
      status = s.toUpperCase();
      at = t;
    }
  }
  if (ctx.subscriptionStatus) {
    const stateAt = time(ctx.subscriptionStatusAt ?? null);
    const subjectAt = time(subject.occurredAt) ?? 0;
    if (stateAt === null ? true : stateAt > subjectAt && stateAt >= at) status = ctx.subscriptionStatus.toUpperCase();
  }
  return status;
}

/** "1 hour", "47 hours", "3 days", "3 days 8 hours" (whole hours, rounded down). */
export function durationText(ms: number): string {
  const hours = Math.floor(ms / HOUR);
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"}`;
  if (hours < 48) return plural(hours, "hour");
  const days = Math.floor(hours / 24);
  const rest = hours % 24;
  return rest === 0 ? plural(days, "day") : `${plural(days, "day")} ${plural(rest, "hour")}`;
}

// ---------------------------------------------------------------------------------------------------------
// Rules (evaluated in this order)
// ---------------------------------------------------------------------------------------------------------

const SUBSCRIPTION_LIFECYCLE: readonly EventType[] = [
  "subscription_created",
  "subscription_paused",
  "subscription_resumed",
  "subscription_cancelled",
  "subscription_reactivated",
  "subscription_expired",
];
const RETRYABLE_FAILURES: readonly EventType[] = ["payment_attempt_failed_with_retries_left", "payment_attempt_failed_last_retry_left"];

export const STALE_RULES: readonly StaleRule[] = [
  {
    id: "order-date-passed",
    appliesTo: ["order_upcoming"],
    description: "An order reminder is not sent once the order's date has passed.",
    check: (s, ctx) => {
      const at = time(s.facts.orderDate);
      return at !== null && at <= ctx.now.getTime() ? because(s, `the order date (${day(s.facts.orderDate)}) has passed`) : null;
    },
  },
  {
    id: "order-already-handled",
    readsLaterEvents: true,
    appliesTo: ["order_upcoming"],
    description:
      "An order reminder is not sent when the same order (same Loop order id; the same billing day when an id is missing) was since processed, skipped, delayed out of stock or billed (payment failure).",
    check: (s, ctx) => {
      const hit = later(s, ctx).find((e) => ORDER_OUTCOMES[e.type] !== undefined && sameOrder(s.facts, e.facts));
      return hit ? because(s, ORDER_OUTCOMES[hit.type]) : null;
    },
  },
  {
    id: "subscription-status-changed",
    readsLaterEvents: true,
    appliesTo: [...SUBSCRIPTION_LIFECYCLE, "order_upcoming", ...RETRYABLE_FAILURES],
    description:
      "Not sent when the subscription's status has since changed to one that contradicts the message (STATUS_CONFLICTS), e.g. a paused message after a resume, a reminder or a retry notice after a cancellation.",
    check: (s, ctx) => {
      const conflicts = STATUS_CONFLICTS[s.type];
      const now = currentStatus(s, ctx);
      return conflicts && now && conflicts.includes(now) ? because(s, `the subscription is now ${now.toLowerCase()}`) : null;
    },
  },
  {
    id: "payment-recovered",
    readsLaterEvents: true,
    appliesTo: ["payment_attempt_failed_with_retries_left", "payment_attempt_failed_last_retry_left", "payment_attempt_failed"],
    description: "A payment failure message is not sent when an order of the subscription was processed after it.",
    check: (s, ctx) =>
      later(s, ctx).some((e) => PROCESSED.includes(e.type)) ? because(s, "the order was processed since (the payment went through)") : null,
  },
  {
    id: "payment-superseded",
    readsLaterEvents: true,
    appliesTo: RETRYABLE_FAILURES,
    description: "A payment failure message with retries left is not sent when a later attempt for the same order has already failed.",
    check: (s, ctx) =>
      later(s, ctx).some((e) => PAYMENT_FAILURES.includes(e.type) && sameOrder(s.facts, e.facts))
        ? because(s, "a later payment attempt for the same order has already failed")
        : null,
  },
  {
    id: "out-of-stock-resolved",
    readsLaterEvents: true,
    appliesTo: ["order_out_of_stock"],
    description: "An out-of-stock message is not sent when the same order was processed since.",
    check: (s, ctx) =>
      later(s, ctx).some((e) => PROCESSED.includes(e.type) && sameOrder(s.facts, e.facts)) ? because(s, "the order was processed since") : null,
  },
  {
    id: "skipped-date-passed",
    appliesTo: ["order_skipped"],
    description: "A skip confirmation is not sent once the skipped order's date has passed.",
    check: (s, ctx) => {
      const at = time(s.facts.orderDate);
      return at !== null && at <= ctx.now.getTime() ? because(s, `the skipped order's date (${day(s.facts.orderDate)}) has passed`) : null;
    },
  },
  {
    id: "card-expired",
    appliesTo: ["payment_method_expiring_soon"],
    description: "A card expiry reminder is not sent once the card has expired (end of its expiry month).",
    check: (s, ctx) => {
      const at = time(s.facts.cardExpiresAt);
      return at !== null && at < ctx.now.getTime() ? because(s, `the card expired on ${day(s.facts.cardExpiresAt)}`) : null;
    },
  },
  {
    id: "card-reminder-superseded",
    readsLaterEvents: true,
    appliesTo: ["payment_method_expiring_soon"],
    description:
      "A card expiry reminder is not sent when a newer reminder for the same card has arrived (Loop reminds 30, 15 and 3 days before expiry).",
    check: (s, ctx) =>
      later(s, ctx).some((e) => e.type === "payment_method_expiring_soon" && sameCard(s.facts, e.facts))
        ? because(s, "a newer expiry reminder for the same card has arrived")
        : null,
  },
  {
    id: "max-age",
    appliesTo: EVENT_TYPE_NAMES,
    description: "Any event older than its type's maximum age (MAX_AGE_MS: 48 h reminders, 72 h order confirmations, 7 days lifecycle) is not sent.",
    check: (s, ctx) => {
      const at = time(s.occurredAt);
      if (at === null) return because(s, "the time it happened is unknown");
      const limit = ctx.maxAgeMs?.[s.type] ?? MAX_AGE_MS[s.type];
      const age = ctx.now.getTime() - at;
      return limit !== undefined && age > limit ? because(s, `it is ${durationText(age)} old (limit: ${durationText(limit)})`) : null;
    },
  },
];

/** Why the event must not be sent (any more), or null when it may be sent. */
export function staleReason(subject: StaleSubject, context: StaleContext): string | null {
  for (const rule of STALE_RULES) {
    if (!rule.appliesTo.includes(subject.type)) continue;
    const reason = rule.check(subject, context);
    if (reason !== null) return reason;
  }
  return null;
}

/** Whether any rule for `type` needs the subscription's later events: when none does, they need not be read. */
export function needsLaterEvents(type: EventType): boolean {
  return STALE_RULES.some((r) => r.readsLaterEvents && r.appliesTo.includes(type));
}

/** The rule ids that apply to a type, in evaluation order (documentation / Settings tab). */
export function staleRulesFor(type: EventType): readonly StaleRule[] {
  return STALE_RULES.filter((r) => r.appliesTo.includes(type));
}
