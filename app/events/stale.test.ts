import { describe, expect, it } from "vitest";
import { EVENT_TYPE_NAMES, type EventType } from "./catalogue";
import type { EventFacts } from "./facts";
import { OCCURRED_AT, mapEvent } from "../../tests/support/loop-fixtures";
import { MAX_AGE_MS, STALE_RULES, currentStatus, durationText, needsLaterEvents, sameOrder, staleReason, staleRulesFor, type LaterEvent, type StaleContext, type StaleSubject } from "./stale";

const HOUR = 3_600_000;
const T0 = OCCURRED_AT.getTime();
const at = (hours: number) => new Date(T0 + hours * HOUR);
const ctx = (over: Partial<StaleContext> = {}): StaleContext => ({ now: at(1), laterEventsForSubscription: [], ...over });
const subject = (type: EventType, facts: Partial<EventFacts> = {}, occurredAt: Date | string = OCCURRED_AT): StaleSubject => ({ type, occurredAt, facts });
const laterEvent = (type: string, hours: number, facts: Partial<EventFacts> = {}): LaterEvent => ({ type, occurredAt: at(hours), facts });

describe("fresh events are sent", () => {
  it("every type, one hour old, nothing later → null", () => {
    for (const type of EVENT_TYPE_NAMES) {
      expect(staleReason(subject(type, { orderDate: at(72).toISOString(), cardExpiresAt: at(24 * 30).toISOString() }), ctx()), type).toBeNull();
    }
  });

  it("every generator fixture, mapped, one hour later → null", () => {
    for (const topic of ["subscription/created", "order/upcoming", "order/skipped", "order/paymentFailed", "paymentMethod/expiringSoon", "flow/completed"] as const) {
      const m = mapEvent(topic, { seed: 2 });
      expect(staleReason(m, ctx()), topic).toBeNull();
    }
  });
});

describe("order_upcoming", () => {
  const upcoming = mapEvent("order/upcoming", { seed: "upcoming", persona: "olivia" }); // order 21083416 billed 2025-06-04T11:47:40Z

  it("stale once the order date has passed", () => {
    const now = new Date("2025-06-04T11:47:41Z");
    expect(staleReason(upcoming, ctx({ now, maxAgeMs: { order_upcoming: 10 * 24 * HOUR } }))).toBe(
      "Order reminder not sent: the order date (2025-06-04) has passed",
    );
    expect(staleReason(upcoming, ctx({ now: new Date("2025-06-02T11:00:00Z") }))).toBeNull();
  });

  it.each([
    ["order_processed", "Order reminder not sent: the order was already processed"],
    ["order_partially_processed", "Order reminder not sent: the order was already processed"],
    ["order_skipped", "Order reminder not sent: the order was skipped"],
    ["order_out_of_stock", "Order reminder not sent: the order was delayed because it is out of stock"],
    ["payment_attempt_failed", "Order reminder not sent: the order's payment was already attempted"],
  ])("stale after a later %s for the same order id", (type, reason) => {
    expect(staleReason(upcoming, ctx({ laterEventsForSubscription: [laterEvent(type, 0.5, { orderId: "21083416" })] }))).toBe(reason);
  });

  it("same order recognised by the billing day when the later event has no order id", () => {
    const skipped = laterEvent("order_skipped", 0.5, { orderId: null, orderDate: "2025-06-04T00:00:00.000Z" });
    expect(staleReason(upcoming, ctx({ laterEventsForSubscription: [skipped] }))).toBe("Order reminder not sent: the order was skipped");
  });

  it("not stale for another order of the subscription billed the same day (different order id)", () => {
    const other = laterEvent("order_processed", 0.5, { orderId: "999", orderDate: "2025-06-04T00:00:00.000Z" });
    expect(upcoming.facts.orderDate?.slice(0, 10)).toBe("2025-06-04");
    expect(staleReason(upcoming, ctx({ laterEventsForSubscription: [other] }))).toBeNull();
  });

  it("not stale for another order (different id and day), nor for an event that happened before it", () => {
    const other = laterEvent("order_processed", 0.5, { orderId: "999", orderDate: "2025-05-04T00:00:00.000Z" });
    const before = laterEvent("order_processed", -1, { orderId: "21083416" });
    expect(staleReason(upcoming, ctx({ laterEventsForSubscription: [other, before] }))).toBeNull();
  });

  it("facts that went through JSON (the outbox) work the same", () => {
    const stored = JSON.parse(JSON.stringify({ type: upcoming.type, occurredAt: upcoming.occurredAt, facts: upcoming.facts })) as StaleSubject;
    const processed = mapEvent("order/processed", { seed: "p", overrides: { id: 21083416 } });
    const laterProcessed = JSON.parse(JSON.stringify({ type: processed.type, occurredAt: at(2), facts: processed.facts })) as LaterEvent;
    expect(staleReason(stored, ctx({ now: at(3), laterEventsForSubscription: [laterProcessed] }))).toBe("Order reminder not sent: the order was already processed");
  });

  it.each([
    ["PAUSED", "Order reminder not sent: the subscription is now paused"],
    ["CANCELLED", "Order reminder not sent: the subscription is now cancelled"],
    ["EXPIRED", "Order reminder not sent: the subscription is now expired"],
  ])("stale when the subscription is now %s", (status, reason) => {
    expect(staleReason(upcoming, ctx({ subscriptionStatus: status }))).toBe(reason);
    expect(staleReason(upcoming, ctx({ subscriptionStatus: "ACTIVE" }))).toBeNull();
  });
});

