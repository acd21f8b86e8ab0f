// Deterministic Loop webhook payloads: generatePayload(topic, { seed, shopDomain }) → the envelope Loop POSTs.
// Same (topic, seed, options) ⇒ byte-identical JSON (no clock, no Math.random: a seeded PRNG and a fixed
// reference time unless `now` is given).
//
// Entity shapes follow what is known (docs/protocols.md, Loop payload fields):
// - envelope `{ payload, metaData: { myshopifyDomain } }`                    documented example, real handler
// - subscription fields (id, shopifyId, status, …, lines, nextBillingDateEpoch) observed in Admin API clients
// - webhook doc example spelling (lineItems, nextOrderDate)                   documented example
// - order fields (id, shopifyId, shopifyOrderNumber, billingDateEpoch, …)    observed in Admin API clients
// - flow/completed `{ id, name, subscription: { id, status } }`              documented example
// - order/paymentFailed retry fields, paymentMethod/expiringSoon card fields, customerPortalLink: assumed — shapes
//   are plausible guesses, selectable by option (see protocol.ts RetryInfoStyle, PORTAL_LINK_FIELD).
import {
  PORTAL_LINK_FIELD,
  RETRY_INFO_STYLES,
  portalLinkUrl,
  type LoopWebhookEnvelope,
  type PayloadSpelling,
  type RetryInfoStyle,
} from "../../app/loop/protocol";
import { createPrng, hashSeed, type Prng } from "./prng";
import { PERSONAS, personaByKey, type Currency, type Persona } from "./personas";
import { topicEntity, type KnownLoopTopic } from "./topics";

/** Reference "now" when none is given: keeps payloads byte-identical across runs. */
export const DEFAULT_REFERENCE_TIME = Date.UTC(2025, 5, 1, 12, 0, 0);

export interface GenerateOptions {
  seed: number | string;
  shopDomain: string;
  /** Deep-merged into `payload` after generation; arrays replace; the value "$delete" (or undefined) removes a key. */
  overrides?: Record<string, unknown>;
  /** "admin" (`lines`, `nextBillingDateEpoch`+`nextBillingDate`) or "doc" (`lineItems`, `nextOrderDate`); default: chosen by the seed. */
  spelling?: PayloadSpelling | "auto";
  /** order/paymentFailed only: which retry-info shape (or "none"); default: chosen by the seed. */
  retryInfo?: RetryInfoStyle | "auto";
  /** order/paymentFailed only: force the retry stage. retriesLeft = maxRetries - retriesDone. */
  retryState?: { retriesDone: number; maxRetries: number };
  /** Add `customerPortalLink` (assumed field name); default: chosen by the seed (about half the payloads). */
  portalLink?: boolean;
  /** Use this persona (sandbox/loop/personas.ts key) instead of a seed-chosen one. */
  persona?: string;
  /** Order payloads: include `subscriptionId`/`subscriptionShopifyId` (unconfirmed for real webhooks). Default true. */
  orderSubscriptionRef?: boolean;
  /** Reference time (ms, ISO string or Date). Default DEFAULT_REFERENCE_TIME. */
  now?: number | string | Date;
}

export type LoopPayload = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------------------
// Catalog (multiple products, prices in USD cents; other currencies via fixed demo rates)
// ---------------------------------------------------------------------------------------------------------

interface Product {
  productShopifyId: number;
  variantShopifyId: number;
  productTitle: string;
  variantTitle: string;
  sku: string;
  priceUsdCents: number;
  image: string;
}

