// A received Loop webhook → the Postscript Custom Event the merchant's SMS flow waits for. Pure: no database, no
// network, never throws. The delivery worker calls mapLoopWebhook for each stored webhook, then (when asked to)
// looks the customer up in Shopify and calls withIdentifiers / customerActivationEvent.
//
// Postscript facts relied on (all documented; docs/protocols.md, Postscript custom events):
// - POST /api/v2/events body {type, phone?, email?, occurred_at?, properties?, external_id?};
//   `type` [A-Za-z0-9_]; we use Loop's own names exactly (catalogue.ts) so flows built on Loop's own
//   integration keep working.
// - occurred_at UTC `%Y-%m-%d %H:%M:%S.%f` → formatOccurredAt (app/postscript/protocol.ts).
// - identifiers: "API requests can be sent with multiple identifiers", matched phone first, then email
//   → we send every identifier we know. Phone "E.164 recommended" → libphonenumber-js;
//   a number that cannot be made a valid E.164 number is dropped (with a warning) rather than sent as junk.
//   Email trimmed + lower-cased (as Datafly's integration does).
// - properties: scalars only (nested values are undocumented) → see properties.ts for the names.
// - external_id "the unique id of the event on your system"; dedup on it is NOT documented, so it is
//   deterministic per Loop webhook and the app keeps its own record of what was delivered:
//     external_id = "loop:<X-Loop-Webhook-Id>"                       for every event mapped from a webhook,
//                   "loop:<X-Loop-Webhook-Id>:customer_activation"   for the extra customer_activation event.
//   One webhook yields exactly one mapped event, so a payment failure's id does not depend on its classification
//   (re-mapping after a settings change keeps the same external_id); X-Loop-Webhook-Id is Loop's dedup key
//   (documented; stable across Loop's retries is implied, not stated).
import { z } from "zod";
import { subscriptionFact, type SubscriptionFact } from "./subscriber-properties";
import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js/max";
import { EMAIL_RE, formatOccurredAt, type CustomEventInput, type EventPropertyValue } from "../postscript/protocol";
import { EVENT_TYPES, type EventType } from "./catalogue";
import { SUBSCRIPTION_STATUS_AFTER, type EventFacts } from "./facts";
import { isKnownTopic } from "../loop/protocol";
import { parseLoopWebhook, topicEntity, type NormalizedLine, type NormalizedLoopEvent } from "./loop-payloads";
import { classifyPaymentFailure, describePaymentFailureDecision, type PaymentFailureClassification } from "./payment-failure";

export { classifyPaymentFailure, paymentFailureType } from "./payment-failure";
export type { PaymentFailureClassification, PaymentRetryCounters, PaymentFailureType } from "./payment-failure";
export type { EventFacts } from "./facts";

// ---------------------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------------------

export interface MapSettings {
  /** The shop's Loop payment-recovery retry count (fallback when the payload has no maximum). */
  paymentRetryCount: number;
  /** ISO country for national phone numbers when the payload has no address country (optional). */
  defaultPhoneCountry?: string | null;
}

export interface MapLoopWebhookInput {
  /** X-Loop-Webhook-Topic. */
  topic: string;
  /** The parsed JSON body (envelope {payload, metaData}). */
  payload: unknown;
  /** X-Loop-Webhook-Id. */
  webhookId: string;
  /** X-Loop-Webhook-Created-At. */
  occurredAt: Date;
  settings: MapSettings;
  /** order/paymentFailed only: earlier paymentFailed webhooks already seen for the same Loop order. Used only
   *  when the payload has no retry counter at all (payment-failure.ts rule 7). */
  paymentFailuresBefore?: number | null;
}

export interface Identifiers {
  email?: string;
  phone?: string;
}

/** An email or phone that was present but could not be used (so it was not sent), and where it came from. */
export interface UnusableIdentifier {
  kind: "email" | "phone";
  /** "customer.phone", "shippingAddress.phone", "customer.email", "the Shopify customer's phone" … */
  field: string;
  /** The region a national phone number was read for, when one was known. */
  country: string | null;
}

