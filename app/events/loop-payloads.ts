// Loop webhook bodies → one normalised, typed shape. Pure: no I/O, never throws.
//
// What is known about the bodies (docs/protocols.md, Loop payload fields: "documented" by Loop, "observed" in
// third-party code, or "assumed"):
// - envelope `{ payload: {…entity…}, metaData: { myshopifyDomain } }` — documented example, observed in a real handler.
//   Event id and topic travel in headers, not in the body, so the caller passes the topic.
// - the entity in `payload` is very likely the Admin API object (assumed): subscription fields `id`, `shopifyId`,
//   `status`, `cancellationReason`, `currencyCode`, `nextBillingDateEpoch` (unix s) + `nextBillingDate` (ISO),
//   `lines[]`, `customer{id, shopifyId, email, firstName, lastName, phone?}`, `shippingAddress{…, countryCode,
//   phone}` (observed); order fields `id`, `shopifyId`, `shopifyOrderNumber`, `billingDateEpoch`, `currencyCode`,
//   `totalPrice`, `totalTax`, `totalDiscount`, `totalLineItemsPrice`, `totalShippingPrice`, `subscriptionId`,
//   `lines[]` (observed).
// - Loop's own webhook doc example spells them differently: `lineItems[]` and `nextOrderDate` (ISO) (documented).
//   Which spelling real deliveries use is unverified, so BOTH are accepted everywhere (and `lineItems` lines that
//   only carry `sku`/`price`/`quantity`, as in that example, still produce a title: the SKU).
// - flow/completed: `{ id, name, subscription: { id, status } }` (documented) — no customer at all.
// - order/paymentFailed retry counters, paymentMethod/expiringSoon card fields and the customer portal link field
//   are undocumented. Accepted spellings: the generator's variants (sandbox/loop/payloads.ts:
//   `paymentRetryCount`+`maxRetries`, `attemptCount`+`maxAttempts`, `billingAttempt{retryCount, maxRetries,
//   nextRetryAtEpoch}`) plus a few obvious alternatives (`retriesLeft`/`remainingRetries`, `retryCount`,
//   Shopify-style card `lastDigits`, a nested `instrument`/`paymentInstrument`/`card` object, `customerPortalUrl`).
//   Unknown extra fields are always tolerated (passthrough).
// - ids are numbers in every sample; they are accepted as numbers or strings and normalised to strings.
//   Money is a decimal string in every sample ("5.39"); numbers are accepted too. Dates: ISO strings or epoch
//   seconds / milliseconds (a value above 10^11 is taken as milliseconds).
//
// Failures are reported as human-readable issues ("payload.customer.email: must be text (got a number)"); they are
// shown to merchants and support as "invalid payload", so they name the field and say what was wrong.
import { z } from "zod";
import { isKnownTopic } from "../loop/protocol";

// ---------------------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------------------

export type LoopEntity = "subscription" | "order" | "paymentMethod" | "flow";

export interface NormalizedCustomer {
  /** Loop's customer id. */
  id: string | null;
  /** Shopify customer id (numeric part; a `gid://shopify/Customer/…` is reduced to its number). */
  shopifyId: string | null;
  /** As sent (trimmed); identifiers are normalised by the mapping. */
  email: string | null;
  phone: string | null;
  firstName: string | null;
  lastName: string | null;
}

export interface NormalizedLine {
  /** productTitle ?? title ?? name ?? sku ?? "Item". */
  title: string;
  variantTitle: string | null;
  sku: string | null;
  quantity: number;
  /** Unit price before the subscription discount. */
  price: number | null;
  /** Unit price after the subscription discount (falls back to `price`). */
  discountedPrice: number | null;
  /** True when Loop marks the line out of stock (`isOutOfStock`, or `currentQuantity` 0 while `quantity` > 0). */
  outOfStock: boolean;
}

export interface NormalizedTotals {
  /** Order: totalPrice. */
  total: number | null;
  /** Order: totalLineItemsPrice (line items before discounts). Subscription: totalLineItemPrice. */
  lineItems: number | null;
  /** Subscription: totalLineItemDiscountedPrice (or computed from the lines). Order: lineItems − discount. */
  lineItemsDiscounted: number | null;
  discount: number | null;
  shipping: number | null;
  tax: number | null;
}

