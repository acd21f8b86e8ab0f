import { describe, expect, it } from "vitest";
import { CONSUMED_TOPICS } from "../loop/protocol";
import { envelope, SHOP } from "../../tests/support/loop-fixtures";
import { cardExpiryEnd, parseLoopEnvelope, parseLoopWebhook, type NormalizedLoopEvent } from "./loop-payloads";

function ok(topic: string, body: unknown): NormalizedLoopEvent {
  const r = parseLoopWebhook(topic, body);
  if (!r.ok) throw new Error(`expected ok, got ${r.issues.join("; ")}`);
  return r.value;
}
function issues(topic: string, body: unknown): string[] {
  const r = parseLoopWebhook(topic, body);
  if (r.ok) throw new Error("expected issues");
  return r.issues;
}
const wrap = (payload: unknown) => ({ payload, metaData: { myshopifyDomain: SHOP } });

describe("envelope", () => {
  it("reads {payload, metaData}", () => {
    const r = parseLoopEnvelope(wrap({ id: 1 }));
    expect(r).toEqual({ ok: true, value: { payload: { id: 1 }, shopDomain: SHOP } });
  });

  it("tolerates a missing metaData (shop unknown) and extra top-level fields", () => {
    expect(parseLoopEnvelope({ payload: { id: 1 }, somethingNew: true })).toEqual({ ok: true, value: { payload: { id: 1 }, shopDomain: null } });
  });

  it("reports a missing payload, a non-object body and a non-object payload readably", () => {
    expect(parseLoopEnvelope({ metaData: { myshopifyDomain: SHOP } })).toEqual({
      ok: false,
      issues: ["payload: is required (Loop sends the record in {payload, metaData})"],
    });
    expect(parseLoopEnvelope({ payload: null })).toMatchObject({ ok: false, issues: [expect.stringContaining("payload: is required")] });
    expect(parseLoopEnvelope(null)).toEqual({ ok: false, issues: ["body: must be an object {payload, metaData}, got null"] });
    expect(parseLoopEnvelope([1])).toEqual({ ok: false, issues: ["body: must be an object {payload, metaData}, got a list"] });
    expect(parseLoopEnvelope("hello")).toEqual({ ok: false, issues: ['body: must be an object {payload, metaData}, got "hello"'] });
    expect(parseLoopEnvelope({ payload: [1, 2] })).toEqual({ ok: false, issues: ["payload: must be an object, got a list"] });
    expect(parseLoopEnvelope({ payload: "x" })).toEqual({ ok: false, issues: ["payload: must be an object, got text"] });
    expect(parseLoopEnvelope({ payload: {}, metaData: "shop" })).toEqual({ ok: false, issues: ["metaData: must be an object, got text"] });
  });
});

describe("topics", () => {
  it("rejects a topic Loop does not document", () => {
    expect(issues("subscription/exploded", wrap({ id: 1 }))).toEqual(['topic: "subscription/exploded" is not a Loop webhook topic this app knows']);
    expect(issues("", wrap({ id: 1 }))).toEqual(['topic: "" is not a Loop webhook topic this app knows']);
  });

  it("has no schema for subscriptionCheckout topics", () => {
    expect(issues("subscriptionCheckout/success", wrap({ id: 1 }))).toEqual(['topic: "subscriptionCheckout/success" has no payload schema in this app']);
  });

  it("parses every generated payload of every consumed topic, seeds 0–49", () => {
    for (const topic of CONSUMED_TOPICS) {
      for (let seed = 0; seed < 50; seed++) {
        const r = parseLoopWebhook(topic, envelope(topic, { seed }));
        expect(r.ok, `${topic} seed ${seed}: ${r.ok ? "" : r.issues.join("; ")}`).toBe(true);
      }
    }
  });
});