export interface MappedEvent {
  kind: "event";
  type: EventType;
  /** The exact POST /api/v2/events body. */
  event: CustomEventInput;
  /** Loop subscription id, for per-subscription ordering; null when the payload names none. */
  subscriptionKey: string | null;
  /** Same values as event.email / event.phone. */
  identifiers: Identifiers;
  /** True when neither email nor phone is known: look the customer up (Shopify), then call withIdentifiers. */
  needsCustomerLookup: boolean;
  shopifyCustomerId: string | null;
  loopCustomerId: string | null;
  /** Address country used as the default region for national phone numbers (also used by withIdentifiers). */
  phoneCountry: string | null;
  webhookId: string;
  occurredAt: Date;
  facts: EventFacts;
  /** Things worth showing support, e.g. a phone number that was dropped as invalid. */
  warnings: string[];
  /** Emails and phones that were present but invalid, without their values (they are shown in reasons). */
  unusableIdentifiers: UnusableIdentifier[];
  /** Why the event has its type when that took a judgement (payment failures: rule and inputs), in plain words. */
  typeDecision: string | null;
  /** What the webhook says about its subscription, for the customer's subscriber properties. */
  subscription?: SubscriptionFact | null;
}

export interface InvalidWebhook {
  kind: "invalid";
  issues: string[];
}

export interface IgnoredWebhook {
  kind: "ignored";
  reason: string;
  /** Present when the payload could be read (e.g. subscription/updated, consumed for state). */
  subscriptionKey: string | null;
  facts: EventFacts | null;
  /** What the webhook says about its subscription (subscription/updated carries state but sends no event). */
  subscription?: SubscriptionFact | null;
}

export type MapResult = MappedEvent | InvalidWebhook | IgnoredWebhook;

// ---------------------------------------------------------------------------------------------------------
// Topics
// ---------------------------------------------------------------------------------------------------------

/** Topic → event type, from the catalogue; order/paymentFailed is classified (payment-failure.ts). */
const TYPE_BY_TOPIC: ReadonlyMap<string, EventType> = new Map(
  EVENT_TYPES.filter((e) => e.loopTopic !== null && e.loopTopic !== "order/paymentFailed").map((e) => [e.loopTopic as string, e.type]),
);
const PAYMENT_FAILED_TOPIC = "order/paymentFailed";

/**
 * Subscription statuses a payload cannot have after its topic's change: Loop sends the subscription as it is
 * once the change is made, so a paused subscription delivered as subscription/expired (a captured body re-sent
 * under another topic) is refused rather than texted. Statuses not listed (a subscription created paused, an
 * undocumented value such as FAILED) are let through.
 */
const STATUSES_CONTRADICTING: Partial<Record<EventType, readonly string[]>> = {
  subscription_created: ["CANCELLED", "EXPIRED"],
  subscription_paused: ["ACTIVE", "CANCELLED", "EXPIRED"],
  subscription_resumed: ["PAUSED", "CANCELLED", "EXPIRED"],
  subscription_reactivated: ["PAUSED", "CANCELLED", "EXPIRED"],
  subscription_cancelled: ["ACTIVE", "PAUSED", "EXPIRED"],
  subscription_expired: ["ACTIVE", "PAUSED", "CANCELLED"],
};

/** Why the payload's subscription status contradicts the topic it came with; null when it does not. */
export function statusContradiction(topic: string, type: EventType, status: string | null): string | null {
  if (!status || !STATUSES_CONTRADICTING[type]?.includes(status)) return null;
  return `payload.status: ${status} contradicts topic ${topic} (a subscription that has just had that change is not ${status})`;
}

/** Topics read for state only (catalogue.ts STATE_LOOP_TOPICS), with the reason shown for them. */
export const STATE_ONLY_TOPICS: Readonly<Record<string, string>> = {
  "subscription/updated": "subscription/updated has no Postscript event; it only updates the subscription's state",
};