export interface NormalizedSubscription {
  id: string;
  shopifyId: string | null;
  /** Upper-case Loop status (ACTIVE, PAUSED, CANCELLED, EXPIRED, …) or null. */
  status: string | null;
  createdAt: Date | null;
  isPrepaid: boolean | null;
  billingInterval: string | null;
  billingIntervalCount: number | null;
  completedOrdersCount: number | null;
}

export interface NormalizedOrder {
  id: string;
  shopifyId: string | null;
  /** Shopify order number (shopifyOrderNumber / orderNumber / name without '#'). */
  orderNumber: string | null;
  status: string | null;
  /** When the order is (or was) billed: billingDateEpoch / billingDate / orderDate. */
  billingDate: Date | null;
}

/** Raw retry counters from order/paymentFailed (all undocumented; see classifyPaymentFailure in mapping.ts). */
export interface PaymentRetryInfo {
  /** Retries already made before this failure (paymentRetryCount / retryCount / billingAttempt.retryCount). */
  retriesDone: number | null;
  /** Retries allowed in total (maxRetries / billingAttempt.maxRetries). */
  maxRetries: number | null;
  /** 1-based number of this attempt, the first charge included (attemptCount / attemptNumber). */
  attemptNumber: number | null;
  /** Attempts allowed in total, the first charge included (maxAttempts). */
  maxAttempts: number | null;
  /** Retries still to come (retriesLeft / remainingRetries). */
  retriesLeft: number | null;
  nextRetryAt: Date | null;
  errorCode: string | null;
  errorMessage: string | null;
}

export interface NormalizedCard {
  paymentMethodId: string | null;
  /** As sent, lower-case (visa, mastercard, american_express…). */
  brand: string | null;
  last4: string | null;
  expiryMonth: number | null;
  expiryYear: number | null;
  /** Last moment the card is valid: the end of its expiry month (UTC), or an explicit expiry date when sent. */
  expiresAt: Date | null;
  daysUntilExpiry: number | null;
}

export interface NormalizedLoopEvent {
  topic: string;
  entity: LoopEntity;
  shopDomain: string | null;
  /** The Loop subscription the event is about (subscription id / order.subscriptionId / flow.subscription.id /
   *  the payment method's first subscription). Used for per-subscription ordering. */
  subscriptionId: string | null;
  subscriptionShopifyId: string | null;
  subscriptionStatus: string | null;
  subscription: NormalizedSubscription | null;
  order: NormalizedOrder | null;
  card: NormalizedCard | null;
  flow: { id: string | null; name: string | null } | null;
  customer: NormalizedCustomer;
  /** shippingAddress.phone (fallback identifier) and countryCode (default region for national numbers). */
  shippingPhone: string | null;
  countryCode: string | null;
  lines: NormalizedLine[];
  currency: string | null;
  /** The subscription's next order date (nextBillingDateEpoch → nextBillingDate → nextOrderDate). */
  nextOrderDate: Date | null;
  totals: NormalizedTotals;
  cancellation: { reason: string | null; comment: string | null } | null;
  paymentRetry: PaymentRetryInfo | null;
  /** Customer portal link when Loop sends one (field name customerPortalLink assumed, protocol.ts PORTAL_LINK_FIELD). */
  portalLink: string | null;
  /** Number of subscriptions a payment method serves (paymentMethod topics), else null. */
  subscriptionCount: number | null;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; issues: string[] };

// ---------------------------------------------------------------------------------------------------------
// Tolerant scalar schemas (each reports its own readable message)
// ---------------------------------------------------------------------------------------------------------

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  if (typeof v === "string") return `"${v.length > 40 ? `${v.slice(0, 40)}…` : v}"`;
  if (typeof v === "number") return `the number ${v}`;
  return `${typeof v === "boolean" ? "the boolean " : ""}${String(v)}`;
}

