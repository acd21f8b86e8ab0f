import { describe, expect, it } from "vitest";
import { z } from "zod";
import { generatePayload, serializeEnvelope } from "./payloads";
import { CONSUMED_TOPICS, type LoopTopic } from "../../app/loop/protocol";
import { topicEntity } from "./topics";

const SHOP = "demo-shop.myshopify.com";
const SEEDS = Array.from({ length: 60 }, (_, i) => i);

const money = z.string().regex(/^\d+\.\d{2}$/);
const isoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)) && s.endsWith("Z"), "ISO date");
const customer = z.object({
  id: z.number().int(),
  shopifyId: z.number().int(),
  email: z.string().email(),
  firstName: z.string(),
  lastName: z.string(),
  phone: z.string().regex(/^\+\d{8,15}$/).nullable().optional(),
});
const line = z.object({
  productTitle: z.string(),
  variantTitle: z.string(),
  sku: z.string(),
  quantity: z.number().int().positive(),
  price: money,
  discountedPrice: money,
  productShopifyId: z.number().int(),
  variantShopifyId: z.number().int(),
  sellingPlanShopifyId: z.number().int(),
});
const currency = z.enum(["USD", "CAD", "GBP", "EUR", "AUD"]);
const subscription = z
  .object({
    id: z.number().int(),
    shopifyId: z.number().int(),
    status: z.enum(["ACTIVE", "PAUSED", "CANCELLED", "EXPIRED"]),
    createdAt: isoDate,
    updatedAt: isoDate,
    pausedAt: isoDate.nullable(),
    cancelledAt: isoDate.nullable(),
    cancellationReason: z.string().nullable(),
    cancellationComment: z.string().nullable(),
    currencyCode: currency,
    billingPolicy: z.object({ interval: z.enum(["DAY", "WEEK", "MONTH"]), intervalCount: z.number().int().positive() }),
    deliveryPolicy: z.object({ interval: z.string(), intervalCount: z.number().int() }),
    isPrepaid: z.boolean(),
    completedOrdersCount: z.number().int(),
    lastPaymentStatus: z.string(),
    totalLineItemDiscountedPrice: money,
    customer,
    shippingAddress: z.object({ address1: z.string(), city: z.string(), zip: z.string(), countryCode: z.string().length(2), phone: z.string().nullable() }),
    customAttributes: z.array(z.object({ key: z.string(), value: z.string() })),
  })
  .and(
    z.union([
      z.object({ lines: z.array(line).min(1), nextBillingDateEpoch: z.number().int().nullable(), nextBillingDate: isoDate.nullable() }),
      z.object({ lineItems: z.array(line).min(1), nextOrderDate: isoDate.nullable() }),
    ]),
  );
const order = z.object({
  id: z.number().int(),
  shopifyId: z.number().int().nullable(),
  shopifyOrderNumber: z.number().int().nullable(),
  status: z.string(),
  financialStatus: z.string().nullable(),
  fulfillmentStatus: z.string().nullable(),
  billingDateEpoch: z.number().int(),
  currencyCode: currency,
  totalPrice: money,
  totalTax: money,
  totalDiscount: money,
  totalShippingPrice: money,
  subscriptionId: z.number().int(),
  customer,
  lines: z.array(line).min(1),
});
const paymentMethod = z.object({
  id: z.number().int(),
  brand: z.string(),
  last4: z.string().regex(/^\d{4}$/),
  expiryMonth: z.number().int().min(1).max(12),
  expiryYear: z.number().int().min(2000),
  customer,
});
const flow = z.object({ id: z.number().int(), name: z.string(), subscription: z.object({ id: z.number().int(), status: z.string() }) }).strict();
const envelope = z.object({ payload: z.record(z.unknown()), metaData: z.object({ myshopifyDomain: z.literal(SHOP) }).strict() }).strict();

const schemaFor = (topic: LoopTopic) => ({ subscription, order, paymentMethod, flow })[topicEntity(topic)];
const gen = (topic: LoopTopic, seed: number | string, extra: Record<string, unknown> = {}) => generatePayload(topic, { seed, shopDomain: SHOP, ...extra });

