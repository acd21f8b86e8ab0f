// The loop_ properties from subscription states, and how one more fact changes a subscription's state.
import { describe, expect, it } from "vitest";
import { MAX_SUBSCRIBER_PROPERTIES } from "~/postscript/protocol";
import { mapEvent } from "../../tests/support/loop-fixtures";
import {
  applyFact,
  changedProperties,
  SUBSCRIBER_PROPERTIES,
  subscriberProperties,
  unknownSubscription,
  type StoredSubscription,
  type SubscriptionFact,
} from "./subscriber-properties";

const state = (over: Partial<StoredSubscription>): StoredSubscription => ({
  ...unknownSubscription("loop:1"),
  status: "ACTIVE",
  stateAsOf: new Date("2026-11-01T00:00:00Z"),
  ...over,
});

const fact = (over: Partial<SubscriptionFact>): SubscriptionFact => ({
  subscriptionId: "100",
  customerKey: "loop:1",
  complete: true,
  status: "ACTIVE",
  nextOrderOn: "2026-12-10",
  productTitles: ["Tea"],
  valueMinor: 1500,
  currencyCode: "USD",
  cancelledOn: null,
  cancellationReason: null,
  portalLink: null,
  eventType: "subscription_created",
  asOf: "2026-11-10T00:00:00.000Z",
  contact: { email: "ana@example.com", phone: null },
  ...over,
});

