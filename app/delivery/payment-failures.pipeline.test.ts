// Four payment failures of one Loop order whose payloads carry no retry counter, through the whole pipeline over
// real HTTP: the Loop stand-in's sender signs and posts the webhooks to the app's ingestion, the worker prepares
// them (real prepareEvent and stale check) and sends them to the Postscript stand-in. With 3 retries in Settings
// the failures must come out as retries left, retries left, last retry, final, whatever order they arrive in and
// however often Loop delivers them. On every test database.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePayload } from "../../sandbox/loop/payloads";
import { createLoopSender, type LoopSender } from "../../sandbox/loop/sender";
import { startPostscriptStandIn } from "../../sandbox/postscript/server";
import { DEMO_SHOP_KEY } from "../../sandbox/postscript/seed";
import { databaseKinds, withTestDatabase } from "../../tests/support/databases";
import { addManualLoopSecret } from "~/connections/loop.server";
import { handleLoopWebhookHttp, isLoopWebhookRequest } from "~/ingest/http.server";
import { closeLoopIngestion } from "~/ingest/runtime.server";
import { PostscriptClient } from "~/postscript/client.server";
import { getEventDetail } from "~/statistics/event-log.server";
import { TEST_DELIVERY_POLICY } from "./policy.testutil";
import { prepareForTests } from "./prepare.testutil";
import { staleCheck } from "./stale-check.server";
import { VirtualClock } from "~/jobs/virtual-clock";
import { createDeliveryWorker } from "./worker.server";

const SHOP = "demo-shop.myshopify.com";
const SECRET = "whsec_payment_failures_0123456789";
const HOUR = 3_600_000;
const TYPES = ["payment_attempt_failed_with_retries_left", "payment_attempt_failed_with_retries_left", "payment_attempt_failed_last_retry_left", "payment_attempt_failed"];

describe.each(databaseKinds)("payment failures without retry counters, end to end (%s)", (kind) => {
  const database = withTestDatabase(kind);
  let ps: Awaited<ReturnType<typeof startPostscriptStandIn>>;
  let ingest: http.Server;
  let loop: LoopSender;
  const clock = new VirtualClock();

  beforeAll(async () => {
    ps = await startPostscriptStandIn();
    expect(await addManualLoopSecret(database.db, SHOP, SECRET, ["order/paymentFailed"])).toMatchObject({ ok: true });
    ingest = http.createServer((req, res) => (isLoopWebhookRequest(req) ? handleLoopWebhookHttp(req, res) : res.writeHead(404).end()));
    await new Promise<void>((resolve) => ingest.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(ingest.address() as AddressInfo).port}/webhooks/loop?shop=${SHOP}`;
    loop = createLoopSender({ url, secret: SECRET, retries: { maxAttempts: 1 } });
  });
  afterAll(async () => {
    loop?.close();
    ingest?.closeAllConnections();
    await new Promise((resolve) => ingest?.close(resolve));
    await closeLoopIngestion();
    await ps?.close();
  });

  const worker = () =>
    createDeliveryWorker({
      db: database.db,
      clock,
      policy: TEST_DELIVERY_POLICY,
      workerId: "payment-failures",
      random: () => 0.5,
      senderFor: (c) => new PostscriptClient({ baseUrl: ps.url, apiKey: c.apiKey, timeoutMs: 2_000 }),
      credentialsFor: async () => ({ apiKey: DEMO_SHOP_KEY }),
      onKeyRejected: async () => undefined,
      prepare: prepareForTests(database.db, clock),
      staleReason: (event, now) => staleCheck(database.db, event, now, 3),
    });

  /** The n-th failure (0-based) of `order`, n hours after `start`, as Loop would post it. */
  function failure(order: number, n: number, start: number) {
    const payload = generatePayload("order/paymentFailed", { seed: `${order}-${n}`, shopDomain: SHOP, persona: "ava", retryInfo: "none", overrides: { id: order, subscriptionId: 6128242 } });
    return { shopDomain: SHOP, topic: "order/paymentFailed", payload: payload.payload, createdAt: start + n * HOUR, webhookId: `pf-${order}-${n}` };
  }

  async function post(item: ReturnType<typeof failure>, expected: 200 | 202) {
    const delivery = await loop.send(item);
    expect(delivery.finalStatus, `${item.webhookId}: ${JSON.stringify(delivery.attempts)}`).toBe(expected);
  }

  async function postscriptEvents(order: number): Promise<{ type: string; external_id: string; properties: Record<string, unknown> }[]> {
    const events = (await (await fetch(`${ps.url}/__sandbox/events`)).json()).events as { type: string; external_id: string; properties: Record<string, unknown> }[];
    return events.filter((e) => String(e.properties.order_id) === String(order));
  }

  const rowsOf = (order: number) => database.db.event.findMany({ where: { shopDomain: SHOP, loopOrderId: String(order) }, orderBy: { occurredAt: "asc" } });

  it("one failure at a time, with Loop delivering some twice: the four types, in order", async () => {
    const order = 21777518;
    const start = clock.now() - 10 * HOUR;
    for (let n = 0; n < 4; n++) {
      await post(failure(order, n, start), 202);
      if (n > 0) await post(failure(order, n - 1, start), 200); // a redelivery of the previous one: stored once
      await worker().drainOnce();
    }
    const sent = await postscriptEvents(order);
    expect(sent.map((e) => e.type)).toEqual(TYPES);
    expect(sent.map((e) => e.properties.retries_left)).toEqual([3, 2, 1, 0]);
    expect(sent.map((e) => e.external_id)).toEqual([0, 1, 2, 3].map((n) => `loop:pf-${order}-${n}`));
    const rows = await rowsOf(order);
    expect(rows.map((r) => [r.eventType, r.status])).toEqual(TYPES.map((t) => [t, "delivered"]));

    // The merchant's event detail and the support console show which rule decided, and from what.
    const decision = `Retry position counted from 3 earlier failures of order ${order}; maximum 3 retries from Settings: 0 retries left, so payment_attempt_failed (rule 7).`;
    for (const viewer of ["merchant", "support"] as const) expect((await getEventDetail(database.db, SHOP, rows[3].id, viewer, "UTC"))?.typeDecision).toBe(decision);
  });

  it("all four arriving together out of order (and one twice): classified by when they happened; only the final one is still worth sending", async () => {
    const order = 21777600;
    const start = clock.now() - 10 * HOUR;
    for (const n of [2, 0, 3, 1]) await post(failure(order, n, start), 202);
    await post(failure(order, 0, start), 200);
    await worker().drainOnce();
    const rows = await rowsOf(order);
    expect(rows.map((r) => r.eventType)).toEqual(TYPES);
    expect(rows.map((r) => JSON.parse(r.request!).properties.retries_left)).toEqual([3, 2, 1, 0]);
    // Each retry notice was overtaken by the next failure of the same order before it could go out.
    expect(rows.map((r) => [r.status, r.reasonDetail])).toEqual([
      ...[0, 1].map(() => ["skipped", "Payment failure message not sent: a later payment attempt for the same order has already failed"]),
      ["skipped", "Last-retry payment failure message not sent: a later payment attempt for the same order has already failed"],
      ["delivered", null],
    ]);
    expect((await postscriptEvents(order)).map((e) => [e.type, e.external_id])).toEqual([["payment_attempt_failed", `loop:pf-${order}-3`]]);
  });
});
