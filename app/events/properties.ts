// The properties each Postscript Custom Event carries, as data: the Settings tab and docs/events.md render it, and the
// tests check that the mapping (mapping.ts) sends exactly these names. Plain data, no imports with side effects, so
// the browser can import it.
//
// The names are a CONTRACT with merchants' flows (merge tags and filters in Postscript Flow Builder): never rename
// one; add new names instead. Rules:
// - snake_case, flat scalars only (string | number | boolean). Postscript exposes event properties "for filtering
//   and merge tags" and accepts "strings, booleans, integers, floats, and datetime strings"; nested objects/arrays
//   are undocumented (docs/protocols.md, Postscript custom events), so lists are joined into text.
// - ids are sent as text (no thousands separators or float rounding in merge tags); amounts as numbers, plus a
//   `*_formatted` text with the currency symbol for messages.
// - dates are ISO dates (`YYYY-MM-DD`, UTC day) — "datetime strings" are accepted by Postscript.
// - a property whose value Loop did not send is left out (never sent as "" or null).
import type { EventPropertyValue } from "../postscript/protocol";
import { EVENT_TYPES, type EventType } from "./catalogue";

export interface PropertyDoc {
  /** The property key in the Custom Event's `properties`. */
  name: string;
  description: string;
  example: EventPropertyValue;
  /** "always": sent on every event of the type; "when known": only when Loop's payload carries the value. */
  presence: "always" | "when known";
}

const p = (name: string, description: string, example: EventPropertyValue, presence: PropertyDoc["presence"] = "when known"): PropertyDoc => ({
  name,
  description,
  example,
  presence,
});

// ---------------------------------------------------------------------------------------------------------
// Property groups
// ---------------------------------------------------------------------------------------------------------

export const CUSTOMER_PROPERTIES: readonly PropertyDoc[] = [
  p("customer_first_name", "Customer's first name", "Ava"),
  p("customer_last_name", "Customer's last name", "Thompson"),
  p("loop_customer_id", "Loop's id of the customer", "61000001"),
  p("shopify_customer_id", "Shopify customer id", "7400000001"),
  p(
    "customer_portal_link",
    "Link to the customer's Loop subscription portal, when Loop sends one with the event",
    "https://demo-shop.myshopify.com/a/loop_subscriptions/customer/61000001?sessionToken=…",
  ),
];

export const SUBSCRIPTION_PROPERTIES: readonly PropertyDoc[] = [
  p("subscription_id", "Loop subscription id", "3199153", "always"),
  p("subscription_shopify_id", "Shopify subscription contract id", "34261012040"),
  p("subscription_status", "Subscription status in Loop (ACTIVE, PAUSED, CANCELLED, EXPIRED)", "ACTIVE"),
  p("next_order_date", "Date of the next order (YYYY-MM-DD, UTC)", "2025-06-12"),
  p("billing_interval", "Billing interval unit (day, week, month, year)", "month"),
  p("billing_interval_count", "Number of interval units between orders", 1),
  p("is_prepaid", "Whether the subscription is prepaid", false),
  p("completed_orders_count", "Orders completed so far on this subscription", 1),
];

const LINE_PROPERTIES: readonly PropertyDoc[] = [
  p("product_titles", "Product titles, joined with \", \" (each once)", "Daily Greens Powder, Vitamin D3 Gummies"),
  p("first_product_title", "Title of the first product (short enough for an SMS)", "Daily Greens Powder"),
  p(
    "items_summary",
    "\"<quantity> x <product> - <variant>\" per line, joined with \", \" (plain characters, so an SMS stays GSM-7)",
    "2 x Daily Greens Powder - 60 servings, 1 x Vitamin D3 Gummies",
  ),
  p("total_quantity", "Total number of items (sum of line quantities)", 3),
  p("line_count", "Number of lines (different products/variants)", 2),
];

export const SUBSCRIPTION_PRICE_PROPERTIES: readonly PropertyDoc[] = [
  p("currency", "Currency code (ISO 4217)", "EUR"),
  p("subscription_price", "Price of the items per order, after subscription discounts, before shipping and tax", 73.69),
  p("subscription_price_formatted", "subscription_price with its currency symbol", "€73.69"),
  p("shipping_price", "Shipping price per order", 0),
];

export const CANCELLATION_PROPERTIES: readonly PropertyDoc[] = [
  p("cancellation_reason", "The reason the customer picked when cancelling", "I have too much product"),
  p("cancellation_comment", "The customer's comment when cancelling", "Will come back after the summer"),
];

