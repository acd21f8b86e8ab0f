// The Postscript page's loader and action, through the real authenticate.admin, against the Postscript
// stand-in over HTTP: every success and error a merchant can meet when connecting, replacing, verifying and
// disconnecting a key, the settings forms, the pipeline's functions, and isolation between shops. Every log
// line and every response is kept and searched for the keys at the end.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEMO_PARTNER_KEY, DEMO_SHOP_KEY, DEMO_SHOP_PUBLIC_KEY, TEA_SHOP_KEY } from "../../sandbox/postscript/seed";
import { loadRoute, setTestEnv, submitForm, useStandIns, withTestEnv } from "../../tests/support/connections";
import { databaseKinds, withTestDatabase } from "../../tests/support/databases";
import { closedPort } from "../../tests/support/net";
import { adminFetchRequest, installShop, runRoute } from "../../tests/support/shopify";
import { action, loader } from "./app.integrations.postscript";
import { markPostscriptKeyRejected, postscriptConnectionStatus, postscriptCredentials, postscriptFailureMessage } from "~/connections/postscript.server";
import { setLogSink } from "~/logging/logger.server";
import { openSecret, sealSecret } from "~/secrets/secrets.server";
import { loopTokenContext } from "~/connections/secret-contexts";
import { createAppBackfillWorker } from "~/delivery/property-backfill.server";
import { DEMO_SHOP, DEMO_TOKEN } from "../../sandbox/loop/server";
import { waitFor } from "../../tests/support/wait";

const SHOP = "ps-shop.myshopify.com";
const OTHER_SHOP = "ps-other.myshopify.com";
const PATH = "/app/integrations/postscript";
const UNKNOWN_KEY = "sk_" + "f".repeat(32);