describe("both field spellings", () => {
  for (const topic of ["subscription/created", "subscription/paused", "subscription/resumed", "subscription/reactivated"] as const) {
    it(`${topic}: lines + nextBillingDateEpoch/nextBillingDate and lineItems + nextOrderDate normalise to the same thing`, () => {
      const admin = envelope(topic, { seed: 7, spelling: "admin" });
      const doc = envelope(topic, { seed: 7, spelling: "doc" });
      expect(admin.payload).toHaveProperty("lines");
      expect(admin.payload).toHaveProperty("nextBillingDateEpoch");
      expect(admin.payload).not.toHaveProperty("lineItems");
      expect(doc.payload).toHaveProperty("lineItems");
      expect(doc.payload).toHaveProperty("nextOrderDate");
      expect(doc.payload).not.toHaveProperty("nextBillingDateEpoch");
      const a = ok(topic, admin);
      const d = ok(topic, doc);
      expect(a.lines.length).toBeGreaterThan(0);
      expect(d).toEqual(a);
      expect(a.nextOrderDate?.toISOString()).toBe((admin.payload as { nextBillingDate: string }).nextBillingDate);
    });
  }

  it("nextBillingDateEpoch (unix seconds) wins; nextBillingDate and nextOrderDate are fallbacks; epoch ms and numeric strings work", () => {
    const at = (payload: Record<string, unknown>) => ok("subscription/created", wrap({ id: 1, ...payload })).nextOrderDate?.toISOString();
    expect(at({ nextBillingDateEpoch: 1749467346, nextBillingDate: "2030-01-01T00:00:00Z", nextOrderDate: "2031-01-01T00:00:00Z" })).toBe(
      "2025-06-09T11:09:06.000Z",
    );
    expect(at({ nextBillingDateEpoch: null, nextBillingDate: "2025-06-09T11:09:06.000Z" })).toBe("2025-06-09T11:09:06.000Z");
    expect(at({ nextOrderDate: "2025-04-18T12:00:00.000Z" })).toBe("2025-04-18T12:00:00.000Z");
    expect(at({ nextBillingDateEpoch: 1749467346000 })).toBe("2025-06-09T11:09:06.000Z");
    expect(at({ nextBillingDateEpoch: "1749467346" })).toBe("2025-06-09T11:09:06.000Z");
    expect(at({})).toBeUndefined();
  });

  it("reads Loop's own webhook doc example (lineItems with only sku/price/quantity)", () => {
    // Loop's webhook documentation example, verbatim.
    const body = {
      payload: {
        id: 8888999,
        status: "ACTIVE",
        customer: { email: "customer@example.com", firstName: "John", lastName: "Smith" },
        lineItems: [{ sku: "SHO12345", price: "5.39", quantity: 1 }],
        nextOrderDate: "2025-04-18T12:00:00.000Z",
      },
      metaData: { myshopifyDomain: "customshop.myshopify.com" },
    };
    const n = ok("subscription/created", body);
    expect(n).toMatchObject({
      shopDomain: "customshop.myshopify.com",
      subscriptionId: "8888999",
      subscriptionStatus: "ACTIVE",
      customer: { id: null, shopifyId: null, email: "customer@example.com", phone: null, firstName: "John", lastName: "Smith" },
      lines: [{ title: "SHO12345", variantTitle: null, sku: "SHO12345", quantity: 1, price: 5.39, discountedPrice: 5.39, outOfStock: false }],
      nextOrderDate: new Date("2025-04-18T12:00:00.000Z"),
      totals: { lineItems: 5.39, lineItemsDiscounted: 5.39 },
    });
  });

  it("orders accept lineItems too, and a nested subscription {id} instead of subscriptionId", () => {
    const n = ok("order/processed", wrap({ id: 5, subscription: { id: 77, status: "active" }, lineItems: [{ title: "Tea", quantity: "2", price: 3 }] }));
    expect(n.subscriptionId).toBe("77");
    expect(n.subscriptionStatus).toBe("ACTIVE");
    expect(n.lines).toEqual([{ title: "Tea", variantTitle: null, sku: null, quantity: 2, price: 3, discountedPrice: 3, outOfStock: false }]);
  });
});