const absent = (v: unknown): v is null | undefined => v === null || v === undefined;

/** An id: number or non-empty string → string. A `gid://shopify/X/123` is kept whole (see shopifyId for numbers). */
const optId = z.unknown().transform((v, ctx): string | null => {
  if (absent(v) || v === "") return null;
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  if (typeof v === "string") return v.trim() === "" ? null : v.trim();
  ctx.addIssue({ code: "custom", message: `must be an id (text or number), got ${describe(v)}` });
  return z.NEVER;
});

const reqId = z.unknown().transform((v, ctx): string => {
  if (absent(v) || v === "") {
    ctx.addIssue({ code: "custom", message: "is required (the Loop id of the record)" });
    return z.NEVER;
  }
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  if (typeof v === "string" && v.trim() !== "") return v.trim();
  ctx.addIssue({ code: "custom", message: `must be an id (text or number), got ${describe(v)}` });
  return z.NEVER;
});

const optString = z.unknown().transform((v, ctx): string | null => {
  if (absent(v)) return null;
  if (typeof v === "string") return v.trim() === "" ? null : v.trim();
  // Numbers are accepted where text is expected (e.g. a numeric SKU or last4 sent as a number).
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  ctx.addIssue({ code: "custom", message: `must be text, got ${describe(v)}` });
  return z.NEVER;
});

const optMoney = z.unknown().transform((v, ctx): number | null => {
  if (absent(v) || v === "") return null;
  const n = typeof v === "number" ? v : typeof v === "string" && /^\s*-?\d+(\.\d+)?\s*$/.test(v) ? Number(v) : NaN;
  if (Number.isFinite(n)) return n;
  ctx.addIssue({ code: "custom", message: `must be an amount such as "12.50", got ${describe(v)}` });
  return z.NEVER;
});

const optInt = z.unknown().transform((v, ctx): number | null => {
  if (absent(v) || v === "") return null;
  const n = typeof v === "number" ? v : typeof v === "string" && /^\s*-?\d+\s*$/.test(v) ? Number(v) : NaN;
  if (Number.isInteger(n)) return n;
  ctx.addIssue({ code: "custom", message: `must be a whole number, got ${describe(v)}` });
  return z.NEVER;
});

const optBool = z.unknown().transform((v, ctx): boolean | null => {
  if (absent(v)) return null;
  if (typeof v === "boolean") return v;
  if (v === "true" || v === "false") return v === "true";
  ctx.addIssue({ code: "custom", message: `must be true or false, got ${describe(v)}` });
  return z.NEVER;
});

/** Epoch above this is milliseconds, below is seconds (10^11 s is the year 5138; 10^11 ms is 1973). */
const EPOCH_MS_THRESHOLD = 1e11;

/** ISO date(time) string, or epoch seconds/milliseconds (number or numeric string) → Date. */
const optDate = z.unknown().transform((v, ctx): Date | null => {
  if (absent(v) || v === "") return null;
  let ms = NaN;
  if (typeof v === "number" || (typeof v === "string" && /^\s*\d+(\.\d+)?\s*$/.test(v))) {
    const n = Number(v);
    ms = n >= EPOCH_MS_THRESHOLD ? n : n * 1000;
  } else if (typeof v === "string") {
    ms = Date.parse(v);
  }
  if (Number.isFinite(ms)) return new Date(Math.round(ms));
  ctx.addIssue({ code: "custom", message: `must be a date (ISO 8601 text or epoch seconds), got ${describe(v)}` });
  return z.NEVER;
});

// ---------------------------------------------------------------------------------------------------------
// Entity schemas (every object passthrough: unknown fields are tolerated)
// ---------------------------------------------------------------------------------------------------------

const customerSchema = z
  .object({
    id: optId,
    shopifyId: optId,
    shopifyCustomerId: optId,
    email: optString,
    phone: optString,
    phoneNumber: optString,
    firstName: optString,
    lastName: optString,
  })
  .passthrough();

const addressSchema = z.object({ countryCode: optString, country_code: optString, phone: optString }).passthrough();