describe("generatePayload", () => {
  it("is deterministic: same seed gives byte-identical JSON, another seed differs", () => {
    for (const topic of CONSUMED_TOPICS) {
      const a = serializeEnvelope(gen(topic, 42));
      const b = serializeEnvelope(gen(topic, 42));
      expect(a).toBe(b);
      expect(serializeEnvelope(gen(topic, 43))).not.toBe(a);
      expect(serializeEnvelope(gen(topic, "42"))).toBe(a); // the seed's string form is what counts
    }
  });

  it("produces a valid envelope and entity for every topic across many seeds", () => {
    for (const topic of CONSUMED_TOPICS) {
      for (const seed of SEEDS.slice(0, 20)) {
        const env = gen(topic, seed);
        envelope.parse(env);
        const parsed = schemaFor(topic).safeParse(env.payload);
        expect(parsed.success, `${topic} seed ${seed}: ${parsed.success ? "" : parsed.error.message}`).toBe(true);
      }
    }
  });

  it("sets the status that matches the topic", () => {
    const status = (t: LoopTopic) => (gen(t, 5).payload as { status: string }).status;
    expect(status("subscription/paused")).toBe("PAUSED");
    expect(status("subscription/cancelled")).toBe("CANCELLED");
    expect(status("subscription/expired")).toBe("EXPIRED");
    expect(status("subscription/resumed")).toBe("ACTIVE");
    expect((gen("subscription/cancelled", 5).payload as { cancellationReason: string | null }).cancellationReason).toBeTruthy();
    expect((gen("order/processed", 5).payload as { shopifyId: number | null }).shopifyId).toBeTypeOf("number");
    expect((gen("order/upcoming", 5).payload as { shopifyId: number | null }).shopifyId).toBeNull();
  });

  it("produces both field spellings (seed-chosen) and can force either", () => {
    const spellings = new Set(SEEDS.map((s) => ("lines" in gen("subscription/created", s).payload ? "admin" : "doc")));
    expect(spellings).toEqual(new Set(["admin", "doc"]));

    const admin = gen("subscription/updated", 9, { spelling: "admin" }).payload;
    const doc = gen("subscription/updated", 9, { spelling: "doc" }).payload;
    expect(admin).toHaveProperty("lines");
    expect(admin).not.toHaveProperty("lineItems");
    expect(admin).not.toHaveProperty("nextOrderDate");
    expect(doc).toHaveProperty("lineItems");
    expect(doc).not.toHaveProperty("lines");
    expect(doc).not.toHaveProperty("nextBillingDateEpoch");
    // Same entity, different spelling; epoch and ISO agree.
    expect(doc.id).toBe(admin.id);
    if (admin.nextBillingDate) {
      expect(doc.nextOrderDate).toBe(admin.nextBillingDate);
      expect((admin.nextBillingDateEpoch as number) * 1000).toBe(Date.parse(admin.nextBillingDate as string));
    }
  });

  it("varies customers: with and without phone, several currencies", () => {
    const payloads = SEEDS.map((s) => gen("order/processed", s).payload as z.infer<typeof order>);
    expect(new Set(payloads.map((p) => p.currencyCode))).toEqual(new Set(["USD", "CAD", "GBP", "EUR", "AUD"]));
    expect(payloads.some((p) => typeof p.customer.phone === "string")).toBe(true);
    expect(payloads.some((p) => !p.customer.phone)).toBe(true);
    expect(payloads.some((p) => !("phone" in p.customer))).toBe(true);
    expect(new Set(payloads.flatMap((p) => p.lines.map((l) => l.sku))).size).toBeGreaterThan(4);
  });

  it("order/paymentFailed: each retry-info style, and payloads without it", () => {
    const retryState = { retriesDone: 2, maxRetries: 3 };
    const p = (retryInfo: string) => gen("order/paymentFailed", 3, { retryInfo, retryState }).payload as Record<string, unknown>;
    expect(p("paymentRetryCount")).toMatchObject({ paymentRetryCount: 2, maxRetries: 3 });
    expect(p("attemptCount")).toMatchObject({ attemptCount: 3, maxAttempts: 4 });
    expect(p("billingAttempt").billingAttempt).toMatchObject({ retryCount: 2, maxRetries: 3 });
    const none = p("none");
    for (const key of ["paymentRetryCount", "attemptCount", "maxRetries", "maxAttempts", "billingAttempt"]) expect(none).not.toHaveProperty(key);
    expect(none.billingAttemptErrorCode).toBeTypeOf("string");
    // Seed-chosen: all four styles show up.
    const styles = new Set(
      SEEDS.map((s) => {
        const x = gen("order/paymentFailed", s).payload;
        return "paymentRetryCount" in x ? "a" : "attemptCount" in x ? "b" : "billingAttempt" in x ? "c" : "none";
      }),
    );
    expect(styles.size).toBe(4);
  });

  it("paymentMethod/expiringSoon and flow/completed carry their documented fields", () => {
    const pm = gen("paymentMethod/expiringSoon", 1).payload as Record<string, unknown>;
    expect([30, 15, 3]).toContain(pm.daysUntilExpiry);
    const fl = gen("flow/completed", 1).payload;
    expect(Object.keys(fl).sort()).toEqual(["id", "name", "subscription"]);
  });

  it("adds the customer portal link by seed or option", () => {
    const withLink = SEEDS.filter((s) => "customerPortalLink" in gen("subscription/created", s).payload).length;
    expect(withLink).toBeGreaterThan(0);
    expect(withLink).toBeLessThan(SEEDS.length);
    const forced = gen("order/upcoming", 1, { portalLink: true }).payload;
    expect(forced.customerPortalLink).toMatch(/^https:\/\/demo-shop\.myshopify\.com\/a\/loop_subscriptions\/customer\/\d+\?sessionToken=[0-9a-f]+$/);
    expect(gen("order/upcoming", 1, { portalLink: false }).payload).not.toHaveProperty("customerPortalLink");
  });

  it("applies overrides as a deep merge ('$delete' removes a key) and honours persona/now", () => {
    const env = gen("subscription/created", 1, {
      persona: "mason",
      now: "2030-01-01T00:00:00Z",
      overrides: { status: "PAUSED", customer: { email: "x@example.com", lastName: "$delete" }, customAttributes: [] },
    });
    const p = env.payload as { status: string; customer: Record<string, unknown>; customAttributes: unknown[]; updatedAt: string };
    expect(p.status).toBe("PAUSED");
    expect(p.customer.email).toBe("x@example.com");
    expect(p.customer).not.toHaveProperty("lastName");
    expect(p.customer.firstName).toBe("Mason");
    expect(p.customAttributes).toEqual([]);
    expect(p.updatedAt.startsWith("2029-12-31")).toBe(true);
    expect(() => gen("subscription/created", 1, { persona: "nobody" })).toThrow(/unknown persona/);
  });
});