describe("tolerance", () => {
  it("passes unknown extra fields through without complaint", () => {
    const body = envelope("subscription/created", { overrides: { brandNewField: { nested: [1, 2] }, customer: { loyaltyTier: "gold" } } });
    expect(parseLoopWebhook("subscription/created", body).ok).toBe(true);
  });

  it("accepts ids as strings or numbers and reduces Shopify gids to their number", () => {
    const n = ok("subscription/created", wrap({ id: "abc-1", shopifyId: "gid://shopify/SubscriptionContract/123", customer: { shopifyId: "gid://shopify/Customer/7400000001" } }));
    expect(n.subscriptionId).toBe("abc-1");
    expect(n.subscriptionShopifyId).toBe("123");
    expect(n.customer.shopifyId).toBe("7400000001");
  });

  it("treats null and empty strings as absent", () => {
    const n = ok("subscription/created", wrap({ id: 1, customer: { email: "", phone: null, firstName: "  " }, cancellationReason: null, lines: null }));
    expect(n.customer).toEqual({ id: null, shopifyId: null, email: null, phone: null, firstName: null, lastName: null });
    expect(n.lines).toEqual([]);
    expect(n.cancellation).toBeNull();
  });

  it("drops Shopify's 'Default Title' variant and marks out-of-stock lines (isOutOfStock or currentQuantity 0)", () => {
    const n = ok(
      "order/outOfStock",
      wrap({
        id: 1,
        lines: [
          { productTitle: "A", variantTitle: "Default Title", quantity: 1, currentQuantity: 1 },
          { productTitle: "B", quantity: 2, currentQuantity: 0 },
          { productTitle: "C", quantity: 1, isOutOfStock: true },
        ],
      }),
    );
    expect(n.lines.map((l) => [l.title, l.variantTitle, l.outOfStock])).toEqual([
      ["A", null, false],
      ["B", null, true],
      ["C", null, true],
    ]);
  });

  it("reads the generator's out-of-stock lines", () => {
    const n = ok("order/outOfStock", envelope("order/outOfStock", { seed: 3 }));
    expect(n.lines.filter((l) => l.outOfStock)).toHaveLength(1);
  });

  it("reads card fields at the top level, nested (instrument/paymentInstrument/card) and Shopify's lastDigits", () => {
    const top = ok("paymentMethod/expiringSoon", wrap({ id: 9, brand: "VISA", last4: 42, expiryMonth: 2, expiryYear: 28 }));
    expect(top.card).toEqual({
      paymentMethodId: "9",
      brand: "visa",
      last4: "0042",
      expiryMonth: 2,
      expiryYear: 28,
      expiresAt: new Date("2028-02-29T23:59:59.999Z"),
      daysUntilExpiry: null,
    });
    for (const key of ["instrument", "paymentInstrument", "card"]) {
      const nested = ok("paymentMethod/expiringSoon", wrap({ [key]: { brand: "mastercard", lastDigits: "4444", expiryMonth: "12", expiryYear: "2025" } }));
      expect(nested.card).toMatchObject({ brand: "mastercard", last4: "4444", expiryMonth: 12, expiryYear: 2025, expiresAt: new Date("2025-12-31T23:59:59.999Z") });
    }
  });

  it("reads every retry-info style of the generator", () => {
    const retry = (retryInfo: "paymentRetryCount" | "attemptCount" | "billingAttempt" | "none") =>
      ok("order/paymentFailed", envelope("order/paymentFailed", { retryInfo, retryState: { retriesDone: 1, maxRetries: 3 } })).paymentRetry;
    expect(retry("paymentRetryCount")).toMatchObject({ retriesDone: 1, maxRetries: 3, attemptNumber: null, maxAttempts: null });
    expect(retry("attemptCount")).toMatchObject({ retriesDone: null, maxRetries: null, attemptNumber: 2, maxAttempts: 4 });
    expect(retry("billingAttempt")).toMatchObject({ retriesDone: 1, maxRetries: 3, nextRetryAt: expect.any(Date) });
    // "none": only the error code/message remain.
    expect(retry("none")).toMatchObject({ retriesDone: null, maxRetries: null, attemptNumber: null, maxAttempts: null, retriesLeft: null, errorCode: expect.any(String) });
  });

  it("reads retriesLeft / remainingRetries spellings", () => {
    expect(ok("order/paymentFailed", wrap({ id: 1, retriesLeft: 2 })).paymentRetry?.retriesLeft).toBe(2);
    expect(ok("order/paymentFailed", wrap({ id: 1, remainingRetries: "0" })).paymentRetry?.retriesLeft).toBe(0);
    expect(ok("order/paymentFailed", wrap({ id: 1, billingAttempt: { remainingRetries: 1 } })).paymentRetry?.retriesLeft).toBe(1);
  });

  it("reads flow/completed as documented ({id, name, subscription:{id, status}}), with no customer", () => {
    const n = ok("flow/completed", wrap({ id: 5, name: "Win-back", subscription: { id: 9, status: "ACTIVE" } }));
    expect(n).toMatchObject({ flow: { id: "5", name: "Win-back" }, subscriptionId: "9", subscriptionStatus: "ACTIVE", customer: { email: null, phone: null } });
  });

  it("takes customer phone aliases and the address country as the phone region", () => {
    const n = ok("subscription/created", wrap({ id: 1, customer: { phoneNumber: "555" }, shippingAddress: { country_code: "ca", phone: "416" } }));
    expect(n.customer.phone).toBe("555");
    expect(n.shippingPhone).toBe("416");
    expect(n.countryCode).toBe("CA");
  });
});