// ---------------------------------------------------------------------------------------------------------
// Identifiers
// ---------------------------------------------------------------------------------------------------------

/** Trimmed, lower-cased; null when it does not look like an email address. */
export function normalizeEmail(raw: string | null | undefined): string | null {
  if (typeof raw !== "string") return null;
  const email = raw.trim().toLowerCase();
  return EMAIL_RE.test(email) ? email : null;
}

function region(country: string | null | undefined): CountryCode | undefined {
  const c = country?.trim().toUpperCase();
  return c && isSupportedCountry(c) ? (c as CountryCode) : undefined;
}

/**
 * E.164 (`+<country><number>`) or null. National numbers use `country` (ISO 3166 alpha-2) as the default region;
 * a number that is not VALID per libphonenumber's full metadata is dropped — e.g. UK "drama" numbers 07700 900xxx
 * are reserved and can never receive a text.
 */
export function normalizePhone(raw: string | null | undefined, country?: string | null): string | null {
  if (typeof raw !== "string" || raw.trim() === "") return null;
  try {
    const parsed = parsePhoneNumberFromString(raw.trim(), region(country));
    return parsed && parsed.isValid() ? parsed.number : null;
  } catch {
    return null;
  }
}

interface IdentifierResult {
  identifiers: Identifiers;
  warnings: string[];
  unusableIdentifiers: UnusableIdentifier[];
}

function identifiersFrom(n: NormalizedLoopEvent, defaultCountry: string | null | undefined): IdentifierResult {
  const warnings: string[] = [];
  const unusableIdentifiers: UnusableIdentifier[] = [];
  const identifiers: Identifiers = {};
  const email = normalizeEmail(n.customer.email);
  if (email) identifiers.email = email;
  else if (n.customer.email) {
    warnings.push(`customer.email "${n.customer.email}" is not a valid email address and was not sent`);
    unusableIdentifiers.push({ kind: "email", field: "customer.email", country: null });
  }
  const country = n.countryCode ?? defaultCountry ?? null;
  const candidates: [string, string | null][] = [
    ["customer.phone", n.customer.phone],
    ["shippingAddress.phone", n.shippingPhone],
  ];
  for (const [field, raw] of candidates) {
    if (!raw) continue;
    const phone = normalizePhone(raw, country);
    if (phone) {
      identifiers.phone = phone;
      break;
    }
    warnings.push(`${field} "${raw}" is not a valid phone number${country ? ` for ${country}` : ""} and was not sent`);
    unusableIdentifiers.push({ kind: "phone", field, country });
  }
  return { identifiers, warnings, unusableIdentifiers };
}

function unusableText(u: UnusableIdentifier): string {
  return u.kind === "email" ? `${u.field} is not a valid email address` : `${u.field} is not a valid phone number${u.country ? ` for ${u.country}` : ""}`;
}

/**
 * Why an event has neither email nor phone, as far as the mapping knows: Loop sent none, or what it (or a
 * lookup) sent was not valid, naming the field. The caller adds where else it looked.
 */
export function missingIdentifierReason(mapped: Pick<MappedEvent, "unusableIdentifiers">): string {
  if (mapped.unusableIdentifiers.length === 0) return "Loop sent no email or phone for this customer";
  return `No usable email or phone for this customer: ${mapped.unusableIdentifiers.map(unusableText).join("; ")}`;
}

// ---------------------------------------------------------------------------------------------------------
// Property helpers
// ---------------------------------------------------------------------------------------------------------

type Props = Record<string, EventPropertyValue>;

function put(props: Props, name: string, value: string | number | boolean | null | undefined): void {
  if (value === null || value === undefined) return;
  if (typeof value === "string" && value.trim() === "") return;
  if (typeof value === "number" && !Number.isFinite(value)) return;
  props[name] = value;
}