export const ORDER_PROPERTIES: readonly PropertyDoc[] = [
  p("order_id", "Loop order id", "21777518", "always"),
  p("shopify_order_id", "Shopify order id (processed orders only)", "5123456789012"),
  p("order_number", "Shopify order number (processed orders only)", "1042"),
  p("order_status", "Order status in Loop", "SUCCESS"),
  p("order_date", "Billing date of the order (YYYY-MM-DD, UTC)", "2025-06-04"),
  p("subscription_id", "Loop subscription id of the order", "6128242"),
  p("subscription_shopify_id", "Shopify subscription contract id of the order", "38598578535"),
];

export const ORDER_TOTAL_PROPERTIES: readonly PropertyDoc[] = [
  p("currency", "Currency code (ISO 4217)", "AUD"),
  p("total_price", "Order total (items after discounts, shipping and tax)", 154.24),
  p("total_price_formatted", "total_price with its currency symbol", "A$154.24"),
  p("subtotal_price", "Items before discounts", 154.24),
  p("discount_amount", "Discounts on the items", 0),
  p("shipping_price", "Shipping price", 0),
  p("tax_price", "Tax on the order", 0),
];

export const UPCOMING_PROPERTIES: readonly PropertyDoc[] = [
  p("next_order_date", "Date of the upcoming order (YYYY-MM-DD, UTC; same as order_date)", "2025-06-04"),
  p("days_until_order", "Whole days from the reminder to the order date", 3),
];

export const OUT_OF_STOCK_PROPERTIES: readonly PropertyDoc[] = [
  p("out_of_stock_product_titles", "Titles of the products that are out of stock, joined with \", \"", "Organic Oat Protein"),
  p("out_of_stock_count", "Number of out-of-stock lines", 1),
];

export const PAYMENT_FAILURE_PROPERTIES: readonly PropertyDoc[] = [
  p("retries_left", "Payment retries still to come (0 = none: the last attempt failed)", 2, "always"),
  p("retry_count", "Retries already made before this failure (0 = the first charge failed)", 0, "always"),
  p("max_retries", "Retries allowed in total", 3, "always"),
  p("attempt_number", "Number of this attempt, the first charge included", 1, "always"),
  p("next_retry_date", "Date of the next retry (YYYY-MM-DD, UTC), when Loop sends it", "2025-06-03"),
  p("payment_error_code", "Loop's error code for the failed charge", "CARD_DECLINED"),
  p("payment_error_message", "Loop's error message for the failed charge", "Your card was declined."),
];

/** The example card's expiry, in each of the forms the card properties send it. */
const cardExpiry = (year: number, month: number) => ({
  card_expiry_month: month,
  card_expiry_year: year,
  card_expiry: `${String(month).padStart(2, "0")}/${year}`,
  // Day 0 of the next month is the last day of this one.
  card_expiry_date: new Date(Date.UTC(year, month, 0)).toISOString().slice(0, 10),
});
const CARD_EXPIRY_EXAMPLE = cardExpiry(2025, 7);

export const CARD_PROPERTIES: readonly PropertyDoc[] = [
  p("payment_method_id", "Loop payment method id", "75712713"),
  p("card_brand", "Card brand", "Visa"),
  p("card_last4", "Last four digits of the card", "4242"),
  p("card_expiry_month", "Expiry month (1–12)", CARD_EXPIRY_EXAMPLE.card_expiry_month),
  p("card_expiry_year", "Expiry year", CARD_EXPIRY_EXAMPLE.card_expiry_year),
  p("card_expiry", "Expiry as MM/YYYY", CARD_EXPIRY_EXAMPLE.card_expiry),
  p("card_expiry_date", "Last day the card is valid (YYYY-MM-DD)", CARD_EXPIRY_EXAMPLE.card_expiry_date),
  p("days_until_expiry", "Days until the card expires, as Loop counts them", 30),
  p("subscription_id", "Loop id of (the first) subscription paid with the card", "3199153"),
  p("subscription_count", "Number of subscriptions paid with the card", 1),
];

export const FLOW_PROPERTIES: readonly PropertyDoc[] = [
  p("flow_id", "Loop flow id", "482913"),
  p("flow_name", "Name of the Loop flow that ran", "Cancellation save: offer a skip"),
  p("subscription_id", "Loop subscription id the flow ran for", "3199153"),
  p("subscription_status", "Subscription status after the flow", "ACTIVE"),
];

export const ACTIVATION_PROPERTIES: readonly PropertyDoc[] = [
  p("account_activation_url", "Shopify link for the customer to activate their account (when Shopify returned one)", "https://demo-shop.myshopify.com/account/activate/7400000002/…"),
  p("customer_account_state", "Shopify customer account state: disabled (no account yet) or invited", "disabled", "always"),
];