describe.each(databaseKinds)("Postscript connection (%s)", (kind) => {
  const database = withTestDatabase(kind);
  const standIns = useStandIns();
  const logs: string[] = [];
  const responses: string[] = [];
  let restoreSink: (() => void) | undefined;

  beforeAll(async () => {
    // Every level, so the search for keys below covers every line the code could write.
    const restoreLevel = setTestEnv({ LOG_LEVEL: "debug" });
    const previous = setLogSink((line) => logs.push(line));
    restoreSink = () => {
      setLogSink(previous);
      restoreLevel();
    };
    await installShop(database.db, SHOP);
    await installShop(database.db, OTHER_SHOP);
  });
  afterAll(() => restoreSink?.());
  beforeEach(() => standIns.postscript.resetFaults());

  const submit = async (fields: Record<string, string | string[]>, shop = SHOP) => {
    const result = await submitForm(action, shop, PATH, fields);
    responses.push(JSON.stringify(result));
    return result;
  };
  const load = async (shop = SHOP) => {
    const { text, data } = await loadRoute(loader, shop, `${PATH}?tab=settings`);
    responses.push(text);
    return data;
  };
  const row = (shop = SHOP) => database.db.postscriptConnection.findUnique({ where: { shopDomain: shop } });
  const meRequests = () => standIns.postscript.state.requests.filter((r) => r.path === "/api/v2/me").length;

  it("shows a shop that has not connected yet as not connected", async () => {
    const data = await load();
    expect(data.connection).toMatchObject({ status: "not_connected", keyMasked: null, shopName: null });
    expect(data.settings).toMatchObject({ disabledEventTypes: [], paymentRetryCount: 3, eventsReviewedAt: null });
    expect(await postscriptConnectionStatus(database.db, SHOP)).toBe("not_connected");
  });

  it("refuses a public pk_ key, an empty key and a malformed key without asking Postscript", async () => {
    const before = meRequests();
    expect(await submit({ intent: "connect", apiKey: DEMO_SHOP_PUBLIC_KEY })).toMatchObject({ ok: false, field: "apiKey", message: expect.stringMatching(/public key.*pk_/) });
    expect(await submit({ intent: "connect", apiKey: "  " })).toMatchObject({ ok: false, message: "Enter your Postscript private API key." });
    expect(await submit({ intent: "connect", apiKey: "hello-world" })).toMatchObject({ ok: false, message: expect.stringMatching(/does not look like/) });
    expect(await submit({ intent: "connect", apiKey: "sk_abc def12345678" })).toMatchObject({ ok: false, message: expect.stringMatching(/spaces/) });
    expect(await submit({ intent: "connect", apiKey: DEMO_SHOP_KEY, label: "x".repeat(61) })).toMatchObject({ ok: false, field: "label" });
    expect(meRequests()).toBe(before);
    expect(await row()).toBeNull();
  });

  it("refuses a key Postscript rejects, saying it may also be the plan, and saves nothing", async () => {
    const result = await submit({ intent: "connect", apiKey: UNKNOWN_KEY });
    expect(result).toMatchObject({ ok: false, field: "apiKey" });
    // In words: a merchant cannot act on "401".
    expect(result.message).toMatch(/^Postscript did not accept this key\. /);
    expect(result.message).not.toMatch(/\b401\b/);
    expect(result.message).toMatch(/plan may not include API access/);
    expect(await row()).toBeNull();
  });

  it("explains a rate limit, a timeout, an outage and an unreachable Postscript, and saves nothing", async () => {
    const ps = standIns.postscript;
    ps.setFaults({ rateLimitPerSecond: 1 });
    await fetch(`${ps.url}/api/v2/me`, { headers: { Authorization: `Bearer ${DEMO_SHOP_KEY}` } }); // uses this second's budget
    expect((await submit({ intent: "connect", apiKey: DEMO_SHOP_KEY })).message).toMatch(/too many requests.*rate limited/);
    ps.resetFaults();

    ps.setFaults({ timeoutRate: 1 });
    const timedOut = await withTestEnv({ POSTSCRIPT_TIMEOUT_MS: "300" }, () => submit({ intent: "connect", apiKey: DEMO_SHOP_KEY }));
    expect(timedOut.message).toBe("Postscript did not answer within 0.3 seconds. Nothing was changed; try again in a minute.");
    ps.resetFaults();

    ps.setFaults({ errorRate: 1, errorStatus: 503 });
    expect((await submit({ intent: "connect", apiKey: DEMO_SHOP_KEY })).message).toMatch(/^Postscript had a problem on its side\. Nothing was changed/);
    ps.resetFaults();

    const unreachable = await withTestEnv({ POSTSCRIPT_API_URL: `http://127.0.0.1:${await closedPort()}` }, () => submit({ intent: "connect", apiKey: DEMO_SHOP_KEY }));
    expect(unreachable.message).toMatch(/^Postscript could not be reached\. Nothing was changed/);
    expect(await row()).toBeNull();
  });

  it("connects a key Postscript accepts, keeps it sealed and shows only its last four characters", async () => {
    const started = performance.now();
    const result = await submit({ intent: "connect", apiKey: `  ${DEMO_SHOP_KEY} `, label: "Loop events app" });
    const elapsed = performance.now() - started;
    expect(result).toEqual({ intent: "connect", ok: true, shopName: "Demo Coffee Co", message: "Connected to Demo Coffee Co." });
    console.log(`[measure] connect round-trip through the action against the stand-in: ${elapsed.toFixed(0)} ms`);

    const saved = (await row())!;
    expect(saved).toMatchObject({ status: "connected", keyLastFour: "7890", label: "Loop events app", postscriptShopName: "Demo Coffee Co", postscriptShopId: "shop_c0ffee00000001" });
    expect(saved.keyCiphertext).not.toContain(DEMO_SHOP_KEY);
    expect(openSecret({ ciphertext: saved.keyCiphertext!, keyId: saved.keyKeyId! }, `${SHOP}:postscript-key`)).toBe(DEMO_SHOP_KEY);
    // Bound to this shop: the same ciphertext does not open as another shop's key.
    expect(() => openSecret({ ciphertext: saved.keyCiphertext!, keyId: saved.keyKeyId! }, `${OTHER_SHOP}:postscript-key`)).toThrow();

    const data = await load();
    expect(data.connection).toMatchObject({ status: "connected", keyMasked: "••••7890", label: "Loop events app", shopName: "Demo Coffee Co", partnerMode: false });
    expect(data.connection.connectedAt).toEqual(data.connection.lastVerifiedAt);
    expect(await postscriptCredentials(database.db, SHOP)).toEqual({ apiKey: DEMO_SHOP_KEY });
    const history = await database.db.configurationChange.findMany({ where: { shopDomain: SHOP, action: "postscript.connected" } });
    expect(history).toHaveLength(1);
    expect(history[0].actor).toBe("merchant");
    expect(JSON.parse(history[0].details)).toMatchObject({ keyLastFour: "7890", postscriptShopName: "Demo Coffee Co" });
  });

  it("keeps the old key in force when a replacement fails, and replaces it when Postscript accepts the new one", async () => {
    const failed = await submit({ intent: "replace", apiKey: UNKNOWN_KEY, label: "new" });
    expect(failed.ok).toBe(false);
    expect(await postscriptCredentials(database.db, SHOP)).toEqual({ apiKey: DEMO_SHOP_KEY });
    expect((await row())!.label).toBe("Loop events app");

    const replaced = await submit({ intent: "replace", apiKey: TEA_SHOP_KEY, label: "" });
    expect(replaced).toMatchObject({ ok: true, message: "Key replaced. Connected to Tea Time Supply." });
    expect(await postscriptCredentials(database.db, SHOP)).toEqual({ apiKey: TEA_SHOP_KEY });
    expect((await load()).connection).toMatchObject({ keyMasked: "••••6789", label: null, shopName: "Tea Time Supply" });
    const change = await database.db.configurationChange.findFirst({ where: { shopDomain: SHOP, action: "postscript.key_replaced" } });
    expect(JSON.parse(change!.details)).toMatchObject({ keyLastFour: "6789", previousKeyLastFour: "7890" });
  });

  it("verifies the key again, and turns the connection to Action needed when Postscript now rejects it", async () => {
    const before = (await row())!.lastVerifiedAt!;
    await waitFor("the clock to pass the last verification", () => Date.now() > before.getTime(), 1_000, 1);
    expect(await submit({ intent: "verify" })).toMatchObject({ ok: true, message: "Key verified. Connected to Tea Time Supply." });
    expect((await row())!.lastVerifiedAt!.getTime()).toBeGreaterThan(before.getTime());

    standIns.postscript.setFaults({ revokedKeys: [TEA_SHOP_KEY] });
    const rejected = await submit({ intent: "verify" });
    expect(rejected).toMatchObject({ ok: false, message: expect.stringMatching(/did not accept this key/) });
    expect(await postscriptConnectionStatus(database.db, SHOP)).toBe("action_needed");
    expect(await postscriptCredentials(database.db, SHOP)).toBeNull();
    expect((await load()).connection).toMatchObject({ status: "action_needed", actionNeededReason: "Postscript rejected the key when it was verified again" });

    // A transient failure changes nothing.
    standIns.postscript.setFaults({ revokedKeys: [], errorRate: 1, errorStatus: 502 });
    expect((await submit({ intent: "verify" })).ok).toBe(false);
    expect(await postscriptConnectionStatus(database.db, SHOP)).toBe("action_needed");
    standIns.postscript.resetFaults();

    // Postscript accepts it again (e.g. the plan was fixed): verifying returns it to connected.
    expect((await submit({ intent: "verify" })).ok).toBe(true);
    expect(await postscriptConnectionStatus(database.db, SHOP)).toBe("connected");
  });

  it("lets the pipeline mark the key rejected, once, and a new key returns the connection to connected", async () => {
    await markPostscriptKeyRejected(database.db, SHOP, "Postscript answered 401 to POST /api/v2/events");
    await markPostscriptKeyRejected(database.db, SHOP, "Postscript answered 401 to POST /api/v2/events");
    const marks = await database.db.configurationChange.findMany({ where: { shopDomain: SHOP, action: "postscript.key_rejected", actor: "system" } });
    expect(marks).toHaveLength(1);
    expect(JSON.parse(marks[0].details)).toEqual({ reason: "Postscript answered 401 to POST /api/v2/events" });
    expect(await postscriptCredentials(database.db, SHOP)).toBeNull();
    expect((await load()).connection).toMatchObject({ status: "action_needed", actionNeededReason: "Postscript answered 401 to POST /api/v2/events" });

    expect((await submit({ intent: "replace", apiKey: DEMO_SHOP_KEY, label: "Loop events app" })).ok).toBe(true);
    expect(await postscriptConnectionStatus(database.db, SHOP)).toBe("connected");
    expect((await row())!.actionNeededReason).toBeNull();
  });

  it("sends the partner key with the shop key in X-Postscript-Shop-Token when partner mode is configured", async () => {
    const restore = setTestEnv({ POSTSCRIPT_PARTNER_KEY: DEMO_PARTNER_KEY });
    try {
      const since = standIns.postscript.state.requests.length;
      expect(await submit({ intent: "verify" })).toMatchObject({ ok: true });
      const [request] = standIns.postscript.state.requests.slice(since);
      expect(request).toMatchObject({ path: "/api/v2/me", partner_id: "partner_demo000001", shop_name: "Demo Coffee Co" });
      expect(request.headers["x-postscript-shop-token"]).toBe("****7890");
      expect(request.headers.authorization).toBe("Bearer ****cdef");
      expect(await postscriptCredentials(database.db, SHOP)).toEqual({ apiKey: DEMO_SHOP_KEY, partnerKey: DEMO_PARTNER_KEY });
      expect((await load()).connection.partnerMode).toBe(true);
    } finally {
      restore();
    }
  });

  it("saves which events are sent and marks the choices reviewed", async () => {
    const enabled = ["subscription_created", "order_upcoming", "payment_attempt_failed"];
    const result = await submit({ intent: "save-events", enabled });
    expect(result).toMatchObject({ ok: true, message: "Event choices saved: 3 of 17 event types are sent." });
    const data = await load();
    expect(data.settings.disabledEventTypes).toHaveLength(14);
    expect(data.settings.disabledEventTypes).not.toContain("order_upcoming");
    expect(data.settings.eventsReviewedAt).not.toBeNull();
    expect(await submit({ intent: "save-events", enabled: ["subscription_created", "made_up"] })).toMatchObject({ ok: false, message: "Unknown event type: made_up" });
    expect((await load()).settings.disabledEventTypes).toHaveLength(14);
    // All off is a valid choice too.
    expect(await submit({ intent: "save-events" })).toMatchObject({ ok: true, message: "Event choices saved: 0 of 17 event types are sent." });
  });

  it("validates and saves the payment retry count (1–10)", async () => {
    for (const bad of ["0", "11", "2.5", "three", ""]) {
      expect(await submit({ intent: "save-retry-count", paymentRetryCount: bad })).toMatchObject({ ok: false, field: "paymentRetryCount", message: "Enter a whole number from 1 to 10." });
    }
    expect(await submit({ intent: "save-retry-count", paymentRetryCount: "4" })).toMatchObject({ ok: true, message: "Payment retry count saved: 4." });
    expect((await load()).settings.paymentRetryCount).toBe(4);
  });

  it("validates the test recipient, stores the phone in E.164 and clears it on empty fields", async () => {
    expect(await submit({ intent: "save-test-recipient", testEmail: "not-an-email", testPhone: "" })).toMatchObject({ ok: false, field: "testEmail" });
    expect(await submit({ intent: "save-test-recipient", testEmail: "", testPhone: "555-0100" })).toMatchObject({ ok: false, field: "testPhone", message: expect.stringMatching(/country code/) });
    expect(await submit({ intent: "save-test-recipient", testEmail: " ana@example.com ", testPhone: "+1 (555) 555-0101" })).toMatchObject({
      ok: true,
      message: "Test events will go to ana@example.com and +15555550101.",
    });
    expect((await load()).settings).toMatchObject({ testEmail: "ana@example.com", testPhone: "+15555550101" });
    const checked = await submit({ intent: "save-test-recipient", testEmail: " ana@example.com ", testPhone: "" });
    expect(checked).toMatchObject({ ok: true });
    expect(checked).not.toHaveProperty("warning"); // ana is one of the stand-in's subscribers
    expect(await submit({ intent: "save-test-recipient", testEmail: "nobody@example.com", testPhone: "+1 555 555 0199" })).toMatchObject({
      ok: true,
      message: "Test events will go to nobody@example.com and +15555550199.",
      warning: expect.stringMatching(/not one of your Postscript SMS subscribers, so a test event would trigger nothing/),
    });
    const lookups = standIns.postscript.state.requests.filter((r) => r.path === "/api/v2/subscribers").slice(-3).map((r) => r.query);
    expect(lookups).toEqual([{ phone_number__eq: "+15555550199" }, { phone_number__eq: "15555550199" }, { email__eq: "nobody@example.com" }]);
    expect(await submit({ intent: "save-test-recipient", testEmail: "", testPhone: "" })).toMatchObject({ ok: true, message: "Test recipient cleared." });
    expect((await load()).settings).toMatchObject({ testEmail: null, testPhone: null });
  });

  it("switches the subscriber property sync on and off (off until the merchant chooses), recorded in the history", async () => {
    expect((await load()).settings.propertySyncEnabled).toBe(false);
    expect(await submit({ intent: "save-property-sync", propertySyncEnabled: "yes" })).toMatchObject({ ok: false, field: "propertySyncEnabled" });
    expect(await submit({ intent: "save-property-sync", propertySyncEnabled: "on" })).toMatchObject({ ok: true, message: expect.stringMatching(/kept up to date/) });
    expect((await load()).settings.propertySyncEnabled).toBe(true);
    expect(await submit({ intent: "save-property-sync", propertySyncEnabled: "off" })).toMatchObject({ ok: true });
    expect((await load()).settings.propertySyncEnabled).toBe(false);
    const history = await database.db.configurationChange.findMany({ where: { shopDomain: SHOP, action: "settings.property_sync_saved" }, orderBy: { createdAt: "asc" } });
    expect(history.map((h) => JSON.parse(h.details))).toEqual([{ enabled: true }, { enabled: false }]);
  });

  it("starts a backfill of current subscriptions (with syncing on and a Loop token), shows its progress, and cancels it", async () => {
    expect(await submit({ intent: "start-backfill" })).toMatchObject({ ok: false, message: expect.stringMatching(/Switch subscriber property syncing on/) });
    expect(await submit({ intent: "save-property-sync", propertySyncEnabled: "on" })).toMatchObject({ ok: true });
    expect(await submit({ intent: "start-backfill" })).toMatchObject({ ok: false, message: expect.stringMatching(/Connect Loop with a token/) });
    // The token's store (the stand-in's demo shop) has 60 subscriptions of 25 customers.
    standIns.loop.state.subscriptions.set(DEMO_SHOP, { count: 60, customers: 25, seed: "route" });
    const sealed = sealSecret(DEMO_TOKEN, loopTokenContext(SHOP));
    await database.db.loopConnection.create({ data: { shopDomain: SHOP, status: "connected", mode: "api", tokenCiphertext: sealed.ciphertext, tokenKeyId: sealed.keyId } });
    expect(await submit({ intent: "start-backfill" })).toMatchObject({ ok: true, message: "Backfill started" });
    expect((await load()).backfill).toMatchObject({ status: "running", subscriptionsRead: 0 });

    // The worker the app runs, with the app's configuration (Loop's address, the stored token).
    const stop = new AbortController();
    const running = createAppBackfillWorker(database.db).run(stop.signal);
    await waitFor("the backfill to finish", async () => (await load()).backfill?.status === "done", 10_000);
    stop.abort();
    await running;
    expect((await load()).backfill).toMatchObject({ status: "done", subscriptionsRead: 60, subscriptionsTotal: 60, customers: 25, message: null });
    expect(await database.db.event.count({ where: { shopDomain: SHOP } })).toBe(0);
    expect(await submit({ intent: "cancel-backfill" })).toMatchObject({ ok: false, message: "The backfill had already finished." });

    expect(await submit({ intent: "start-backfill" })).toMatchObject({ ok: true });
    expect(await submit({ intent: "cancel-backfill" })).toMatchObject({ ok: true, message: "Backfill cancelled" });
    expect((await load()).backfill).toMatchObject({ status: "cancelled" });
    expect((await load(OTHER_SHOP)).backfill).toBeNull();
    await database.db.loopConnection.delete({ where: { shopDomain: SHOP } });
    expect(await submit({ intent: "save-property-sync", propertySyncEnabled: "off" })).toMatchObject({ ok: true });
  });

  it("sends a test event of a type to the test recipient through the connected key", async () => {
    expect(await submit({ intent: "save-test-recipient", testEmail: "owner@example.com", testPhone: "" })).toMatchObject({ ok: true });
    const result = await submit({ intent: "send-test-event", type: "order_upcoming" });
    expect(result).toMatchObject({ intent: "send-test-event", ok: true, message: expect.stringMatching(/Flow Builder/) });
    const sent = standIns.postscript.state.requests.filter((r) => r.path === "/api/v2/events").at(-1);
    expect(sent?.body).toMatchObject({ type: "order_upcoming", email: "owner@example.com", properties: { is_test: true } });
    expect(await submit({ intent: "send-test-event", type: "not_a_type" })).toMatchObject({ ok: false, message: "Unknown event type." });
    expect(await submit({ intent: "save-test-recipient", testEmail: "", testPhone: "" })).toMatchObject({ ok: true });
  });

  it("keeps every shop to its own rows: another shop's session sees and changes nothing of this one", async () => {
    const other = await load(OTHER_SHOP);
    expect(other.connection.status).toBe("not_connected");
    expect(other.settings.paymentRetryCount).toBe(3);
    expect(await submit({ intent: "disconnect" }, OTHER_SHOP)).toMatchObject({ ok: true, message: "Postscript was already disconnected." });
    expect(await submit({ intent: "verify" }, OTHER_SHOP)).toMatchObject({ ok: false, message: expect.stringMatching(/not connected/) });
    await submit({ intent: "save-retry-count", paymentRetryCount: "9" }, OTHER_SHOP);
    expect(await postscriptConnectionStatus(database.db, SHOP)).toBe("connected");
    expect((await load()).settings.paymentRetryCount).toBe(4);
    expect(await database.db.configurationChange.count({ where: { shopDomain: OTHER_SHOP, action: { startsWith: "postscript." } } })).toBe(0);
  });

  it("refuses requests without a valid session and unknown actions", async () => {
    const anonymous = new Request(`https://my-test-app.myshopify.io${PATH}`, {
      method: "POST",
      body: new URLSearchParams({ intent: "disconnect" }),
      headers: { "User-Agent": "Mozilla/5.0 Chrome/131.0", Authorization: "Bearer forged.token.value" },
    });
    expect((await runRoute(action, anonymous)).status).toBe(401);
    const unknown = await adminFetchRequest(SHOP, PATH, { method: "POST", body: new URLSearchParams({ intent: "drop-tables" }) });
    expect((await runRoute(action, unknown)).status).toBe(400);
    expect(await postscriptConnectionStatus(database.db, SHOP)).toBe("connected");
  });

  it("disconnects: events stop, the key is removed, the row and history stay", async () => {
    expect(await submit({ intent: "disconnect" })).toMatchObject({ ok: true, message: "Postscript disconnected. Events are no longer sent." });
    const saved = (await row())!;
    expect(saved).toMatchObject({ status: "disconnected", keyCiphertext: null, keyKeyId: null, keyLastFour: "7890" });
    expect(saved.disconnectedAt).not.toBeNull();
    expect(await postscriptCredentials(database.db, SHOP)).toBeNull();
    expect((await load()).connection).toMatchObject({ status: "disconnected", keyMasked: "••••7890" });
    expect(await submit({ intent: "disconnect" })).toMatchObject({ message: "Postscript was already disconnected." });
    expect(await database.db.configurationChange.count({ where: { shopDomain: SHOP, action: "postscript.disconnected" } })).toBe(1);
  });

  it("never wrote a key to a log line, a response or the history", async () => {
    const history = await database.db.configurationChange.findMany({ where: { shopDomain: SHOP } });
    const haystacks = [...logs, ...responses, ...history.map((h) => h.details)];
    expect(logs.length).toBeGreaterThan(0);
    expect(responses.length).toBeGreaterThan(20);
    for (const key of [DEMO_SHOP_KEY, TEA_SHOP_KEY, UNKNOWN_KEY, DEMO_PARTNER_KEY]) {
      for (const text of haystacks) expect(text).not.toContain(key);
    }
  });
});