const lineSchema = z
  .object({
    productTitle: optString,
    title: optString,
    name: optString,
    variantTitle: optString,
    sku: optString,
    quantity: optInt,
    currentQuantity: optInt,
    price: optMoney,
    discountedPrice: optMoney,
    isOutOfStock: optBool,
  })
  .passthrough();

const portalFields = { customerPortalLink: optString, customerPortalUrl: optString, portalLink: optString };

const subscriptionSchema = z
  .object({
    id: reqId,
    shopifyId: optId,
    status: optString,
    createdAt: optDate,
    cancellationReason: optString,
    cancellationComment: optString,
    currencyCode: optString,
    nextBillingDateEpoch: optDate,
    nextBillingDate: optDate,
    nextOrderDate: optDate,
    billingPolicy: z.object({ interval: optString, intervalCount: optInt }).passthrough().nullish(),
    isPrepaid: optBool,
    completedOrdersCount: optInt,
    totalLineItemPrice: optMoney,
    totalLineItemDiscountedPrice: optMoney,
    deliveryPrice: optMoney,
    customer: customerSchema.nullish(),
    shippingAddress: addressSchema.nullish(),
    billingAddress: addressSchema.nullish(),
    lines: z.array(lineSchema).nullish(),
    lineItems: z.array(lineSchema).nullish(),
    ...portalFields,
  })
  .passthrough();

// order/paymentFailed retry information: undocumented, so every name a generator variant uses is read, on the
// order itself or inside its billingAttempt.
const retryFields = {
  retryCount: optInt,
  maxRetries: optInt,
  attemptCount: optInt,
  attemptNumber: optInt,
  maxAttempts: optInt,
  retriesLeft: optInt,
  remainingRetries: optInt,
  nextRetryAtEpoch: optDate,
  nextRetryAt: optDate,
  errorCode: optString,
  errorMessage: optString,
};

const billingAttemptSchema = z.object(retryFields).passthrough();

const orderSchema = z
  .object({
    id: reqId,
    shopifyId: optId,
    shopifyOrderNumber: optId,
    orderNumber: optId,
    name: optString,
    status: optString,
    billingDateEpoch: optDate,
    billingDate: optDate,
    orderDate: optDate,
    currencyCode: optString,
    totalPrice: optMoney,
    totalTax: optMoney,
    totalDiscount: optMoney,
    totalLineItemsPrice: optMoney,
    totalShippingPrice: optMoney,
    subscriptionId: optId,
    subscriptionShopifyId: optId,
    subscription: z.object({ id: optId, shopifyId: optId, status: optString }).passthrough().nullish(),
    customer: customerSchema.nullish(),
    shippingAddress: addressSchema.nullish(),
    billingAddress: addressSchema.nullish(),
    lines: z.array(lineSchema).nullish(),
    lineItems: z.array(lineSchema).nullish(),
    ...retryFields,
    paymentRetryCount: optInt,
    nextRetryDate: optDate,
    billingAttempt: billingAttemptSchema.nullish(),
    billingAttemptErrorCode: optString,
    billingAttemptErrorMessage: optString,
    ...portalFields,
  })
  .passthrough();

const cardFields = {
  brand: optString,
  last4: optString,
  lastDigits: optString,
  expiryMonth: optInt,
  expiryYear: optInt,
  expiresAt: optDate,
};
const paymentMethodSchema = z
  .object({
    id: optId,
    ...cardFields,
    instrument: z.object(cardFields).passthrough().nullish(),
    paymentInstrument: z.object(cardFields).passthrough().nullish(),
    card: z.object(cardFields).passthrough().nullish(),
    daysUntilExpiry: optInt,
    customer: customerSchema.nullish(),
    shippingAddress: addressSchema.nullish(),
    billingAddress: addressSchema.nullish(),
    subscriptions: z.array(z.object({ id: optId, shopifyId: optId, status: optString }).passthrough()).nullish(),
    subscriptionId: optId,
    ...portalFields,
  })
  .passthrough();

