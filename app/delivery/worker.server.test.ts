// The delivery worker against the Postscript stand-in over real HTTP, on every test database.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startPostscriptStandIn } from "../../sandbox/postscript/server";
import { DEMO_SHOP_KEY, TEA_SHOP_KEY } from "../../sandbox/postscript/seed";
import { databaseKinds, withTestDatabase } from "../../tests/support/databases";
import { closeDatabaseClient, createDatabaseClient, type Database } from "~/db.server";
import { PostscriptClient } from "~/postscript/client.server";
import { systemClock, type Clock } from "~/jobs/clock";
import { createPendingEvent } from "./pending-event.testutil";
import { TEST_DELIVERY_POLICY } from "./policy.testutil";
import { VirtualClock } from "~/jobs/virtual-clock";
import { createDeliveryWorker, type DeliveryDependencies, type PostscriptCredentials } from "./worker.server";

const SHOP_A = "coffee.myshopify.com";
const SHOP_B = "tea.myshopify.com";

const policy = TEST_DELIVERY_POLICY;

describe.each(databaseKinds)("delivery worker (%s)", (kind) => {
  const database = withTestDatabase(kind);
  let ps: Awaited<ReturnType<typeof startPostscriptStandIn>>;
  const keys = new Map<string, string>([
    [SHOP_A, DEMO_SHOP_KEY],
    [SHOP_B, TEA_SHOP_KEY],
  ]);
  const rejected: string[] = [];

  beforeAll(async () => {
    ps = await startPostscriptStandIn();
  });
  afterAll(() => ps.close());
  beforeEach(async () => {
    ps.resetFaults();
    await fetch(`${ps.url}/__sandbox/requests`, { method: "DELETE" });
    await fetch(`${ps.url}/__sandbox/events`, { method: "DELETE" });
    await database.db.deliveryAttempt.deleteMany();
    await database.db.event.deleteMany();
    await database.db.deliveryLease.deleteMany();
    await database.db.deliveryKeyLease.deleteMany();
    keys.set(SHOP_A, DEMO_SHOP_KEY);
    keys.set(SHOP_B, TEA_SHOP_KEY);
    rejected.length = 0;
  });

  function worker(overrides: Partial<DeliveryDependencies> = {}, db: Database = database.db) {
    return createDeliveryWorker({
      db,
      clock: new VirtualClock(),
      policy,
      workerId: "test-worker",
      random: () => 0.5,
      senderFor: (c: PostscriptCredentials) => new PostscriptClient({ baseUrl: ps.url, apiKey: c.apiKey, timeoutMs: 500 }),
      credentialsFor: async (shop) => (keys.has(shop) ? { apiKey: keys.get(shop)! } : { hold: "not_connected", detail: "test: no key" }),
      onKeyRejected: async (shop) => {
        rejected.push(shop);
        keys.delete(shop);
      },
      prepare: async () => undefined,
      staleReason: async () => null,
      ...overrides,
    });
  }

  const pendingEvent = (shop: string, fields?: Parameters<typeof createPendingEvent>[2]) => createPendingEvent(database.db, shop, fields);

  async function received(): Promise<{ path: string; status: number; body: any }[]> {
    const json = await (await fetch(`${ps.url}/__sandbox/requests?path=/api/v2/events`)).json();
    return json.requests.map((r: any) => ({ path: r.path, status: r.status, body: r.body }));
  }

  it("sends due events, records the attempt and Postscript's event id", async () => {
    const event = await pendingEvent(SHOP_A, { request: { type: "order_upcoming", email: "ada@example.com", external_id: "loop:x", properties: { order_total: 30 } } });
    await worker().drainOnce();
    const after = await database.db.event.findUniqueOrThrow({ where: { id: event.id }, include: { attempts: true } });
    expect(after).toMatchObject({ status: "delivered", attemptCount: 1, reason: null });
    expect(after.postscriptEventId).toMatch(/^evt_/);
    expect(after.attempts).toMatchObject([{ outcome: "delivered", httpStatus: 202 }]);
    expect(await received()).toEqual([
      { path: "/api/v2/events", status: 202, body: { type: "order_upcoming", email: "ada@example.com", external_id: "loop:x", properties: { order_total: 30 } } },
    ]);
  });

  it("retries 5xx with exponential backoff and gives up after the retry window", async () => {
    await ps.setFaults({ errorRate: 1, errorStatus: 503 });
    const event = await pendingEvent(SHOP_A);
    const clock = new VirtualClock();
    const w = worker({ clock });
    const delays: number[] = [];
    for (let i = 0; i < 40; i++) {
      const before = await database.db.event.findUniqueOrThrow({ where: { id: event.id } });
      if (before.status !== "pending") break;
      clock.advance(Math.max(0, before.nextAttemptAt.getTime() - clock.now()));
      await w.drainOnce();
      const after = await database.db.event.findUniqueOrThrow({ where: { id: event.id }, include: { attempts: { orderBy: { startedAt: "desc" }, take: 1 } } });
      if (after.status === "pending") {
        const attempt = after.attempts[0];
        delays.push(after.nextAttemptAt.getTime() - (attempt.startedAt.getTime() + attempt.durationMs));
      }
    }
    // random() = 0.5 → delay = 3/4 of base·2^(n-1): 1.5 s, 3 s, 6 s, … measured from the attempt's recorded end
    const expected = [1500, 3000, 6000, 12000, 24000, 48000, 96000, 192000, 384000, ...Array(20).fill(450000)];
    // Retries stop once the next one would fall outside the 1 h window (the sum of the delays stays inside it).
    // 1.5+3+…+384 s = 766.5 s, then 450 s each: 6 more fit in the hour, so 15 retries in all.
    expect(delays.length).toBe(15);
    expect(delays.reduce((a, b) => a + b, 0)).toBeLessThan(policy.retryWindowMs);
    delays.forEach((d, i) => expect(d).toBe(expected[i]));
    const final = await database.db.event.findUniqueOrThrow({ where: { id: event.id } });
    expect(final).toMatchObject({ status: "failed", reason: "postscript_unavailable" });
    expect(final.reasonDetail).toMatch(/^Gave up after \d+ attempts/);
  });

  it("honours Retry-After on 429 and then delivers", async () => {
    await ps.setFaults({ rateLimitPerSecond: 1, retryAfterOn429: true });
    await fetch(`${ps.url}/api/v2/events`, { method: "POST", headers: { Authorization: `Bearer ${DEMO_SHOP_KEY}` }, body: JSON.stringify({ type: "use_the_budget" }) });
    const event = await pendingEvent(SHOP_A);
    const clock = new VirtualClock();
    await worker({ clock }).drainOnce();
    const after = await database.db.event.findUniqueOrThrow({ where: { id: event.id } });
    expect(after.status).toBe("pending");
    expect(after.reason).toBe("rate_limited");
    expect(after.nextAttemptAt.getTime()).toBeGreaterThan(clock.now());
    ps.resetFaults();
    clock.advance(after.nextAttemptAt.getTime() - clock.now());
    await worker({ clock }).drainOnce();
    expect((await database.db.event.findUniqueOrThrow({ where: { id: event.id } })).status).toBe("delivered");
  });

  it("fails a request Postscript rejects (400) at once, without retrying", async () => {
    const event = await pendingEvent(SHOP_A, { request: { type: "bad type!" } });
    await worker().drainOnce();
    const after = await database.db.event.findUniqueOrThrow({ where: { id: event.id } });
    expect(after).toMatchObject({ status: "failed", reason: "postscript_rejected", attemptCount: 1 });
    expect(after.reasonDetail).toMatch(/type/);
  });

  it("pauses a shop whose key is rejected, sends nothing more for it, and resumes after reconnecting", async () => {
    await ps.setFaults({ revokedKeys: [DEMO_SHOP_KEY] });
    const events = [await pendingEvent(SHOP_A), await pendingEvent(SHOP_A), await pendingEvent(SHOP_A)];
    const other = await pendingEvent(SHOP_B);
    await worker().drainOnce();
    expect(rejected).toEqual([SHOP_A]);
    const statuses = await database.db.event.findMany({ where: { id: { in: events.map((e) => e.id) } }, select: { status: true } });
    expect(statuses.map((s) => s.status).sort()).toEqual(["paused", "paused", "paused"]);
    expect((await database.db.event.findUniqueOrThrow({ where: { id: other.id } })).status).toBe("delivered");
    const attemptsBefore = (await received()).filter((r) => r.status === 401).length;
    expect(attemptsBefore).toBeLessThanOrEqual(policy.maxInFlightPerShop);

    // The merchant reconnects with a working key.
    ps.resetFaults();
    keys.set(SHOP_A, DEMO_SHOP_KEY);
    await worker().drainOnce();
    await worker().drainOnce();
    const after = await database.db.event.findMany({ where: { id: { in: events.map((e) => e.id) } } });
    expect(after.map((e) => e.status)).toEqual(["delivered", "delivered", "delivered"]);
  });

  it("keeps the order of a subscription's events: a later one waits while an earlier one is retrying", async () => {
    const first = await pendingEvent(SHOP_A, { subscriptionKey: "sub-1", occurredAt: new Date(Date.now() - 5000), request: { type: "subscription_paused", email: "a@example.com", external_id: "1" } });
    const second = await pendingEvent(SHOP_A, { subscriptionKey: "sub-1", occurredAt: new Date(Date.now() - 4000), request: { type: "subscription_resumed", email: "a@example.com", external_id: "2" } });
    await ps.setFaults({ errorRate: 1, errorStatus: 500 });
    const clock = new VirtualClock();
    await worker({ clock }).drainOnce();
    ps.resetFaults();
    expect((await database.db.event.findUniqueOrThrow({ where: { id: first.id } })).status).toBe("pending");
    expect((await database.db.event.findUniqueOrThrow({ where: { id: second.id } })).attemptCount).toBe(0);

    clock.advance(10_000);
    await worker({ clock }).drainOnce();
    await worker({ clock }).drainOnce();
    const sent = (await received()).filter((r) => r.status === 202).map((r) => r.body.type);
    expect(sent).toEqual(["subscription_paused", "subscription_resumed"]);
  });

  it("lets a later event go after the ordering bound, and says so", async () => {
    const first = await pendingEvent(SHOP_A, { subscriptionKey: "sub-2", occurredAt: new Date(Date.now() - 5000), nextAttemptAt: new Date(Date.now() + 3_600_000) });
    const second = await pendingEvent(SHOP_A, { subscriptionKey: "sub-2", occurredAt: new Date(Date.now() - 4000), receivedAt: new Date(Date.now() - policy.orderingMaxWaitMs - 1000) });
    await worker().drainOnce();
    expect((await database.db.event.findUniqueOrThrow({ where: { id: first.id } })).status).toBe("pending");
    const later = await database.db.event.findUniqueOrThrow({ where: { id: second.id } });
    expect(later.status).toBe("delivered");
    expect(later.reasonDetail).toMatch(/before an earlier event of the same subscription/);
  });

  it("skips an event whose moment has passed", async () => {
    const event = await pendingEvent(SHOP_A);
    await worker({ staleReason: async () => "Order reminder not sent: the order date has passed" }).drainOnce();
    expect(await database.db.event.findUniqueOrThrow({ where: { id: event.id } })).toMatchObject({ status: "skipped", reason: "stale", attemptCount: 0 });
    expect(await received()).toEqual([]);
  });

  async function freshShopKey(name: string): Promise<string> {
    const response = await fetch(`${ps.url}/__sandbox/shops`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ name }) });
    return (await response.json()).key;
  }

  it("paces each shop under Postscript's 15 requests per second, shops in parallel, no 429", async () => {
    // Fresh keys, so no earlier test's requests are still inside Postscript's one-second window.
    keys.set(SHOP_A, await freshShopKey("pace-a"));
    keys.set(SHOP_B, await freshShopKey("pace-b"));
    for (let i = 0; i < 30; i++) await pendingEvent(SHOP_A);
    for (let i = 0; i < 30; i++) await pendingEvent(SHOP_B);
    ps.resetRateStats();
    const started = Date.now();
    await worker({ clock: systemClock as Clock }).drainOnce();
    const seconds = (Date.now() - started) / 1000;
    const requests = await received();
    console.log("DEBUG", JSON.stringify(ps.rateStats()), JSON.stringify(ps.state.requests.filter((r) => r.path === "/api/v2/events").map((r) => [r.shop_id, r.time, r.status, r.duration_ms])));
    expect(requests.filter((r) => r.status === 429)).toEqual([]);
    expect(requests.filter((r) => r.status === 202)).toHaveLength(60);
    // 30 per shop, 15 in any second: the 16th waits a second after the first; both shops run side by side.
    expect(seconds).toBeGreaterThan(1);
    expect(seconds).toBeLessThan(4);
    for (const stats of ps.rateStats()) expect(stats.maxInAnyWindow).toBeLessThanOrEqual(15);
  });

  /** Two shops connected with one new Postscript key (a merchant with two stores on one account). */
  async function twoShopsOnOneKey(perShop: number) {
    const response = await fetch(`${ps.url}/__sandbox/shops`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ name: "two stores" }) });
    const { key, id } = await response.json();
    keys.set(SHOP_A, key);
    keys.set(SHOP_B, key);
    for (let i = 0; i < perShop; i++) {
      await pendingEvent(SHOP_A, { request: { type: "order_upcoming", external_id: `a-${i}` } });
      await pendingEvent(SHOP_B, { request: { type: "order_upcoming", external_id: `b-${i}` } });
    }
    ps.resetRateStats();
    return { bucket: `shop:${id}` };
  }

  async function expectPacedOnOneKey(bucket: string, total: number) {
    const requests = await received();
    expect(requests.filter((r) => r.status === 429)).toEqual([]);
    const ids = requests.filter((r) => r.status === 202).map((r) => r.body.external_id);
    expect(new Set(ids).size).toBe(total);
    expect(ids).toHaveLength(total);
    const stats = ps.rateStats().find((s) => s.bucket === bucket);
    expect(stats).toMatchObject({ requests: total, rejected: 0 });
    expect(stats!.maxInAnyWindow).toBeLessThanOrEqual(15);
    return ids;
  }

  it("paces two shops on one key together under Postscript's 15 requests per second, taking turns", async () => {
    const { bucket } = await twoShopsOnOneKey(30);
    await worker({ clock: systemClock as Clock }).drainOnce();
    const ids = await expectPacedOnOneKey(bucket, 60);
    // Neither shop waits for the other to finish: in the first half, each has about half of the requests.
    const firstHalfOfA = ids.slice(0, 30).filter((id) => id.startsWith("a-")).length;
    expect(firstHalfOfA).toBeGreaterThanOrEqual(12);
    expect(firstHalfOfA).toBeLessThanOrEqual(18);
  });

  it("paces two shops on one key under the limit when two workers share the database", async () => {
    const { bucket } = await twoShopsOnOneKey(30);
    const second = createDatabaseClient(database.url);
    try {
      const clock = systemClock as Clock;
      const w1 = worker({ workerId: "w1", clock });
      const w2 = worker({ workerId: "w2", clock }, second);
      // Both look at once; whichever holds the key sends for both shops, the other leaves them to it.
      for (let pass = 0; pass < 20 && (await database.db.event.count({ where: { status: "pending" } })) > 0; pass++) {
        await Promise.all([w1.drainOnce(), w2.drainOnce()]);
      }
    } finally {
      await closeDatabaseClient(second);
    }
    await expectPacedOnOneKey(bucket, 60);
  });

  it("delivers at most maxShopsPerWorker shops at once and leaves the others due", async () => {
    await pendingEvent(SHOP_A);
    await pendingEvent(SHOP_B);
    const oneShop = worker({ policy: { ...policy, maxShopsPerWorker: 1 } });
    await oneShop.drainOnce();
    expect(await received()).toHaveLength(1);
    expect(await database.db.event.count({ where: { status: "pending" } })).toBe(1);
    await oneShop.drainOnce();
    expect((await received()).map((r) => r.status)).toEqual([202, 202]);
  });

  it("lets only one worker deliver a shop at a time (lease)", async () => {
    await pendingEvent(SHOP_A);
    const { acquireLease } = await import("./leases.server");
    expect(await acquireLease(database.db, SHOP_A, "other-worker", new Date(), 30_000)).toBe(true);
    await worker().drainOnce();
    expect(await received()).toEqual([]);
    await database.db.deliveryLease.update({ where: { shopDomain: SHOP_A }, data: { expiresAt: new Date(Date.now() - 1) } });
    await worker().drainOnce();
    expect((await received()).map((r) => r.status)).toEqual([202]);
  });

  it.runIf(kind === "postgres")("never sends an event twice with two workers on one database", async () => {
    const shops = ["s1", "s2", "s3", "s4"].map((s) => `${s}.myshopify.com`);
    const many: string[] = [];
    for (const shop of shops) {
      // A key per shop, as in real life: Postscript's rate limit is per key.
      keys.set(shop, await freshShopKey(shop));
      for (let i = 0; i < 15; i++) many.push((await pendingEvent(shop, { request: { type: "order_upcoming", external_id: `${shop}-${i}` } })).id);
    }
    const second = createDatabaseClient(database.url);
    try {
      const clockA = systemClock as Clock;
      await Promise.all([
        worker({ workerId: "w1", clock: clockA }).drainOnce(),
        worker({ workerId: "w2", clock: clockA }, second).drainOnce(),
      ]);
      // Whatever one worker could not take in that pass, a second pass delivers.
      await worker({ workerId: "w1", clock: clockA }).drainOnce();
    } finally {
      await closeDatabaseClient(second);
    }
    const requests = await received();
    expect(requests.filter((r) => r.status === 429)).toEqual([]);
    const ids = requests.filter((r) => r.status === 202).map((r) => r.body.external_id);
    expect(ids).toHaveLength(60);
    expect(new Set(ids).size).toBe(60);
    for (const s of shops) keys.delete(s);
  });
});