describe("invalid payloads produce readable issues", () => {
  it("names the field, what was expected and what came", () => {
    expect(
      issues(
        "subscription/created",
        wrap({
          id: true,
          customer: { email: { address: "a@b.co" } },
          lines: "two boxes",
          nextBillingDate: "tomorrow",
          totalLineItemDiscountedPrice: "12,50",
        }),
      ),
    ).toEqual([
      "payload.id: must be an id (text or number), got the boolean true",
      'payload.nextBillingDate: must be a date (ISO 8601 text or epoch seconds), got "tomorrow"',
      'payload.totalLineItemDiscountedPrice: must be an amount such as "12.50", got "12,50"',
      "payload.customer.email: must be text, got an object",
      "payload.lines: must be a list, got text",
    ]);
  });

  it("reports a missing id and bad nested values with their position", () => {
    expect(issues("order/processed", wrap({ lines: [{ quantity: 1 }, { quantity: "two" }], customer: "bob" }))).toEqual([
      "payload.id: is required (the Loop id of the record)",
      "payload.customer: must be an object, got text",
      'payload.lines[1].quantity: must be a whole number, got "two"',
    ]);
  });

  it("reports bad card and retry fields", () => {
    expect(issues("paymentMethod/expiringSoon", wrap({ expiryMonth: 1.5, subscriptions: {} }))).toEqual([
      "payload.expiryMonth: must be a whole number, got the number 1.5",
      "payload.subscriptions: must be a list, got an object",
    ]);
    expect(issues("order/paymentFailed", wrap({ id: 1, billingAttempt: { retryCount: [] } }))).toEqual([
      "payload.billingAttempt.retryCount: must be a whole number, got a list",
    ]);
  });

  it("never throws, whatever the body", () => {
    const bodies: unknown[] = [undefined, 0, "", [], {}, { payload: {} }, { payload: { id: {} } }, { payload: { id: 1, lines: [null] } }, { payload: { id: 1, customer: [] } }];
    for (const topic of [...CONSUMED_TOPICS, "nope", "subscriptionCheckout/failed"]) {
      for (const body of bodies) {
        const r = parseLoopWebhook(topic, body);
        if (!r.ok) {
          expect(r.issues.length).toBeGreaterThan(0);
          for (const i of r.issues) expect(i).toMatch(/^[a-zA-Z]+[\w.[\]]*: /);
        }
      }
    }
  });
});

describe("cardExpiryEnd", () => {
  it("is the last millisecond of the expiry month, UTC", () => {
    expect(cardExpiryEnd(12, 2025)?.toISOString()).toBe("2025-12-31T23:59:59.999Z");
    expect(cardExpiryEnd(2, 2024)?.toISOString()).toBe("2024-02-29T23:59:59.999Z");
    expect(cardExpiryEnd(7, 27)?.toISOString()).toBe("2027-07-31T23:59:59.999Z");
    expect(cardExpiryEnd(13, 2025)).toBeNull();
    expect(cardExpiryEnd(0, 2025)).toBeNull();
  });
});
