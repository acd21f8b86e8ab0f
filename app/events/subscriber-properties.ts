// The loop_… properties this app keeps on each Postscript subscriber, so a merchant can build segments such as
// "has an active subscription", "next order within 3 days", "subscribes to Cold Brew" or "cancelled in the
// last 30 days". One list (SUBSCRIBER_PROPERTIES) names them, with their type, description and example: the
// Settings tab, docs/events.md and the README are made from it. Values use only the types Postscript documents
// for subscriber properties: strings, integers, string arrays and ISO 8601 dates (no booleans, no decimals).
//
// The properties are derived from each subscription's last known state (SubscriptionFact), never counted
// event by event, so a customer with two subscriptions is described by both, and a repeated or replayed
// webhook changes nothing. Browser-safe: no I/O.
import type { EventType } from "./catalogue";
import { SUBSCRIPTION_STATUS_AFTER } from "./facts";
import type { NormalizedLoopEvent } from "./loop-payloads";

export type SubscriberPropertyType = "text" | "whole number" | "date" | "date and time" | "list of text";
export type SyncedValue = string | number | string[];

export interface SubscriberPropertyDefinition {
  name: string;
  type: SubscriberPropertyType;
  description: string;
  example: SyncedValue;
}

export const SUBSCRIBER_PROPERTIES = [
  { name: "loop_has_active_subscription", type: "text", description: "yes when the customer has at least one active Loop subscription, otherwise no.", example: "yes" },
  { name: "loop_active_subscriptions", type: "whole number", description: "How many of the customer's Loop subscriptions are active.", example: 2 },
  { name: "loop_paused_subscriptions", type: "whole number", description: "How many are paused.", example: 0 },
  { name: "loop_cancelled_subscriptions", type: "whole number", description: "How many are cancelled.", example: 1 },
  { name: "loop_expired_subscriptions", type: "whole number", description: "How many have expired (all their orders were made).", example: 0 },
  { name: "loop_next_order_date", type: "date", description: "The earliest next order date of the active subscriptions; empty when none is active.", example: "2026-12-10" },
  { name: "loop_products", type: "list of text", description: "Products in the active and paused subscriptions.", example: ["Cold Brew Concentrate", "Dark Roast Beans"] },
  { name: "loop_subscription_value_cents", type: "whole number", description: "What one delivery of every active subscription costs together, in cents (Postscript takes whole numbers only).", example: 4590 },
  { name: "loop_currency", type: "text", description: "The currency of that value.", example: "USD" },
  { name: "loop_last_event", type: "text", description: "The last subscription event received from Loop.", example: "subscription_paused" },
  { name: "loop_last_event_at", type: "date and time", description: "When that event happened in Loop (UTC).", example: "2026-12-02T14:03:11.000Z" },
  { name: "loop_cancelled_on", type: "date", description: "When the most recent cancellation happened; empty when no subscription is cancelled.", example: "2026-11-20" },
  { name: "loop_cancellation_reason", type: "text", description: "The reason given for that cancellation, when Loop sent one.", example: "Too much coffee" },
  { name: "loop_portal_link", type: "text", description: "The customer's subscription portal link, when Loop sends one.", example: "https://shop.example.com/a/loop_subscriptions/customer/123" },
] as const satisfies readonly SubscriberPropertyDefinition[];

export type SubscriberPropertyName = (typeof SUBSCRIBER_PROPERTIES)[number]["name"];
export type SubscriberPropertyValues = Partial<Record<SubscriberPropertyName, SyncedValue>>;

/** What a subscription is: its status, next order (yyyy-mm-dd), products, value in cents, cancellation, portal link. */
export interface SubscriptionDescription {
  status: string | null;
  nextOrderOn: string | null;
  productTitles: string[];
  valueMinor: number | null;
  currencyCode: string | null;
  cancelledOn: string | null;
  cancellationReason: string | null;
  portalLink: string | null;
}

/** One subscription as one Loop webhook describes it. */
export interface SubscriptionFact extends SubscriptionDescription {
  subscriptionId: string;
  /** Who the subscription belongs to, stable across their subscriptions (Loop's customer id when sent). */
  customerKey: string;
  /** True for subscription webhooks, which carry the whole subscription; order and card webhooks only say that something happened. */
  complete: boolean;
  eventType: string | null;
  /** Loop's time of the fact (the webhook's created-at), ISO 8601. */
  asOf: string;
  /** How to find the customer in Postscript: the event's email and E.164 phone, when known. */
  contact: { email: string | null; phone: string | null };
}