describe("subscription status changes (STATUS_CONFLICTS)", () => {
  it("a paused message after a later resume is stale; the resume itself is not", () => {
    const paused = subject("subscription_paused", { subscriptionStatus: "PAUSED" });
    const resumed = laterEvent("subscription_resumed", 2);
    expect(staleReason(paused, ctx({ now: at(3), laterEventsForSubscription: [resumed] }))).toBe("Subscription paused message not sent: the subscription is now active");
    expect(staleReason(subject("subscription_resumed", {}, at(2)), ctx({ now: at(3), laterEventsForSubscription: [] }))).toBeNull();
  });

  it("the newest later status counts (paused → cancelled → reactivated)", () => {
    const cancelled = subject("subscription_cancelled");
    const later = [laterEvent("subscription_reactivated", 2), laterEvent("subscription_paused", 1)];
    expect(currentStatus(cancelled, ctx({ laterEventsForSubscription: later }))).toBe("ACTIVE");
    expect(staleReason(cancelled, ctx({ now: at(3), laterEventsForSubscription: later }))).toBe("Cancellation message not sent: the subscription is now active");
  });

  it("a welcome message is not stale after a pause, only after a cancellation or expiry", () => {
    expect(staleReason(subject("subscription_created"), ctx({ subscriptionStatus: "PAUSED" }))).toBeNull();
    expect(staleReason(subject("subscription_created"), ctx({ subscriptionStatus: "cancelled" }))).toBe("New subscription message not sent: the subscription is now cancelled");
    expect(staleReason(subject("subscription_created"), ctx({ subscriptionStatus: "EXPIRED" }))).toBe("New subscription message not sent: the subscription is now expired");
  });

  it("statuses from ignored webhooks (subscription/updated facts) count", () => {
    const updated = { type: "subscription/updated", occurredAt: at(1), facts: { subscriptionStatus: "ACTIVE" } };
    expect(staleReason(subject("subscription_expired"), ctx({ now: at(2), laterEventsForSubscription: [updated] }))).toBe(
      "Subscription expired message not sent: the subscription is now active",
    );
  });

  it("the caller's known status is ignored when it is known to be older than the event", () => {
    const resumed = subject("subscription_resumed", {}, at(5));
    expect(staleReason(resumed, ctx({ now: at(6), subscriptionStatus: "PAUSED", subscriptionStatusAt: at(4) }))).toBeNull();
    expect(staleReason(resumed, ctx({ now: at(6), subscriptionStatus: "PAUSED", subscriptionStatusAt: at(5.5) }))).toBe(
      "Subscription resumed message not sent: the subscription is now paused",
    );
    expect(staleReason(resumed, ctx({ now: at(6), subscriptionStatus: "PAUSED" }))).toBe("Subscription resumed message not sent: the subscription is now paused");
  });

  it("covers all six lifecycle types", () => {
    const expected: [EventType, string, boolean][] = [
      ["subscription_created", "CANCELLED", true],
      ["subscription_paused", "ACTIVE", true],
      ["subscription_resumed", "PAUSED", true],
      ["subscription_cancelled", "PAUSED", true],
      ["subscription_reactivated", "EXPIRED", true],
      ["subscription_expired", "ACTIVE", true],
      ["subscription_cancelled", "CANCELLED", false],
      ["subscription_paused", "PAUSED", false],
    ];
    for (const [type, status, stale] of expected) {
      expect(staleReason(subject(type), ctx({ subscriptionStatus: status })) !== null, `${type} when ${status}`).toBe(stale);
    }
  });
});

