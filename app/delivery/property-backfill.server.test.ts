// The backfill over real HTTP against the Loop stand-in's subscription list, on every test database: what it
// records for a customer with several subscriptions, resuming after a stop without reading a saved page
// again, taking over from a worker that died holding the job, cancelling, Loop's 429, and that no event is
// ever created.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEMO_SHOP, DEMO_TOKEN, startLoopStandIn, type LoopStandIn } from "../../sandbox/loop/server";
import { catalogueSubscription, type SubscriptionCatalogue } from "../../sandbox/loop/subscriptions";
import { databaseKinds, withTestDatabase } from "../../tests/support/databases";
import { loopTokenContext } from "~/connections/secret-contexts";
import { VirtualClock } from "~/jobs/virtual-clock";
import { LoopClient } from "~/loop/client.server";
import { sealSecret } from "~/secrets/secrets.server";
import {
  backfillProgress,
  cancelBackfill,
  runDueBackfills,
  startBackfill,
  type BackfillDependencies,
  type BackfillPolicy,
} from "./property-backfill.server";

const SHOP = DEMO_SHOP;
const POLICY: BackfillPolicy = {
  listPath: "/subscription",
  pageSize: 5,
  pageIntervalMs: 0,
  backoffBaseMs: 1_000,
  backoffMaxMs: 10_000,
  maxAttempts: 3,
  claimMs: 30_000,
  pollIntervalMs: 10,
  coalesceMs: 30_000,
};
/** 12 subscriptions of 4 customers: customer 0 (Ava, a persona) owns subscriptions 0, 4 and 8. */
const CATALOGUE: SubscriptionCatalogue = { count: 12, customers: 4, seed: "backfill-test", now: Date.UTC(2026, 10, 1) };

