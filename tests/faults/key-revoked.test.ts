// Postscript revokes a shop's key while a stream of its events is being delivered: deliveries for that shop
// stop and wait (paused, none dropped), its connection shows Action needed, other shops carry on, webhooks keep
// being received; once the merchant re-verifies the key, everything that waited goes out, each event once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postscriptConnectionView, verifyPostscript } from "~/connections/postscript.server";
import { startAppServer, type AppServer } from "../support/app-server";
import { databaseKinds } from "../support/databases";
import { deliveredCounts, openEvents, range, setUpPipeline, waitFor, WebhookSender, type Pipeline } from "./support";

const EVENTS = 1_000;
const MAX_IN_FLIGHT_PER_SHOP = 4; // app/delivery/policy.ts

describe.each(databaseKinds)("Postscript key revoked mid-stream (%s)", (kind) => {
  let pipeline: Pipeline;
  let app: AppServer | undefined;
  beforeAll(async () => {
    pipeline = await setUpPipeline(kind, { shops: 2, prefix: `revoked${kind}`, postscript: { rateLimitPerSecond: 1000 } });
  });
  afterAll(async () => {
    await app?.stop("SIGKILL");
    await pipeline?.close();
  });

  it("pauses the shop's deliveries without dropping any, shows Action needed, and sends everything once after re-verifying", async () => {
    app = await startAppServer(pipeline.serverEnv({ POSTSCRIPT_RATE_LIMIT_PER_SECOND: "100" }));
    const [revoked, other] = pipeline.postscriptShops;
    const sender = new WebhookSender(pipeline.webhookFor);
    const ids = range(EVENTS, `revoked-${kind}`);
    const shopOf = (id: string) => sender.templateFor(id).shop;
    const sentFor = (shop: string) => pipeline.ps.state.events.filter((e) => e.shop_id === (shop === revoked.shopDomain ? revoked.postscriptShopId : other.postscriptShopId)).length;

    // First half: received and being delivered; the key is revoked once a good part of the revoked shop's are out.
    const firstHalf = ids.slice(0, EVENTS / 2);
    await sender.sendAll(firstHalf, () => app!.url);
    await waitFor("deliveries under way", () => sentFor(revoked.shopDomain) >= 60, 30_000, 5);
    pipeline.ps.setFaults({ revokedKeys: [revoked.key] });
    const rejectedBefore = pipeline.ps.state.requests.filter((r) => r.status === 401).length;

    // The connection needs the merchant; deliveries for the shop wait; the second half still comes in.
    await waitFor("Action needed", async () => (await postscriptConnectionView(pipeline.db, revoked.shopDomain)).status === "action_needed", 20_000);
    await sender.sendAll(ids.slice(EVENTS / 2), () => app!.url);
    const revokedIds = ids.filter((id) => shopOf(id) === revoked.shopDomain);
    const otherIds = ids.filter((id) => shopOf(id) === other.shopDomain);
    await waitFor("the other shop's events delivered", () => otherIds.every((id) => deliveredCounts(pipeline.ps).has(`loop:${id}`)), 30_000, 50);
    const deliveredWhileRevoked = sentFor(revoked.shopDomain);
    await waitFor(
      "the revoked shop's events to wait, none lost",
      async () => (await pipeline.db.event.count({ where: { shopDomain: revoked.shopDomain, status: "paused" } })) === revokedIds.length - deliveredWhileRevoked,
      20_000,
    );
    const view = await postscriptConnectionView(pipeline.db, revoked.shopDomain);
    expect(view.actionNeededReason).toBeTruthy();
    expect(await pipeline.db.event.count({ where: { shopDomain: revoked.shopDomain, status: { in: ["failed", "skipped"] } } })).toBe(0);
    // Every open event of the shop is paused: the worker has nothing it may send for it, so the count is final.
    await waitFor(
      "no event of the revoked shop the worker could still send",
      async () => (await pipeline.db.event.count({ where: { shopDomain: revoked.shopDomain, status: { in: ["received", "pending"] } } })) === 0,
      20_000,
    );
    expect(sentFor(revoked.shopDomain)).toBe(deliveredWhileRevoked); // nothing more went out for it
    const rejected = pipeline.ps.state.requests.filter((r) => r.status === 401).length - rejectedBefore;
    expect(rejected).toBeGreaterThan(0);
    expect(rejected).toBeLessThanOrEqual(MAX_IN_FLIGHT_PER_SHOP); // the requests already in flight, then it stopped

    // The merchant fixes the key at Postscript and verifies it again: everything that waited goes out.
    pipeline.ps.resetFaults();
    expect(await verifyPostscript(pipeline.db, revoked.shopDomain)).toMatchObject({ ok: true });
    await waitFor("everything delivered", async () => (await openEvents(pipeline.db)) === 0, 30_000, 100);
    const counts = deliveredCounts(pipeline.ps);
    expect(ids.filter((id) => counts.get(`loop:${id}`) !== 1)).toEqual([]);
    expect(await pipeline.db.event.count({ where: { status: "delivered" } })).toBe(EVENTS);
    console.log(
      `key revoked (${kind}): ${revokedIds.length} events for the revoked shop, ${deliveredWhileRevoked} out before the revocation took hold, ` +
        `${rejected} answered 401 (in flight), ${revokedIds.length - deliveredWhileRevoked} paused then delivered; ${otherIds.length} for the other shop unaffected; each of ${EVENTS} delivered once`,
    );
    sender.close();
  }, 120_000);
});
