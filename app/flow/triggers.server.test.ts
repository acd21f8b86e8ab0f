// Flow triggers fired against the Shopify stand-in (which checks each payload against the trigger's declared
// fields, as Flow does): once per incident, only for shops whose workflows use the trigger (as the lifecycle
// callback, through the real authenticate.flow, recorded it), recorded in the shop's history, retried when
// Shopify is down and given up when Shopify refuses the payload.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePayload } from "../../sandbox/loop/payloads";
import { startShopifyAdminStandIn } from "../../sandbox/shopify/server";
import { databaseKinds, withTestDatabase } from "../../tests/support/databases";
import { flowRequest, installShop, runRoute } from "../../tests/support/shopify";
import { owners } from "~/compliance/owners.server";
import { resetConfigForTests } from "~/config/env.server";
import { markPostscriptKeyRejected } from "~/connections/postscript.server";
import { transition } from "~/delivery/transitions.server";
import { VirtualClock } from "~/jobs/virtual-clock";
import { receiveFlowTrigger } from "~/shopify/flow-triggers.server";
import { action as lifecycle } from "~/routes/flow.trigger-lifecycle";
import { adminAppLink } from "./runtime.server";
import { findIncidents, sendDueTriggers, type FlowTriggerDependencies } from "./triggers.server";
import type { TriggerHandle } from "./triggers";

const SHOP = "flow-triggers.myshopify.com";
const QUIET_MS = 60 * 60_000;

