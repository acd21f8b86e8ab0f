import { describe, expect, it } from "vitest";
import { CONSUMED_TOPICS } from "../loop/protocol";
import { envelope } from "../../tests/support/loop-fixtures";
import { MAX_UNUSED_PATHS_PER_PAYLOAD, unusedFieldPaths } from "./unused-fields";

describe("unused Loop payload fields", () => {
  it("reports nothing for the spellings the schemas read, nested objects and list items included", () => {
    const read = {
      lines: [{ productTitle: "Greens" }],
      lineItems: [{ sku: "G-1" }],
      billingAttempt: { nextRetryAtEpoch: 1 },
      customer: { email: "ava@example.com" },
      nextRetryDate: "2025-06-09",
    };
    expect(unusedFieldPaths("order/paymentFailed", { payload: read, metaData: {} })).toEqual([]);
    expect(unusedFieldPaths("order/paymentFailed", { payload: { ...read, nextChargeAttemptAt: "x" }, metaData: {} })).toEqual(["nextChargeAttemptAt"]);
    expect(unusedFieldPaths("flow/completed", { payload: { subscription: { id: 1 }, name: "Win-back" }, metaData: {} })).toEqual([]);
    expect(unusedFieldPaths("subscriptionCheckout/success", { payload: { anything: 1 }, metaData: {} })).toEqual([]);
  });

  // The stand-in's generator adds a few fields no source shows Loop sending; everything else it sends is read.
  const INVENTED_BY_THE_STAND_IN = [
    "billingPolicy.minCycles",
    "billingPolicy.maxCycles",
    "shippingAddress.address2",
    "lines[].id",
    "lines[].sellingPlanName",
    "lines[].isOneTime",
    "lines[].sellingPlanShopifyId",
    "lines[].variantImage",
    "lineItems[].id",
    "lineItems[].sellingPlanName",
    "lineItems[].isOneTime",
    "shopifyId",
    "type",
  ];
  it.each(CONSUMED_TOPICS)("reports of the stand-in's %s payloads (both spellings) only the fields it invents", (topic) => {
    for (const spelling of ["admin", "doc"] as const) {
      const unused = unusedFieldPaths(topic, envelope(topic, { spelling, portalLink: true }));
      expect(unused.filter((path) => !INVENTED_BY_THE_STAND_IN.includes(path))).toEqual([]);
    }
  });

  it("names fields under new names at any depth, each once, never their values", () => {
    const body = envelope("order/outOfStock", { spelling: "admin" });
    const payload = body.payload as Record<string, unknown>;
    payload.outOfStockLineItems = [{ productTitle: "Organic Oat Protein" }];
    payload.nextChargeAttemptAt = "2025-06-09T10:00:00Z";
    payload.billingAttempt = { nextAttemptDate: "2025-06-09", retryCount: 1 };
    payload.customer = { ...(payload.customer as object), smsConsent: true };
    payload.lines = (payload.lines as Record<string, unknown>[]).map((l) => ({ ...l, stockStatus: "OUT_OF_STOCK" }));
    const paths = unusedFieldPaths("order/outOfStock", body);
    expect(paths).toEqual(expect.arrayContaining(["outOfStockLineItems", "nextChargeAttemptAt", "billingAttempt.nextAttemptDate", "customer.smsConsent", "lines[].stockStatus"]));
    expect(paths.filter((p) => p === "lines[].stockStatus")).toHaveLength(1);
    // An unknown object is named once; its insides (which may be keyed by data) are not walked.
    expect(paths.some((p) => p.startsWith("outOfStockLineItems[]"))).toBe(false);
    expect(paths).not.toContain("billingAttempt.retryCount");
    expect(JSON.stringify(paths)).not.toMatch(/Organic|2025-06-09|OUT_OF_STOCK/);
  });

  it("does not report fields Loop is known to send that the app has no use for, only names not seen before", () => {
    const paths = unusedFieldPaths("subscription/created", envelope("subscription/created", { spelling: "admin" }));
    for (const known of ["updatedAt", "lastPaymentStatus", "shippingAddress.address1", "lines[].productShopifyId"]) expect(paths).not.toContain(known);
    // The stand-in invents a few fields no source shows Loop sending: those are reported.
    expect(paths).toEqual(expect.arrayContaining(["lines[].sellingPlanName", "billingPolicy.minCycles"]));
  });

  it("gives nothing for topics without a schema, bodies that are not the envelope, and stops at a bound", () => {
    expect(unusedFieldPaths("subscriptionCheckout/success", { payload: { novel: 1 } })).toEqual([]);
    expect(unusedFieldPaths("order/processed", "not an object")).toEqual([]);
    expect(unusedFieldPaths("order/processed", { payload: [1, 2] })).toEqual([]);
    const wide = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`field${i}`, i]));
    expect(unusedFieldPaths("order/processed", { payload: { id: 1, ...wide } })).toHaveLength(MAX_UNUSED_PATHS_PER_PAYLOAD);
  });
});