/** The customer key for a Loop customer: Loop's id, else Shopify's, else the email or phone. */
export function customerKeyOf(customer: { loopId?: string | null; shopifyId?: string | null; email?: string | null; phone?: string | null }): string | null {
  if (customer.loopId) return `loop:${customer.loopId}`;
  if (customer.shopifyId) return `shopify:${customer.shopifyId}`;
  if (customer.email) return `email:${customer.email.trim().toLowerCase()}`;
  if (customer.phone) return `phone:${customer.phone.replace(/[^\d+]/g, "")}`;
  return null;
}

const isoDay = (d: Date | null): string | null => (d ? d.toISOString().slice(0, 10) : null);

/** The fact a normalized Loop webhook states about its subscription, or null when it names none (or no customer). */
export function subscriptionFact(
  n: NormalizedLoopEvent,
  type: EventType | null,
  occurredAt: Date,
  contact: { email?: string | null; phone?: string | null },
): SubscriptionFact | null {
  if (!n.subscriptionId) return null;
  const customerKey = customerKeyOf({ loopId: n.customer.id, shopifyId: n.customer.shopifyId, email: n.customer.email, phone: n.customer.phone });
  if (!customerKey) return null;
  const complete = n.entity === "subscription";
  const status = n.subscriptionStatus ?? (type ? (SUBSCRIPTION_STATUS_AFTER[type] ?? null) : null);
  const value = n.totals.lineItemsDiscounted ?? n.totals.lineItems;
  // An upcoming order's billing date is the subscription's next order date: Loop sends no subscription
  // webhook when an order moves it on, so this is how the date follows the orders.
  const nextOrder = complete ? n.nextOrderDate : type === "order_upcoming" ? (n.order?.billingDate ?? null) : null;
  return {
    subscriptionId: n.subscriptionId,
    customerKey,
    complete,
    status: status ? status.toUpperCase() : null,
    nextOrderOn: isoDay(nextOrder),
    productTitles: [...new Set(n.lines.map((line) => line.title))],
    valueMinor: value === null ? null : Math.round(value * 100),
    currencyCode: n.currency,
    cancelledOn: status?.toUpperCase() === "CANCELLED" ? isoDay(occurredAt) : null,
    cancellationReason: n.cancellation?.reason ?? null,
    portalLink: n.portalLink,
    eventType: type,
    asOf: occurredAt.toISOString(),
    contact: { email: contact.email ?? null, phone: contact.phone ?? null },
  };
}

/** A subscription's stored state, as the properties need it. */
export interface SubscriptionState extends SubscriptionDescription {
  lastEventType: string | null;
  lastEventAt: Date | null;
}

/**
 * The properties for one customer from all their subscriptions' states. A value that no longer applies (no
 * active subscription: no next order date) is an empty string, since Postscript documents no way to remove
 * a property and a stale date would keep the customer in a date segment.
 */
export function subscriberProperties(states: readonly SubscriptionState[]): SubscriberPropertyValues {
  const count = (status: string) => states.filter((s) => s.status === status).length;
  const active = states.filter((s) => s.status === "ACTIVE");
  const current = states.filter((s) => s.status === "ACTIVE" || s.status === "PAUSED");
  const nextOrder = active.map((s) => s.nextOrderOn).filter((d): d is string => d !== null).sort()[0] ?? "";
  const latestEvent = [...states].filter((s) => s.lastEventAt !== null).sort((a, b) => b.lastEventAt!.getTime() - a.lastEventAt!.getTime())[0];
  const cancelled = states.filter((s) => s.status === "CANCELLED" && s.cancelledOn !== null).sort((a, b) => (a.cancelledOn! < b.cancelledOn! ? 1 : -1))[0];
  const portal = states.map((s) => s.portalLink).find((link) => link);
  const currency = active.map((s) => s.currencyCode).find((c) => c);
  const props: SubscriberPropertyValues = {
    loop_has_active_subscription: active.length > 0 ? "yes" : "no",
    loop_active_subscriptions: active.length,
    loop_paused_subscriptions: count("PAUSED"),
    loop_cancelled_subscriptions: count("CANCELLED"),
    loop_expired_subscriptions: count("EXPIRED"),
    loop_next_order_date: nextOrder,
    loop_products: [...new Set(current.flatMap((s) => s.productTitles))].sort(),
    loop_subscription_value_cents: active.reduce((sum, s) => sum + (s.valueMinor ?? 0), 0),
    loop_cancelled_on: cancelled?.cancelledOn ?? "",
    loop_cancellation_reason: cancelled?.cancellationReason ?? "",
  };
  if (currency) props.loop_currency = currency;
  if (latestEvent?.lastEventType) {
    props.loop_last_event = latestEvent.lastEventType;
    props.loop_last_event_at = latestEvent.lastEventAt!.toISOString();
  }
  if (portal) props.loop_portal_link = portal;
  return props;
}