const flowSchema = z
  .object({
    id: optId,
    name: optString,
    subscription: z.object({ id: optId, shopifyId: optId, status: optString }).passthrough().nullish(),
    subscriptionId: optId,
    customer: customerSchema.nullish(),
    ...portalFields,
  })
  .passthrough();

/** The schema of each entity's payload: what the app reads, also the reference for unused-field detection
 *  (unused-fields.ts), so a spelling added here stops being reported as unused. */
export const PAYLOAD_SCHEMAS: Record<LoopEntity, z.ZodTypeAny> = {
  subscription: subscriptionSchema,
  order: orderSchema,
  paymentMethod: paymentMethodSchema,
  flow: flowSchema,
};

const envelopeSchema = z
  .object({
    payload: z.record(z.unknown()),
    metaData: z.object({ myshopifyDomain: optString }).passthrough().nullish(),
  })
  .passthrough();

// ---------------------------------------------------------------------------------------------------------
// Issues
// ---------------------------------------------------------------------------------------------------------

function pathText(path: (string | number)[]): string {
  let out = "";
  for (const part of path) out += typeof part === "number" ? `[${part}]` : out === "" ? part : `.${part}`;
  return out === "" ? "body" : out;
}

const TYPE_NAMES: Record<string, string> = {
  object: "an object",
  array: "a list",
  string: "text",
  number: "a number",
  boolean: "true or false",
  undefined: "missing",
  null: "null",
};

