// The removal of the app's webhooks at Loop after an uninstall, as a durable job, on both databases against the
// Loop stand-in over HTTP: scheduled with the uninstall (token sealed, nothing sent before Shopify's answer),
// Loop's 503s retried with backoff, given up after the window with the outcome in the history, one worker per
// job with a claim that another worker takes over once it expires, and shop/redact deleting a pending job.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEMO_SHOP, DEMO_TOKEN } from "../../sandbox/loop/server";
import { useStandIns, withTestEnv } from "../../tests/support/connections";
import { databaseKinds, withTestDatabase } from "../../tests/support/databases";
import { runRoute, webhookRequest } from "../../tests/support/shopify";
import { action as uninstalled } from "../routes/webhooks.app.uninstalled";
import { handleShopRedact } from "~/compliance/compliance.server";
import { VirtualClock } from "~/jobs/virtual-clock";
import { setLogSink } from "~/logging/logger.server";
import { openSecret } from "~/secrets/secrets.server";
import { recentChanges } from "./history.server";
import { connectLoopWithToken, loopClientFor } from "./loop.server";
import {
  claimRemoval,
  loopWebhookRemovalWorker,
  removalPolicyFromConfig,
  runDueLoopWebhookRemovals,
  type RemovalWorkerDeps,
} from "./loop-webhook-removal.server";
import { loopWebhookRemovalTokenContext } from "./secret-contexts";
import { waitFor } from "../../tests/support/wait";