const DAY_MS = 86_400_000;
const isoDay = (d: Date | null): string | null => (d ? d.toISOString().slice(0, 10) : null);
const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/** Joins at most `max` characters: "A, B, C and 4 more". */
export function joinLimited(items: readonly string[], max = 300): string {
  let out = "";
  for (let i = 0; i < items.length; i++) {
    const next = out === "" ? items[i] : `${out}, ${items[i]}`;
    const rest = items.length - i;
    if (next.length > max && out !== "") return `${out} and ${rest} more`;
    out = next;
  }
  return out;
}

const moneyFormatters = new Map<string, Intl.NumberFormat | null>();
/** "€73.69", "A$154.24", "$49.00" (en-US conventions); "12.50 XYZ" for a code Intl does not know. */
export function formatMoney(amount: number, currency: string | null): string {
  if (!currency) return amount.toFixed(2);
  if (!moneyFormatters.has(currency)) {
    let f: Intl.NumberFormat | null = null;
    try {
      f = new Intl.NumberFormat("en-US", { style: "currency", currency });
    } catch {
      f = null;
    }
    moneyFormatters.set(currency, f);
  }
  const f = moneyFormatters.get(currency);
  return f ? f.format(amount) : `${amount.toFixed(2)} ${currency}`;
}

const CARD_BRANDS: Record<string, string> = {
  visa: "Visa",
  mastercard: "Mastercard",
  master: "Mastercard",
  american_express: "American Express",
  amex: "American Express",
  discover: "Discover",
  diners_club: "Diners Club",
  jcb: "JCB",
  unionpay: "UnionPay",
  maestro: "Maestro",
};
export function cardBrandName(brand: string | null): string | null {
  if (!brand) return null;
  const key = brand.toLowerCase().replace(/[\s-]+/g, "_");
  return CARD_BRANDS[key] ?? key.split("_").filter(Boolean).map((w) => w[0].toUpperCase() + w.slice(1)).join(" ");
}

function lineProps(props: Props, lines: readonly NormalizedLine[]): void {
  if (lines.length === 0) return;
  put(props, "product_titles", joinLimited([...new Set(lines.map((l) => l.title))]));
  put(props, "first_product_title", lines[0].title);
  put(props, "items_summary", joinLimited(lines.map((l) => `${l.quantity} x ${l.title}${l.variantTitle ? ` - ${l.variantTitle}` : ""}`)));
  put(props, "total_quantity", lines.reduce((s, l) => s + l.quantity, 0));
  put(props, "line_count", lines.length);
}

function customerProps(props: Props, n: NormalizedLoopEvent): void {
  put(props, "customer_first_name", n.customer.firstName);
  put(props, "customer_last_name", n.customer.lastName);
  put(props, "loop_customer_id", n.customer.id);
  put(props, "shopify_customer_id", n.customer.shopifyId);
  put(props, "customer_portal_link", n.portalLink);
}

function subscriptionProps(props: Props, n: NormalizedLoopEvent, type: EventType): void {
  const s = n.subscription;
  put(props, "subscription_id", n.subscriptionId);
  put(props, "subscription_shopify_id", n.subscriptionShopifyId);
  put(props, "subscription_status", n.subscriptionStatus ?? SUBSCRIPTION_STATUS_AFTER[type]);
  // A cancelled/expired subscription has no next order, whatever date the payload may still carry.
  if (type !== "subscription_cancelled" && type !== "subscription_expired") put(props, "next_order_date", isoDay(n.nextOrderDate));
  put(props, "billing_interval", s?.billingInterval);
  put(props, "billing_interval_count", s?.billingIntervalCount);
  put(props, "is_prepaid", s?.isPrepaid);
  put(props, "completed_orders_count", s?.completedOrdersCount);
  if (type === "subscription_cancelled") {
    put(props, "cancellation_reason", n.cancellation?.reason);
    put(props, "cancellation_comment", n.cancellation?.comment);
  }
  lineProps(props, n.lines);
  put(props, "currency", n.currency);
  const price = n.totals.lineItemsDiscounted;
  put(props, "subscription_price", price);
  if (price !== null) put(props, "subscription_price_formatted", formatMoney(price, n.currency));
  put(props, "shipping_price", n.totals.shipping);
  customerProps(props, n);
}