/** The properties whose value differs from what Postscript was last sent (only these go in the update). */
export function changedProperties(next: SubscriberPropertyValues, sent: Readonly<Record<string, unknown>>): SubscriberPropertyValues {
  const changed: SubscriberPropertyValues = {};
  for (const [name, value] of Object.entries(next) as [SubscriberPropertyName, SyncedValue][]) {
    if (JSON.stringify(sent[name]) !== JSON.stringify(value)) changed[name] = value;
  }
  return changed;
}

/** A subscription's row: its state, whose it is, and as of when (Loop's time) the state and last event are. */
export interface StoredSubscription extends SubscriptionState {
  customerKey: string;
  /** Loop's time of the last complete description of the subscription; null: none seen yet. */
  stateAsOf: Date | null;
}

/** A subscription the app has no fact about yet. */
export function unknownSubscription(customerKey: string): StoredSubscription {
  return {
    customerKey,
    status: null,
    nextOrderOn: null,
    productTitles: [],
    valueMinor: null,
    currencyCode: null,
    cancelledOn: null,
    cancellationReason: null,
    portalLink: null,
    lastEventType: null,
    lastEventAt: null,
    stateAsOf: null,
  };
}

/**
 * The subscription's row after one more fact, or null when the fact changes nothing: a fact older than (or as
 * old as) what is stored is ignored, so webhooks arriving out of order, twice, or replayed leave the newest state.
 */
export function applyFact(existing: StoredSubscription | null, fact: SubscriptionFact): StoredSubscription | null {
  const asOf = new Date(fact.asOf);
  const next: StoredSubscription = existing ? { ...existing } : unknownSubscription(fact.customerKey);
  let changed = existing === null;
  if (fact.complete && (next.stateAsOf === null || asOf > next.stateAsOf)) {
    // A later description of a subscription that was already cancelled keeps the day it was cancelled.
    const stillCancelled = fact.status === "CANCELLED" && next.status === "CANCELLED" && next.cancelledOn !== null;
    Object.assign(next, {
      customerKey: fact.customerKey,
      status: fact.status,
      nextOrderOn: fact.nextOrderOn,
      productTitles: fact.productTitles,
      valueMinor: fact.valueMinor,
      currencyCode: fact.currencyCode,
      cancelledOn: stillCancelled ? next.cancelledOn : fact.cancelledOn,
      cancellationReason: fact.status === "CANCELLED" ? (fact.cancellationReason ?? (stillCancelled ? next.cancellationReason : null)) : null,
      portalLink: fact.portalLink ?? next.portalLink,
      stateAsOf: asOf,
    });
    changed = true;
  } else if (!fact.complete && (next.stateAsOf === null || asOf > next.stateAsOf) && (next.lastEventAt === null || asOf > next.lastEventAt)) {
    // An order webhook newer than everything seen of the subscription moves the next order date (and may
    // bring the portal link) without claiming anything else about it.
    if (fact.nextOrderOn !== null && fact.nextOrderOn !== next.nextOrderOn) {
      next.nextOrderOn = fact.nextOrderOn;
      changed = true;
    }
    if (fact.portalLink !== null && fact.portalLink !== next.portalLink) {
      next.portalLink = fact.portalLink;
      changed = true;
    }
  }
  if (fact.eventType && (next.lastEventAt === null || asOf > next.lastEventAt)) {
    next.lastEventType = fact.eventType;
    next.lastEventAt = asOf;
    changed = true;
  }
  return changed ? next : null;
}

/** Whether two rows give the customer different properties (a newer but identical fact needs no update). */
export function describesDifferently(a: SubscriptionState | null, b: SubscriptionState): boolean {
  if (a === null) return true;
  const view = (s: SubscriptionState) =>
    JSON.stringify([s.status, s.nextOrderOn, s.productTitles, s.valueMinor, s.currencyCode, s.cancelledOn, s.cancellationReason, s.portalLink, s.lastEventType, s.lastEventAt?.getTime() ?? null]);
  return view(a) !== view(b);
}

/** A stored JSON value, or undefined when it cannot be read (a row written by an older release, say). */
function readJson(json: string): unknown {
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return undefined;
  }
}

/** The stored properties last sent; {} when unreadable (then every property counts as changed). */
export function readSentProperties(json: string): SubscriberPropertyValues {
  const value = readJson(json);
  return value && typeof value === "object" && !Array.isArray(value) ? (value as SubscriberPropertyValues) : {};
}

/** The stored list of product titles; [] when unreadable. */
export function readProductTitles(json: string): string[] {
  const value = readJson(json);
  return Array.isArray(value) ? value.filter((t): t is string => typeof t === "string") : [];
}
