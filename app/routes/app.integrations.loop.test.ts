// The Loop page's loader and action, through the real authenticate.admin, against the Loop stand-in over HTTP:
// connecting with a token (bad token, missing scope, another store's token, timeout, unreachable, Loop failing
// half way), reconnecting without duplicates, the manual set-up, disconnecting (also when Loop fails), the
// pipeline's loopWebhookSecrets, and isolation between shops.
import http from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEMO_READONLY_TOKEN, DEMO_SHOP, DEMO_TOKEN, SECOND_TOKEN } from "../../sandbox/loop/server";
import { loadRoute, setTestEnv, submitForm, useStandIns, withTestEnv } from "../../tests/support/connections";
import { databaseKinds, withTestDatabase } from "../../tests/support/databases";
import { closedPort, hangingServer } from "../../tests/support/net";
import { installShop, runRoute, webhookRequest } from "../../tests/support/shopify";
import { action, loader } from "./app.integrations.loop";
import { action as uninstalled } from "./webhooks.app.uninstalled";
import { recentChanges } from "~/connections/history.server";
import { loopClientFor, loopWebhookAddress, loopWebhookSecrets } from "~/connections/loop.server";
import { SUBSCRIBED_LOOP_TOPICS } from "~/events/catalogue";
import { setLogSink } from "~/logging/logger.server";
import { removalPolicyFromConfig, runDueLoopWebhookRemovals } from "~/connections/loop-webhook-removal.server";
import { VirtualClock } from "~/jobs/virtual-clock";

const OTHER_SHOP = "loop-other.myshopify.com";
const PATH = "/app/integrations/loop";
const MANUAL_SECRET = "whsec_manual_0123456789abcdef0123";
const TOPIC_COUNT = SUBSCRIBED_LOOP_TOPICS.length;

/**
 * Forwards to the stand-in, but answers `status` to the requests `failWhen` picks (Loop failing half way), and
 * lets `rewrite` change an answer's JSON (a Loop that says less than the stand-in).
 */
async function faultyProxy(
  target: string,
  failWhen: (method: string, path: string, n: number) => number | null,
  rewrite: (path: string, body: any) => any = (_path, body) => body,
) {
  let n = 0;
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const status = failWhen(req.method ?? "GET", req.url ?? "/", ++n);
    if (status) {
      res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify({ success: false, message: "Service temporarily unavailable", code: status, data: null }));
      return;
    }
    const upstream = await fetch(`${target}${req.url}`, {
      method: req.method,
      headers: { "content-type": "application/json", "x-loop-token": String(req.headers["x-loop-token"] ?? "") },
      body: chunks.length ? Buffer.concat(chunks) : undefined,
    });
    res.writeHead(upstream.status, { "Content-Type": "application/json" }).end(JSON.stringify(rewrite(req.url ?? "/", await upstream.json())));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