describe.each(databaseKinds)("Flow triggers (%s)", (kind) => {
  const database = withTestDatabase(kind);
  let shopify: Awaited<ReturnType<typeof startShopifyAdminStandIn>>;
  const clock = new VirtualClock();
  let seq = 0;

  beforeAll(async () => {
    shopify = await startShopifyAdminStandIn({ shopDomain: SHOP, acceptAnyToken: true });
    process.env.SHOPIFY_ADMIN_API_ORIGIN = shopify.url;
    resetConfigForTests();
    await installShop(database.db, SHOP);
    await database.db.postscriptConnection.create({ data: { shopDomain: SHOP, status: "connected", keyLastFour: "7890", connectedAt: new Date() } });
  });
  afterAll(async () => {
    delete process.env.SHOPIFY_ADMIN_API_ORIGIN;
    resetConfigForTests();
    await shopify.close();
  });

  const deps = (): FlowTriggerDependencies => ({
    db: database.db,
    clock,
    random: () => 0.5,
    backoff: { backoffBaseMs: 1_000, backoffMaxMs: 60_000 },
    quietMs: QUIET_MS,
    onlyWhenUsed: true,
    adminLink: (shop, path) => adminAppLink("test-api-key", shop, path),
    send: (shop, trigger, payload) => receiveFlowTrigger({ timeoutMs: 5_000 }, shop, trigger, payload),
  });
  const pass = async () => {
    await findIncidents(deps());
    await sendDueTriggers(deps());
  };
  const calls = (handle: TriggerHandle) => shopify.state.flowTriggers.filter((c) => c.handle === handle);
  const history = (action: string) => database.db.configurationChange.findMany({ where: { shopDomain: SHOP, action }, orderBy: { createdAt: "asc" } });

  const reportUse = (trigger: string, enabled: boolean, timestamp = new Date().toISOString(), options: { hmac?: string } = {}) =>
    runRoute(
      lifecycle,
      flowRequest("/flow/trigger-lifecycle", { flow_trigger_definition_id: trigger, has_enabled_flow: enabled, shop_id: 1, shopify_domain: SHOP, timestamp }, options),
    );

  /** A Loop event that ended with `reason`, through transition() as delivery records it (rollups included). */
  async function undelivered(reason: "postscript_rejected" | "no_identifier", persona = "ava", receivedAt = new Date()) {
    const n = ++seq;
    const body = generatePayload("subscription/created", { seed: `flow-${kind}-${n}`, shopDomain: SHOP, persona, now: Date.now() });
    const event = await database.db.event.create({
      data: { shopDomain: SHOP, dedupeKey: `f-${n}`, loopWebhookId: `f-${n}`, topic: "subscription/created", eventType: "subscription_created", status: "pending", subscriptionKey: `sub-${n}`, occurredAt: receivedAt, receivedAt, payload: JSON.stringify(body) },
    });
    await transition(database.db, event, { status: reason === "no_identifier" ? "skipped" : "failed", reason, reasonDetail: `${reason} for the test` });
    return event;
  }

  it("records a shop's trigger use from Flow's signed lifecycle callback; a forged one or an older one changes nothing", async () => {
    expect((await reportUse("postscript-needs-action", true, undefined, { hmac: "bm90IHRoZSByaWdodCBobWFj" })).status).toBe(400);
    expect(await database.db.flowTriggerUsage.count()).toBe(0);
    const now = Date.now();
    for (const trigger of ["postscript-needs-action", "loop-event-not-delivered", "Deliveries back to normal"]) {
      expect((await reportUse(trigger, true, new Date(now).toISOString())).status).toBe(200);
    }
    // An older "disabled" arriving late does not win over the newer "enabled".
    expect((await reportUse("postscript-needs-action", false, new Date(now - 60_000).toISOString())).status).toBe(200);
    const usage = await database.db.flowTriggerUsage.findMany({ where: { shopDomain: SHOP }, orderBy: { trigger: "asc" } });
    expect(usage.map((u) => [u.trigger, u.hasEnabledFlow])).toEqual([
      ["deliveries-back-to-normal", true],
      ["loop-event-not-delivered", true],
      ["postscript-needs-action", true],
    ]);
    expect((await history("flow.trigger_usage")).length).toBe(3);
    // A trigger this app does not have is answered 2xx (Flow would otherwise refuse the merchant's workflow).
    expect((await reportUse("someone-elses-trigger", true)).status).toBe(200);
  });

  it("fires 'needs action' once for a rejected key with 5,000 waiting events, and 'back to normal' once when it works again", async () => {
    const now = new Date();
    await database.db.event.createMany({
      data: Array.from({ length: 5_000 }, (_, i) => ({ shopDomain: SHOP, dedupeKey: `w-${i}`, loopWebhookId: `w-${i}`, topic: "order/upcoming", status: "paused", reason: "key_rejected", occurredAt: now, payload: "{}" })),
    });
    await markPostscriptKeyRejected(database.db, SHOP, "Postscript answered 401: the API key is not valid");
    for (let i = 0; i < 3; i++) await pass();

    expect(calls("postscript-needs-action")).toHaveLength(1);
    const [call] = calls("postscript-needs-action");
    expect(call.userErrors).toEqual([]);
    expect(call.payload).toEqual({
      reason: "Postscript answered 401: the API key is not valid",
      events_waiting: 5_000,
      settings_url: `https://${SHOP}/admin/apps/test-api-key/app/integrations/postscript?tab=settings`,
    });
    expect((await history("flow.trigger_sent")).map((h) => JSON.parse(h.details).trigger)).toEqual(["Postscript connection needs action"]);
    expect(calls("deliveries-back-to-normal")).toHaveLength(0);

    // The merchant fixes the key: the connection works again and paused events resume.
    await database.db.postscriptConnection.update({ where: { shopDomain: SHOP }, data: { status: "connected", lastVerifiedAt: new Date() } });
    await database.db.event.updateMany({ where: { shopDomain: SHOP, status: "paused" }, data: { status: "pending", reason: null } });
    for (let i = 0; i < 3; i++) await pass();
    expect(calls("deliveries-back-to-normal")).toHaveLength(1);
    expect(calls("deliveries-back-to-normal")[0]).toMatchObject({ userErrors: [], payload: { events_waiting: 5_000 } });
    expect(calls("postscript-needs-action")).toHaveLength(1);

    // A second rejection later is a new incident.
    await markPostscriptKeyRejected(database.db, SHOP, "Postscript answered 403");
    await pass();
    expect(calls("postscript-needs-action")).toHaveLength(2);
    await database.db.event.deleteMany({ where: { shopDomain: SHOP, dedupeKey: { startsWith: "w-" } } });
    await database.db.postscriptConnection.update({ where: { shopDomain: SHOP }, data: { status: "connected" } });
    await pass();
  });

  it("fires 'not delivered' once per reason and incident, with the first event's details and the customer reference", async () => {
    await undelivered("postscript_rejected");
    await undelivered("postscript_rejected");
    await undelivered("postscript_rejected");
    await pass();
    expect(calls("loop-event-not-delivered")).toHaveLength(1);
    const [call] = calls("loop-event-not-delivered");
    expect(call.userErrors).toEqual([]);
    expect(call.payload).toMatchObject({
      customer_id: 7400000001,
      event_type: "subscription_created",
      reason: "Postscript rejected the event: postscript_rejected for the test",
      events_affected: 3,
    });
    const latest = await database.db.event.findFirstOrThrow({ where: { shopDomain: SHOP, reason: "postscript_rejected" }, orderBy: { receivedAt: "desc" } });
    expect((call.payload as { event_url: string }).event_url).toBe(`https://${SHOP}/admin/apps/test-api-key/app/events/${latest.id}`);

    // More of the same reason soon after: the same incident, counted, not fired again.
    await undelivered("postscript_rejected");
    await pass();
    expect(calls("loop-event-not-delivered")).toHaveLength(1);
    const incident = await database.db.flowTriggerFiring.findFirstOrThrow({ where: { shopDomain: SHOP, trigger: "loop-event-not-delivered", incidentGroup: "postscript_rejected" } });
    expect(incident).toMatchObject({ status: "sent", events: 4 });

    // Another actionable reason is its own incident.
    await undelivered("no_identifier", "liam");
    await pass();
    expect(calls("loop-event-not-delivered")).toHaveLength(2);
    expect(calls("loop-event-not-delivered")[1].payload).toMatchObject({ customer_id: 7400000002, reason: expect.stringMatching(/^Missing phone and email/) });

    // After a quiet spell longer than the window, the same reason starts a new incident.
    await database.db.flowTriggerFiring.update({ where: { id: incident.id }, data: { lastSeenAt: new Date(Date.now() - 2 * QUIET_MS) } });
    await database.db.reasonRollup.updateMany({ where: { shopDomain: SHOP, reason: "postscript_rejected" }, data: { lastAt: new Date(Date.now() - 2 * QUIET_MS) } });
    // This one failed after a day of retries: the rollups count it in the hour it was received.
    await undelivered("postscript_rejected", "ava", new Date(Date.now() - 25 * 60 * 60_000));
    await pass();
    expect(calls("loop-event-not-delivered")).toHaveLength(3);
    expect(calls("loop-event-not-delivered")[2].payload).toMatchObject({ events_affected: 1, customer_id: 7400000001 });
  });

  it("sends nothing for a trigger the shop's workflows do not use", async () => {
    expect((await reportUse("loop-event-not-delivered", false)).status).toBe(200);
    await database.db.flowTriggerFiring.updateMany({ where: { shopDomain: SHOP, trigger: "loop-event-not-delivered" }, data: { lastSeenAt: new Date(Date.now() - 2 * QUIET_MS) } });
    await database.db.reasonRollup.updateMany({ where: { shopDomain: SHOP }, data: { lastAt: new Date(Date.now() - 2 * QUIET_MS) } });
    const before = calls("loop-event-not-delivered").length;
    await undelivered("postscript_rejected");
    await pass();
    expect(calls("loop-event-not-delivered")).toHaveLength(before);
    expect(await database.db.flowTriggerFiring.count({ where: { shopDomain: SHOP, trigger: "loop-event-not-delivered", status: "not_used" } })).toBe(1);
  });

  it("retries a trigger while Shopify is down, and gives up (in the history) when Shopify refuses the payload", async () => {
    await markPostscriptKeyRejected(database.db, SHOP, "Postscript answered 401");
    shopify.state.faults.failNext = { count: 1, status: 503 };
    const before = calls("postscript-needs-action").length;
    await pass();
    const waiting = await database.db.flowTriggerFiring.findFirstOrThrow({ where: { shopDomain: SHOP, trigger: "postscript-needs-action", status: "pending" } });
    expect(waiting.attempts).toBe(1);
    expect(waiting.lastError).toMatch(/503/);
    await pass(); // not due yet
    expect(calls("postscript-needs-action")).toHaveLength(before);
    clock.advance(120_000);
    await pass();
    expect(calls("postscript-needs-action")).toHaveLength(before + 1);
    expect(await database.db.flowTriggerFiring.findUniqueOrThrow({ where: { id: waiting.id } })).toMatchObject({ status: "sent", attempts: 2 });

    const refused = await database.db.flowTriggerFiring.create({
      data: { shopDomain: SHOP, trigger: "postscript-needs-action", incidentKey: "refused", incidentGroup: "connection", payload: JSON.stringify({ reason: "x", events_waiting: "many" }), status: "pending", lastSeenAt: new Date(), nextAttemptAt: new Date(clock.now()) },
    });
    await sendDueTriggers(deps());
    expect(await database.db.flowTriggerFiring.findUniqueOrThrow({ where: { id: refused.id } })).toMatchObject({ status: "failed", lastError: expect.stringContaining("events_waiting is not a valid number_integer") });
    const failed = await history("flow.trigger_failed");
    expect(failed).toHaveLength(1);
    expect(JSON.parse(failed[0].details).error).toContain("settings_url is missing");
  });

  it("hands over and removes what the triggers hold about a customer, and everything of the shop on shop/redact", async () => {
    const flow = owners.find((o) => o.name === "Shopify Flow triggers")!;
    const ava = { id: "7400000001" };
    expect((await flow.exportCustomer(database.db, SHOP, ava)).length).toBeGreaterThan(0);
    expect(await flow.exportCustomer(database.db, SHOP, {})).toEqual([]);
    expect(await flow.redactCustomer(database.db, SHOP, ava)).toBeGreaterThan(0);
    expect(await flow.exportCustomer(database.db, SHOP, ava)).toEqual([]);
    expect(await flow.redactShop(database.db, SHOP)).toBeGreaterThan(0);
    expect(await database.db.flowTriggerFiring.count({ where: { shopDomain: SHOP } })).toBe(0);
    expect(await database.db.flowTriggerUsage.count({ where: { shopDomain: SHOP } })).toBe(0);
  });
});