describe.each(databaseKinds)("property backfill from Loop's subscription list (%s)", (kind) => {
  const database = withTestDatabase(kind);
  let loop: LoopStandIn;
  let clock: VirtualClock;

  beforeAll(async () => {
    loop = await startLoopStandIn({ subscriptions: { [SHOP]: CATALOGUE }, listRatePerSecond: 0 });
    const sealed = sealSecret(DEMO_TOKEN, loopTokenContext(SHOP));
    await database.db.loopConnection.create({ data: { shopDomain: SHOP, status: "connected", mode: "api", tokenCiphertext: sealed.ciphertext, tokenKeyId: sealed.keyId } });
    await database.db.shopSettings.create({ data: { shopDomain: SHOP, propertySyncEnabled: true } });
  });
  afterAll(() => loop?.close());
  beforeEach(async () => {
    clock = new VirtualClock();
    loop.state.requests.length = 0;
    loop.state.listRatePerSecond = 0;
    await database.db.propertyBackfill.deleteMany();
    await database.db.subscriberSync.deleteMany();
    await database.db.loopSubscriptionState.deleteMany();
  });

  function deps(overrides: Partial<BackfillDependencies> = {}, token = DEMO_TOKEN): BackfillDependencies {
    return {
      db: database.db,
      clock,
      policy: POLICY,
      workerId: "worker-a",
      random: () => 0.5,
      clientFor: async () => new LoopClient({ baseUrl: loop.url, token, timeoutMs: 2_000 }),
      ...overrides,
    };
  }
  const pagesRead = () => loop.state.requests.filter((r) => r.path.endsWith("/subscription")).map((r) => `${r.search} ${r.status}`);

  it("records every listed subscription, describes a customer by all of theirs, queues each customer once, and creates no event", async () => {
    expect(await startBackfill(database.db, SHOP, new Date(clock.now()))).toEqual({ ok: true });
    expect(await runDueBackfills(deps())).toBe(1);

    expect(pagesRead()).toEqual(["?pageNo=1&pageSize=5 200", "?pageNo=2&pageSize=5 200", "?pageNo=3&pageSize=5 200"]);
    const job = await database.db.propertyBackfill.findUniqueOrThrow({ where: { shopDomain: SHOP } });
    expect(job).toMatchObject({ status: "done", pages: 3, subscriptionsRead: 12, subscriptionsTotal: 12, customers: 4, claimedBy: null, error: null });

    const ava = await database.db.loopSubscriptionState.findMany({ where: { shopDomain: SHOP, customerKey: "loop:61000001" }, orderBy: { subscriptionId: "asc" } });
    const expected = [0, 4, 8].map((i) => catalogueSubscription(SHOP, CATALOGUE, i));
    expect(ava.map((s) => [s.subscriptionId, s.subscriptionStatus])).toEqual(expected.map((s) => [String(s.id), s.status]));
    // State, not events: the backfill claims no last event.
    expect(ava.every((s) => s.lastEventType === null)).toBe(true);
    const sync = await database.db.subscriberSync.findMany({ where: { shopDomain: SHOP }, orderBy: { customerKey: "asc" } });
    expect(sync.map((s) => [s.customerKey, s.syncStatus])).toEqual([
      ["loop:61000001", "pending"],
      ["loop:61000002", "pending"],
      ["loop:61000003", "pending"],
      ["loop:61000004", "pending"],
    ]);
    expect(sync[0]).toMatchObject({ contactEmail: "ava.thompson@example.com", contactPhone: "+12015550101" });
    expect(await database.db.event.count()).toBe(0);
    expect(await backfillProgress(database.db, SHOP)).toMatchObject({ status: "done", subscriptionsRead: 12, subscriptionsTotal: 12, customers: 4, secondsLeft: null });
  });

  it("resumes after a stop at the first page not saved, without reading a saved page again", async () => {
    await startBackfill(database.db, SHOP, new Date(clock.now()));
    const stop = new AbortController();
    const stopping = deps({
      clientFor: async () => {
        const real = new LoopClient({ baseUrl: loop.url, token: DEMO_TOKEN });
        return { listSubscriptions: async (page, options) => (page === 2 && stop.abort(), real.listSubscriptions(page, options)) };
      },
    });
    await runDueBackfills(stopping, stop.signal);
    expect(await database.db.propertyBackfill.findUniqueOrThrow({ where: { shopDomain: SHOP } })).toMatchObject({ status: "running", nextPage: 3, pages: 2, claimedBy: null });
    expect(await database.db.loopSubscriptionState.count()).toBe(10);

    await runDueBackfills(deps({ workerId: "worker-b" }));
    expect(pagesRead()).toEqual(["?pageNo=1&pageSize=5 200", "?pageNo=2&pageSize=5 200", "?pageNo=3&pageSize=5 200"]);
    expect(await database.db.propertyBackfill.findUniqueOrThrow({ where: { shopDomain: SHOP } })).toMatchObject({ status: "done", subscriptionsRead: 12 });
    expect(await database.db.loopSubscriptionState.count()).toBe(12);
  });

  it("takes over a job whose worker died holding it once the claim runs out, and only then", async () => {
    await startBackfill(database.db, SHOP, new Date(clock.now()));
    await database.db.propertyBackfill.update({ where: { shopDomain: SHOP }, data: { nextPage: 2, claimedBy: "dead-worker", claimExpiresAt: new Date(clock.now() + 10_000) } });
    expect(await runDueBackfills(deps())).toBe(0);
    clock.advance(10_001);
    expect(await runDueBackfills(deps())).toBe(1);
    expect(pagesRead()).toEqual(["?pageNo=2&pageSize=5 200", "?pageNo=3&pageSize=5 200"]);
  });

  it("cancelled while a page is in flight: that page is not saved and nothing more is read", async () => {
    await startBackfill(database.db, SHOP, new Date(clock.now()));
    const cancelling = deps({
      clientFor: async () => {
        const real = new LoopClient({ baseUrl: loop.url, token: DEMO_TOKEN });
        return {
          listSubscriptions: async (page, options) => {
            const result = await real.listSubscriptions(page, options);
            if (page === 2) expect(await cancelBackfill(database.db, SHOP)).toBe(true);
            return result;
          },
        };
      },
    });
    await runDueBackfills(cancelling);
    expect(pagesRead()).toHaveLength(2);
    expect(await database.db.propertyBackfill.findUniqueOrThrow({ where: { shopDomain: SHOP } })).toMatchObject({ status: "cancelled", pages: 1, subscriptionsRead: 5 });
    expect(await database.db.loopSubscriptionState.count()).toBe(5);
    expect(await runDueBackfills(deps())).toBe(0);
    expect(await cancelBackfill(database.db, SHOP)).toBe(false);
  });

  it("waits as long as Loop's 429 asks, then carries on from the same page", async () => {
    loop.state.listRatePerSecond = 1;
    await startBackfill(database.db, SHOP, new Date(clock.now()));
    await runDueBackfills(deps());
    expect(pagesRead()).toEqual(["?pageNo=1&pageSize=5 200", "?pageNo=2&pageSize=5 429"]);
    const waiting = await database.db.propertyBackfill.findUniqueOrThrow({ where: { shopDomain: SHOP } });
    expect(waiting).toMatchObject({ status: "running", nextPage: 2, attempts: 0, claimedBy: null });
    expect(waiting.nextAttemptAt.getTime() - clock.now()).toBeGreaterThan(900);
    expect(await backfillProgress(database.db, SHOP, new Date(clock.now()))).toMatchObject({ status: "running", message: expect.stringMatching(/carries on by itself/) });
    expect(await runDueBackfills(deps())).toBe(0); // not before Loop's time

    loop.state.listRatePerSecond = 0;
    clock.advance(1_000);
    expect(await runDueBackfills(deps())).toBe(1);
    expect(pagesRead().slice(2)).toEqual(["?pageNo=2&pageSize=5 200", "?pageNo=3&pageSize=5 200"]);
    expect(await database.db.propertyBackfill.findUniqueOrThrow({ where: { shopDomain: SHOP } })).toMatchObject({ status: "done", subscriptionsRead: 12 });
  });

  it("stops with a message the merchant can act on when the token may not read subscriptions", async () => {
    await startBackfill(database.db, SHOP, new Date(clock.now()));
    loop.state.stores.get(SHOP)!.tokens.push({ token: "loop_webhooks_only", name: "webhooks only", scopes: ["write_webhooks"] });
    await runDueBackfills(deps({}, "loop_webhooks_only"));
    expect(await backfillProgress(database.db, SHOP)).toMatchObject({ status: "failed", message: expect.stringMatching(/permission/) });
  });

  it("starts only with syncing on, and a second start leaves the running job as it is", async () => {
    await database.db.shopSettings.update({ where: { shopDomain: SHOP }, data: { propertySyncEnabled: false } });
    expect(await startBackfill(database.db, SHOP)).toMatchObject({ ok: false, message: expect.stringMatching(/syncing on/) });
    await database.db.shopSettings.update({ where: { shopDomain: SHOP }, data: { propertySyncEnabled: true } });
    await startBackfill(database.db, SHOP);
    await database.db.propertyBackfill.update({ where: { shopDomain: SHOP }, data: { nextPage: 3 } });
    await startBackfill(database.db, SHOP);
    expect(await database.db.propertyBackfill.findUniqueOrThrow({ where: { shopDomain: SHOP } })).toMatchObject({ status: "running", nextPage: 3 });
  });
});