describe.each(databaseKinds)("Loop webhook removal after an uninstall (%s)", (kind) => {
  const database = withTestDatabase(kind);
  const standIns = useStandIns();
  const logs: string[] = [];
  let restoreSink: ReturnType<typeof setLogSink>;
  let subscribed: string[];

  const atLoop = () => [...standIns.loop.state.webhooks.values()].filter((w) => w.shopDomain === DEMO_SHOP).map((w) => String(w.id));
  const deletes = () => standIns.loop.state.requests.filter((r) => r.method === "DELETE");
  const setFaults = (faults: Record<string, unknown> | null) =>
    fetch(`${standIns.loop.url}/__sandbox/faults`, { method: faults ? "POST" : "DELETE", headers: { "Content-Type": "application/json" }, body: faults ? JSON.stringify(faults) : undefined });
  const uninstall = async () => {
    const response = await runRoute(uninstalled, webhookRequest("/webhooks/app/uninstalled", "app/uninstalled", DEMO_SHOP, { id: 1 }));
    expect(response.status).toBe(200);
  };
  const outcomes = async () => (await recentChanges(database.db, DEMO_SHOP, { prefix: "loop.webhooks_removed_after_uninstall" })).map((c) => c.details);
  const deps = (overrides: Partial<RemovalWorkerDeps> = {}): RemovalWorkerDeps => ({
    db: database.db,
    clock: new VirtualClock(),
    policy: { ...removalPolicyFromConfig(), backoffBaseMs: 1_000, backoffMaxMs: 8_000, pollIntervalMs: 100 },
    workerId: "worker-a",
    random: () => 1, // no jitter: the waits are exactly base × 2^n
    clientFor: loopClientFor,
    ...overrides,
  });
  /** Runs the background worker (virtual time: its waits pass at once) until the job is gone. */
  const runWorkerUntilDone = async (d: RemovalWorkerDeps) => {
    const controller = new AbortController();
    const running = loopWebhookRemovalWorker(d).run(controller.signal);
    try {
      await waitFor("the removal job to end", async () => (await database.db.loopWebhookRemoval.count()) === 0);
    } finally {
      controller.abort();
      await running;
    }
  };

  beforeEach(async () => {
    restoreSink = setLogSink((line) => logs.push(line));
    logs.length = 0;
    standIns.loop.state.requests.length = 0;
    expect((await connectLoopWithToken(database.db, DEMO_SHOP, DEMO_TOKEN)).ok).toBe(true);
    subscribed = atLoop();
    expect(subscribed.length).toBeGreaterThan(10);
  });
  afterEach(async () => {
    setLogSink(restoreSink);
    await setFaults(null);
    for (const id of atLoop()) standIns.loop.state.webhooks.delete(Number(id));
    await database.db.loopWebhookRemoval.deleteMany();
    await database.db.configurationChange.deleteMany();
  });

  it("is scheduled by the uninstall with the token sealed in the job, and sends nothing to Loop before the answer", async () => {
    await uninstall();
    const jobs = await database.db.loopWebhookRemoval.findMany();
    expect(jobs).toHaveLength(1);
    expect(jobs[0].tokenCiphertext).not.toContain(DEMO_TOKEN);
    expect(openSecret({ ciphertext: jobs[0].tokenCiphertext, keyId: jobs[0].tokenKeyId }, loopWebhookRemovalTokenContext(DEMO_SHOP))).toBe(DEMO_TOKEN);
    expect(JSON.parse(jobs[0].pending).map((w: { loopWebhookId: string }) => w.loopWebhookId).sort()).toEqual([...subscribed].sort());
    expect(await database.db.loopConnection.findUnique({ where: { shopDomain: DEMO_SHOP } })).toMatchObject({ tokenCiphertext: null, status: "disconnected" });
    expect(deletes()).toHaveLength(0);

    await uninstall(); // Shopify repeats webhooks: the token is gone, so no second job
    expect(await database.db.loopWebhookRemoval.count()).toBe(1);
  });

  it("retries Loop's 503s with backoff, then removes every webhook and records it", async () => {
    await uninstall();
    await setFaults({ status: 503, count: 3, methods: ["DELETE"] });
    const clock = new VirtualClock();
    const sentAt: number[] = [];
    const clientFor = (token: string) => {
      const client = loopClientFor(token);
      const unsubscribe = client.unsubscribeWebhook.bind(client);
      client.unsubscribeWebhook = (id) => (sentAt.push(clock.now()), unsubscribe(id));
      return client;
    };
    await runWorkerUntilDone(deps({ clock, clientFor }));

    expect(atLoop()).toEqual([]);
    expect(deletes().map((r) => r.status)).toEqual([503, 503, 503, ...subscribed.map(() => 200)]);
    // Each retry waited its backoff (1, 2, 4 s), give or take the worker's 100 ms poll.
    const waits = sentAt.slice(1, 4).map((at, i) => at - sentAt[i]);
    waits.forEach((wait, i) => expect(wait).toBeGreaterThanOrEqual(1_000 * 2 ** i));
    waits.forEach((wait, i) => expect(wait).toBeLessThan(1_000 * 2 ** i + 250));
    expect(await outcomes()).toEqual([{ webhooksRemoved: subscribed.length, notRemovedWebhookIds: [], attempts: 4, gaveUp: false }]);
    expect(logs.some((l) => l.includes(DEMO_TOKEN))).toBe(false);
  });

  it("gives up when Loop stays down past the window: the webhooks stay at Loop, the history and the log say so", async () => {
    await withTestEnv({ LOOP_WEBHOOK_REMOVAL_WINDOW_MS: "60000" }, uninstall);
    await setFaults({ status: 503, methods: ["DELETE"] });
    const clock = new VirtualClock();
    const startedAt = clock.now();
    await runWorkerUntilDone(deps({ clock }));

    expect(atLoop().sort()).toEqual([...subscribed].sort());
    const [outcome] = await outcomes();
    expect(outcome).toMatchObject({ webhooksRemoved: 0, gaveUp: true, reason: expect.stringContaining("Service temporarily unavailable") });
    expect((outcome.notRemovedWebhookIds as string[]).sort()).toEqual([...subscribed].sort());
    // Waits of 1, 2, 4, 8, 8, … s up to the 60 s window, then one last try at its end.
    expect(outcome.attempts).toBe(11);
    expect(clock.now() - startedAt).toBeGreaterThanOrEqual(60_000);
    expect(logs.some((l) => l.includes("gave up, webhooks left at Loop"))).toBe(true);
  });

  it("is carried out by one worker at a time; a claim whose worker died is taken over once it expires", async () => {
    await uninstall();
    const clock = new VirtualClock();
    const [job] = await database.db.loopWebhookRemoval.findMany();
    const a = deps({ clock, workerId: "worker-a" });
    const b = deps({ clock, workerId: "worker-b" });
    // Worker A claims the job and dies before it sends anything.
    expect(await claimRemoval(a, job.id)).toBe(true);
    expect(await claimRemoval(b, job.id)).toBe(false);
    expect(await runDueLoopWebhookRemovals(b)).toBe(0);
    expect(deletes()).toHaveLength(0);

    clock.advance(a.policy.claimMs + 1);
    // Two live workers find it due at once: exactly one carries it out.
    const taken = await Promise.all([runDueLoopWebhookRemovals(b), runDueLoopWebhookRemovals(deps({ clock, workerId: "worker-c" }))]);
    expect(taken.sort()).toEqual([0, 1]);
    expect(atLoop()).toEqual([]);
    expect(deletes()).toHaveLength(subscribed.length);
    expect(await outcomes()).toHaveLength(1);
    expect(await database.db.loopWebhookRemoval.count()).toBe(0);
  });

  it("shop/redact deletes a removal still pending, with its token", async () => {
    await uninstall();
    expect(await database.db.loopWebhookRemoval.count()).toBe(1);
    await handleShopRedact({ db: database.db, shop: DEMO_SHOP, webhookId: `redact-${kind}`, payload: { shop_domain: DEMO_SHOP } });
    expect(await database.db.loopWebhookRemoval.count()).toBe(0);
  });
});