function orderProps(props: Props, n: NormalizedLoopEvent, type: EventType, occurredAt: Date, retry: PaymentFailureClassification | null): void {
  const o = n.order;
  put(props, "order_id", o?.id);
  if (type === "order_processed" || type === "order_partially_processed") {
    // Only a processed order exists in Shopify (properties.ts documents these two for those types alone).
    put(props, "shopify_order_id", o?.shopifyId);
    put(props, "order_number", o?.orderNumber);
  }
  put(props, "order_status", o?.status);
  put(props, "order_date", isoDay(o?.billingDate ?? null));
  put(props, "subscription_id", n.subscriptionId);
  put(props, "subscription_shopify_id", n.subscriptionShopifyId);
  if (type === "order_upcoming" && o?.billingDate) {
    put(props, "next_order_date", isoDay(o.billingDate));
    put(props, "days_until_order", Math.max(0, Math.round((o.billingDate.getTime() - occurredAt.getTime()) / DAY_MS)));
  }
  if (retry) {
    put(props, "retries_left", retry.retriesLeft);
    put(props, "retry_count", retry.retriesDone);
    put(props, "max_retries", retry.maxRetries);
    put(props, "attempt_number", retry.attemptNumber);
    if (retry.retriesLeft > 0) put(props, "next_retry_date", isoDay(n.paymentRetry?.nextRetryAt ?? null));
    put(props, "payment_error_code", n.paymentRetry?.errorCode);
    put(props, "payment_error_message", n.paymentRetry?.errorMessage);
  }
  lineProps(props, n.lines);
  if (type === "order_out_of_stock" || type === "order_partially_processed") {
    const oos = n.lines.filter((l) => l.outOfStock);
    if (oos.length > 0) {
      put(props, "out_of_stock_product_titles", joinLimited([...new Set(oos.map((l) => l.title))]));
      put(props, "out_of_stock_count", oos.length);
    }
  }
  put(props, "currency", n.currency);
  put(props, "total_price", n.totals.total);
  if (n.totals.total !== null) put(props, "total_price_formatted", formatMoney(n.totals.total, n.currency));
  put(props, "subtotal_price", n.totals.lineItems);
  put(props, "discount_amount", n.totals.discount);
  put(props, "shipping_price", n.totals.shipping);
  put(props, "tax_price", n.totals.tax);
  customerProps(props, n);
}

function cardProps(props: Props, n: NormalizedLoopEvent): void {
  const c = n.card;
  put(props, "payment_method_id", c?.paymentMethodId);
  put(props, "card_brand", cardBrandName(c?.brand ?? null));
  put(props, "card_last4", c?.last4);
  put(props, "card_expiry_month", c?.expiryMonth);
  put(props, "card_expiry_year", c?.expiryYear);
  if (c?.expiryMonth && c.expiryYear) put(props, "card_expiry", `${String(c.expiryMonth).padStart(2, "0")}/${c.expiryYear}`);
  put(props, "card_expiry_date", isoDay(c?.expiresAt ?? null));
  put(props, "days_until_expiry", c?.daysUntilExpiry);
  put(props, "subscription_id", n.subscriptionId);
  put(props, "subscription_count", n.subscriptionCount);
  customerProps(props, n);
}

function flowProps(props: Props, n: NormalizedLoopEvent): void {
  put(props, "flow_id", n.flow?.id);
  put(props, "flow_name", n.flow?.name);
  put(props, "subscription_id", n.subscriptionId);
  put(props, "subscription_status", n.subscriptionStatus);
  customerProps(props, n);
}

// ---------------------------------------------------------------------------------------------------------
// Event assembly
// ---------------------------------------------------------------------------------------------------------

/** The Loop-webhook-derived external_id (see the header comment). */
export function externalIdFor(webhookId: string, derived?: EventType): string {
  return derived ? `loop:${webhookId}:${derived}` : `loop:${webhookId}`;
}

