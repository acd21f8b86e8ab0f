// Payment failures without retry counters, classified by the earlier failures of the same Loop order, and the
// reason given when a customer has no usable identifier: prepareEvent on every test database, with stored rows
// made from the Loop stand-in's payload generator.
import type { Event } from "@prisma/client";
import { beforeEach, describe, expect, it } from "vitest";
import { generatePayload, type GenerateOptions } from "../../sandbox/loop/payloads";
import { databaseKinds, withTestDatabase } from "../../tests/support/databases";
import type { LoopTopic } from "~/loop/protocol";
import type { AdminResult, ShopifyCustomer } from "~/shopify/customers.server";
import { earlierPaymentFailures } from "./payment-failures.server";
import { prepareEvent, type PrepareDependencies } from "./prepare.server";

const SHOP = "coffee.myshopify.com";
const ORDER = 21777518;
const HOUR = 3_600_000;
const T0 = Date.parse("2026-11-30T08:00:00.000Z");
const at = (hours: number) => new Date(T0 + hours * HOUR);

describe.each(databaseKinds)("payment failures counted per order (%s)", (kind) => {
  const database = withTestDatabase(kind);
  let seq = 0;
  let shopifyCustomer: AdminResult<ShopifyCustomer> = { ok: false, kind: "not_found", message: "no such customer" };

  beforeEach(async () => {
    await database.db.event.deleteMany();
    shopifyCustomer = { ok: false, kind: "not_found", message: "no such customer" };
  });

  const deps = (): PrepareDependencies => ({
    db: database.db,
    now: () => new Date(T0 + 48 * HOUR),
    settingsFor: async () => ({ paymentRetryCount: 3, disabledTypes: new Set<string>() }),
    lookupCustomer: async () => shopifyCustomer,
    activationUrl: async () => ({ ok: false, kind: "not_found", message: "none" }),
    propertyChangeDelayMs: 0,
  });

  /** A webhook as ingestion stores it (raw, "received"). */
  async function stored(occurredAt: Date, { topic = "order/paymentFailed" as LoopTopic, shop = SHOP, generate = {} as Omit<GenerateOptions, "seed" | "shopDomain"> } = {}) {
    const id = `wh-${++seq}`;
    const body = generatePayload(topic, { seed: id, shopDomain: shop, persona: "ava", retryInfo: "none", overrides: { id: ORDER }, ...generate });
    return database.db.event.create({
      data: { shopDomain: shop, dedupeKey: id, loopWebhookId: id, topic, status: "received", occurredAt, payload: JSON.stringify(body) },
    });
  }

  async function prepare(event: Event) {
    await prepareEvent(deps(), await database.db.event.findUniqueOrThrow({ where: { id: event.id } }));
    return database.db.event.findUniqueOrThrow({ where: { id: event.id } });
  }

  it("four failures of one order, arriving out of order, are classified by when they happened", async () => {
    // Arrival order 1, 3, 2, 4; each is prepared as it arrives, the way the worker takes them (by arrival).
    const first = await stored(at(0));
    const third = await stored(at(2));
    const second = await stored(at(1));
    const fourth = await stored(at(3));
    const prepared = [];
    for (const event of [first, third, second, fourth]) prepared.push(await prepare(event));
    const byOccurrence = [...prepared].sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
    expect(byOccurrence.map((e) => e.eventType)).toEqual([
      "payment_attempt_failed_with_retries_left",
      "payment_attempt_failed_with_retries_left",
      "payment_attempt_failed_last_retry_left",
      "payment_attempt_failed",
    ]);
    expect(byOccurrence.map((e) => JSON.parse(e.request!).properties.retries_left)).toEqual([3, 2, 1, 0]);
    expect(byOccurrence[2].typeDecision).toBe(
      `Retry position counted from 2 earlier failures of order ${ORDER}; maximum 3 retries from Settings: 1 retry left, so payment_attempt_failed_last_retry_left (rule 7).`,
    );
  });

  it("counts rows not mapped yet by the order id in their payload, and only that order's", async () => {
    const earlier = await stored(at(0));
    // Another order whose payload mentions this order's id somewhere else: not this order.
    await stored(at(0.5), { generate: { overrides: { id: 999, note: `moved from ${ORDER}` } } });
    const later = await stored(at(1));
    expect(earlier.status).toBe("received");
    expect(await earlierPaymentFailures(database.db, later, String(ORDER))).toBe(1);
    expect(await earlierPaymentFailures(database.db, earlier, String(ORDER))).toBe(0);
    // Once mapped, the row is found by its order id column: the same count.
    await prepare(earlier);
    expect(await earlierPaymentFailures(database.db, later, String(ORDER))).toBe(1);
  });

  it("a processed order resets the count; another shop's failures never count", async () => {
    await prepare(await stored(at(0)));
    await stored(at(1));
    await stored(at(0.5), { shop: "tea.myshopify.com" });
    const paid = await stored(at(2), { topic: "order/processed" });
    const afterPaid = await stored(at(3));
    expect(await earlierPaymentFailures(database.db, paid, String(ORDER))).toBe(2);
    expect(await earlierPaymentFailures(database.db, afterPaid, String(ORDER))).toBe(0);
    expect((await prepare(afterPaid)).eventType).toBe("payment_attempt_failed_with_retries_left");
    // A partially processed order is a successful charge too.
    await prepare(await stored(at(4), { topic: "order/partiallyProcessed" }));
    expect((await prepare(await stored(at(5)))).eventType).toBe("payment_attempt_failed_with_retries_left");
  });

  it("a failure of another order starts from zero", async () => {
    await prepare(await stored(at(0)));
    await prepare(await stored(at(1)));
    const other = await prepare(await stored(at(2), { generate: { overrides: { id: 21777519 } } }));
    expect(other).toMatchObject({ eventType: "payment_attempt_failed_with_retries_left", loopOrderId: "21777519" });
    expect(other.typeDecision).toMatch(/^Retry position counted from 0 earlier failures of order 21777519;/);
  });

  it("payload counters win: nothing is counted for them", async () => {
    await prepare(await stored(at(0)));
    const counted = await prepare(await stored(at(1), { generate: { retryInfo: "paymentRetryCount", retryState: { retriesDone: 3, maxRetries: 3 } } }));
    expect(counted.eventType).toBe("payment_attempt_failed");
    expect(counted.typeDecision).toMatch(/^Retry position read from Loop's payload \(3 retries made before this failure\)/);
  });

  describe("a phone number that is not valid", () => {
    // amelia's number is in the UK's reserved drama range: it can never receive a text.
    const noEmail = { persona: "amelia", overrides: { id: ORDER, subscriptionId: 6128242, customer: { email: "$delete" } } };

    it("is named in the reason, with its field, when nothing else is found", async () => {
      const event = await prepare(await stored(at(0), { topic: "order/processed", generate: noEmail }));
      expect(event).toMatchObject({ status: "skipped", reason: "no_identifier" });
      expect(event.reasonDetail).toBe(
        "No usable email or phone for this customer: customer.phone is not a valid phone number for GB; shippingAddress.phone is not a valid phone number for GB, " +
          "and neither Shopify nor earlier events of the subscription have a usable one",
      );
    });

    it("is named for the derived account activation reminder too", async () => {
      shopifyCustomer = { ok: true, value: { id: "1", state: "DISABLED", email: null, phone: null, firstName: "Amelia" } };
      const created = await prepare(await stored(at(0), { topic: "subscription/created", generate: { ...noEmail, overrides: { customer: { email: "$delete" } } } }));
      expect(created).toMatchObject({ status: "skipped", reason: "no_identifier" });
      const activation = await database.db.event.findFirstOrThrow({ where: { dedupeKey: `${created.loopWebhookId}:customer_activation` } });
      expect(activation).toMatchObject({ status: "skipped", reason: "no_identifier", eventType: "customer_activation" });
      expect(activation.reasonDetail).toBe(
        "No usable email or phone for this customer: customer.phone is not a valid phone number for GB; shippingAddress.phone is not a valid phone number for GB, and Shopify has no usable one either",
      );
    });

    it("falls back to Shopify's customer record", async () => {
      shopifyCustomer = { ok: true, value: { id: "1", state: "ENABLED", email: "Amelia.Hughes@example.com", phone: null, firstName: "Amelia" } };
      const event = await prepare(await stored(at(0), { topic: "order/processed", generate: noEmail }));
      expect(event).toMatchObject({ status: "pending", customerEmail: "amelia.hughes@example.com", customerPhone: null });
    });

    it("falls back to the subscription's earlier events", async () => {
      const earlier = await prepare(await stored(at(0), { topic: "order/processed", generate: { persona: "amelia", overrides: { id: ORDER, subscriptionId: 6128242, customer: { phone: "+447911123456" } } } }));
      expect(earlier.customerPhone).toBe("+447911123456");
      const event = await prepare(await stored(at(1), { topic: "order/processed", generate: noEmail }));
      expect(event).toMatchObject({ status: "pending", customerEmail: "amelia.hughes@example.com", customerPhone: "+447911123456" });
    });
  });
});
