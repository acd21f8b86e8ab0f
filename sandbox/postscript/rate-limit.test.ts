// Rate limiting over real HTTP with the default 15 req/s per token (Postscript's documented limit).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEMO_PARTNER_KEY, DEMO_SHOP_KEY, TEA_SHOP_KEY, VITAMIN_SHOP_KEY } from "./seed";
import { startPostscriptStandIn, type PostscriptStandIn } from "./server";
import { call, control, sleep } from "./test-helpers";

let ps: PostscriptStandIn;
let base: string;

beforeAll(async () => {
  ps = await startPostscriptStandIn(); // defaults: 15/s, no Retry-After
  base = ps.url;
});
afterAll(async () => {
  await ps.close();
});
beforeEach(async () => {
  await control(base, "/reset", "POST");
});

const RATE_BODY = { error_code: 3002, error_message: "Rate limit exceeded", success: false };
const burst = (n: number, opts: Parameters<typeof call>[2], path = "/api/v2/me") =>
  Promise.all(Array.from({ length: n }, () => call(base, path, opts)));
const count = (rs: { status: number }[], status: number) => rs.filter((r) => r.status === status).length;

describe("rate limit: 15 requests per second per token", () => {
  it("20 concurrent requests with one key → exactly 15 accepted, 5 × 429; other keys unaffected; recovers after the window", async () => {
    const [demo, tea] = await Promise.all([burst(20, { key: DEMO_SHOP_KEY }), burst(15, { key: TEA_SHOP_KEY })]);
    const burstDone = performance.now(); // every accepted request was stamped before this
    expect(count(demo, 200)).toBe(15);
    expect(count(demo, 429)).toBe(5);
    for (const r of demo.filter((x) => x.status === 429)) {
      expect(r.json).toEqual(RATE_BODY);
      expect(r.headers.get("retry-after")).toBeNull(); // undocumented → off by default
    }
    expect(count(tea, 200)).toBe(15); // a second key has its own bucket

    // still inside the window: still limited
    expect((await call(base, "/api/v2/me", { key: DEMO_SHOP_KEY })).status).toBe(429);

    // after the 1 s window has passed, requests succeed again
    await sleep(Math.max(0, 1020 - (performance.now() - burstDone)));
    const again = await burst(15, { key: DEMO_SHOP_KEY });
    expect(count(again, 200)).toBe(15);
    expect((await call(base, "/api/v2/me", { key: DEMO_SHOP_KEY })).status).toBe(429);
  });

  it("buckets are per token identity: shop key, partner+shop pair and partner alone are separate", async () => {
    const pairDemo = { key: DEMO_PARTNER_KEY, headers: { "x-postscript-shop-token": DEMO_SHOP_KEY } };
    const pairTea = { key: DEMO_PARTNER_KEY, headers: { "x-postscript-shop-token": TEA_SHOP_KEY } };
    const pair = await burst(16, pairDemo);
    expect(count(pair, 200)).toBe(15);
    expect(count(pair, 429)).toBe(1);
    // the shop's own key is a different token → not limited by the partner+shop pair
    expect((await call(base, "/api/v2/me", { key: DEMO_SHOP_KEY })).status).toBe(200);
    // the same partner with another shop is a different pair
    expect((await call(base, "/api/v2/me", pairTea)).status).toBe(200);
    // partner alone has its own bucket too (answered 403: no shop to act on, but counted)
    const alone = await burst(16, { key: DEMO_PARTNER_KEY });
    expect(count(alone, 403)).toBe(15);
    expect(count(alone, 429)).toBe(1);
  });

  it("all endpoints share the token's budget; unauthenticated requests are not counted", async () => {
    const unauth = await burst(20, { key: "sk_not_a_real_key" });
    expect(count(unauth, 401)).toBe(20);
    // Subscriber lookups and updates (property sync) draw on the same budget as events.
    const mixed = await Promise.all([
      ...Array.from({ length: 4 }, () => call(base, "/api/v2/me", { key: VITAMIN_SHOP_KEY })),
      ...Array.from({ length: 4 }, () => call(base, "/api/v2/subscribers?email__eq=nobody%40example.com", { key: VITAMIN_SHOP_KEY })),
      ...Array.from({ length: 2 }, () => call(base, "/api/v2/subscribers/s_nope", { key: VITAMIN_SHOP_KEY, method: "PATCH", body: { properties: { a: "b" } } })),
      ...Array.from({ length: 6 }, () => call(base, "/api/v2/events", { key: VITAMIN_SHOP_KEY, body: { type: "x" } })),
    ]);
    expect(count(mixed, 429)).toBe(1);
    expect(count(mixed, 200) + count(mixed, 202) + count(mixed, 404)).toBe(15);
    expect(ps.state.events.length).toBe(count(mixed, 202)); // a 429'd event is not recorded
  });

  it("limit and Retry-After can be changed at run time; Retry-After also as a server option", async () => {
    await control(base, "/faults", "POST", { rateLimitPerSecond: 3, retryAfterOn429: true });
    const rs = await burst(5, { key: DEMO_SHOP_KEY });
    expect(count(rs, 200)).toBe(3);
    const limited = rs.filter((r) => r.status === 429);
    expect(limited).toHaveLength(2);
    for (const r of limited) expect(r.headers.get("retry-after")).toBe("1");
    await control(base, "/faults", "DELETE"); // back to 15/s, no header
    expect((await control(base, "/faults")).rate_limit_per_second).toBe(15);

    const withHeader = await startPostscriptStandIn({ rateLimitPerSecond: 1, retryAfterOn429: true });
    try {
      await call(withHeader.url, "/api/v2/me", { key: DEMO_SHOP_KEY });
      const r = await call(withHeader.url, "/api/v2/me", { key: DEMO_SHOP_KEY });
      expect(r.status).toBe(429);
      expect(r.headers.get("retry-after")).toBe("1");
    } finally {
      await withHeader.close();
    }
  });

  it("reports, per token identity, requests by arrival and the most in any 1 s window (GET /__sandbox/rate)", async () => {
    const spaced = async (n: number, gapMs: number) => {
      for (let i = 0; i < n; i++) {
        await call(base, "/api/v2/me", { key: TEA_SHOP_KEY });
        await sleep(gapMs); // spaced arrivals are the scenario
      }
    };
    await Promise.all([burst(18, { key: DEMO_SHOP_KEY }), spaced(4, 400)]);
    const { window_ms, keys } = await control(base, "/rate");
    expect(window_ms).toBe(1000);
    const byBucket = Object.fromEntries(keys.map((k: { bucket: string }) => [k.bucket, k]));
    // Rejected requests count as arrivals: the window maximum is the sender's pace, not what was accepted.
    expect(byBucket["shop:shop_c0ffee00000001"]).toMatchObject({ requests: 18, rejected: 3, maxInAnyWindow: 18 });
    expect(byBucket["shop:shop_7ea7ea00000002"]).toMatchObject({ requests: 4, rejected: 0, maxInAnyWindow: 3 });
    expect(ps.rateStats()).toEqual(keys);
    await control(base, "/rate", "DELETE");
    expect((await control(base, "/rate")).keys).toEqual([]);
  });
});