function buildEvent(type: EventType, identifiers: Identifiers, occurredAt: Date, externalId: string, properties: Props): CustomEventInput {
  const event: CustomEventInput = { type };
  if (identifiers.email) event.email = identifiers.email;
  if (identifiers.phone) event.phone = identifiers.phone;
  event.occurred_at = formatOccurredAt(occurredAt.getTime());
  event.external_id = externalId;
  event.properties = properties;
  return event;
}

function factsFor(n: NormalizedLoopEvent, type: EventType | null, occurredAt: Date, retry: PaymentFailureClassification | null): EventFacts {
  const card = n.card;
  return {
    topic: n.topic,
    occurredAt: occurredAt.toISOString(),
    subscriptionId: n.subscriptionId,
    subscriptionStatus: n.subscriptionStatus ?? (type ? (SUBSCRIPTION_STATUS_AFTER[type] ?? null) : null),
    orderId: n.order?.id ?? null,
    orderDate: iso(n.order?.billingDate ?? null),
    nextOrderDate: iso(n.nextOrderDate),
    paymentMethodId: card?.paymentMethodId ?? null,
    card: card && (card.brand || card.last4) ? [card.brand, card.last4].filter(Boolean).join(" ") : null,
    cardExpiresAt: iso(card?.expiresAt ?? null),
    retriesLeft: retry?.retriesLeft ?? null,
    retriesFrom: retry?.retriesFrom ?? null,
    loopCustomerId: n.customer.id,
    shopifyCustomerId: n.customer.shopifyId,
  };
}

function validDate(d: unknown): d is Date {
  return d instanceof Date && !Number.isNaN(d.getTime());
}

/**
 * Maps one received Loop webhook. Never throws:
 * - `event`: the Custom Event for one of the 17 types (+ what the delivery worker needs around it);
 * - `invalid`: the webhook cannot be mapped (unknown topic, missing/ill-typed payload fields, no webhook id…),
 *   with human-readable issues;
 * - `ignored`: a valid webhook that maps to no event type (subscription/updated, other known Loop topics), with
 *   its facts when the payload could be read.
 */
export function mapLoopWebhook(input: MapLoopWebhookInput): MapResult {
  try {
    const issues: string[] = [];
    if (typeof input.webhookId !== "string" || input.webhookId.trim() === "") issues.push("webhookId: is required (X-Loop-Webhook-Id)");
    if (!validDate(input.occurredAt)) issues.push("occurredAt: must be a valid date (X-Loop-Webhook-Created-At)");
    if (issues.length > 0) return { kind: "invalid", issues };
    const webhookId = input.webhookId.trim();
    const occurredAt = input.occurredAt;

    if (isKnownTopic(input.topic) && topicEntity(input.topic) === null) {
      // e.g. subscriptionCheckout/success: a documented Loop topic with no event type and no schema here.
      return { kind: "ignored", reason: `Loop topic ${input.topic} has no Postscript event`, subscriptionKey: null, facts: null };
    }
    const parsed = parseLoopWebhook(input.topic, input.payload);
    if (!parsed.ok) return { kind: "invalid", issues: parsed.issues };
    const n = parsed.value;

    let type: EventType | undefined;
    let retry: PaymentFailureClassification | null = null;
    if (n.topic === PAYMENT_FAILED_TOPIC) {
      const r = n.paymentRetry;
      retry = classifyPaymentFailure(
        {
          retriesLeft: r?.retriesLeft,
          retriesDone: r?.retriesDone,
          attemptNumber: r?.attemptNumber,
          maxRetries: r?.maxRetries,
          maxAttempts: r?.maxAttempts,
          priorFailures: input.paymentFailuresBefore,
        },
        input.settings?.paymentRetryCount ?? 0,
      );
      type = retry.type;
    } else {
      type = TYPE_BY_TOPIC.get(n.topic);
    }
    if (!type) {
      return {
        kind: "ignored",
        reason: STATE_ONLY_TOPICS[n.topic] ?? `Loop topic ${n.topic} has no Postscript event`,
        subscriptionKey: n.subscriptionId,
        facts: factsFor(n, null, occurredAt, null),
        subscription: subscriptionFact(n, null, occurredAt, identifiersFrom(n, input.settings?.defaultPhoneCountry).identifiers),
      };
    }

    const contradiction = n.entity === "subscription" ? statusContradiction(n.topic, type, n.subscriptionStatus) : null;
    if (contradiction) return { kind: "invalid", issues: [contradiction] };

    const properties: Props = {};
    if (n.entity === "subscription") subscriptionProps(properties, n, type);
    else if (n.entity === "order") orderProps(properties, n, type, occurredAt, retry);
    else if (n.entity === "paymentMethod") cardProps(properties, n);
    else flowProps(properties, n);

    const { identifiers, warnings, unusableIdentifiers } = identifiersFrom(n, input.settings?.defaultPhoneCountry);
    return {
      kind: "event",
      type,
      event: buildEvent(type, identifiers, occurredAt, externalIdFor(webhookId), properties),
      subscriptionKey: n.subscriptionId,
      identifiers,
      needsCustomerLookup: !identifiers.email && !identifiers.phone,
      shopifyCustomerId: n.customer.shopifyId,
      loopCustomerId: n.customer.id,
      phoneCountry: n.countryCode ?? region(input.settings?.defaultPhoneCountry) ?? null,
      webhookId,
      occurredAt,
      facts: factsFor(n, type, occurredAt, retry),
      warnings,
      unusableIdentifiers,
      typeDecision: retry ? describePaymentFailureDecision(retry, n.order?.id ?? null) : null,
      subscription: subscriptionFact(n, type, occurredAt, identifiers),
    };
  } catch (error) {
    return { kind: "invalid", issues: [`could not map the webhook (${error instanceof Error ? error.message : String(error)})`] };
  }
}

