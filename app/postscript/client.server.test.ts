// The client against the local Postscript stand-in over real HTTP (sandbox/postscript).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startPostscriptStandIn } from "../../sandbox/postscript/server";
import { DEMO_SHOP_KEY, DEMO_PARTNER_KEY, DEMO_SUBSCRIBERS } from "../../sandbox/postscript/seed";
import { closedPort } from "../../tests/support/net";
import { PostscriptClient, subscriberLookups } from "./client.server";
import { checkPrivateKeyInput } from "./keys";

describe("Postscript client", () => {
  let ps: Awaited<ReturnType<typeof startPostscriptStandIn>>;
  const client = (apiKey = DEMO_SHOP_KEY, extra: Partial<ConstructorParameters<typeof PostscriptClient>[0]> = {}) =>
    new PostscriptClient({ baseUrl: ps.url, apiKey, timeoutMs: 1000, ...extra });

  beforeAll(async () => {
    ps = await startPostscriptStandIn();
  });
  afterAll(() => ps.close());
  beforeEach(() => ps.resetFaults());

  it("verifies a key and returns the shop's name", async () => {
    const result = await client().verifyKey();
    expect(result).toMatchObject({ ok: true, status: 200, value: { shopId: "shop_c0ffee00000001", shopName: "Demo Coffee Co" } });
  });

  it("verifies through partner headers when a partner key is configured", async () => {
    const result = await client(DEMO_SHOP_KEY, { partnerKey: DEMO_PARTNER_KEY }).verifyKey();
    expect(result).toMatchObject({ ok: true, value: { shopName: "Demo Coffee Co" } });
    const [request] = (await (await fetch(`${ps.url}/__sandbox/requests?path=/api/v2/me`)).json()).requests.slice(-1);
    expect(request.headers["x-postscript-shop-token"]).toMatch(/^\*\*\*\*/);
    expect(request.headers.authorization).toMatch(/^Bearer \*\*\*\*/);
  });

  it("classifies an unknown key as unauthorized", async () => {
    const result = await client("sk_" + "f".repeat(32)).verifyKey();
    expect(result).toMatchObject({ ok: false, status: 401, failure: { kind: "unauthorized" } });
  });

  it("sends an event and returns Postscript's event ids", async () => {
    const result = await client().sendEvent({ type: "order_upcoming", email: "ada@example.com", occurred_at: "2026-11-25 08:00:00.000", properties: { order_total: 29.5 }, external_id: "loop:abc" });
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.value.eventIds).toHaveLength(1);
    expect(result.status).toBe(202);
  });

  it("classifies a 400 as rejected, with Postscript's message", async () => {
    const result = await client().sendEvent({ type: "order upcoming" });
    expect(result).toMatchObject({ ok: false, status: 400, failure: { kind: "rejected" } });
    if (!result.ok) expect(result.failure.message).toMatch(/type/);
  });

  it("classifies 429, 5xx, timeouts, malformed bodies and unreachable hosts", async () => {
    await ps.setFaults({ rateLimitPerSecond: 1 });
    await client().sendEvent({ type: "a" });
    expect(await client().sendEvent({ type: "a" })).toMatchObject({ ok: false, status: 429, failure: { kind: "rate_limited", message: "Rate limit exceeded" } });
    ps.resetFaults();

    await ps.setFaults({ errorRate: 1, errorStatus: 503 });
    expect(await client().sendEvent({ type: "a" })).toMatchObject({ ok: false, status: 503, failure: { kind: "unavailable" } });
    ps.resetFaults();

    await ps.setFaults({ timeoutRate: 1 });
    const timedOut = await client(DEMO_SHOP_KEY, { timeoutMs: 200 }).sendEvent({ type: "a" });
    expect(timedOut).toMatchObject({ ok: false, status: null, failure: { kind: "timeout" } });
    expect(timedOut.durationMs).toBeGreaterThanOrEqual(190);
    ps.resetFaults();

    await ps.setFaults({ malformedRate: 1 });
    expect(await client().sendEvent({ type: "a" })).toMatchObject({ ok: false, failure: { kind: "malformed_response" } });
    ps.resetFaults();

    const unreachable = await new PostscriptClient({ baseUrl: `http://127.0.0.1:${await closedPort()}`, apiKey: DEMO_SHOP_KEY }).verifyKey();
    expect(unreachable).toMatchObject({ ok: false, status: null, failure: { kind: "unavailable" } });
    expect(unreachable.ok || unreachable.failure.message).toMatch(/ECONNREFUSED/);
  });

  it("finds a subscriber by phone first, then by email, and says which found it", async () => {
    expect(await client().findSubscriber({ phone: DEMO_SUBSCRIBERS.ana.phone_number, email: "someone-else@example.com" })).toMatchObject({
      ok: true,
      value: { id: DEMO_SUBSCRIBERS.ana.id, matchedBy: "phone" },
    });
    const since = ps.state.requests.at(-1)?.seq ?? 0;
    const byEmail = await client().findSubscriber({ phone: "+15550009999", email: "CARA@example.com" });
    expect(byEmail).toMatchObject({ ok: true, value: { id: DEMO_SUBSCRIBERS.cara.id, matchedBy: "email" } });
    expect(ps.state.requestsFor({ since, path: "/api/v2/subscribers" }).map((r) => r.query)).toEqual([
      { phone_number__eq: "+15550009999" },
      { phone_number__eq: "15550009999" },
      { email__eq: "CARA@example.com" },
    ]);
  });

  it("answers null for a customer who is not a subscriber, and makes no request without a contact", async () => {
    expect(await client().findSubscriber({ phone: "+15550009999", email: "nobody@example.com" })).toMatchObject({ ok: true, value: null, status: 200 });
    const since = ps.state.requests.at(-1)?.seq ?? 0;
    expect(await client().findSubscriber({})).toMatchObject({ ok: true, value: null });
    expect(ps.state.requestsFor({ since })).toHaveLength(0);
    expect(subscriberLookups({ phone: "15550001111" }).map((l) => l.matchedBy)).toEqual(["phone"]);
  });

  it("updates only the properties it sends, and reports an unknown subscriber as rejected with 404", async () => {
    const result = await client().updateSubscriberProperties(DEMO_SUBSCRIBERS.ana.id, { loop_has_active_subscription: "yes", loop_products: ["Dark Roast"] });
    expect(result).toMatchObject({ ok: true, status: 200, value: { id: DEMO_SUBSCRIBERS.ana.id } });
    expect(ps.state.getSubscriber("shop_c0ffee00000001", DEMO_SUBSCRIBERS.ana.id)?.properties).toEqual({
      favourite_roast: "dark",
      loop_has_active_subscription: "yes",
      loop_products: ["Dark Roast"],
    });
    expect(await client().updateSubscriberProperties("s_gone", { loop_has_active_subscription: "no" })).toMatchObject({
      ok: false,
      status: 404,
      failure: { kind: "rejected" },
    });
  });

  it("waits for beforeRequest before every request, and sends nothing when it says no", async () => {
    let asked = 0;
    const gated = client(DEMO_SHOP_KEY, { beforeRequest: async () => (++asked < 3 ? () => undefined : null) });
    await gated.findSubscriber({ phone: "+15550009999", email: "nobody@example.com" });
    expect(asked).toBe(3);
    const since = ps.state.requests.at(-1)?.seq ?? 0;
    expect(await gated.updateSubscriberProperties(DEMO_SUBSCRIBERS.ana.id, { a: "b" })).toMatchObject({ ok: false, status: null });
    expect(ps.state.requestsFor({ since })).toHaveLength(0);
  });

  it("never puts the key in a failure message", async () => {
    const key = "sk_" + "e".repeat(32);
    const result = await client(key).verifyKey();
    expect(JSON.stringify(result)).not.toContain(key);
  });
});

describe("private key input", () => {
  it.each([
    ["", /Enter your Postscript private API key/],
    ["   ", /Enter your Postscript private API key/],
    ["pk_0123456789abcdef0123456789abcdef", /public key/],
    ["sk_partner_0123456789abcdef", /partner key/],
    ["sk_0123 4567 89abcdef", /spaces/],
    ["hello", /does not look like/],
    ["sk_short", /does not look like/],
  ])("refuses %j", (input, message) => {
    const check = checkPrivateKeyInput(input);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.message).toMatch(message);
  });

  it("accepts a private key, trimmed", () => {
    expect(checkPrivateKeyInput("  sk_0123456789abcdef0123456789abcdef \n")).toEqual({ ok: true, key: "sk_0123456789abcdef0123456789abcdef" });
  });
});