function formatIssues(error: z.ZodError, prefix: (string | number)[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const issue of error.issues) {
    const where = pathText([...prefix, ...issue.path]);
    let text: string;
    if (issue.code === "invalid_type") {
      text =
        issue.received === "undefined"
          ? `${where}: is required`
          : `${where}: must be ${TYPE_NAMES[issue.expected] ?? issue.expected}, got ${TYPE_NAMES[issue.received] ?? issue.received}`;
    } else {
      text = `${where}: ${issue.message}`;
    }
    if (!seen.has(text)) {
      seen.add(text);
      out.push(text);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Normalisation helpers
// ---------------------------------------------------------------------------------------------------------

type Customer = z.output<typeof customerSchema>;
type Address = z.output<typeof addressSchema>;
type Line = z.output<typeof lineSchema>;

const first = <T>(...values: (T | null | undefined)[]): T | null => {
  for (const v of values) if (v !== null && v !== undefined) return v;
  return null;
};

/** `gid://shopify/Customer/7400000001` → "7400000001"; plain ids unchanged. */
function shopifyNumericId(id: string | null): string | null {
  if (id === null) return null;
  const m = /^gid:\/\/shopify\/[A-Za-z]+\/(\d+)/.exec(id);
  return m ? m[1] : id;
}

function upper(v: string | null): string | null {
  return v === null ? null : v.toUpperCase();
}

function normalizeCustomer(c: Customer | null | undefined): NormalizedCustomer {
  return {
    id: c?.id ?? null,
    shopifyId: shopifyNumericId(first(c?.shopifyId, c?.shopifyCustomerId)),
    email: c?.email ?? null,
    phone: first(c?.phone, c?.phoneNumber),
    firstName: c?.firstName ?? null,
    lastName: c?.lastName ?? null,
  };
}

function normalizeLines(lines: Line[] | null | undefined, lineItems: Line[] | null | undefined): NormalizedLine[] {
  // Both spellings are read; if a payload carries both, `lines` (Admin API) wins.
  const raw = lines && lines.length > 0 ? lines : (lineItems ?? lines ?? []);
  return raw.map((l) => {
    const quantity = l.quantity ?? 1;
    return {
      title: first(l.productTitle, l.title, l.name, l.sku) ?? "Item",
      variantTitle: l.variantTitle && l.variantTitle !== "Default Title" ? l.variantTitle : null,
      sku: l.sku,
      quantity,
      price: l.price,
      discountedPrice: first(l.discountedPrice, l.price),
      outOfStock: l.isOutOfStock === true || (l.currentQuantity !== null && l.currentQuantity === 0 && quantity > 0),
    };
  });
}

function sumLines(lines: NormalizedLine[], pick: (l: NormalizedLine) => number | null): number | null {
  let total = 0;
  for (const l of lines) {
    const unit = pick(l);
    if (unit === null) return null;
    total += unit * l.quantity;
  }
  return lines.length === 0 ? null : Math.round(total * 100) / 100;
}

function addressInfo(...addresses: (Address | null | undefined)[]): { phone: string | null; countryCode: string | null } {
  return {
    phone: first(...addresses.map((a) => a?.phone)),
    countryCode: upper(first(...addresses.map((a) => first(a?.countryCode, a?.country_code)))),
  };
}

const portal = (p: { customerPortalLink: string | null; customerPortalUrl: string | null; portalLink: string | null }) =>
  first(p.customerPortalLink, p.customerPortalUrl, p.portalLink);

const emptyTotals = (): NormalizedTotals => ({ total: null, lineItems: null, lineItemsDiscounted: null, discount: null, shipping: null, tax: null });

/** End of the expiry month in UTC (a card is valid through the last day of its month). */
export function cardExpiryEnd(month: number, year: number): Date | null {
  if (!Number.isInteger(month) || month < 1 || month > 12 || !Number.isInteger(year)) return null;
  const fullYear = year < 100 ? 2000 + year : year;
  return new Date(Date.UTC(fullYear, month, 1) - 1);
}

// ---------------------------------------------------------------------------------------------------------
// Per-entity normalisers
// ---------------------------------------------------------------------------------------------------------

function base(topic: string, entity: LoopEntity, shopDomain: string | null): NormalizedLoopEvent {
  return {
    topic,
    entity,
    shopDomain,
    subscriptionId: null,
    subscriptionShopifyId: null,
    subscriptionStatus: null,
    subscription: null,
    order: null,
    card: null,
    flow: null,
    customer: normalizeCustomer(null),
    shippingPhone: null,
    countryCode: null,
    lines: [],
    currency: null,
    nextOrderDate: null,
    totals: emptyTotals(),
    cancellation: null,
    paymentRetry: null,
    portalLink: null,
    subscriptionCount: null,
  };
}

function fromSubscription(out: NormalizedLoopEvent, s: z.output<typeof subscriptionSchema>): void {
  const status = upper(s.status);
  out.subscriptionId = s.id;
  out.subscriptionShopifyId = shopifyNumericId(s.shopifyId);
  out.subscriptionStatus = status;
  out.subscription = {
    id: s.id,
    shopifyId: out.subscriptionShopifyId,
    status,
    createdAt: s.createdAt,
    isPrepaid: s.isPrepaid,
    billingInterval: s.billingPolicy?.interval ? s.billingPolicy.interval.toLowerCase() : null,
    billingIntervalCount: s.billingPolicy?.intervalCount ?? null,
    completedOrdersCount: s.completedOrdersCount,
  };
  out.customer = normalizeCustomer(s.customer);
  const addr = addressInfo(s.shippingAddress, s.billingAddress);
  out.shippingPhone = addr.phone;
  out.countryCode = addr.countryCode;
  out.lines = normalizeLines(s.lines, s.lineItems);
  out.currency = upper(s.currencyCode);
  // Admin spelling first (epoch is unambiguous), then its ISO twin, then the doc example's nextOrderDate.
  out.nextOrderDate = first(s.nextBillingDateEpoch, s.nextBillingDate, s.nextOrderDate);
  out.totals = {
    ...emptyTotals(),
    lineItems: first(s.totalLineItemPrice, sumLines(out.lines, (l) => l.price)),
    lineItemsDiscounted: first(s.totalLineItemDiscountedPrice, sumLines(out.lines, (l) => l.discountedPrice)),
    shipping: s.deliveryPrice,
  };
  if (s.cancellationReason !== null || s.cancellationComment !== null || status === "CANCELLED") {
    out.cancellation = { reason: s.cancellationReason, comment: s.cancellationComment };
  }
  out.portalLink = portal(s);
}

function fromOrder(out: NormalizedLoopEvent, o: z.output<typeof orderSchema>): void {
  out.order = {
    id: o.id,
    shopifyId: shopifyNumericId(o.shopifyId),
    orderNumber: first(o.shopifyOrderNumber, o.orderNumber, o.name ? o.name.replace(/^#/, "") : null),
    status: upper(o.status),
    billingDate: first(o.billingDateEpoch, o.billingDate, o.orderDate),
  };
  out.subscriptionId = first(o.subscriptionId, o.subscription?.id);
  out.subscriptionShopifyId = shopifyNumericId(first(o.subscriptionShopifyId, o.subscription?.shopifyId));
  out.subscriptionStatus = upper(o.subscription?.status ?? null);
  out.customer = normalizeCustomer(o.customer);
  const addr = addressInfo(o.shippingAddress, o.billingAddress);
  out.shippingPhone = addr.phone;
  out.countryCode = addr.countryCode;
  out.lines = normalizeLines(o.lines, o.lineItems);
  out.currency = upper(o.currencyCode);
  const lineItems = first(o.totalLineItemsPrice, sumLines(out.lines, (l) => l.price));
  out.totals = {
    total: o.totalPrice,
    lineItems,
    lineItemsDiscounted: lineItems !== null && o.totalDiscount !== null ? Math.round((lineItems - o.totalDiscount) * 100) / 100 : null,
    discount: o.totalDiscount,
    shipping: o.totalShippingPrice,
    tax: o.totalTax,
  };
  const ba = o.billingAttempt;
  const retry: PaymentRetryInfo = {
    retriesDone: first(o.paymentRetryCount, o.retryCount, ba?.retryCount),
    maxRetries: first(o.maxRetries, ba?.maxRetries),
    attemptNumber: first(o.attemptCount, o.attemptNumber, ba?.attemptCount, ba?.attemptNumber),
    maxAttempts: first(o.maxAttempts, ba?.maxAttempts),
    retriesLeft: first(o.retriesLeft, o.remainingRetries, ba?.retriesLeft, ba?.remainingRetries),
    nextRetryAt: first(o.nextRetryAtEpoch, o.nextRetryAt, o.nextRetryDate, ba?.nextRetryAtEpoch, ba?.nextRetryAt),
    errorCode: first(o.billingAttemptErrorCode, o.errorCode, ba?.errorCode),
    errorMessage: first(o.billingAttemptErrorMessage, o.errorMessage, ba?.errorMessage),
  };
  if (Object.values(retry).some((v) => v !== null)) out.paymentRetry = retry;
  out.portalLink = portal(o);
}

function fromPaymentMethod(out: NormalizedLoopEvent, p: z.output<typeof paymentMethodSchema>): void {
  const nested = first(p.instrument, p.paymentInstrument, p.card);
  const month = first(p.expiryMonth, nested?.expiryMonth);
  const year = first(p.expiryYear, nested?.expiryYear);
  const last4Raw = first(p.last4, p.lastDigits, nested?.last4, nested?.lastDigits);
  // A last4 sent as a number loses its leading zeros (42 → "0042").
  const last4 = last4Raw !== null && /^\d{1,4}$/.test(last4Raw) ? last4Raw.padStart(4, "0") : last4Raw;
  out.card = {
    paymentMethodId: p.id,
    brand: first(p.brand, nested?.brand)?.toLowerCase() ?? null,
    last4,
    expiryMonth: month,
    expiryYear: year,
    expiresAt: first(p.expiresAt, nested?.expiresAt, month !== null && year !== null ? cardExpiryEnd(month, year) : null),
    daysUntilExpiry: p.daysUntilExpiry,
  };
  const subs = p.subscriptions ?? [];
  out.subscriptionId = first(subs[0]?.id, p.subscriptionId);
  out.subscriptionShopifyId = shopifyNumericId(subs[0]?.shopifyId ?? null);
  out.subscriptionStatus = upper(subs[0]?.status ?? null);
  out.subscriptionCount = p.subscriptions ? subs.length : null;
  out.customer = normalizeCustomer(p.customer);
  const addr = addressInfo(p.shippingAddress, p.billingAddress);
  out.shippingPhone = addr.phone;
  out.countryCode = addr.countryCode;
  out.portalLink = portal(p);
}

function fromFlow(out: NormalizedLoopEvent, f: z.output<typeof flowSchema>): void {
  out.flow = { id: f.id, name: f.name };
  out.subscriptionId = first(f.subscription?.id, f.subscriptionId);
  out.subscriptionShopifyId = shopifyNumericId(f.subscription?.shopifyId ?? null);
  out.subscriptionStatus = upper(f.subscription?.status ?? null);
  out.customer = normalizeCustomer(f.customer);
  out.portalLink = portal(f);
}

// ---------------------------------------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------------------------------------

/** Which entity a topic's payload holds; null for topics we have no schema for (e.g. subscriptionCheckout/*). */
export function topicEntity(topic: string): LoopEntity | null {
  const prefix = topic.split("/")[0];
  if (prefix === "subscription" || prefix === "order" || prefix === "paymentMethod" || prefix === "flow") return prefix;
  return null;
}

export type EnvelopeResult = ParseResult<{ payload: Record<string, unknown>; shopDomain: string | null }>;

/** Checks the envelope `{ payload: {…}, metaData: { myshopifyDomain } }` (Loop's documented example). metaData is tolerated
 *  when missing (shopDomain null); the app identifies the shop by its own webhook address anyway. */
export function parseLoopEnvelope(body: unknown): EnvelopeResult {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return { ok: false, issues: [`body: must be an object {payload, metaData}, got ${describe(body)}`] };
  }
  if (!("payload" in body) || (body as { payload: unknown }).payload === undefined || (body as { payload: unknown }).payload === null) {
    return { ok: false, issues: ["payload: is required (Loop sends the record in {payload, metaData})"] };
  }
  const parsed = envelopeSchema.safeParse(body);
  if (!parsed.success) return { ok: false, issues: formatIssues(parsed.error, []) };
  return { ok: true, value: { payload: parsed.data.payload, shopDomain: parsed.data.metaData?.myshopifyDomain ?? null } };
}

/**
 * Parses a Loop webhook body for `topic` into one normalised shape. Never throws.
 * Unknown topics (not in Loop's documented list, app/loop/protocol.ts ALL_LOOP_TOPICS) and topics whose payload we
 * have no schema for are reported as issues.
 */
export function parseLoopWebhook(topic: string, body: unknown): ParseResult<NormalizedLoopEvent> {
  try {
    if (typeof topic !== "string" || !isKnownTopic(topic)) {
      return { ok: false, issues: [`topic: "${String(topic)}" is not a Loop webhook topic this app knows`] };
    }
    const entity = topicEntity(topic);
    if (entity === null) return { ok: false, issues: [`topic: "${topic}" has no payload schema in this app`] };
    const env = parseLoopEnvelope(body);
    if (!env.ok) return env;
    const out = base(topic, entity, env.value.shopDomain);
    const raw = env.value.payload;
    const prefix = ["payload"];
    if (entity === "subscription") {
      const r = subscriptionSchema.safeParse(raw);
      if (!r.success) return { ok: false, issues: formatIssues(r.error, prefix) };
      fromSubscription(out, r.data);
    } else if (entity === "order") {
      const r = orderSchema.safeParse(raw);
      if (!r.success) return { ok: false, issues: formatIssues(r.error, prefix) };
      fromOrder(out, r.data);
    } else if (entity === "paymentMethod") {
      const r = paymentMethodSchema.safeParse(raw);
      if (!r.success) return { ok: false, issues: formatIssues(r.error, prefix) };
      fromPaymentMethod(out, r.data);
    } else {
      const r = flowSchema.safeParse(raw);
      if (!r.success) return { ok: false, issues: formatIssues(r.error, prefix) };
      fromFlow(out, r.data);
    }
    return { ok: true, value: out };
  } catch (error) {
    // Defensive: the schemas do not throw, but a payload must never crash the worker.
    return { ok: false, issues: [`payload: could not be read (${error instanceof Error ? error.message : String(error)})`] };
  }
}