describe("payment failures", () => {
  const retries = mapEvent("order/paymentFailed", { seed: "pf", persona: "sophie", retryInfo: "paymentRetryCount", retryState: { retriesDone: 0, maxRetries: 3 } });
  const lastRetry = mapEvent("order/paymentFailed", { seed: "pf", persona: "sophie", retryInfo: "paymentRetryCount", retryState: { retriesDone: 2, maxRetries: 3 } });
  const final = mapEvent("order/paymentFailed", { seed: "pf", persona: "sophie", retryInfo: "paymentRetryCount", retryState: { retriesDone: 3, maxRetries: 3 } });

  it("retry notices are stale once the subscription is cancelled or expired; the final failure is not", () => {
    expect(staleReason(retries, ctx({ subscriptionStatus: "CANCELLED" }))).toBe("Payment failure message not sent: the subscription is now cancelled");
    expect(staleReason(lastRetry, ctx({ laterEventsForSubscription: [laterEvent("subscription_expired", 0.5)] }))).toBe(
      "Last-retry payment failure message not sent: the subscription is now expired",
    );
    expect(staleReason(final, ctx({ subscriptionStatus: "CANCELLED" }))).toBeNull();
    expect(staleReason(retries, ctx({ subscriptionStatus: "PAUSED" }))).toBeNull();
  });

  it("all three are stale once an order of the subscription was processed", () => {
    const processed = [laterEvent("order_processed", 0.5, { orderId: retries.facts.orderId })];
    expect(staleReason(retries, ctx({ laterEventsForSubscription: processed }))).toBe("Payment failure message not sent: the order was processed since (the payment went through)");
    expect(staleReason(lastRetry, ctx({ laterEventsForSubscription: processed }))).toBe(
      "Last-retry payment failure message not sent: the order was processed since (the payment went through)",
    );
    expect(staleReason(final, ctx({ laterEventsForSubscription: [laterEvent("order_partially_processed", 0.5)] }))).toBe(
      "Final payment failure message not sent: the order was processed since (the payment went through)",
    );
  });

  it("a retry notice is superseded by a later failure of the same order; the final one is not", () => {
    const laterFailure = [laterEvent("payment_attempt_failed", 0.5, { orderId: retries.facts.orderId })];
    expect(staleReason(retries, ctx({ laterEventsForSubscription: laterFailure }))).toBe(
      "Payment failure message not sent: a later payment attempt for the same order has already failed",
    );
    expect(staleReason(final, ctx({ laterEventsForSubscription: [laterEvent("payment_attempt_failed", 0.5, { orderId: retries.facts.orderId })] }))).toBeNull();
    // another order's failure does not supersede
    expect(
      staleReason(retries, ctx({ laterEventsForSubscription: [laterEvent("payment_attempt_failed", 0.5, { orderId: "1", orderDate: "2025-07-01T00:00:00Z" })] })),
    ).toBeNull();
  });
});

