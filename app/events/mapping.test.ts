import { describe, expect, it } from "vitest";
import { validateCustomEvent } from "../postscript/protocol";
import { EVENT_TYPE_NAMES, EVENT_TYPES, STATE_LOOP_TOPICS, SUBSCRIBED_LOOP_TOPICS } from "./catalogue";
import { EVENT_TOPICS, OCCURRED_AT, SHOP, envelope, map, mapEvent } from "../../tests/support/loop-fixtures";
import {
  cardBrandName,
  customerActivationEvent,
  customerActivationMapped,
  externalIdFor,
  formatMoney,
  joinLimited,
  mapLoopWebhook,
  missingIdentifierReason,
  normalizeEmail,
  normalizePhone,
  STATE_ONLY_TOPICS,
  withIdentifiers,
  type MappedEvent,
} from "./mapping";

function expectValid(m: MappedEvent) {
  const v = validateCustomEvent(m.event);
  expect(v.ok, JSON.stringify(v)).toBe(true);
  for (const value of Object.values(m.event.properties ?? {})) expect(["string", "number", "boolean"]).toContain(typeof value);
}

// ---------------------------------------------------------------------------------------------------------
// The exact Postscript requests, one or more per group
// ---------------------------------------------------------------------------------------------------------

describe("exact Postscript requests", () => {
  it("subscription_created (Admin spelling, phone on the customer, portal link)", () => {
    const m = mapEvent("subscription/created", { seed: "created", persona: "ava", spelling: "admin", portalLink: true });
    expect(m.event).toEqual({
      type: "subscription_created",
      email: "ava.thompson@example.com",
      phone: "+12015550101",
      occurred_at: "2025-06-01 12:00:00.000",
      external_id: "loop:wh_1",
      properties: {
        subscription_id: "4141452",
        subscription_shopify_id: "77690260862",
        subscription_status: "ACTIVE",
        next_order_date: "2025-06-09",
        billing_interval: "day",
        billing_interval_count: 60,
        is_prepaid: false,
        completed_orders_count: 1,
        product_titles: "Lavender Body Wash, Matcha Starter Kit",
        first_product_title: "Lavender Body Wash",
        items_summary: "1 x Lavender Body Wash - 500 ml, 1 x Matcha Starter Kit - Ceremonial grade",
        total_quantity: 2,
        line_count: 2,
        currency: "USD",
        subscription_price: 70.5,
        subscription_price_formatted: "$70.50",
        shipping_price: 5.99,
        customer_first_name: "Ava",
        customer_last_name: "Thompson",
        loop_customer_id: "61000001",
        shopify_customer_id: "7400000001",
        customer_portal_link:
          "https://demo-shop.myshopify.com/a/loop_subscriptions/customer/61000001?sessionToken=be82dc59d3494bce41cb30b15cb97ef6154a017c",
      },
    });
    expect(m).toMatchObject({
      kind: "event",
      type: "subscription_created",
      subscriptionKey: "4141452",
      identifiers: { email: "ava.thompson@example.com", phone: "+12015550101" },
      needsCustomerLookup: false,
      shopifyCustomerId: "7400000001",
      loopCustomerId: "61000001",
      phoneCountry: "US",
      webhookId: "wh_1",
      occurredAt: OCCURRED_AT,
      warnings: [],
    });
    expect(m.facts).toEqual({
      topic: "subscription/created",
      occurredAt: "2025-06-01T12:00:00.000Z",
      subscriptionId: "4141452",
      subscriptionStatus: "ACTIVE",
      orderId: null,
      orderDate: null,
      nextOrderDate: "2025-06-09T11:09:06.000Z",
      paymentMethodId: null,
      card: null,
      cardExpiresAt: null,
      retriesLeft: null,
      retriesFrom: null,
      loopCustomerId: "61000001",
      shopifyCustomerId: "7400000001",
    });
    expectValid(m);
  });

  it("subscription_cancelled (doc spelling, no phone anywhere, cancellation reason)", () => {
    const m = mapEvent("subscription/cancelled", { seed: "cancelled", persona: "george", spelling: "doc", portalLink: false });
    expect(m.event).toEqual({
      type: "subscription_cancelled",
      email: "george.patel@example.com",
      occurred_at: "2025-06-01 12:00:00.000",
      external_id: "loop:wh_1",
      properties: {
        subscription_id: "7840410",
        subscription_shopify_id: "37931306979",
        subscription_status: "CANCELLED",
        billing_interval: "month",
        billing_interval_count: 1,
        is_prepaid: false,
        completed_orders_count: 11,
        cancellation_reason: "I have too much product",
        product_titles: "Organic Oat Protein",
        first_product_title: "Organic Oat Protein",
        items_summary: "2 x Organic Oat Protein - Vanilla / 1 kg",
        total_quantity: 2,
        line_count: 1,
        currency: "GBP",
        subscription_price: 53.06,
        subscription_price_formatted: "£53.06",
        shipping_price: 3.95,
        customer_first_name: "George",
        customer_last_name: "Patel",
        loop_customer_id: "61000006",
        shopify_customer_id: "7400000006",
      },
    });
    expect(m.identifiers).toEqual({ email: "george.patel@example.com" });
    expect(m.needsCustomerLookup).toBe(false);
    expectValid(m);
  });

  it("order_upcoming (CAD, phone only on the customer)", () => {
    const m = mapEvent("order/upcoming", { seed: "upcoming", persona: "olivia", portalLink: true });
    expect(m.event).toEqual({
      type: "order_upcoming",
      email: "olivia.chen@example.com",
      phone: "+14165550123",
      occurred_at: "2025-06-01 12:00:00.000",
      external_id: "loop:wh_1",
      properties: {
        order_id: "21083416",
        order_status: "SCHEDULED",
        order_date: "2025-06-04",
        subscription_id: "9015973",
        subscription_shopify_id: "88035929072",
        next_order_date: "2025-06-04",
        days_until_order: 3,
        product_titles: "Organic Oat Protein",
        first_product_title: "Organic Oat Protein",
        items_summary: "2 x Organic Oat Protein - Vanilla / 1 kg",
        total_quantity: 2,
        line_count: 1,
        currency: "CAD",
        total_price: 129.4,
        total_price_formatted: "CA$129.40",
        subtotal_price: 107.44,
        discount_amount: 0,
        shipping_price: 7.99,
        tax_price: 13.97,
        customer_first_name: "Olivia",
        customer_last_name: "Chen",
        loop_customer_id: "61000003",
        shopify_customer_id: "7400000003",
        customer_portal_link:
          "https://demo-shop.myshopify.com/a/loop_subscriptions/customer/61000003?sessionToken=719d24ff4310532e12f3503ef2005cf136887e07",
      },
    });
    expect(m.subscriptionKey).toBe("9015973");
    expect(m.facts).toMatchObject({ orderId: "21083416", orderDate: "2025-06-04T11:47:40.000Z", subscriptionId: "9015973" });
    expectValid(m);
  });

  it("order_processed (GBP; the UK drama-range phone is dropped with a warning, email kept)", () => {
    const m = mapEvent("order/processed", { seed: "processed", persona: "amelia", portalLink: false });
    expect(m.event).toEqual({
      type: "order_processed",
      email: "amelia.hughes@example.com",
      occurred_at: "2025-06-01 12:00:00.000",
      external_id: "loop:wh_1",
      properties: {
        order_id: "24936478",
        shopify_order_id: "5915573185076",
        order_number: "9804",
        order_status: "SUCCESS",
        order_date: "2025-06-01",
        subscription_id: "4482781",
        subscription_shopify_id: "86019085128",
        product_titles: "Organic Oat Protein",
        first_product_title: "Organic Oat Protein",
        items_summary: "2 x Organic Oat Protein - Vanilla / 1 kg",
        total_quantity: 2,
        line_count: 1,
        currency: "GBP",
        total_price: 56.18,
        total_price_formatted: "£56.18",
        subtotal_price: 62.42,
        discount_amount: 6.24,
        shipping_price: 0,
        tax_price: 0,
        customer_first_name: "Amelia",
        customer_last_name: "Hughes",
        loop_customer_id: "61000005",
        shopify_customer_id: "7400000005",
      },
    });
    expect(m.warnings).toEqual([
      'customer.phone "+447700900123" is not a valid phone number for GB and was not sent',
      'shippingAddress.phone "+447700900123" is not a valid phone number for GB and was not sent',
    ]);
    expectValid(m);
  });

  it("order_out_of_stock (phone only on the shipping address)", () => {
    const m = mapEvent("order/outOfStock", { seed: "oos", persona: "liam", portalLink: false });
    expect(m.event).toEqual({
      type: "order_out_of_stock",
      email: "liam.garcia@example.com",
      phone: "+13125550142",
      occurred_at: "2025-06-01 12:00:00.000",
      external_id: "loop:wh_1",
      properties: {
        order_id: "24566793",
        order_status: "OUT_OF_STOCK",
        order_date: "2025-06-01",
        subscription_id: "9090741",
        subscription_shopify_id: "27090655870",
        product_titles: "Bamboo Razor Refills, Cold Brew Coffee Pods",
        first_product_title: "Bamboo Razor Refills",
        items_summary: "1 x Bamboo Razor Refills - 8 blades, 1 x Cold Brew Coffee Pods - 12-pack / Medium roast",
        total_quantity: 2,
        line_count: 2,
        out_of_stock_product_titles: "Bamboo Razor Refills",
        out_of_stock_count: 1,
        currency: "USD",
        total_price: 29.44,
        total_price_formatted: "$29.44",
        subtotal_price: 30.99,
        discount_amount: 1.55,
        shipping_price: 0,
        tax_price: 0,
        customer_first_name: "Liam",
        customer_last_name: "Garcia",
        loop_customer_id: "61000002",
        shopify_customer_id: "7400000002",
      },
    });
    expectValid(m);
  });

  describe("the three payment failures (one topic, EUR)", () => {
    const order = {
      order_id: "23734898",
      order_status: "FAILED",
      order_date: "2025-06-01",
      subscription_id: "9282615",
      subscription_shopify_id: "92970413849",
    };
    const rest = {
      payment_error_code: "INSUFFICIENT_FUNDS",
      payment_error_message: "Your card has insufficient funds.",
      product_titles: "Matcha Starter Kit",
      first_product_title: "Matcha Starter Kit",
      items_summary: "2 x Matcha Starter Kit - Ceremonial grade",
      total_quantity: 2,
      line_count: 1,
      currency: "EUR",
      total_price: 94.32,
      total_price_formatted: "€94.32",
      subtotal_price: 99.36,
      discount_amount: 9.94,
      shipping_price: 4.9,
      tax_price: 0,
      customer_first_name: "Sophie",
      customer_last_name: "Müller",
      loop_customer_id: "61000007",
      shopify_customer_id: "7400000007",
    };
    const head = { email: "sophie.mueller@example.com", phone: "+4915200000123", occurred_at: "2025-06-01 12:00:00.000", external_id: "loop:wh_1" };
    const failed = (retriesDone: number) =>
      mapEvent("order/paymentFailed", { seed: "pf", persona: "sophie", retryInfo: "billingAttempt", retryState: { retriesDone, maxRetries: 3 }, portalLink: false });

    // The retry position decides the type; the next retry date is sent only while a retry is left.
    it.each([
      { retriesDone: 1, type: "payment_attempt_failed_with_retries_left", next: { next_retry_date: "2025-06-03" } },
      { retriesDone: 2, type: "payment_attempt_failed_last_retry_left", next: { next_retry_date: "2025-06-03" } },
      { retriesDone: 3, type: "payment_attempt_failed", next: {} },
    ])("$retriesDone of 3 retries made → $type", ({ retriesDone, type, next }) => {
      const m = failed(retriesDone);
      expect(m.event).toEqual({
        type,
        ...head,
        properties: { ...order, retries_left: 3 - retriesDone, retry_count: retriesDone, max_retries: 3, attempt_number: retriesDone + 1, ...next, ...rest },
      });
      expectValid(m);
    });
  });

  it("payment_method_expiring_soon (AUD customer, American Express)", () => {
    const m = mapEvent("paymentMethod/expiringSoon", { seed: "pm", persona: "chloe", portalLink: true });
    expect(m.event).toEqual({
      type: "payment_method_expiring_soon",
      email: "chloe.wilson@example.com",
      phone: "+61491570156",
      occurred_at: "2025-06-01 12:00:00.000",
      external_id: "loop:wh_1",
      properties: {
        payment_method_id: "76963805",
        card_brand: "American Express",
        card_last4: "4613",
        card_expiry_month: 6,
        card_expiry_year: 2025,
        card_expiry: "06/2025",
        card_expiry_date: "2025-06-30",
        days_until_expiry: 3,
        subscription_id: "6953550",
        subscription_count: 1,
        customer_first_name: "Chloe",
        customer_last_name: "Wilson",
        loop_customer_id: "61000009",
        shopify_customer_id: "7400000009",
        customer_portal_link:
          "https://demo-shop.myshopify.com/a/loop_subscriptions/customer/61000009?sessionToken=1e17be59d29793d8438656bd19d24e865f094979",
      },
    });
    expect(m.facts).toMatchObject({ paymentMethodId: "76963805", card: "american_express 4613", cardExpiresAt: "2025-06-30T23:59:59.999Z" });
    expectValid(m);
  });

  it("flow_completed (no customer in the payload → needs a lookup, keyed by subscription)", () => {
    const m = mapEvent("flow/completed", { seed: "flow" });
    expect(m.event).toEqual({
      type: "flow_completed",
      occurred_at: "2025-06-01 12:00:00.000",
      external_id: "loop:wh_1",
      properties: { flow_id: "424708", flow_name: "Welcome series for new subscribers", subscription_id: "4578647", subscription_status: "ACTIVE" },
    });
    expect(m).toMatchObject({ identifiers: {}, needsCustomerLookup: true, shopifyCustomerId: null, subscriptionKey: "4578647" });
    expectValid(m);
  });

  it("customer_activation (DISABLED account, activation URL)", () => {
    const created = mapEvent("subscription/created", { seed: "act", persona: "liam", portalLink: false, spelling: "doc" });
    const event = customerActivationEvent(created, {
      state: "DISABLED",
      accountActivationUrl: "https://demo-shop.myshopify.com/account/activate/7400000002/abc123",
    });
    expect(event).toEqual({
      type: "customer_activation",
      email: "liam.garcia@example.com",
      phone: "+13125550142",
      occurred_at: "2025-06-01 12:00:00.000",
      external_id: "loop:wh_1:customer_activation",
      properties: {
        account_activation_url: "https://demo-shop.myshopify.com/account/activate/7400000002/abc123",
        customer_account_state: "disabled",
        subscription_id: "6684254",
        subscription_shopify_id: "39301068878",
        subscription_status: "ACTIVE",
        next_order_date: "2025-06-14",
        billing_interval: "month",
        billing_interval_count: 2,
        is_prepaid: false,
        completed_orders_count: 1,
        product_titles: "Bamboo Razor Refills",
        first_product_title: "Bamboo Razor Refills",
        items_summary: "2 x Bamboo Razor Refills - 8 blades",
        total_quantity: 2,
        line_count: 1,
        currency: "USD",
        subscription_price: 22.8,
        subscription_price_formatted: "$22.80",
        shipping_price: 0,
        customer_first_name: "Liam",
        customer_last_name: "Garcia",
        loop_customer_id: "61000002",
        shopify_customer_id: "7400000002",
      },
    });
    expect(validateCustomEvent(event).ok).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Every type, many fixtures
// ---------------------------------------------------------------------------------------------------------

describe("every event type from generator fixtures", () => {
  const seen = new Set<string>();
  const SEEDS = Array.from({ length: 40 }, (_, i) => i);

  for (const topic of EVENT_TOPICS) {
    it(`${topic}: seeds 0–39 map to valid Postscript requests`, () => {
      for (const seed of SEEDS) {
        const m = mapEvent(topic, { seed }, { webhookId: `wh-${seed}` });
        seen.add(m.type);
        const def = EVENT_TYPES.find((e) => e.type === m.type);
        expect(def?.loopTopic).toBe(topic);
        expect(m.event.type).toBe(m.type);
        expect(m.event.occurred_at).toBe("2025-06-01 12:00:00.000");
        expect(m.event.external_id).toBe(`loop:wh-${seed}`);
        expectValid(m);
        if (topic !== "flow/completed") {
          expect(m.subscriptionKey).toMatch(/^\d+$/);
          // every generated customer has an email
          expect(m.identifiers.email).toMatch(/@example\.com$/);
        }
        if (m.identifiers.phone) expect(m.identifiers.phone).toMatch(/^\+[1-9]\d{6,14}$/);
        expect(m.event.email).toBe(m.identifiers.email);
        expect(m.event.phone).toBe(m.identifiers.phone);
      }
    });
  }

  it("covers all 17 types (customer_activation through customerActivationEvent)", () => {
    const created = mapEvent("subscription/created", { seed: 1 });
    const activation = customerActivationMapped(created, { state: "INVITED", accountActivationUrl: null });
    if (activation) seen.add(activation.type);
    expect([...seen].sort()).toEqual([...EVENT_TYPE_NAMES].sort());
  });

  it("both spellings produce the same request", () => {
    for (const topic of ["subscription/created", "subscription/paused", "subscription/resumed", "subscription/cancelled", "subscription/reactivated", "subscription/expired"] as const) {
      for (const seed of [1, 2, 3]) {
        const admin = mapEvent(topic, { seed, spelling: "admin" });
        const doc = mapEvent(topic, { seed, spelling: "doc" });
        expect(doc.event, `${topic} ${seed}`).toEqual(admin.event);
      }
    }
  });

  it("never sends a next order date for a cancelled or expired subscription", () => {
    for (const topic of ["subscription/cancelled", "subscription/expired"] as const) {
      const m = mapEvent(topic, { spelling: "admin", overrides: { nextBillingDateEpoch: 1749467346, nextBillingDate: "2025-06-09T11:09:06.000Z" } });
      expect(m.event.properties).not.toHaveProperty("next_order_date");
    }
    expect(mapEvent("subscription/paused", { spelling: "admin" }).event.properties).toHaveProperty("next_order_date");
  });

  it("sends the statuses Loop sends; implies one from the topic when the payload has none", () => {
    const m = mapEvent("subscription/paused", { overrides: { status: "$delete" } });
    expect(m.event.properties?.subscription_status).toBe("PAUSED");
    expect(m.facts.subscriptionStatus).toBe("PAUSED");
  });
});

// ---------------------------------------------------------------------------------------------------------
// Identifiers
// ---------------------------------------------------------------------------------------------------------

describe("identifiers", () => {
  it("phone from the customer, else from the shipping address", () => {
    expect(mapEvent("subscription/created", { persona: "ava" }).identifiers.phone).toBe("+12015550101");
    expect(mapEvent("subscription/created", { persona: "liam" }).identifiers.phone).toBe("+13125550142");
    expect(mapEvent("subscription/created", { persona: "noah" }).identifiers).toEqual({ email: "noah.martin@example.com" });
  });

  it("national numbers become E.164 with the address country as region", () => {
    const national = (phone: string, countryCode: string) =>
      mapEvent("subscription/created", { persona: "ava", overrides: { customer: { phone }, shippingAddress: { countryCode, phone: null } } }).identifiers.phone;
    expect(national("(201) 555-0101", "US")).toBe("+12015550101");
    expect(national("0491 570 156", "AU")).toBe("+61491570156");
    expect(national("07911 123456", "GB")).toBe("+447911123456");
    expect(national("06 12 34 56 78", "FR")).toBe("+33612345678");
    expect(national("015123456789", "de")).toBe("+4915123456789");
  });

  it("drops invalid numbers (warning) and falls back to the next source", () => {
    const m = mapEvent("subscription/created", { persona: "ava", overrides: { customer: { phone: "12345" }, shippingAddress: { phone: "+1 (312) 555-0142" } } });
    expect(m.identifiers.phone).toBe("+13125550142");
    expect(m.warnings).toEqual(['customer.phone "12345" is not a valid phone number for US and was not sent']);
    const none = mapEvent("subscription/created", { persona: "ava", overrides: { customer: { phone: "call me" }, shippingAddress: { phone: "000" } } });
    expect(none.identifiers).toEqual({ email: "ava.thompson@example.com" });
    expect(none.event).not.toHaveProperty("phone");
    expect(none.warnings).toHaveLength(2);
  });

  it("names the fields whose values were not usable (without the values), for the no-identifier reason", () => {
    const drama = mapEvent("order/processed", { persona: "amelia", overrides: { customer: { email: "$delete" } } });
    expect(drama.identifiers).toEqual({});
    expect(drama.needsCustomerLookup).toBe(true);
    expect(drama.unusableIdentifiers).toEqual([
      { kind: "phone", field: "customer.phone", country: "GB" },
      { kind: "phone", field: "shippingAddress.phone", country: "GB" },
    ]);
    expect(missingIdentifierReason(drama)).toBe(
      "No usable email or phone for this customer: customer.phone is not a valid phone number for GB; shippingAddress.phone is not a valid phone number for GB",
    );
    const nothing = mapEvent("order/processed", { persona: "mason", overrides: { customer: { email: "$delete" } } });
    expect(nothing.unusableIdentifiers).toEqual([]);
    expect(missingIdentifierReason(nothing)).toBe("Loop sent no email or phone for this customer");
    const looked = withIdentifiers(nothing, { email: "not-an-email", phone: "12" });
    expect(missingIdentifierReason(looked)).toBe(
      "No usable email or phone for this customer: the looked-up email is not a valid email address; the looked-up phone is not a valid phone number for US",
    );
  });

  it("a national number without any country is dropped unless settings.defaultPhoneCountry says which", () => {
    const overrides = { customer: { phone: "201-555-0101" }, shippingAddress: "$delete" };
    expect(mapEvent("subscription/created", { persona: "ava", overrides }).identifiers.phone).toBeUndefined();
    const m = mapEvent("subscription/created", { persona: "ava", overrides }, { settings: { paymentRetryCount: 3, defaultPhoneCountry: "US" } });
    expect(m.identifiers.phone).toBe("+12015550101");
    expect(m.phoneCountry).toBe("US");
  });

  it("emails are trimmed and lower-cased; invalid ones are dropped with a warning", () => {
    expect(mapEvent("subscription/created", { persona: "ava", overrides: { customer: { email: "  Ava.Thompson@Example.COM " } } }).identifiers.email).toBe(
      "ava.thompson@example.com",
    );
    const bad = mapEvent("subscription/created", { persona: "noah", overrides: { customer: { email: "not-an-email" } } });
    expect(bad.identifiers).toEqual({});
    expect(bad.warnings).toEqual(['customer.email "not-an-email" is not a valid email address and was not sent']);
  });

  it("neither phone nor email → the event anyway, empty identifiers, needsCustomerLookup and the Shopify customer id", () => {
    const m = mapEvent("order/upcoming", { persona: "mason", overrides: { customer: { email: "$delete" } } });
    expect(m.identifiers).toEqual({});
    expect(m.needsCustomerLookup).toBe(true);
    expect(m.shopifyCustomerId).toBe("7400000012");
    expect(m.event).not.toHaveProperty("email");
    expect(m.event).not.toHaveProperty("phone");
    expectValid(m);
  });

  it("withIdentifiers adds looked-up identifiers (normalised), keeps the payload's, clears needsCustomerLookup", () => {
    const m = mapEvent("order/upcoming", { persona: "mason", overrides: { customer: { email: "$delete" } } });
    const found = withIdentifiers(m, { email: " Mason.Lee@Example.com", phone: "(415) 555-0199" });
    expect(found.identifiers).toEqual({ email: "mason.lee@example.com", phone: "+14155550199" });
    expect(found.event).toEqual({ ...m.event, email: "mason.lee@example.com", phone: "+14155550199" });
    expect(Object.keys(found.event)).toEqual(["type", "email", "phone", "occurred_at", "external_id", "properties"]);
    expect(found.needsCustomerLookup).toBe(false);
    expectValid(found);
    // the input is not modified
    expect(m.needsCustomerLookup).toBe(true);
    expect(m.event).not.toHaveProperty("email");

    const kept = withIdentifiers(mapEvent("subscription/created", { persona: "ava" }), { email: "other@example.com", phone: "+13125550142" });
    expect(kept.identifiers).toEqual({ email: "ava.thompson@example.com", phone: "+12015550101" });

    const partial = withIdentifiers(mapEvent("subscription/created", { persona: "noah" }), { phone: "+1 604 555 0100" });
    expect(partial.identifiers).toEqual({ email: "noah.martin@example.com", phone: "+16045550100" });
  });

  it("withIdentifiers drops invalid looked-up values with a warning", () => {
    const m = mapEvent("flow/completed");
    const w = withIdentifiers(m, { email: "nope", phone: "123" });
    expect(w.needsCustomerLookup).toBe(true);
    expect(w.identifiers).toEqual({});
    expect(w.warnings).toEqual([
      'looked-up email "nope" is not a valid email address and was not sent',
      'looked-up phone "123" is not a valid phone number and was not sent',
    ]);
    // a national number needs a region: the event has none (flow payloads carry no address), the lookup can give one
    expect(withIdentifiers(m, { phone: "0412 345 678", countryCode: "AU" }).identifiers.phone).toBe("+61412345678");
  });

  it("normalizePhone / normalizeEmail", () => {
    expect(normalizePhone("+44 7911 123456")).toBe("+447911123456");
    expect(normalizePhone("+447700900123", "GB")).toBeNull(); // Ofcom drama range: reserved, never valid
    expect(normalizePhone("", "US")).toBeNull();
    expect(normalizePhone(null)).toBeNull();
    expect(normalizePhone("+1 201 555 0101", "XX")).toBe("+12015550101"); // unknown region ignored
    expect(normalizeEmail("A@B.CO")).toBe("a@b.co");
    expect(normalizeEmail("a@b")).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------------------
// Currencies, helpers
// ---------------------------------------------------------------------------------------------------------

describe("currencies", () => {
  it.each([
    ["ava", "USD", "$"],
    ["olivia", "CAD", "CA$"],
    ["amelia", "GBP", "£"],
    ["sophie", "EUR", "€"],
    ["chloe", "AUD", "A$"],
  ])("%s pays in %s", (persona, currency, symbol) => {
    const m = mapEvent("order/processed", { persona });
    const p = m.event.properties ?? {};
    expect(p.currency).toBe(currency);
    expect(p.total_price_formatted).toBe(`${symbol}${(p.total_price as number).toFixed(2)}`);
    const s = mapEvent("subscription/created", { persona });
    expect(s.event.properties?.subscription_price_formatted).toBe(`${symbol}${(s.event.properties?.subscription_price as number).toFixed(2)}`);
  });

  it("formatMoney falls back for codes Intl does not know", () => {
    expect(formatMoney(1234.5, "USD")).toBe("$1,234.50");
    expect(formatMoney(12.5, "EURO")).toBe("12.50 EURO");
    expect(formatMoney(12.5, null)).toBe("12.50");
  });

  it("cardBrandName / joinLimited", () => {
    expect(cardBrandName("american_express")).toBe("American Express");
    expect(cardBrandName("VISA")).toBe("Visa");
    expect(cardBrandName("shop_pay card")).toBe("Shop Pay Card");
    expect(cardBrandName(null)).toBeNull();
    expect(joinLimited(["a", "b", "c"])).toBe("a, b, c");
    expect(joinLimited(["aaaa", "bbbb", "cccc", "dddd"], 10)).toBe("aaaa, bbbb and 2 more");
    expect(joinLimited(["a very long title"], 5)).toBe("a very long title");
  });

  it("leaves out what Loop did not send instead of sending empty values", () => {
    const m = mapEvent("subscription/created", {
      overrides: { currencyCode: null, totalLineItemDiscountedPrice: null, deliveryPrice: "$delete", billingPolicy: null, lines: [], lineItems: [] },
    });
    const p = m.event.properties ?? {};
    for (const name of ["currency", "subscription_price_formatted", "shipping_price", "billing_interval", "product_titles", "total_quantity"]) {
      expect(p, name).not.toHaveProperty(name);
    }
    for (const v of Object.values(p)) expect(v).not.toBe("");
  });
});

// ---------------------------------------------------------------------------------------------------------
// Invalid, ignored, determinism
// ---------------------------------------------------------------------------------------------------------

describe("invalid webhooks", () => {
  const base = { webhookId: "wh_1", occurredAt: OCCURRED_AT, settings: { paymentRetryCount: 3 } };

  it("missing payload", () => {
    expect(mapLoopWebhook({ ...base, topic: "subscription/created", payload: { metaData: { myshopifyDomain: SHOP } } })).toEqual({
      kind: "invalid",
      issues: ["payload: is required (Loop sends the record in {payload, metaData})"],
    });
    expect(mapLoopWebhook({ ...base, topic: "subscription/created", payload: undefined })).toEqual({
      kind: "invalid",
      issues: ["body: must be an object {payload, metaData}, got undefined"],
    });
  });

  it("wrong types", () => {
    const payload = envelope("order/upcoming", { overrides: { id: null, lines: [{ quantity: "lots" }], totalPrice: { amount: 1 } } });
    expect(mapLoopWebhook({ ...base, topic: "order/upcoming", payload })).toEqual({
      kind: "invalid",
      issues: [
        "payload.id: is required (the Loop id of the record)",
        'payload.totalPrice: must be an amount such as "12.50", got an object',
        'payload.lines[0].quantity: must be a whole number, got "lots"',
      ],
    });
  });

  it.each([
    ["subscription/expired", "PAUSED"],
    ["subscription/expired", "ACTIVE"],
    ["subscription/cancelled", "ACTIVE"],
    ["subscription/paused", "ACTIVE"],
    ["subscription/resumed", "CANCELLED"],
  ] as const)("a %s payload whose subscription is %s (its state contradicts the topic)", (topic, status) => {
    const payload = envelope(topic, { overrides: { status } });
    expect(mapLoopWebhook({ ...base, topic, payload })).toEqual({
      kind: "invalid",
      issues: [`payload.status: ${status} contradicts topic ${topic} (a subscription that has just had that change is not ${status})`],
    });
  });

  it("a captured subscription/paused body re-sent as subscription/expired", () => {
    const paused = envelope("subscription/paused");
    expect(mapLoopWebhook({ ...base, topic: "subscription/paused", payload: paused }).kind).toBe("event");
    expect(mapLoopWebhook({ ...base, topic: "subscription/expired", payload: paused })).toMatchObject({ kind: "invalid" });
  });

  it("unknown topic", () => {
    expect(mapLoopWebhook({ ...base, topic: "order/teleported", payload: envelope("order/processed") })).toEqual({
      kind: "invalid",
      issues: ['topic: "order/teleported" is not a Loop webhook topic this app knows'],
    });
  });

  it("missing webhook id or created-at", () => {
    const payload = envelope("order/processed");
    expect(mapLoopWebhook({ ...base, topic: "order/processed", payload, webhookId: " " })).toEqual({
      kind: "invalid",
      issues: ["webhookId: is required (X-Loop-Webhook-Id)"],
    });
    expect(mapLoopWebhook({ ...base, topic: "order/processed", payload, occurredAt: new Date("nope") })).toEqual({
      kind: "invalid",
      issues: ["occurredAt: must be a valid date (X-Loop-Webhook-Created-At)"],
    });
  });

  it("never throws on garbage input", () => {
    const garbage = [undefined, null, 1, "x", [], {}, { payload: 1 }, { payload: { id: {} } }];
    for (const payload of garbage) {
      for (const topic of [...EVENT_TOPICS, "x", "subscription/updated"]) {
        const r = mapLoopWebhook({ topic, payload, webhookId: "w", occurredAt: OCCURRED_AT, settings: { paymentRetryCount: 3 } });
        expect(["invalid", "ignored", "event"]).toContain(r.kind);
      }
    }
    // missing settings and a non-string topic do not crash either
    const r = mapLoopWebhook({ topic: 42 as unknown as string, payload: {}, webhookId: "w", occurredAt: OCCURRED_AT, settings: undefined as never });
    expect(r.kind).toBe("invalid");
  });
});

describe("ignored webhooks", () => {
  it("subscription/updated maps to no event but returns its state", () => {
    const r = map("subscription/updated", { seed: 4, spelling: "admin" });
    expect(r).toMatchObject({
      kind: "ignored",
      reason: "subscription/updated has no Postscript event; it only updates the subscription's state",
      subscriptionKey: expect.stringMatching(/^\d+$/),
      facts: { topic: "subscription/updated", subscriptionStatus: expect.stringMatching(/^(ACTIVE|PAUSED)$/), nextOrderDate: expect.any(String) },
    });
  });

  it("the state-only topics are the catalogue's, and none of them is an event topic", () => {
    expect(Object.keys(STATE_ONLY_TOPICS)).toEqual([...STATE_LOOP_TOPICS]);
    for (const topic of STATE_LOOP_TOPICS) expect(SUBSCRIBED_LOOP_TOPICS).not.toContain(topic);
  });

  it("other documented Loop topics are ignored (read when there is a schema)", () => {
    const payload = envelope("subscription/created");
    expect(mapLoopWebhook({ topic: "subscription/rescheduled", payload, webhookId: "w", occurredAt: OCCURRED_AT, settings: { paymentRetryCount: 3 } })).toMatchObject({
      kind: "ignored",
      reason: "Loop topic subscription/rescheduled has no Postscript event",
      facts: { topic: "subscription/rescheduled" },
    });
    expect(mapLoopWebhook({ topic: "subscriptionCheckout/success", payload: {}, webhookId: "w", occurredAt: OCCURRED_AT, settings: { paymentRetryCount: 3 } })).toEqual({
      kind: "ignored",
      reason: "Loop topic subscriptionCheckout/success has no Postscript event",
      subscriptionKey: null,
      facts: null,
    });
  });
});

describe("determinism and external_id", () => {
  it("the same webhook maps to the same result, byte for byte", () => {
    for (const topic of EVENT_TOPICS) {
      const a = map(topic, { seed: 11 });
      const b = map(topic, { seed: 11 });
      expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    }
  });

  it("external_id is loop:<webhook id>; different webhooks differ; the payload does not matter", () => {
    expect(mapEvent("order/processed", { seed: 1 }, { webhookId: "abc" }).event.external_id).toBe("loop:abc");
    expect(mapEvent("order/processed", { seed: 2 }, { webhookId: "abc" }).event.external_id).toBe("loop:abc");
    expect(mapEvent("order/processed", { seed: 1 }, { webhookId: "abd" }).event.external_id).toBe("loop:abd");
    expect(mapEvent("order/processed", {}, { webhookId: "  padded " }).event.external_id).toBe("loop:padded");
    expect(externalIdFor("x")).toBe("loop:x");
    expect(externalIdFor("x", "customer_activation")).toBe("loop:x:customer_activation");
  });
});

// ---------------------------------------------------------------------------------------------------------
// customer_activation
// ---------------------------------------------------------------------------------------------------------

describe("customer_activation", () => {
  const created = () => mapEvent("subscription/created", { seed: "act", persona: "liam", portalLink: false });
  const url = "https://demo-shop.myshopify.com/account/activate/7400000002/abc123";

  it.each([
    ["DISABLED", true],
    ["INVITED", true],
    ["ENABLED", false],
    ["DECLINED", false],
  ] as const)("%s → %s", (state, sent) => {
    const event = customerActivationEvent(created(), { state, accountActivationUrl: url });
    if (!sent) {
      expect(event).toBeNull();
      return;
    }
    expect(event).toMatchObject({
      type: "customer_activation",
      external_id: "loop:wh_1:customer_activation",
      properties: { account_activation_url: url, customer_account_state: state.toLowerCase(), subscription_id: "6684254" },
    });
    expect(validateCustomEvent(event).ok).toBe(true);
  });

  it("its external_id differs from subscription_created's, and is deterministic", () => {
    const c = created();
    const a = customerActivationEvent(c, { state: "INVITED", accountActivationUrl: url });
    const b = customerActivationEvent(created(), { state: "INVITED", accountActivationUrl: url });
    expect(a?.external_id).not.toBe(c.event.external_id);
    expect(a).toEqual(b);
  });

  it("without an activation URL the property is left out", () => {
    const event = customerActivationEvent(created(), { state: "DISABLED", accountActivationUrl: null });
    expect(event?.properties).not.toHaveProperty("account_activation_url");
    expect(event?.properties?.customer_account_state).toBe("disabled");
  });

  it("only for a mapped subscription_created", () => {
    expect(customerActivationEvent(mapEvent("subscription/paused"), { state: "DISABLED", accountActivationUrl: url })).toBeNull();
    expect(customerActivationEvent({ kind: "invalid", issues: ["x"] }, { state: "DISABLED", accountActivationUrl: url })).toBeNull();
  });

  it("customerActivationMapped carries the created event's key, facts and identifiers (after withIdentifiers)", () => {
    const noContact = mapEvent("subscription/created", { persona: "mason", overrides: { customer: { email: "$delete" } } });
    const enriched = withIdentifiers(noContact, { email: "mason.lee@example.com" });
    const m = customerActivationMapped(enriched, { state: "DISABLED", accountActivationUrl: null });
    expect(m).toMatchObject({
      kind: "event",
      type: "customer_activation",
      subscriptionKey: enriched.subscriptionKey,
      identifiers: { email: "mason.lee@example.com" },
      needsCustomerLookup: false,
      facts: enriched.facts,
      event: { type: "customer_activation", email: "mason.lee@example.com" },
    });
  });
});