describe("Postscript failure messages", () => {
  it("says a 403 may mean the plan has no API access", () => {
    const message = postscriptFailureMessage({ kind: "unauthorized", status: 403, message: "Access denied" });
    expect(message).toMatch(/did not accept this key\. /);
    expect(message).not.toMatch(/\b403\b/);
    expect(message).toMatch(/plan may not include API access/);
  });

  it("removes the key from Postscript's own words", () => {
    const key = "sk_" + "a".repeat(32);
    expect(postscriptFailureMessage({ kind: "rejected", status: 400, message: `bad key ${key}` }, key)).toBe("Postscript refused the request: bad key [key].");
  });
});

describe("Postscript connection whose key can no longer be opened", () => {
  const database = withTestDatabase("sqlite");
  const SHOP_LOST = "ps-lost.myshopify.com";

  it("says so and asks for the key again instead of failing", async () => {
    await installShop(database.db, SHOP_LOST);
    // Sealed under a key id this app does not have (as after removing a key from SECRETS_ENCRYPTION_KEYS too early).
    await database.db.postscriptConnection.create({ data: { shopDomain: SHOP_LOST, status: "connected", keyCiphertext: "AQ" + "A".repeat(60), keyKeyId: "gone", keyLastFour: "7890" } });
    const result = await submitForm(action, SHOP_LOST, PATH, { intent: "verify" });
    expect(result).toMatchObject({ ok: false, message: expect.stringMatching(/can no longer be read by this app.*Replace the key/) });
  });
});
