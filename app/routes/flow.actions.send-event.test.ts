// Shopify Flow's "Send custom event to Postscript" action through the real authenticate.flow (HMAC-SHA256 of
// the raw body with the app secret), the outbox and the delivery worker as the app runs it, against the
// Shopify stand-in (customer lookup) and the Postscript stand-in.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPostscriptStandIn } from "../../sandbox/postscript/server";
import { DEMO_SHOP_KEY } from "../../sandbox/postscript/seed";
import { startShopifyAdminStandIn } from "../../sandbox/shopify/server";
import { databaseKinds, withTestDatabase } from "../../tests/support/databases";
import { flowRequest, installShop, runRoute } from "../../tests/support/shopify";
import { resetConfigForTests } from "~/config/env.server";
import { connectPostscript, verifyPostscript } from "~/connections/postscript.server";
import { createAppDeliveryWorkers } from "~/delivery/runtime.server";
import { FLOW_TOPIC } from "~/events/flow-action";
import { createAppFlowTriggerWorker } from "~/flow/runtime.server";
import { getEventDetail } from "~/statistics/event-log.server";
import { action } from "./flow.actions.send-event";
import { action as lifecycle } from "./flow.trigger-lifecycle";
import { waitFor } from "../../tests/support/wait";

const SHOP = "flow-action.myshopify.com";
const AVA = 7400000001; // a seeded customer of the Shopify stand-in: ava.thompson@example.com, +12015550101
const PATH = "/flow/actions/send-event";

const run = (actionRunId: string, properties: Record<string, unknown>, shop = SHOP) => ({
  shop_id: "gid://shopify/Shop/1",
  shopify_domain: shop,
  action_run_id: actionRunId,
  handle: "send-postscript-event",
  properties,
});