const CATALOG: readonly Product[] = [
  { productShopifyId: 8100000001, variantShopifyId: 45100000011, productTitle: "Daily Greens Powder", variantTitle: "30 servings", sku: "DGP-30", priceUsdCents: 4900, image: "daily-greens.png" },
  { productShopifyId: 8100000001, variantShopifyId: 45100000012, productTitle: "Daily Greens Powder", variantTitle: "60 servings", sku: "DGP-60", priceUsdCents: 8900, image: "daily-greens.png" },
  { productShopifyId: 8100000002, variantShopifyId: 45100000021, productTitle: "Cold Brew Coffee Pods", variantTitle: "12-pack / Medium roast", sku: "CBP-12-MED", priceUsdCents: 1899, image: "cold-brew.png" },
  { productShopifyId: 8100000003, variantShopifyId: 45100000031, productTitle: "Vitamin D3 Gummies", variantTitle: "Default Title", sku: "VD3-GUM", priceUsdCents: 2400, image: "vitamin-d3.png" },
  { productShopifyId: 8100000004, variantShopifyId: 45100000041, productTitle: "Organic Oat Protein", variantTitle: "Vanilla / 1 kg", sku: "OOP-VAN-1KG", priceUsdCents: 3950, image: "oat-protein.png" },
  { productShopifyId: 8100000005, variantShopifyId: 45100000051, productTitle: "Bamboo Razor Refills", variantTitle: "8 blades", sku: "BRR-8", priceUsdCents: 1200, image: "razor-refills.png" },
  { productShopifyId: 8100000006, variantShopifyId: 45100000061, productTitle: "Lavender Body Wash", variantTitle: "500 ml", sku: "LBW-500", priceUsdCents: 1650, image: "body-wash.png" },
  { productShopifyId: 8100000007, variantShopifyId: 45100000071, productTitle: "Dog Dental Chews", variantTitle: "Medium / 30 count", sku: "DDC-M-30", priceUsdCents: 2799, image: "dental-chews.png" },
  { productShopifyId: 8100000008, variantShopifyId: 45100000081, productTitle: "Matcha Starter Kit", variantTitle: "Ceremonial grade", sku: "MSK-CER", priceUsdCents: 5400, image: "matcha.png" },
];

const SELLING_PLANS = [
  { sellingPlanShopifyId: 690000001, sellingPlanName: "Deliver every month, save 10%", discountPct: 10 },
  { sellingPlanShopifyId: 690000002, sellingPlanName: "Deliver every 2 months, save 15%", discountPct: 15 },
  { sellingPlanShopifyId: 690000003, sellingPlanName: "Subscribe & save 5%", discountPct: 5 },
  { sellingPlanShopifyId: 690000004, sellingPlanName: "Subscription", discountPct: 0 },
] as const;

/** Fixed demo exchange rates (USD → currency). Not real rates; only for plausible-looking amounts. */
const RATES: Record<Currency, number> = { USD: 1, CAD: 1.36, GBP: 0.79, EUR: 0.92, AUD: 1.52 };
const SHIPPING_CENTS: Record<Currency, number[]> = {
  USD: [0, 499, 599], CAD: [0, 799], GBP: [0, 395], EUR: [0, 490], AUD: [0, 995],
};
/** Tax rates (percent) per currency for plausible totals; 0 = tax-inclusive pricing. */
const TAX_PCT: Record<Currency, number[]> = { USD: [0, 6, 8.875], CAD: [13, 5], GBP: [0], EUR: [0], AUD: [0] };

const CANCELLATION_REASONS = [
  "I have too much product",
  "It's too expensive",
  "I want to try a different product",
  "I'm moving",
  "Shipping takes too long",
  "Other",
];
const CANCELLATION_COMMENTS = [null, "Will come back after the summer", "Found a cheaper option locally", "Too many pouches in the cupboard"];
const FLOW_NAMES = [
  "Cancellation save: offer a skip",
  "Win-back: 20% off to reactivate",
  "Welcome series for new subscribers",
  "Upsell: add a free sample",
  "Dunning: update payment method reminder",
];
const PAYMENT_ERRORS = [
  { code: "CARD_DECLINED", message: "Your card was declined." },
  { code: "INSUFFICIENT_FUNDS", message: "Your card has insufficient funds." },
  { code: "EXPIRED_PAYMENT_METHOD", message: "Your card has expired." },
  { code: "AUTHENTICATION_ERROR", message: "The card issuer requires authentication." },
];
const CARD_BRANDS = ["visa", "mastercard", "american_express", "discover"];

// ---------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------

const DAY = 86_400_000;
const money = (cents: number): string => (Math.round(cents) / 100).toFixed(2);
const iso = (ms: number): string => new Date(ms).toISOString();
const epochS = (ms: number): number => Math.floor(ms / 1000);

function toMs(now: GenerateOptions["now"]): number {
  if (now === undefined) return DEFAULT_REFERENCE_TIME;
  const ms = now instanceof Date ? now.getTime() : typeof now === "string" ? Date.parse(now) : now;
  if (!Number.isFinite(ms)) throw new Error(`invalid reference time: ${String(now)}`);
  return Math.floor(ms / 1000) * 1000; // whole seconds keep epoch and ISO fields consistent
}

