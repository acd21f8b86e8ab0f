// End to end over real HTTP: the Loop stand-in signs and sends webhooks to the app (production build), the
// app stores, maps and delivers them, and the Postscript stand-in records what arrived. Runs on every test
// database. Slow-ish (a real server and three stand-ins), so it checks the whole path once per behaviour.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LoopStandIn } from "../../sandbox/loop/server";
import { DEMO_SHOP_KEY } from "../../sandbox/postscript/seed";
import { connectLoopWithToken } from "~/connections/loop.server";
import { verifyPostscript } from "~/connections/postscript.server";
import type { Database } from "~/db.server";
import { EVENT_TYPE_NAMES } from "~/events/catalogue";
import { mapLoopWebhook } from "~/events/mapping";
import { databaseKinds } from "../support/databases";
import { openEvents, startEndToEnd, type EndToEnd } from "../support/end-to-end";
import { waitFor } from "../support/wait";

const SHOP = "demo-shop.myshopify.com";
const LOOP_TOKEN = "loop_demo_4f1c2e9a7b3d8e6f";

async function json(url: string, init?: RequestInit & { body?: string }) {
  const response = await fetch(url, { ...init, headers: { "Content-Type": "application/json", ...(init?.headers ?? {}) } });
  return response.json();
}

describe.each(databaseKinds)("pipeline end to end (%s)", (kind) => {
  let e2e: EndToEnd;
  let ps: EndToEnd["ps"];
  let loop: LoopStandIn;
  let db: Database;

  beforeAll(async () => {
    e2e = await startEndToEnd(kind, {
      shops: [SHOP],
      loop: { sender: { retries: { maxAttempts: 3, delaysMs: [200] } } },
      prepare: async (db) => expect(await connectLoopWithToken(db, SHOP, LOOP_TOKEN)).toMatchObject({ ok: true }),
    });
    ({ ps, db } = e2e);
    loop = e2e.loop!;
  }, 60_000);

  afterAll(() => e2e?.stop());

  async function send(topic: string, extra: Record<string, unknown> = {}) {
    const result = await json(`${loop.url}/__sandbox/send`, { method: "POST", body: JSON.stringify({ shopDomain: SHOP, topic, persona: "ava", ...extra }) });
    expect(result.subscriptions).toBe(1);
    return result;
  }

  async function postscriptEvents(): Promise<any[]> {
    return (await json(`${ps.url}/__sandbox/events?shop=shop_c0ffee00000001`)).events;
  }

  it("turns every Loop topic into its Postscript Custom Event: all 17 types, exactly as mapped", async () => {
    const topics = [
      "subscription/created", "subscription/paused", "subscription/resumed", "subscription/cancelled",
      "subscription/reactivated", "subscription/expired", "order/upcoming", "order/skipped", "order/outOfStock",
      "order/processed", "order/partiallyProcessed", "paymentMethod/expiringSoon", "flow/completed",
    ];
    // flow/completed names only the subscription; the app finds the customer from the subscription's earlier events.
    const subscriptionId = 77_000_001;
    for (const [i, topic] of topics.entries()) {
      const overrides =
        topic === "subscription/created" ? { id: subscriptionId } : topic === "flow/completed" ? { subscription: { id: subscriptionId } } : undefined;
      await send(topic, { seed: `e2e-${i}`, ...(overrides ? { overrides } : {}) });
    }
    // One topic, three events: the retry position decides which.
    await send("order/paymentFailed", { seed: "pf-1", retryState: { retriesDone: 0, maxRetries: 3 } });
    await send("order/paymentFailed", { seed: "pf-2", retryState: { retriesDone: 2, maxRetries: 3 } });
    await send("order/paymentFailed", { seed: "pf-3", retryState: { retriesDone: 3, maxRetries: 3 } });
    // customer_activation: a new subscription for a customer whose Shopify account is not activated.
    await send("subscription/created", { seed: "activation", persona: "liam" });

    const expectedEvents = topics.length + 3 + 2;
    // Postscript has an event a moment before the app records it delivered: wait for both.
    const received = await waitFor("all events at Postscript and recorded delivered", async () => {
      const events = await postscriptEvents();
      const delivered = await db.event.count({ where: { shopDomain: SHOP, status: "delivered" } });
      return events.length >= expectedEvents && delivered >= expectedEvents ? events : undefined;
    }, 15_000).catch(async (error) => {
      const rows = await db.event.findMany({ select: { topic: true, eventType: true, status: true, reason: true, reasonDetail: true } });
      throw new Error(`${error.message}; events: ${JSON.stringify(rows.filter((r) => r.status !== "delivered"))}`);
    });
    expect(new Set(received.map((e) => e.type))).toEqual(new Set(EVENT_TYPE_NAMES));

    // What Postscript received is exactly what the app prepared, and that is the mapping of what Loop sent
    // (identifiers completed by the app only where Loop's payload had none).
    const rows = await db.event.findMany({ where: { shopDomain: SHOP, status: "delivered" } });
    expect(rows).toHaveLength(expectedEvents);
    for (const row of rows) {
      const request = JSON.parse(row.request!);
      const arrived = received.find((e) => e.external_id === request.external_id);
      expect(arrived, `${row.topic} ${row.loopWebhookId}`).toBeDefined();
      const { type, email, phone, occurred_at, properties, external_id } = arrived;
      expect(JSON.parse(JSON.stringify({ type, email, phone, occurred_at, properties, external_id }))).toEqual(request);
      if (row.eventType === "customer_activation") continue;
      const mapped = mapLoopWebhook({ topic: row.topic, payload: JSON.parse(row.payload), webhookId: row.loopWebhookId, occurredAt: row.occurredAt, settings: { paymentRetryCount: 3 } });
      if (mapped.kind !== "event") throw new Error(`${row.topic} did not map`);
      const identifiers = mapped.needsCustomerLookup ? { email: request.email, phone: request.phone } : {};
      expect(request).toEqual(JSON.parse(JSON.stringify({ ...mapped.event, ...identifiers })));
    }
    const flow = received.find((e) => e.type === "flow_completed");
    expect(flow.email).toBe("ava.thompson@example.com");
    const activation = received.find((e) => e.type === "customer_activation");
    expect(activation.properties.account_activation_url).toMatch(new RegExp(`^https://${SHOP}/account/activate/7400000002/`));
    expect(activation.email).toBe("liam.garcia@example.com");
  });

  it("stores a redelivered webhook once and sends it once", async () => {
    await json(`${loop.url}/__sandbox/options`, { method: "POST", body: JSON.stringify({ duplicateRate: 1 }) });
    const before = (await postscriptEvents()).length;
    const result = await send("order/skipped", { seed: "dup-1" });
    await json(`${loop.url}/__sandbox/options`, { method: "POST", body: JSON.stringify({ duplicateRate: 0 }) });
    const webhookId = result.deliveries[0].webhookId;
    await waitFor("the event at Postscript", async () => ((await postscriptEvents()).length > before ? true : undefined));
    // Both copies were answered before send() returned; once no event is open the worker has nothing left to send.
    await waitFor("the worker to have nothing left to send", async () => (await openEvents(db, SHOP)) === 0);
    expect(await db.event.count({ where: { shopDomain: SHOP, loopWebhookId: webhookId } })).toBe(1);
    expect((await postscriptEvents()).filter((e) => e.external_id === `loop:${webhookId}`)).toHaveLength(1);
  });

  it("pauses deliveries when Postscript revokes the key, loses nothing, and resumes after re-verifying", async () => {
    await ps.setFaults({ revokedKeys: [DEMO_SHOP_KEY] });
    await send("order/upcoming", { seed: "revoked-1" });
    await send("order/upcoming", { seed: "revoked-2" });
    await waitFor("the connection to need action", async () => {
      const row = await db.postscriptConnection.findUnique({ where: { shopDomain: SHOP } });
      return row?.status === "action_needed" ? true : undefined;
    });
    await waitFor("both events to wait", async () => ((await db.event.count({ where: { shopDomain: SHOP, status: "paused" } })) === 2 ? true : undefined));

    ps.resetFaults();
    expect(await verifyPostscript(db, SHOP)).toMatchObject({ ok: true });
    await waitFor("the paused events to go out", async () => (await openEvents(db, SHOP)) === 0);
    const sent = (await postscriptEvents()).filter((e) => e.type === "order_upcoming");
    expect(sent.length).toBeGreaterThanOrEqual(3);
  });
});