/**
 * Adds identifiers found by a customer lookup (e.g. the Shopify customer) to a mapped event. Identifiers already
 * on the event are kept (the payload wins); found ones are normalised the same way (phone → E.164 with the
 * event's address country, or `found.countryCode`, as default region; invalid values are dropped with a warning).
 * needsCustomerLookup becomes false once any identifier is known. Returns a new object.
 */
export function withIdentifiers(
  mapped: MappedEvent,
  found: { email?: string | null; phone?: string | null; countryCode?: string | null },
): MappedEvent {
  const identifiers: Identifiers = { ...mapped.identifiers };
  const warnings = [...mapped.warnings];
  const unusableIdentifiers = [...mapped.unusableIdentifiers];
  if (!identifiers.email && found.email) {
    const email = normalizeEmail(found.email);
    if (email) identifiers.email = email;
    else {
      warnings.push(`looked-up email "${found.email}" is not a valid email address and was not sent`);
      unusableIdentifiers.push({ kind: "email", field: "the looked-up email", country: null });
    }
  }
  if (!identifiers.phone && found.phone) {
    const country = mapped.phoneCountry ?? found.countryCode ?? null;
    const phone = normalizePhone(found.phone, country);
    if (phone) identifiers.phone = phone;
    else {
      warnings.push(`looked-up phone "${found.phone}" is not a valid phone number and was not sent`);
      unusableIdentifiers.push({ kind: "phone", field: "the looked-up phone", country });
    }
  }
  const { email: _e, phone: _p, ...rest } = mapped.event;
  const event: CustomEventInput = { type: rest.type };
  if (identifiers.email) event.email = identifiers.email;
  if (identifiers.phone) event.phone = identifiers.phone;
  Object.assign(event, rest);
  return { ...mapped, event, identifiers, needsCustomerLookup: !identifiers.email && !identifiers.phone, warnings, unusableIdentifiers };
}

// ---------------------------------------------------------------------------------------------------------
// customer_activation (no Loop topic)
// ---------------------------------------------------------------------------------------------------------

/** Shopify Admin GraphQL Customer.state values. */
export type ShopifyCustomerState = "DISABLED" | "INVITED" | "ENABLED" | "DECLINED";