interface Line {
  id: number;
  productTitle: string;
  variantTitle: string;
  name: string;
  sku: string;
  quantity: number;
  price: string;
  discountedPrice: string;
  productShopifyId: number;
  variantShopifyId: number;
  sellingPlanShopifyId: number;
  sellingPlanName: string;
  variantImage: string;
  isOneTime: boolean;
  priceCents: number;
  discountedCents: number;
}

function buildLines(prng: Prng, currency: Currency, count: number): Line[] {
  const products = prng.shuffle(CATALOG).slice(0, count);
  const plan = prng.pick(SELLING_PLANS);
  return products.map((p) => {
    const priceCents = Math.round(p.priceUsdCents * RATES[currency]);
    const discountedCents = Math.round((priceCents * (100 - plan.discountPct)) / 100);
    return {
      id: prng.int(30_000_000, 39_999_999),
      productTitle: p.productTitle,
      variantTitle: p.variantTitle,
      name: p.variantTitle === "Default Title" ? p.productTitle : `${p.productTitle} - ${p.variantTitle}`,
      sku: p.sku,
      quantity: prng.weighted([[1, 6], [2, 3], [3, 1]] as const),
      price: money(priceCents),
      discountedPrice: money(discountedCents),
      productShopifyId: p.productShopifyId,
      variantShopifyId: p.variantShopifyId,
      sellingPlanShopifyId: plan.sellingPlanShopifyId,
      sellingPlanName: plan.sellingPlanName,
      variantImage: `https://cdn.shopify.com/s/files/1/0000/0001/products/${p.image}`,
      isOneTime: false,
      priceCents,
      discountedCents,
    };
  });
}