describe("the property set", () => {
  it("is well under Postscript's 50 custom properties, all loop_ names, examples of their type", () => {
    expect(SUBSCRIBER_PROPERTIES.length).toBeLessThanOrEqual(MAX_SUBSCRIBER_PROPERTIES / 2);
    for (const p of SUBSCRIBER_PROPERTIES) {
      expect(p.name).toMatch(/^loop_[a-z_]+$/);
      if (p.type === "whole number") expect(Number.isInteger(p.example)).toBe(true);
      if (p.type === "list of text") expect(Array.isArray(p.example)).toBe(true);
      if (p.type === "date") expect(p.example).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
    const names = new Set(SUBSCRIBER_PROPERTIES.map((p) => p.name));
    expect(Object.keys(subscriberProperties([state({ lastEventType: "x", lastEventAt: new Date(), portalLink: "https://p", currencyCode: "USD" })])).every((n) => names.has(n as never))).toBe(true);
  });
});

describe("subscriberProperties", () => {
  it("describes two subscriptions together: counts, earliest next order of the active ones, products of current ones, latest event", () => {
    const props = subscriberProperties([
      state({ status: "ACTIVE", nextOrderOn: "2026-12-20", productTitles: ["Tea", "Mugs"], valueMinor: 2000, currencyCode: "USD", lastEventType: "subscription_created", lastEventAt: new Date("2026-11-01T00:00:00Z") }),
      state({ status: "ACTIVE", nextOrderOn: "2026-12-05", productTitles: ["Tea"], valueMinor: 1500, currencyCode: "USD" }),
      state({ status: "PAUSED", nextOrderOn: "2026-12-01", productTitles: ["Honey"] }),
      state({ status: "CANCELLED", cancelledOn: "2026-11-03", cancellationReason: "Too much", lastEventType: "subscription_cancelled", lastEventAt: new Date("2026-11-03T00:00:00Z") }),
    ]);
    expect(props).toEqual({
      loop_has_active_subscription: "yes",
      loop_active_subscriptions: 2,
      loop_paused_subscriptions: 1,
      loop_cancelled_subscriptions: 1,
      loop_expired_subscriptions: 0,
      loop_next_order_date: "2026-12-05",
      loop_products: ["Honey", "Mugs", "Tea"],
      loop_subscription_value_cents: 3500,
      loop_currency: "USD",
      loop_last_event: "subscription_cancelled",
      loop_last_event_at: "2026-11-03T00:00:00.000Z",
      loop_cancelled_on: "2026-11-03",
      loop_cancellation_reason: "Too much",
    });
  });

  it("empties values that no longer apply, and only changed ones are sent", () => {
    const before = subscriberProperties([state({ nextOrderOn: "2026-12-05" })]);
    const after = subscriberProperties([state({ status: "CANCELLED", cancelledOn: "2026-11-09" })]);
    expect(after).toMatchObject({ loop_has_active_subscription: "no", loop_next_order_date: "", loop_cancelled_on: "2026-11-09" });
    expect(changedProperties(after, before)).toEqual({
      loop_has_active_subscription: "no",
      loop_active_subscriptions: 0,
      loop_cancelled_subscriptions: 1,
      loop_next_order_date: "",
      loop_cancelled_on: "2026-11-09",
    });
    expect(changedProperties(after, after)).toEqual({});
  });
});

describe("applyFact", () => {
  it("ignores a fact as old as or older than the stored one, for state and last event alike", () => {
    const stored = state({ stateAsOf: new Date("2026-11-10T00:00:00Z"), lastEventType: "subscription_created", lastEventAt: new Date("2026-11-10T00:00:00Z") });
    expect(applyFact(stored, fact({}))).toBeNull();
    expect(applyFact(stored, fact({ asOf: "2026-11-09T00:00:00.000Z", status: "PAUSED", eventType: "subscription_paused" }))).toBeNull();
  });

  it("takes only the last event from an order webhook, and keeps the day of a cancellation described again later", () => {
    const stored = state({ status: "CANCELLED", cancelledOn: "2026-11-03", cancellationReason: "Too much", stateAsOf: new Date("2026-11-03T00:00:00Z") });
    const order = applyFact(stored, fact({ complete: false, status: "ACTIVE", eventType: "order_upcoming", asOf: "2026-11-04T00:00:00.000Z" }));
    expect(order).toMatchObject({ status: "CANCELLED", lastEventType: "order_upcoming" });
    const again = applyFact(stored, fact({ status: "CANCELLED", cancelledOn: "2026-11-20", cancellationReason: null, eventType: null, asOf: "2026-11-20T00:00:00.000Z" }));
    expect(again).toMatchObject({ cancelledOn: "2026-11-03", cancellationReason: "Too much" });
    const reactivated = applyFact(stored, fact({ status: "ACTIVE", eventType: "subscription_reactivated", asOf: "2026-11-21T00:00:00.000Z" }));
    expect(reactivated).toMatchObject({ status: "ACTIVE", cancelledOn: null, cancellationReason: null });
  });

  it("moves the next order date with a newer upcoming order, and never with an older one", () => {
    const stored = state({ nextOrderOn: "2026-11-20", stateAsOf: new Date("2026-11-03T00:00:00Z") });
    const upcoming = fact({ complete: false, nextOrderOn: "2026-12-20", eventType: "order_upcoming", asOf: "2026-12-17T00:00:00.000Z" });
    expect(applyFact(stored, upcoming)).toMatchObject({ nextOrderOn: "2026-12-20", status: "ACTIVE", stateAsOf: stored.stateAsOf, lastEventType: "order_upcoming" });
    expect(applyFact(stored, { ...upcoming, asOf: "2026-11-01T00:00:00.000Z", eventType: null })).toBeNull();
  });

  it("reads a Loop webhook's subscription as the mapping sees it", () => {
    const mapped = mapEvent("subscription/cancelled", { persona: "ava", spelling: "admin" });
    expect(mapped.subscription).toMatchObject({ customerKey: "loop:61000001", status: "CANCELLED", complete: true, eventType: "subscription_cancelled", contact: { email: "ava.thompson@example.com", phone: "+12015550101" } });
    expect(mapped.subscription?.cancellationReason).toEqual(expect.any(String));
    const upcoming = mapEvent("order/upcoming", { persona: "ava" });
    expect(upcoming.subscription).toMatchObject({ complete: false, eventType: "order_upcoming", nextOrderOn: upcoming.facts.orderDate?.slice(0, 10) });
    expect(upcoming.subscription?.nextOrderOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(mapEvent("order/processed", { persona: "ava" }).subscription?.nextOrderOn).toBeNull();
  });
});