export interface ShopifyCustomerAccount {
  state: ShopifyCustomerState;
  accountActivationUrl: string | null;
}

/** States in which the customer has not activated an account: DISABLED (none yet) and INVITED (invited, not
 *  accepted). ENABLED has one; DECLINED said no — we do not nag. */
export const NOT_ACTIVATED_STATES: readonly ShopifyCustomerState[] = ["DISABLED", "INVITED"];

/**
 * The customer_activation event as a MappedEvent (for the outbox, ordering and stale rules), or null when the
 * account is activated/declined or `created` is not a mapped subscription_created. Loop describes it as "Customer
 * created subscription but have not created the customer account yet" but has no topic for it, so it is derived
 * from subscription/created + the Shopify account state the delivery worker looks up.
 * external_id "loop:<webhookId>:customer_activation" (unique beside the subscription_created event's "loop:<webhookId>").
 * Identifiers are the created event's: call withIdentifiers on `created` first if it needed a lookup.
 */
export function customerActivationMapped(created: MapResult, customer: ShopifyCustomerAccount): MappedEvent | null {
  if (created.kind !== "event" || created.type !== "subscription_created") return null;
  if (!NOT_ACTIVATED_STATES.includes(customer.state)) return null;
  const properties: Props = {};
  put(properties, "account_activation_url", customer.accountActivationUrl);
  put(properties, "customer_account_state", customer.state.toLowerCase());
  Object.assign(properties, created.event.properties ?? {});
  const type: EventType = "customer_activation";
  return {
    ...created,
    type,
    event: buildEvent(type, created.identifiers, created.occurredAt, externalIdFor(created.webhookId, type), properties),
    identifiers: { ...created.identifiers },
    warnings: [...created.warnings],
    unusableIdentifiers: [...created.unusableIdentifiers],
    facts: { ...created.facts },
  };
}

/** The extra customer_activation Custom Event for a mapped subscription_created, or null (see customerActivationMapped). */
export function customerActivationEvent(created: MapResult, customer: ShopifyCustomerAccount): CustomEventInput | null {
  return customerActivationMapped(created, customer)?.event ?? null;
}

/** Times a listed subscription carries that the webhook normalisation does not keep. */
const listedTimes = z.object({ updatedAt: z.string().nullish(), cancelledAt: z.string().nullish() }).passthrough();

const validTime = (value: string | null | undefined): Date | null => {
  const at = value ? new Date(value) : null;
  return at && Number.isFinite(at.getTime()) ? at : null;
};

/**
 * One subscription of Loop's subscription list (the Admin API object, which `subscription/*` webhooks carry
 * too) as a fact about it, with no event: the backfill describes state, it never says something happened. The
 * fact is as of the subscription's updatedAt (not later than when it was read), so a webhook about a later
 * change still wins over it, and the day it was cancelled is its cancelledAt.
 */
export function listedSubscriptionFact(
  subscription: unknown,
  shopDomain: string,
  readAt: Date,
  defaultPhoneCountry?: string | null,
): { ok: true; fact: SubscriptionFact } | { ok: false; issues: string[] } {
  const parsed = parseLoopWebhook("subscription/updated", { payload: subscription, metaData: { myshopifyDomain: shopDomain } });
  if (!parsed.ok) return parsed;
  const times = listedTimes.safeParse(subscription);
  const updatedAt = times.success ? validTime(times.data.updatedAt) : null;
  const asOf = updatedAt && updatedAt <= readAt ? updatedAt : readAt;
  const fact = subscriptionFact(parsed.value, null, asOf, identifiersFrom(parsed.value, defaultPhoneCountry).identifiers);
  if (!fact) return { ok: false, issues: ["the subscription names no customer"] };
  const cancelledAt = times.success ? validTime(times.data.cancelledAt) : null;
  if (fact.status === "CANCELLED" && cancelledAt) fact.cancelledOn = cancelledAt.toISOString().slice(0, 10);
  return { ok: true, fact };
}