describe.each(databaseKinds)("Flow action: send custom event to Postscript (%s)", (kind) => {
  const database = withTestDatabase(kind);
  let shopify: Awaited<ReturnType<typeof startShopifyAdminStandIn>>;
  let ps: Awaited<ReturnType<typeof startPostscriptStandIn>>;

  beforeAll(async () => {
    [shopify, ps] = await Promise.all([startShopifyAdminStandIn({ shopDomain: SHOP, acceptAnyToken: true }), startPostscriptStandIn()]);
    Object.assign(process.env, { SHOPIFY_ADMIN_API_ORIGIN: shopify.url, POSTSCRIPT_API_URL: ps.url });
    resetConfigForTests();
    await installShop(database.db, SHOP);
    expect(await connectPostscript(database.db, SHOP, { apiKey: DEMO_SHOP_KEY, label: "flow" })).toMatchObject({ ok: true });
  });
  afterAll(async () => {
    delete process.env.SHOPIFY_ADMIN_API_ORIGIN;
    delete process.env.POSTSCRIPT_API_URL;
    resetConfigForTests();
    await Promise.all([shopify.close(), ps.close()]);
  });

  // One worker for the whole file, as in a running process: a new worker would find the last one's key lease
  // still spacing its requests and send nothing on its single pass.
  let worker: ReturnType<typeof createAppDeliveryWorkers>["delivery"] | undefined;
  const drain = () => (worker ??= createAppDeliveryWorkers(database.db).delivery).drainOnce();
  const flowRows = () => database.db.event.findMany({ where: { shopDomain: SHOP, topic: FLOW_TOPIC }, orderBy: { receivedAt: "asc" } });
  const sentToPostscript = (externalId: string) => ps.state.events.filter((e) => e.external_id === externalId);

  it("queues a signed run in the outbox at once, and the worker delivers it to Postscript with the customer's contact", async () => {
    const runId = `run-ok-${kind}`;
    const response = await runRoute(action, flowRequest(PATH, run(runId, { customer_id: AVA, event_type: "vip_tagged", properties: "tier=gold\n\nsource_tag = vip " })));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ message: "Queued for Postscript" });
    // Answered before anything was sent: the event waits in the outbox like a received Loop webhook.
    expect(sentToPostscript(`flow:${runId}`)).toHaveLength(0);
    const [queued] = await flowRows();
    expect(queued).toMatchObject({ status: "received", eventType: "vip_tagged", dedupeKey: `flow:${runId}` });

    await drain();

    const [delivered] = sentToPostscript(`flow:${runId}`);
    expect(delivered).toMatchObject({ type: "vip_tagged", email: "ava.thompson@example.com", phone: "+12015550101" });
    expect(delivered.properties).toEqual({ tier: "gold", source_tag: "vip", source: "shopify_flow" });
    const row = await database.db.event.findUniqueOrThrow({ where: { id: queued.id } });
    expect(row.status).toBe("delivered");
    expect(await database.db.eventRollup.aggregate({ where: { shopDomain: SHOP, eventType: "vip_tagged" }, _sum: { received: true, delivered: true } })).toMatchObject({
      _sum: { received: 1, delivered: 1 },
    });
    expect(await getEventDetail(database.db, SHOP, queued.id, "merchant", "UTC")).toMatchObject({ source: "Shopify Flow", type: "vip_tagged", outcome: "delivered" });
  });

  it("does not queue a run twice when Flow sends it again, even long after (a stale replay of a signed request)", async () => {
    const runId = `run-retried-${kind}`;
    const body = run(runId, { customer_id: String(AVA), event_type: "loyalty_points" });
    expect((await runRoute(action, flowRequest(PATH, body))).status).toBe(200);
    await drain();
    // Flow's requests carry no timestamp and authenticate.flow checks none: the same signed body sent again is
    // told it is queued already, and nothing new is sent.
    const again = await runRoute(action, flowRequest(PATH, body));
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ message: "Already queued for Postscript" });
    await drain();
    expect(await database.db.event.count({ where: { shopDomain: SHOP, dedupeKey: `flow:${runId}` } })).toBe(1);
    expect(sentToPostscript(`flow:${runId}`)).toHaveLength(1);
  });

  it("refuses a forged signature (400) and queues nothing", async () => {
    const before = (await flowRows()).length;
    const response = await runRoute(action, flowRequest(PATH, run(`run-forged-${kind}`, { customer_id: AVA, event_type: "vip_tagged" }), { hmac: "bm90IHRoZSByaWdodCBobWFj" }));
    expect(response.status).toBe(400);
    expect((await flowRows()).length).toBe(before);
  });

  it("refuses a signed run for a shop without the app (400)", async () => {
    const response = await runRoute(action, flowRequest(PATH, run(`run-unknown-${kind}`, { customer_id: AVA, event_type: "vip_tagged" }, "not-installed.myshopify.com")));
    expect(response.status).toBe(400);
    expect(await database.db.event.count({ where: { shopDomain: "not-installed.myshopify.com" } })).toBe(0);
  });

  it("answers invalid input with a message for the merchant, and queues nothing", async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ customer_id: AVA, event_type: "vip-tagged" }, /only letters, digits and underscores/],
      [{ customer_id: AVA }, /Event type is required/],
      [{ event_type: "vip_tagged" }, /Choose a customer/],
      [{ customer_id: AVA, event_type: "vip_tagged", properties: "tier gold" }, /line 1 must be key=value/],
      [{ customer_id: AVA, event_type: "vip_tagged", properties: "a=1\na=2" }, /Property a appears twice/],
    ];
    const before = (await flowRows()).length;
    for (const [i, [properties, message]] of cases.entries()) {
      const response = await runRoute(action, flowRequest(PATH, run(`run-invalid-${kind}-${i}`, properties)));
      expect(response.status, JSON.stringify(properties)).toBe(400);
      expect((await response.json()).message).toMatch(message);
    }
    expect((await flowRows()).length).toBe(before);
  });

  it("skips, with the reason, a run whose customer Shopify does not know", async () => {
    const runId = `run-nobody-${kind}`;
    expect((await runRoute(action, flowRequest(PATH, run(runId, { customer_id: 999999, event_type: "vip_tagged" })))).status).toBe(200);
    await drain();
    const row = await database.db.event.findFirstOrThrow({ where: { shopDomain: SHOP, dedupeKey: `flow:${runId}` } });
    expect(row).toMatchObject({ status: "skipped", reason: "no_identifier" });
    expect(row.reasonDetail).toContain("customer 999999");
  });

  it("answers 405 to anything but POST", async () => {
    expect((await runRoute(action, flowRequest(PATH, {}, { method: "GET" }))).status).toBe(405);
  });

  it("with the key revoked, 30 waiting events fire one 'needs action' trigger, and one 'back to normal' once it works again", async () => {
    for (const trigger of ["postscript-needs-action", "deliveries-back-to-normal"]) {
      const callback = { flow_trigger_definition_id: trigger, has_enabled_flow: true, shop_id: 1, shopify_domain: SHOP, timestamp: new Date().toISOString() };
      expect((await runRoute(lifecycle, flowRequest("/flow/trigger-lifecycle", callback))).status).toBe(200);
    }
    const triggers = createAppFlowTriggerWorker(database.db);
    const fired = (handle: string) => shopify.state.flowTriggers.filter((c) => c.handle === handle);
    ps.setFaults({ revokedKeys: [DEMO_SHOP_KEY] });
    for (let i = 0; i < 30; i++) {
      expect((await runRoute(action, flowRequest(PATH, run(`run-revoked-${kind}-${i}`, { customer_id: AVA, event_type: "vip_tagged" })))).status).toBe(200);
    }
    await drain();
    expect(await database.db.postscriptConnection.findUniqueOrThrow({ where: { shopDomain: SHOP } })).toMatchObject({ status: "action_needed" });
    for (let i = 0; i < 3; i++) await triggers.runOnce();
    expect(fired("postscript-needs-action")).toHaveLength(1);
    expect(fired("postscript-needs-action")[0]).toMatchObject({ userErrors: [], payload: { events_waiting: 30 } });

    ps.resetFaults();
    expect(await verifyPostscript(database.db, SHOP)).toMatchObject({ ok: true });
    // Every waiting event goes out once the key works (a worker pass may leave one retrying for a moment).
    const delivered = () => database.db.event.count({ where: { shopDomain: SHOP, dedupeKey: { startsWith: `flow:run-revoked-${kind}-` }, status: "delivered" } });
    await waitFor("the 30 waiting events delivered", async () => (await drain(), (await delivered()) === 30));
    for (let i = 0; i < 3; i++) await triggers.runOnce();
    expect(fired("deliveries-back-to-normal")).toHaveLength(1);
    expect(fired("postscript-needs-action")).toHaveLength(1);
  });
});