describe("other per-type rules", () => {
  it("order_out_of_stock is stale once the same order was processed", () => {
    const oos = subject("order_out_of_stock", { orderId: "7" });
    expect(staleReason(oos, ctx({ laterEventsForSubscription: [laterEvent("order_processed", 0.5, { orderId: "7" })] }))).toBe(
      "Out-of-stock message not sent: the order was processed since",
    );
    expect(staleReason(oos, ctx({ laterEventsForSubscription: [laterEvent("order_processed", 0.5, { orderId: "8" })] }))).toBeNull();
  });

  it("order_skipped is stale once the skipped date has passed", () => {
    const skipped = subject("order_skipped", { orderDate: at(10).toISOString() });
    expect(staleReason(skipped, ctx({ now: at(11) }))).toBe("Order skipped message not sent: the skipped order's date (2025-06-01) has passed");
    expect(staleReason(skipped, ctx({ now: at(9) }))).toBeNull();
  });

  it("payment_method_expiring_soon is stale after the card's expiry", () => {
    const m = mapEvent("paymentMethod/expiringSoon", { seed: "pm", persona: "chloe" }); // expires end of June 2025
    expect(staleReason(m, ctx({ now: new Date("2025-06-30T23:59:59.000Z"), maxAgeMs: { payment_method_expiring_soon: 60 * 24 * HOUR } }))).toBeNull();
    expect(staleReason(m, ctx({ now: new Date("2025-07-01T00:00:00.000Z"), maxAgeMs: { payment_method_expiring_soon: 60 * 24 * HOUR } }))).toBe(
      "Card expiry reminder not sent: the card expired on 2025-06-30",
    );
  });

  it("payment_method_expiring_soon is superseded by a newer reminder for the same card", () => {
    const s = subject("payment_method_expiring_soon", { paymentMethodId: "5", card: "visa 4242" });
    expect(staleReason(s, ctx({ laterEventsForSubscription: [laterEvent("payment_method_expiring_soon", 0.5, { paymentMethodId: "5" })] }))).toBe(
      "Card expiry reminder not sent: a newer expiry reminder for the same card has arrived",
    );
    expect(staleReason(s, ctx({ laterEventsForSubscription: [laterEvent("payment_method_expiring_soon", 0.5, { paymentMethodId: "6" })] }))).toBeNull();
    const noId = subject("payment_method_expiring_soon", { card: "visa 4242" });
    expect(staleReason(noId, ctx({ laterEventsForSubscription: [laterEvent("payment_method_expiring_soon", 0.5, { card: "visa 4242" })] }))).not.toBeNull();
    expect(staleReason(noId, ctx({ laterEventsForSubscription: [laterEvent("payment_method_expiring_soon", 0.5, {})] }))).toBeNull();
  });
});

describe("maximum age", () => {
  it.each(EVENT_TYPE_NAMES.map((t) => [t, MAX_AGE_MS[t]] as const))("%s: %d ms", (type, limit) => {
    const s = subject(type);
    expect(staleReason(s, ctx({ now: new Date(T0 + limit) }))).toBeNull();
    expect(staleReason(s, ctx({ now: new Date(T0 + limit + 1) }))).toMatch(/ not sent: it is \d+ (hours?|days?)( \d+ hours?)? old \(limit: \d+ (hours|days)\)$/);
  });

  it("48 h for reminders, 72 h for order confirmations, 7 days for lifecycle events", () => {
    expect(MAX_AGE_MS.order_upcoming).toBe(48 * HOUR);
    expect(MAX_AGE_MS.payment_attempt_failed_last_retry_left).toBe(48 * HOUR);
    expect(MAX_AGE_MS.order_processed).toBe(72 * HOUR);
    expect(MAX_AGE_MS.subscription_cancelled).toBe(7 * 24 * HOUR);
    expect(staleReason(subject("order_processed"), ctx({ now: at(80) }))).toBe("Order confirmation not sent: it is 3 days 8 hours old (limit: 3 days)");
    expect(staleReason(subject("order_upcoming"), ctx({ now: at(49) }))).toBe("Order reminder not sent: it is 2 days 1 hour old (limit: 2 days)");
    expect(staleReason(subject("flow_completed"), ctx({ now: at(47) }))).toBeNull();
    expect(staleReason(subject("customer_activation"), ctx({ now: at(24 * 8) }))).toBe("Account activation reminder not sent: it is 8 days old (limit: 7 days)");
  });

  it("is configurable per type", () => {
    expect(staleReason(subject("flow_completed"), ctx({ now: at(2), maxAgeMs: { flow_completed: HOUR } }))).toBe("Flow completed event not sent: it is 2 hours old (limit: 1 hour)");
    expect(staleReason(subject("order_upcoming"), ctx({ now: at(60), maxAgeMs: { order_upcoming: 100 * HOUR } }))).toBeNull();
  });

  it("an unreadable occurredAt is stale (never sent blind)", () => {
    expect(staleReason(subject("order_processed", {}, "not a date"), ctx())).toBe("Order confirmation not sent: the time it happened is unknown");
  });
});