/** The wire form of a line (drops the internal cent fields). */
function wireLine(l: Line, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const { priceCents: _p, discountedCents: _d, ...rest } = l;
  return { ...rest, ...extra };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Deep merge for overrides: objects merge, everything else (arrays included) replaces; "$delete"/undefined removes. */
export function deepMerge(target: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined || value === "$delete") delete out[key];
    else if (isPlainObject(value) && isPlainObject(out[key])) out[key] = deepMerge(out[key] as Record<string, unknown>, value);
    else out[key] = structuredClone(value);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Generator
// ---------------------------------------------------------------------------------------------------------

/** All seed-driven choices, drawn up front in a fixed order so forcing one option does not shift the rest. */
interface Draw {
  prng: Prng;
  persona: Persona;
  spelling: PayloadSpelling;
  retryInfo: RetryInfoStyle;
  portalLink: boolean;
  phoneAbsentAsNull: boolean;
  now: number;
  shopDomain: string;
}

function customerObject(d: Draw): Record<string, unknown> {
  const p = d.persona;
  const customer: Record<string, unknown> = {
    id: p.loopCustomerId,
    shopifyId: p.shopifyCustomerId,
    email: p.email,
    firstName: p.firstName,
    lastName: p.lastName,
  };
  // customer.phone is seen only in third-party client code → sometimes null, sometimes absent.
  if (p.phone) customer.phone = p.phone;
  else if (d.phoneAbsentAsNull) customer.phone = null;
  return customer;
}

function shippingAddress(d: Draw): Record<string, unknown> {
  const p = d.persona;
  return {
    firstName: p.firstName,
    lastName: p.lastName,
    address1: p.address.address1,
    address2: p.address.address2,
    city: p.address.city,
    zip: p.address.zip,
    provinceCode: p.address.provinceCode,
    countryCode: p.address.countryCode,
    phone: p.shippingPhone,
  };
}

function portalLink(d: Draw): Record<string, unknown> {
  if (!d.portalLink) return {};
  return { [PORTAL_LINK_FIELD]: portalLinkUrl(d.shopDomain, d.persona.loopCustomerId, d.prng.hex(40)) };
}

interface SubscriptionCore {
  id: number;
  shopifyId: number;
  status: string;
  lines: Line[];
  currencyCode: Currency;
  nextBillingMs: number | null;
}

function subscriptionPayload(topic: KnownLoopTopic, d: Draw): { payload: LoopPayload; core: SubscriptionCore } {
  const { prng, persona, now } = d;
  const currency = persona.currency;
  const id = prng.int(1_000_000, 9_999_999);
  const shopifyId = prng.int(10_000_000_000, 99_999_999_999);
  const lines = buildLines(prng, currency, prng.weighted([[1, 5], [2, 3], [3, 2]] as const));
  const interval = prng.weighted([["MONTH", 6], ["WEEK", 3], ["DAY", 1]] as const);
  const intervalCount = interval === "MONTH" ? prng.pick([1, 2, 3]) : interval === "WEEK" ? prng.pick([2, 4, 6, 8]) : prng.pick([30, 45, 60]);
  const isPrepaid = prng.chance(0.15);
  const maxCycles = prng.chance(0.3) ? prng.pick([3, 6, 12]) : null;
  const eventMs = now - prng.int(5, 3_600) * 1000;
  const createdMs = topic === "subscription/created" ? eventMs : eventMs - prng.int(20, 500) * DAY;
  const completed = topic === "subscription/created" ? 1 : topic === "subscription/expired" ? (maxCycles ?? 12) : prng.int(1, 24);
  const deliveryCents = prng.pick(SHIPPING_CENTS[currency]);
  const cancelReason = prng.pick(CANCELLATION_REASONS);
  const cancelComment = prng.pick(CANCELLATION_COMMENTS);
  const pausedDaysAgo = prng.int(0, 2);
  const discounts = prng.chance(0.25) ? [{ title: "WELCOME10", code: "WELCOME10", value: "10.0", valueType: "PERCENTAGE" }] : [];
  const customAttributes = prng.pick([
    [],
    [{ key: "_source", value: "loop_checkout" }],
    [{ key: "gift", value: "false" }, { key: "referral", value: "instagram" }],
  ]);
  const paymentMethodId = prng.int(70_000_000, 79_999_999);
  const nextInDays = prng.int(1, 30);

  const status =
    topic === "subscription/paused" ? "PAUSED"
      : topic === "subscription/cancelled" ? "CANCELLED"
        : topic === "subscription/expired" ? "EXPIRED"
          : topic === "subscription/updated" && prng.chance(0.2) ? "PAUSED"
            : "ACTIVE";
  const nextBillingMs = status === "CANCELLED" || status === "EXPIRED" ? null : eventMs + nextInDays * DAY;
  const totalLineCents = lines.reduce((s, l) => s + l.priceCents * l.quantity, 0);
  const totalDiscountedCents = lines.reduce((s, l) => s + l.discountedCents * l.quantity, 0);

  const nextDateFields: Record<string, unknown> =
    d.spelling === "admin"
      ? { nextBillingDateEpoch: nextBillingMs === null ? null : epochS(nextBillingMs), nextBillingDate: nextBillingMs === null ? null : iso(nextBillingMs) }
      : { nextOrderDate: nextBillingMs === null ? null : iso(nextBillingMs) };
  const wireLines = lines.map((l) => wireLine(l));

  const payload: LoopPayload = {
    id,
    shopifyId,
    status,
    createdAt: iso(createdMs),
    updatedAt: iso(eventMs),
    pausedAt: status === "PAUSED" ? iso(eventMs - pausedDaysAgo * DAY) : null,
    cancelledAt: status === "CANCELLED" ? iso(eventMs) : null,
    cancellationReason: status === "CANCELLED" ? cancelReason : null,
    cancellationComment: status === "CANCELLED" ? cancelComment : null,
    currencyCode: currency,
    ...nextDateFields,
    nextDeliveryDate: nextBillingMs === null ? null : iso(nextBillingMs + 2 * DAY),
    billingPolicy: { interval, intervalCount: isPrepaid ? intervalCount * 3 : intervalCount, minCycles: null, maxCycles },
    deliveryPolicy: { interval, intervalCount },
    isPrepaid,
    completedOrdersCount: completed,
    lastPaymentStatus: topic === "subscription/cancelled" && prng.chance(0.3) ? "FAILED" : "SUCCESS",
    totalLineItemPrice: money(totalLineCents),
    totalLineItemDiscountedPrice: money(totalDiscountedCents),
    deliveryPrice: money(deliveryCents),
    customer: customerObject(d),
    shippingAddress: shippingAddress(d),
    [d.spelling === "admin" ? "lines" : "lineItems"]: wireLines,
    discounts,
    customAttributes,
    customerPaymentMethodId: paymentMethodId,
    ...portalLink(d),
  };
  return { payload, core: { id, shopifyId, status, lines, currencyCode: currency, nextBillingMs } };
}

const ORDER_STATUS: Partial<Record<KnownLoopTopic, string>> = {
  // Assumed: Loop's order status values are not documented; these are plausible upper-case enums.
  "order/upcoming": "SCHEDULED",
  "order/processed": "SUCCESS",
  "order/partiallyProcessed": "PARTIALLY_SUCCESS",
  "order/outOfStock": "OUT_OF_STOCK",
  "order/skipped": "SKIPPED",
  "order/paymentFailed": "FAILED",
};

function orderPayload(topic: KnownLoopTopic, d: Draw, options: GenerateOptions): LoopPayload {
  const { prng, persona, now } = d;
  const sub = subscriptionPayload("subscription/updated", d).core; // the subscription the order belongs to
  const currency = persona.currency;
  const id = prng.int(20_000_000, 29_999_999);
  const placed = topic === "order/processed" || topic === "order/partiallyProcessed";
  const shopifyOrderId = prng.int(5_000_000_000_000, 5_999_999_999_999);
  const orderNumber = prng.int(1001, 9999);
  const shippingCents = prng.pick(SHIPPING_CENTS[currency]);
  const taxPct = prng.pick(TAX_PCT[currency]);
  const eventMs = now - prng.int(1, 900) * 1000;
  const upcomingLeadDays = 3; // Loop's default: order/upcoming 3 days before billing
  const billingMs =
    topic === "order/upcoming" ? eventMs + upcomingLeadDays * DAY
      : topic === "order/skipped" ? eventMs + prng.int(1, 20) * DAY
        : eventMs;
  const oosIndex = prng.int(0, sub.lines.length - 1);
  const error = prng.pick(PAYMENT_ERRORS);
  const maxRetries = options.retryState?.maxRetries ?? prng.pick([2, 3, 4]);
  const retriesDone = options.retryState?.retriesDone ?? prng.int(0, maxRetries);
  const daysBetweenRetries = prng.pick([1, 2, 3]);

  const lines = sub.lines.map((l, i) => {
    const outOfStock = (topic === "order/partiallyProcessed" || topic === "order/outOfStock") && i === oosIndex;
    return wireLine(l, {
      currentQuantity: outOfStock ? 0 : l.quantity,
      ...(topic === "order/partiallyProcessed" || topic === "order/outOfStock" ? { isOutOfStock: outOfStock } : {}),
    });
  });
  const billedLines = sub.lines.filter((_, i) => !(topic === "order/partiallyProcessed" && i === oosIndex));
  const lineCents = billedLines.reduce((s, l) => s + l.priceCents * l.quantity, 0);
  const discountedCents = billedLines.reduce((s, l) => s + l.discountedCents * l.quantity, 0);
  const taxCents = Math.round((discountedCents * taxPct) / 100);
  const totalCents = discountedCents + shippingCents + taxCents;

  const retryFields = (): Record<string, unknown> => {
    if (topic !== "order/paymentFailed") return {};
    const nextRetryMs = retriesDone < maxRetries ? eventMs + daysBetweenRetries * DAY : null;
    const info: Record<string, unknown> =
      d.retryInfo === "paymentRetryCount" ? { paymentRetryCount: retriesDone, maxRetries }
        : d.retryInfo === "attemptCount" ? { attemptCount: retriesDone + 1, maxAttempts: maxRetries + 1 }
          : d.retryInfo === "billingAttempt" ? { billingAttempt: { retryCount: retriesDone, maxRetries, nextRetryAtEpoch: nextRetryMs === null ? null : epochS(nextRetryMs) } }
            : {};
    return { billingAttemptErrorCode: error.code, billingAttemptErrorMessage: error.message, ...info };
  };

  const subscriptionRef = options.orderSubscriptionRef === false ? {} : { subscriptionId: sub.id, subscriptionShopifyId: sub.shopifyId };

  return {
    id,
    shopifyId: placed ? shopifyOrderId : null,
    shopifyOrderNumber: placed ? orderNumber : null,
    status: ORDER_STATUS[topic],
    financialStatus: placed ? "PAID" : topic === "order/paymentFailed" ? "PENDING" : null,
    fulfillmentStatus: placed ? "UNFULFILLED" : null,
    billingDateEpoch: epochS(billingMs),
    currencyCode: currency,
    totalPrice: money(totalCents),
    totalPriceUsd: money(totalCents / RATES[currency]),
    totalTax: money(taxCents),
    totalDiscount: money(lineCents - discountedCents),
    totalLineItemsPrice: money(lineCents),
    totalShippingPrice: money(shippingCents),
    isCheckoutOrder: false,
    orderType: "RECURRING",
    updatedAt: iso(eventMs),
    ...subscriptionRef,
    customer: customerObject(d),
    shippingAddress: shippingAddress(d),
    lines,
    ...retryFields(),
    ...portalLink(d),
  };
}

function paymentMethodPayload(d: Draw): LoopPayload {
  const { prng, now } = d;
  const sub = subscriptionPayload("subscription/updated", d).core;
  const daysUntilExpiry = prng.pick([30, 15, 3]); // Loop sends notices 30, 15 and 3 days before expiry
  const expiry = new Date(now + daysUntilExpiry * DAY);
  const brand = prng.pick(CARD_BRANDS);
  const last4 = String(prng.int(0, 9999)).padStart(4, "0");
  return {
    id: prng.int(70_000_000, 79_999_999),
    shopifyId: `gid://shopify/CustomerPaymentMethod/${prng.hex(32)}`,
    type: "CREDIT_CARD",
    brand,
    last4,
    expiryMonth: expiry.getUTCMonth() + 1,
    expiryYear: expiry.getUTCFullYear(),
    daysUntilExpiry,
    customer: customerObject(d),
    subscriptions: [{ id: sub.id, shopifyId: sub.shopifyId, status: "ACTIVE" }],
    ...portalLink(d),
  };
}

function flowPayload(d: Draw): LoopPayload {
  const { prng } = d;
  const sub = subscriptionPayload("subscription/updated", d).core;
  return {
    id: prng.int(100_000, 999_999),
    name: prng.pick(FLOW_NAMES),
    subscription: { id: sub.id, status: sub.status },
  };
}

/** The envelope Loop would POST for `topic`. Deterministic in (topic, seed, options). */
export function generatePayload(topic: KnownLoopTopic, options: GenerateOptions): LoopWebhookEnvelope<LoopPayload> {
  if (!options.shopDomain) throw new Error("generatePayload: shopDomain is required");
  const prng = createPrng(hashSeed("loop-payload", topic, options.seed));
  // Draw every choice first, in a fixed order, whether or not an option forces it.
  const drawnPersona = prng.pick(PERSONAS);
  const drawnSpelling: PayloadSpelling = prng.chance(0.5) ? "admin" : "doc";
  const drawnRetryInfo = prng.pick(RETRY_INFO_STYLES);
  const drawnPortal = prng.chance(0.5);
  const phoneAbsentAsNull = prng.chance(0.5);

  const persona = options.persona ? personaByKey(options.persona) : drawnPersona;
  if (!persona) throw new Error(`unknown persona "${options.persona}"`);
  const d: Draw = {
    prng,
    persona,
    spelling: options.spelling && options.spelling !== "auto" ? options.spelling : drawnSpelling,
    retryInfo: options.retryInfo && options.retryInfo !== "auto" ? options.retryInfo : drawnRetryInfo,
    portalLink: options.portalLink ?? drawnPortal,
    phoneAbsentAsNull,
    now: toMs(options.now),
    shopDomain: options.shopDomain,
  };

  const entity = topicEntity(topic);
  let payload: LoopPayload =
    entity === "subscription" ? subscriptionPayload(topic, d).payload
      : entity === "order" ? orderPayload(topic, d, options)
        : entity === "paymentMethod" ? paymentMethodPayload(d)
          : flowPayload(d);
  if (options.overrides) payload = deepMerge(payload, options.overrides);
  return { payload, metaData: { myshopifyDomain: options.shopDomain } };
}

/** The exact bytes a sender would POST (compact JSON). */
export function serializeEnvelope(envelope: LoopWebhookEnvelope<unknown>): string {
  return JSON.stringify(envelope);
}