// ---------------------------------------------------------------------------------------------------------
// Per type
// ---------------------------------------------------------------------------------------------------------

/** A group without some names. */
function without(list: readonly PropertyDoc[], ...names: string[]): readonly PropertyDoc[] {
  return list.filter((d) => !names.includes(d.name));
}

/** Joins groups; a later group's property with an already-listed name is skipped (the first description wins). */
function groups(...lists: (readonly PropertyDoc[])[]): readonly PropertyDoc[] {
  const out: PropertyDoc[] = [];
  for (const list of lists) for (const doc of list) if (!out.some((d) => d.name === doc.name)) out.push(doc);
  return out;
}

const SUBSCRIPTION_EVENT = groups(SUBSCRIPTION_PROPERTIES, LINE_PROPERTIES, SUBSCRIPTION_PRICE_PROPERTIES, CUSTOMER_PROPERTIES);
/** A cancelled or expired subscription has no next order: next_order_date is never sent for them. */
const ENDED_SUBSCRIPTION = without(SUBSCRIPTION_PROPERTIES, "next_order_date");
/** Only processed orders exist in Shopify: the Shopify order id and number are sent for them alone. */
const UNPLACED_ORDER = without(ORDER_PROPERTIES, "shopify_order_id", "order_number");
const PAYMENT_FAILURE_EVENT = groups(UNPLACED_ORDER, PAYMENT_FAILURE_PROPERTIES, LINE_PROPERTIES, ORDER_TOTAL_PROPERTIES, CUSTOMER_PROPERTIES);

export const EVENT_PROPERTIES: Readonly<Record<EventType, readonly PropertyDoc[]>> = {
  subscription_created: SUBSCRIPTION_EVENT,
  subscription_paused: SUBSCRIPTION_EVENT,
  subscription_resumed: SUBSCRIPTION_EVENT,
  subscription_cancelled: groups(ENDED_SUBSCRIPTION, CANCELLATION_PROPERTIES, LINE_PROPERTIES, SUBSCRIPTION_PRICE_PROPERTIES, CUSTOMER_PROPERTIES),
  subscription_reactivated: SUBSCRIPTION_EVENT,
  subscription_expired: groups(ENDED_SUBSCRIPTION, LINE_PROPERTIES, SUBSCRIPTION_PRICE_PROPERTIES, CUSTOMER_PROPERTIES),
  order_upcoming: groups(UNPLACED_ORDER, UPCOMING_PROPERTIES, LINE_PROPERTIES, ORDER_TOTAL_PROPERTIES, CUSTOMER_PROPERTIES),
  order_skipped: groups(UNPLACED_ORDER, LINE_PROPERTIES, ORDER_TOTAL_PROPERTIES, CUSTOMER_PROPERTIES),
  order_out_of_stock: groups(UNPLACED_ORDER, LINE_PROPERTIES, OUT_OF_STOCK_PROPERTIES, ORDER_TOTAL_PROPERTIES, CUSTOMER_PROPERTIES),
  order_processed: groups(ORDER_PROPERTIES, LINE_PROPERTIES, ORDER_TOTAL_PROPERTIES, CUSTOMER_PROPERTIES),
  order_partially_processed: groups(ORDER_PROPERTIES, LINE_PROPERTIES, OUT_OF_STOCK_PROPERTIES, ORDER_TOTAL_PROPERTIES, CUSTOMER_PROPERTIES),
  payment_attempt_failed_with_retries_left: PAYMENT_FAILURE_EVENT,
  payment_attempt_failed_last_retry_left: PAYMENT_FAILURE_EVENT,
  // No retries left: there is no next retry date.
  payment_attempt_failed: without(PAYMENT_FAILURE_EVENT, "next_retry_date"),
  payment_method_expiring_soon: groups(CARD_PROPERTIES, CUSTOMER_PROPERTIES),
  flow_completed: groups(FLOW_PROPERTIES, CUSTOMER_PROPERTIES),
  customer_activation: groups(ACTIVATION_PROPERTIES, SUBSCRIPTION_PROPERTIES, LINE_PROPERTIES, SUBSCRIPTION_PRICE_PROPERTIES, CUSTOMER_PROPERTIES),
};

export function propertiesFor(type: EventType): readonly PropertyDoc[] {
  return EVENT_PROPERTIES[type];
}

// ---------------------------------------------------------------------------------------------------------
// Markdown (docs/events.md)
// ---------------------------------------------------------------------------------------------------------