describe("the table", () => {
  it("every type has at least the maximum-age rule, which comes last", () => {
    for (const type of EVENT_TYPE_NAMES) {
      const rules = staleRulesFor(type);
      expect(rules.at(-1)?.id).toBe("max-age");
    }
    expect(staleRulesFor("order_upcoming").map((r) => r.id)).toEqual(["order-date-passed", "order-already-handled", "subscription-status-changed", "max-age"]);
    expect(new Set(STALE_RULES.map((r) => r.id)).size).toBe(STALE_RULES.length);
  });

  it("a rule that does not say it reads the subscription's later events never does (the worker skips reading them)", () => {
    const blind = new Proxy(ctx(), {
      get(target, key) {
        if (key === "laterEventsForSubscription" || key === "subscriptionStatus" || key === "subscriptionStatusAt") throw new Error(`read ${String(key)}`);
        return Reflect.get(target, key);
      },
    });
    const facts = { orderId: "1", orderDate: at(72).toISOString(), cardExpiresAt: at(24 * 30).toISOString(), cardLast4: "4242" };
    for (const rule of STALE_RULES.filter((r) => !r.readsLaterEvents)) {
      for (const type of rule.appliesTo) expect(() => rule.check(subject(type, facts), blind), `${rule.id} for ${type}`).not.toThrow();
    }
    for (const rule of STALE_RULES.filter((r) => r.readsLaterEvents)) {
      expect(() => rule.check(subject(rule.appliesTo[0], facts), blind), rule.id).toThrow(/read/);
    }
    expect(needsLaterEvents("order_processed")).toBe(false);
    expect(needsLaterEvents("order_upcoming")).toBe(true);
    expect(EVENT_TYPE_NAMES.filter((type) => !needsLaterEvents(type)).sort()).toMatchInlineSnapshot(`
      [
        "customer_activation",
        "flow_completed",
        "order_partially_processed",
        "order_processed",
        "order_skipped",
      ]
    `);
  });

  it("durationText", () => {
    expect(durationText(HOUR)).toBe("1 hour");
    expect(durationText(47.9 * HOUR)).toBe("47 hours");
    expect(durationText(48 * HOUR)).toBe("2 days");
    expect(durationText(73 * HOUR)).toBe("3 days 1 hour");
  });

  it("sameOrder", () => {
    expect(sameOrder({ orderId: "1" }, { orderId: "1" })).toBe(true);
    expect(sameOrder({ orderId: "1" }, { orderId: "2" })).toBe(false);
    // Different ids are different orders, even on the same billing day (another order of the subscription).
    expect(sameOrder({ orderId: "1", orderDate: "2025-06-04T10:00:00Z" }, { orderId: "2", orderDate: "2025-06-04T23:00:00Z" })).toBe(false);
    // The billing day decides only when an id is missing on either side.
    expect(sameOrder({ orderId: "1", orderDate: "2025-06-04T10:00:00Z" }, { orderDate: "2025-06-04T23:00:00Z" })).toBe(true);
    expect(sameOrder({ orderDate: "2025-06-04T10:00:00Z" }, { orderId: "2", orderDate: "2025-06-05T10:00:00Z" })).toBe(false);
    expect(sameOrder({ orderId: "1" }, { orderDate: "2025-06-04T10:00:00Z" })).toBe(true); // not comparable → same
    expect(sameOrder({}, null)).toBe(true);
  });
});