describe.each(databaseKinds)("Loop connection (%s)", (kind) => {
  const database = withTestDatabase(kind);
  const standIns = useStandIns();
  const logs: string[] = [];
  const responses: string[] = [];
  let restore: (() => void) | undefined;

  beforeAll(async () => {
    const restoreLevel = setTestEnv({ LOG_LEVEL: "debug" });
    const previous = setLogSink((line) => logs.push(line));
    restore = () => {
      setLogSink(previous);
      restoreLevel();
    };
    await installShop(database.db, DEMO_SHOP);
    await installShop(database.db, OTHER_SHOP);
  });
  afterAll(() => restore?.());
  beforeEach(async () => {
    await fetch(`${standIns.loop.url}/__sandbox/options`, { method: "POST", body: JSON.stringify({ duplicateSubscribe: "reject" }) });
  });

  const submit = async (fields: Record<string, string | string[]>, shop = DEMO_SHOP) => {
    const result = await submitForm(action, shop, PATH, fields);
    responses.push(JSON.stringify(result));
    return result;
  };
  const load = async (shop = DEMO_SHOP) => {
    const { text, data } = await loadRoute(loader, shop, PATH);
    responses.push(text);
    return data.connection;
  };
  /** Every signing secret Loop handed out during these tests, to search for at the end. */
  const seenSecrets = new Set<string>();
  /** The stand-in's subscriptions for the demo shop, as Loop holds them (with their secrets). */
  const atLoop = () => {
    const list = [...standIns.loop.state.webhooks.values()].filter((w) => w.shopDomain === DEMO_SHOP);
    for (const w of list) seenSecrets.add(w.secret);
    return list;
  };
  const rows = () => database.db.loopWebhook.findMany({ where: { shopDomain: DEMO_SHOP } });
  const connectionRow = () => database.db.loopConnection.findUnique({ where: { shopDomain: DEMO_SHOP } });

  it("shows where Loop must deliver and the topics to subscribe, before anything is connected", async () => {
    const connection = await load();
    expect(connection).toMatchObject({ status: "not_connected", mode: null, tokenMasked: null, manualSecrets: [] });
    expect(connection.address).toBe(`https://my-test-app.myshopify.io/webhooks/loop?shop=${DEMO_SHOP}`);
    expect(loopWebhookAddress(DEMO_SHOP)).toBe(connection.address);
    expect(connection.topics.map((t: { topic: string }) => t.topic)).toEqual([...SUBSCRIBED_LOOP_TOPICS]);
    expect(connection.topics.every((t: { subscribed: boolean }) => !t.subscribed)).toBe(true);
    expect(connection.topics.find((t: { topic: string }) => t.topic === "order/paymentFailed").eventTypes).toEqual([
      "payment_attempt_failed_with_retries_left",
      "payment_attempt_failed_last_retry_left",
      "payment_attempt_failed",
    ]);
    expect(await loopWebhookSecrets(database.db, DEMO_SHOP, "order/upcoming")).toEqual([]);
  });

  it("refuses an empty token, a bad token, a token without the webhook scope and another store's token", async () => {
    expect(await submit({ intent: "connect-token", token: " " })).toMatchObject({ ok: false, field: "token", message: "Paste the API token you generated in Loop admin." });
    expect(await submit({ intent: "connect-token", token: "loop_abc def123" })).toMatchObject({ ok: false, field: "token", message: expect.stringMatching(/^The token contains spaces/) });
    expect(await submit({ intent: "connect-token", token: "  abc  " })).toMatchObject({ ok: false, field: "token", message: expect.stringMatching(/^That does not look like a Loop API token/) });
    expect(await submit({ intent: "connect-token", token: "loop_unknown_123456789" })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^Loop did not accept this token\./),
    });
    const scope = await submit({ intent: "connect-token", token: DEMO_READONLY_TOKEN });
    expect(scope.message).toMatch(/does not have the webhook scope/);
    expect(scope.message).toMatch(/Settings → API Tokens, edit the token and add the webhooks scope/);
    expect(await submit({ intent: "connect-token", token: SECOND_TOKEN })).toMatchObject({
      ok: false,
      message: `This token belongs to the Loop store of second-shop.myshopify.com, not ${DEMO_SHOP}. Generate the token in the Loop admin of ${DEMO_SHOP}.`,
    });
    expect(atLoop()).toHaveLength(0);
    expect(await connectionRow()).toBeNull();
  });

  it("explains a missing webhook scope that shows only when subscribing (the token check names no scopes)", async () => {
    const proxy = await faultyProxy(
      standIns.loop.url,
      () => null,
      (path, body) => (path.endsWith("/store") ? { ...body, data: { ...body.data, token: { name: body.data?.token?.name } } } : body),
    );
    try {
      const result = await withTestEnv({ LOOP_API_URL: proxy.url }, () => submit({ intent: "connect-token", token: DEMO_READONLY_TOKEN }));
      expect(result).toMatchObject({ ok: false, field: "token", message: expect.stringMatching(/^This token does not have the webhook scope/) });
    } finally {
      await proxy.close();
    }
    expect(standIns.loop.state.requests.slice(-1)[0]).toMatchObject({ method: "POST", path: "/admin/2023-10/webhook", status: 403 });
    expect(await connectionRow()).toBeNull();
  });

  it("explains a Loop that is unreachable or too slow, and changes nothing", async () => {
    const unreachable = await withTestEnv({ LOOP_API_URL: `http://127.0.0.1:${await closedPort()}` }, () => submit({ intent: "connect-token", token: DEMO_TOKEN }));
    expect(unreachable.message).toMatch(/^Loop could not be reached\. Try again in a few minutes\.$/);
    const hanging = await hangingServer();
    try {
      const slow = await withTestEnv({ LOOP_API_URL: hanging.url, LOOP_TIMEOUT_MS: "300" }, () => submit({ intent: "connect-token", token: DEMO_TOKEN }));
      expect(slow.message).toBe("Loop did not answer within 0.3 seconds. Try again in a minute.");
    } finally {
      await hanging.close();
    }
    expect(await connectionRow()).toBeNull();
  });

  it("connects with a token: subscribes every topic and keeps each subscription's secret, sealed", async () => {
    const started = performance.now();
    const result = await submit({ intent: "connect-token", token: DEMO_TOKEN });
    console.log(`[measure] Loop connect (token check + ${TOPIC_COUNT} subscriptions) against the stand-in: ${(performance.now() - started).toFixed(0)} ms`);
    expect(result).toMatchObject({ ok: true, message: `Loop connected. Subscribed to ${TOPIC_COUNT} topics.` });

    const subscriptions = atLoop();
    expect(subscriptions.map((s) => s.topic).sort()).toEqual([...SUBSCRIBED_LOOP_TOPICS].sort());
    expect(subscriptions.every((s) => s.address === loopWebhookAddress(DEMO_SHOP))).toBe(true);
    const stored = await rows();
    expect(stored).toHaveLength(TOPIC_COUNT);
    for (const subscription of subscriptions) {
      const row = stored.find((r) => r.loopWebhookId === String(subscription.id))!;
      expect(row.topic).toBe(subscription.topic);
      expect(row.secretCiphertext).not.toContain(subscription.secret);
      expect(await loopWebhookSecrets(database.db, DEMO_SHOP, subscription.topic)).toEqual([subscription.secret]);
    }
    expect(await connectionRow()).toMatchObject({ status: "connected", mode: "api", tokenLastFour: "8e6f" });
    const connection = await load();
    expect(connection).toMatchObject({ status: "connected", mode: "api", tokenMasked: "••••8e6f" });
    expect(connection.topics.every((t: { subscribed: boolean }) => t.subscribed)).toBe(true);
    expect(await database.db.configurationChange.count({ where: { shopDomain: DEMO_SHOP, action: "loop.connected", actor: "merchant" } })).toBe(1);
  });

  it("reconnects without duplicates, whether Loop answers 409 or returns the existing subscription", async () => {
    const before = atLoop().map((s) => s.id);
    expect((await submit({ intent: "connect-token", token: DEMO_TOKEN })).ok).toBe(true);
    await fetch(`${standIns.loop.url}/__sandbox/options`, { method: "POST", body: JSON.stringify({ duplicateSubscribe: "idempotent" }) });
    expect((await submit({ intent: "connect-token", token: DEMO_TOKEN })).ok).toBe(true);

    const subscriptions = atLoop();
    expect(subscriptions).toHaveLength(TOPIC_COUNT);
    expect(new Set(subscriptions.map((s) => s.topic)).size).toBe(TOPIC_COUNT);
    expect(subscriptions.some((s) => before.includes(s.id))).toBe(false);
    const stored = await rows();
    expect(stored).toHaveLength(TOPIC_COUNT);
    for (const subscription of subscriptions) {
      expect(await loopWebhookSecrets(database.db, DEMO_SHOP, subscription.topic)).toEqual([subscription.secret]);
    }
  });

  it("replaces a webhook the merchant created in Loop for the same topic and address", async () => {
    // Loop answers 409 for it; the app removes that one and subscribes again so it knows the secret.
    const upcoming = atLoop().find((s) => s.topic === "order/upcoming")!;
    standIns.loop.state.webhooks.delete(upcoming.id);
    const manual = await fetch(`${standIns.loop.url}/admin/2023-10/webhook`, {
      method: "POST",
      headers: { "x-loop-token": DEMO_TOKEN, "content-type": "application/json" },
      body: JSON.stringify({ topic: "order/upcoming", address: loopWebhookAddress(DEMO_SHOP) }),
    }).then((r) => r.json());
    expect((await submit({ intent: "connect-token", token: DEMO_TOKEN })).ok).toBe(true);
    const upcomingNow = atLoop().filter((s) => s.topic === "order/upcoming");
    expect(upcomingNow).toHaveLength(1);
    expect(upcomingNow[0].id).not.toBe(manual.data.id);
    expect(await loopWebhookSecrets(database.db, DEMO_SHOP, "order/upcoming")).toEqual([upcomingNow[0].secret]);
  });

  it("records a partial connection honestly when Loop fails half way, and finishes on the next connect", async () => {
    let subscribes = 0;
    const proxy = await faultyProxy(standIns.loop.url, (method, path) => (method === "POST" && path.endsWith("/webhook") && ++subscribes > 5 ? 503 : null));
    try {
      const partial = await withTestEnv({ LOOP_API_URL: proxy.url }, () => submit({ intent: "connect-token", token: DEMO_TOKEN }));
      expect(partial.ok).toBe(false);
      expect(partial.message).toMatch(/of 14 Loop topics are not subscribed \(Loop had a problem on its side\./);
      expect(partial.message).toMatch(/Connect again to finish\./);
    } finally {
      await proxy.close();
    }
    // Every subscription that exists at Loop still has its secret here: none was lost on the way.
    const subscriptions = atLoop();
    for (const subscription of subscriptions) {
      expect(await loopWebhookSecrets(database.db, DEMO_SHOP, subscription.topic)).toContain(subscription.secret);
    }
    expect(await connectionRow()).toMatchObject({ status: "action_needed", actionNeededReason: expect.stringMatching(/Connect again to finish/) });
    const connection = await load();
    expect(connection.status).toBe("action_needed");

    expect((await submit({ intent: "connect-token", token: DEMO_TOKEN })).ok).toBe(true);
    expect(atLoop()).toHaveLength(TOPIC_COUNT);
    expect(await rows()).toHaveLength(TOPIC_COUNT);
    expect(await connectionRow()).toMatchObject({ status: "connected", actionNeededReason: null });
  });

  it("keeps another shop out: it sees nothing of this shop's connection and cannot change it", async () => {
    const other = await load(OTHER_SHOP);
    expect(other).toMatchObject({ status: "not_connected", tokenMasked: null, manualSecrets: [] });
    expect(other.address).toBe(`https://my-test-app.myshopify.io/webhooks/loop?shop=${OTHER_SHOP}`);
    const someRow = (await rows())[0];
    expect(await submit({ intent: "remove-secret", secretId: someRow.id }, OTHER_SHOP)).toMatchObject({ ok: false, message: "That signing secret is not saved for this shop." });
    expect(await submit({ intent: "disconnect" }, OTHER_SHOP)).toMatchObject({ ok: true, message: "Loop was already disconnected." });
    expect(await rows()).toHaveLength(TOPIC_COUNT);
    expect(atLoop()).toHaveLength(TOPIC_COUNT);
    expect(await loopWebhookSecrets(database.db, OTHER_SHOP, "order/upcoming")).toEqual([]);
  });

  it("refuses manual secrets while the app manages the webhooks with a token", async () => {
    expect(await submit({ intent: "add-secret", secret: MANUAL_SECRET, topics: "order/upcoming" })).toMatchObject({ ok: false, message: expect.stringMatching(/Disconnect it first/) });
  });

  it("disconnects even when Loop fails, and names the webhooks to remove in Loop admin", async () => {
    const proxy = await faultyProxy(standIns.loop.url, (method, _path, n) => (method === "DELETE" && n % 2 === 0 ? 503 : null));
    let result;
    try {
      result = await withTestEnv({ LOOP_API_URL: proxy.url }, () => submit({ intent: "disconnect" }));
    } finally {
      await proxy.close();
    }
    expect(result.ok).toBe(false);
    expect(result.notRemoved.length).toBeGreaterThan(0);
    expect(result.message).toMatch(/^Loop disconnected here\. Loop did not let the app remove these \d+ webhooks: .* Remove them in Loop admin → Settings → Webhooks/);
    // Locally nothing is half done: no secrets, no token, status disconnected.
    expect(await rows()).toHaveLength(0);
    expect(await connectionRow()).toMatchObject({ status: "disconnected", tokenCiphertext: null, tokenKeyId: null });
    expect(await loopWebhookSecrets(database.db, DEMO_SHOP, "order/upcoming")).toEqual([]);
    // What Loop still has is exactly what the merchant was told about.
    expect(atLoop().map((s) => String(s.id)).sort()).toEqual(result.notRemoved.map((n: { loopWebhookId: string }) => n.loopWebhookId).sort());
    for (const s of atLoop()) standIns.loop.state.webhooks.delete(s.id);
  });

  it("connects and disconnects cleanly: Loop has no webhook of the app left", async () => {
    expect((await submit({ intent: "connect-token", token: DEMO_TOKEN })).ok).toBe(true);
    expect(atLoop()).toHaveLength(TOPIC_COUNT);
    expect(await submit({ intent: "disconnect" })).toMatchObject({ ok: true, message: "Loop disconnected. Events are no longer received." });
    expect(atLoop()).toHaveLength(0);
    expect(await rows()).toHaveLength(0);
    const connection = await load();
    expect(connection).toMatchObject({ status: "disconnected", tokenMasked: null });
  });

  it("accepts webhooks added in Loop admin: each pasted signing secret applies to the topic(s) the merchant chose", async () => {
    expect(await submit({ intent: "add-secret", secret: "short", topics: "subscription/paused" })).toMatchObject({ ok: false, field: "secret", message: expect.stringMatching(/too short/) });
    expect(await submit({ intent: "add-secret", secret: MANUAL_SECRET })).toMatchObject({ ok: false, field: "topics" });
    expect(await submit({ intent: "add-secret", secret: MANUAL_SECRET, topics: "subscription/teleported" })).toMatchObject({ ok: false, field: "topics" });
    expect(await submit({ intent: "add-secret", secret: MANUAL_SECRET, topics: ["subscription/paused", "subscription/resumed"] })).toMatchObject({ ok: true });
    expect(await submit({ intent: "add-secret", secret: ` ${MANUAL_SECRET} `, topics: ["subscription/resumed", "subscription/paused"] })).toMatchObject({
      ok: false,
      message: "This signing secret is already saved.",
    });
    expect(await submit({ intent: "add-secret", secret: "whsec_second_abcdef0123456789", topics: "flow/completed" })).toMatchObject({ ok: true });

    expect(await connectionRow()).toMatchObject({ status: "connected", mode: "manual", tokenCiphertext: null });
    expect(await loopWebhookSecrets(database.db, DEMO_SHOP, "flow/completed")).toEqual(["whsec_second_abcdef0123456789"]);
    expect(await loopWebhookSecrets(database.db, DEMO_SHOP, "subscription/paused")).toEqual([MANUAL_SECRET]);
    // A captured subscription/paused delivery re-sent as subscription/expired: no secret of that topic verifies it.
    expect(await loopWebhookSecrets(database.db, DEMO_SHOP, "subscription/expired")).toEqual([]);
    const connection = await load();
    expect(connection).toMatchObject({ status: "connected", mode: "manual" });
    expect(connection.manualSecrets.map((s: { masked: string; topics: string[] }) => [s.masked, s.topics])).toEqual([
      ["••••0123", ["subscription/paused", "subscription/resumed"]],
      ["••••6789", ["flow/completed"]],
    ]);
    expect(connection.topics.filter((t: { subscribed: boolean }) => t.subscribed).map((t: { topic: string }) => t.topic).sort()).toEqual([
      "flow/completed",
      "subscription/paused",
      "subscription/resumed",
    ]);
    const stored = await rows();
    expect(stored.every((r) => r.topic === "*" && r.loopWebhookId === null)).toBe(true);

    const [first, second] = connection.manualSecrets;
    expect(await submit({ intent: "remove-secret", secretId: first.id })).toMatchObject({ ok: true, message: "Signing secret removed." });
    expect(await submit({ intent: "remove-secret", secretId: second.id })).toMatchObject({ ok: true, message: expect.stringMatching(/no longer connected/) });
    expect(await connectionRow()).toMatchObject({ status: "disconnected" });
    expect(await loopWebhookSecrets(database.db, DEMO_SHOP, "flow/completed")).toEqual([]);
  });

  it("keeps a secret pasted before topics were asked working for every topic, marked as needing its topics, until it is pasted again with them", async () => {
    expect(await submit({ intent: "add-secret", secret: MANUAL_SECRET, topics: "order/upcoming" })).toMatchObject({ ok: true });
    await database.db.loopWebhook.updateMany({ where: { shopDomain: DEMO_SHOP }, data: { boundTopics: null } }); // as the migration leaves it
    expect(await loopWebhookSecrets(database.db, DEMO_SHOP, "subscription/expired")).toContain(MANUAL_SECRET);
    expect((await load()).manualSecrets).toMatchObject([{ masked: "••••0123", topics: null }]);

    expect(await submit({ intent: "add-secret", secret: MANUAL_SECRET, topics: "subscription/expired" })).toMatchObject({ ok: true, message: expect.stringMatching(/only/) });
    expect(await loopWebhookSecrets(database.db, DEMO_SHOP, "subscription/paused")).not.toContain(MANUAL_SECRET);
    expect(await loopWebhookSecrets(database.db, DEMO_SHOP, "subscription/expired")).toContain(MANUAL_SECRET);
    expect((await rows()).filter((r) => r.topic === "*")).toHaveLength(1);
    expect((await submit({ intent: "disconnect" })).ok).toBe(true);
  });

  it("moves from the manual set-up to a token: the manual secrets go once every topic is subscribed", async () => {
    expect((await submit({ intent: "add-secret", secret: MANUAL_SECRET, topics: "order/upcoming" })).ok).toBe(true);
    expect((await submit({ intent: "connect-token", token: DEMO_TOKEN })).ok).toBe(true);
    const stored = await rows();
    expect(stored).toHaveLength(TOPIC_COUNT);
    expect(stored.some((r) => r.topic === "*")).toBe(false);
    expect(await loopWebhookSecrets(database.db, DEMO_SHOP, "order/upcoming")).not.toContain(MANUAL_SECRET);
    expect((await submit({ intent: "disconnect" })).ok).toBe(true);
  });

  const uninstall = async () => {
    const response = await runRoute(uninstalled, webhookRequest("/webhooks/app/uninstalled", "app/uninstalled", DEMO_SHOP, { id: 1 }));
    expect(response.status).toBe(200);
  };
  // What the background worker does after the uninstall, once.
  const runRemovals = () =>
    runDueLoopWebhookRemovals({ db: database.db, clock: new VirtualClock(), policy: removalPolicyFromConfig(), workerId: "test-worker", random: () => 0.5, clientFor: loopClientFor });
  const lastCleanup = async () =>
    (await recentChanges(database.db, DEMO_SHOP, { prefix: "loop.webhooks_removed_after_uninstall", limit: 1 }))[0]?.details;

  it("removes the app's webhooks from Loop after an uninstall, with the token it no longer keeps", async () => {
    expect((await submit({ intent: "connect-token", token: DEMO_TOKEN })).ok).toBe(true);
    expect(atLoop()).toHaveLength(TOPIC_COUNT);
    await uninstall();
    // The answer to Shopify did not wait for Loop, but the token and secrets were gone before it went.
    expect(await connectionRow()).toMatchObject({ status: "disconnected", tokenCiphertext: null });
    expect(await rows()).toHaveLength(0);
    expect(atLoop()).toHaveLength(TOPIC_COUNT);
    expect(await runRemovals()).toBe(1);
    expect(atLoop()).toHaveLength(0);
    expect(await lastCleanup()).toEqual({ webhooksRemoved: TOPIC_COUNT, notRemovedWebhookIds: [], attempts: 1, gaveUp: false });
    await uninstall(); // Shopify repeats webhooks: nothing left to do, nothing recorded twice
    expect(await runRemovals()).toBe(0);
    expect(await database.db.configurationChange.count({ where: { shopDomain: DEMO_SHOP, action: "loop.webhooks_removed_after_uninstall" } })).toBe(1);
    await installShop(database.db, DEMO_SHOP);
  });

  it("records which webhooks Loop refused to remove during the clean-up after an uninstall", async () => {
    expect((await submit({ intent: "connect-token", token: DEMO_TOKEN })).ok).toBe(true);
    const proxy = await faultyProxy(standIns.loop.url, (method) => (method === "DELETE" ? 403 : null));
    try {
      await withTestEnv({ LOOP_API_URL: proxy.url }, async () => {
        await uninstall();
        await runRemovals();
      });
    } finally {
      await proxy.close();
    }
    const kept = atLoop().map((w) => String(w.id)).sort();
    expect(kept).toHaveLength(TOPIC_COUNT);
    expect(await lastCleanup()).toEqual({ webhooksRemoved: 0, notRemovedWebhookIds: expect.arrayContaining(kept), attempts: 1, gaveUp: false });
    expect(logs.some((line) => line.includes("webhooks left at Loop"))).toBe(true);
    for (const w of atLoop()) standIns.loop.state.webhooks.delete(w.id);
    await installShop(database.db, DEMO_SHOP);
  });

  it("never wrote a token or a signing secret to a log line, a response or the history", async () => {
    const history = await database.db.configurationChange.findMany({ where: { shopDomain: DEMO_SHOP } });
    const secrets = [DEMO_TOKEN, DEMO_READONLY_TOKEN, SECOND_TOKEN, MANUAL_SECRET, "whsec_second_abcdef0123456789", ...seenSecrets];
    expect(seenSecrets.size).toBeGreaterThan(TOPIC_COUNT);
    const haystacks = [...logs, ...responses, ...history.map((h) => h.details)];
    expect(logs.length).toBeGreaterThan(0);
    for (const secret of secrets) for (const text of haystacks) expect(text).not.toContain(secret);
  });
});