function cell(value: string): string {
  return value.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function exampleText(value: EventPropertyValue): string {
  return typeof value === "string" ? `\`${value}\`` : `\`${String(value)}\``;
}

/** One Markdown table: Property | Sent | Example | Description. */
export function renderPropertyTable(type: EventType): string {
  const rows = EVENT_PROPERTIES[type].map(
    (d) => `| \`${d.name}\` | ${d.presence === "always" ? "always" : "when known"} | ${cell(exampleText(d.example))} | ${cell(d.description)} |`,
  );
  return ["| Property | Sent | Example | Description |", "|---|---|---|---|", ...rows].join("\n");
}

/** Every event type with its description, Loop topic and property table, as Markdown for the docs. */
export function renderPropertyTableMarkdown(options: { headingLevel?: number } = {}): string {
  const hashes = "#".repeat(options.headingLevel ?? 3);
  const sections = EVENT_TYPES.map((def) => {
    const source = def.loopTopic ? `Loop topic \`${def.loopTopic}\`` : "no Loop topic: sent after `subscription_created` when the Shopify customer account is not activated";
    return `${hashes} \`${def.type}\`\n\n${def.description}. Source: ${source}.\n\n${renderPropertyTable(def.type)}`;
  });
  return `${sections.join("\n\n")}\n`;
}

/**
 * One compact Markdown table for docs/events.md: each property once (per distinct description), with the event types
 * that send it ("all payment events" when a whole catalogue group does).
 */
export function renderPropertyReferenceMarkdown(): string {
  const rows: { doc: PropertyDoc; types: EventType[] }[] = [];
  for (const def of EVENT_TYPES) {
    for (const doc of EVENT_PROPERTIES[def.type]) {
      const row = rows.find((r) => r.doc.name === doc.name && r.doc.description === doc.description);
      if (row) row.types.push(def.type);
      else rows.push({ doc, types: [def.type] });
    }
  }
  const groupsOf = [...new Set(EVENT_TYPES.map((e) => e.group))];
  const typesText = (types: EventType[]): string => {
    if (types.length === EVENT_TYPES.length) return "all";
    const parts: string[] = [];
    let rest = [...types];
    for (const group of groupsOf) {
      const members = EVENT_TYPES.filter((e) => e.group === group).map((e) => e.type as EventType);
      if (members.length > 1 && members.every((t) => rest.includes(t))) {
        parts.push(`all ${group} events`);
        rest = rest.filter((t) => !members.includes(t));
      }
    }
    return [...parts, ...rest.map((t) => `\`${t}\``)].join(", ");
  };
  const lines = rows.map(
    ({ doc, types }) => `| \`${doc.name}\` | ${cell(exampleText(doc.example))} | ${cell(doc.description)} | ${typesText(types)} |`,
  );
  return ["| Property | Example | Description | Sent with |", "|---|---|---|---|", ...lines].join("\n") + "\n";
}

// ---------------------------------------------------------------------------------------------------------
// Examples as of today
// ---------------------------------------------------------------------------------------------------------

/** The day the examples were written on: their dates lie around it (a next order ten days on, a card that expires next month). */
const EXAMPLES_WRITTEN_ON = new Date(Date.UTC(2025, 5, 2));
const DAY_MS = 86_400_000;

/**
 * A property's example as of `now`, for what a merchant sees and receives (Settings, test events): its dates keep
 * their distance from today, so an example never reads as past ("next order on" a day gone by); the card's
 * expiry moves by whole months, so its month, year and last day stay one date. The generated docs keep the
 * written examples.
 */
export function exampleAsOf(doc: PropertyDoc, now: Date): EventPropertyValue {
  if (doc.name in CARD_EXPIRY_EXAMPLE) {
    const months = (now.getUTCFullYear() - EXAMPLES_WRITTEN_ON.getUTCFullYear()) * 12 + now.getUTCMonth() - EXAMPLES_WRITTEN_ON.getUTCMonth();
    const moved = new Date(Date.UTC(CARD_EXPIRY_EXAMPLE.card_expiry_year, CARD_EXPIRY_EXAMPLE.card_expiry_month - 1 + months, 1));
    return cardExpiry(moved.getUTCFullYear(), moved.getUTCMonth() + 1)[doc.name as keyof typeof CARD_EXPIRY_EXAMPLE];
  }
  if (typeof doc.example !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(doc.example)) return doc.example;
  const days = Math.round((Date.parse(`${doc.example}T00:00:00Z`) - EXAMPLES_WRITTEN_ON.getTime()) / DAY_MS);
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return new Date(today + days * DAY_MS).toISOString().slice(0, 10);
}
