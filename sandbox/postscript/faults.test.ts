// Fault injection over real HTTP: latency, 5xx share, timeouts, malformed bodies, revoked keys.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEMO_PARTNER_KEY, DEMO_SHOP_KEY, TEA_SHOP_KEY } from "./seed";
import { startPostscriptStandIn, type PostscriptStandIn } from "./server";
import { call, control } from "./test-helpers";
import { waitFor } from "../../tests/support/wait";

let ps: PostscriptStandIn;
let base: string;

beforeAll(async () => {
  ps = await startPostscriptStandIn({ rateLimitPerSecond: 10_000 });
  base = ps.url;
});
afterAll(async () => {
  await ps.close();
});
beforeEach(async () => {
  await control(base, "/reset", "POST");
});

const me = (key = DEMO_SHOP_KEY) => call(base, "/api/v2/me", { key });
const event = (type = "x", key = DEMO_SHOP_KEY) => call(base, "/api/v2/events", { key, body: { type } });

describe("faults", () => {
  it("latency is applied (and can be restricted to paths)", async () => {
    await control(base, "/faults", "POST", { latencyMs: 150, paths: ["/api/v2/events"] });
    const slow = await event();
    expect(slow.status).toBe(202);
    expect(slow.ms).toBeGreaterThanOrEqual(149);
    const fast = await me();
    expect(fast.status).toBe(200);
    expect(fast.ms).toBeLessThan(120);
    const [rec] = (await control(base, "/requests?path=/api/v2/events")).requests;
    expect(rec.latency_ms).toBe(150);
  });

  it("errorRate 0.5 answers exactly every other request with errorStatus, and nothing is processed", async () => {
    await control(base, "/faults", "POST", { errorRate: 0.5 });
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await event()).status);
    expect(statuses).toEqual([202, 500, 202, 500, 202, 500, 202, 500]);
    expect(ps.state.events).toHaveLength(4);

    await control(base, "/faults", "POST", { errorRate: 1, errorStatus: 503 });
    const r = await me();
    expect(r.status).toBe(503);
    expect(r.headers.get("content-type")).toMatch(/text\/html/); // gateways answer HTML, not JSON
    expect(r.json).toBeUndefined();
    const log = (await control(base, "/requests")).requests.at(-1);
    expect(log).toMatchObject({ status: 503, fault: "error" });
  });

  it("timeout: the request is never answered; the client gives up via AbortSignal.timeout", async () => {
    await control(base, "/faults", "POST", { timeoutRate: 1 });
    const t0 = performance.now();
    const err = await call(base, "/api/v2/events", { key: DEMO_SHOP_KEY, body: { type: "x" }, signal: AbortSignal.timeout(200) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe("TimeoutError");
    expect(performance.now() - t0).toBeGreaterThanOrEqual(195);
    expect(ps.state.events).toHaveLength(0); // default: not processed
    // The server records the outcome once it sees the client's socket close.
    const log = await waitFor("the server to see the client give up", async () => {
      const last = (await control(base, "/requests")).requests.at(-1);
      return last?.outcome === "pending" ? undefined : last;
    }, 5_000, 5);
    expect(log).toMatchObject({ status: null, outcome: "timeout", fault: "timeout" });
    await control(base, "/faults", "DELETE");
    expect((await me()).status).toBe(200);
  });

  it("timeoutAfterProcessing: the event is recorded but the answer is lost (a retry would duplicate it)", async () => {
    await control(base, "/faults", "POST", { timeoutRate: 1, timeoutAfterProcessing: true });
    await expect(call(base, "/api/v2/events", { key: DEMO_SHOP_KEY, body: { type: "lost_answer" }, signal: AbortSignal.timeout(150) })).rejects.toThrow();
    expect(ps.state.events.map((e) => e.type)).toEqual(["lost_answer"]);
  });

  it("close() does not hang on sockets held open by the timeout fault", async () => {
    const other = await startPostscriptStandIn({ faults: { timeoutRate: 1 } });
    const pending = call(other.url, "/api/v2/me", { key: DEMO_SHOP_KEY }).catch((e: unknown) => e);
    await waitFor("the request held open", () => other.state.requests.some((r) => r.fault === "timeout"), 5_000, 5);
    const t0 = performance.now();
    await other.close();
    expect(performance.now() - t0).toBeLessThan(500);
    expect(await pending).toBeInstanceOf(Error);
  });

  it("malformed: 2xx status with a truncated non-JSON body (the request is still processed)", async () => {
    await control(base, "/faults", "POST", { malformedRate: 1 });
    const r = await event("malformed_case");
    expect(r.status).toBe(202);
    expect(r.headers.get("content-type")).toMatch(/application\/json/);
    expect(() => JSON.parse(r.text)).toThrow();
    expect(r.text.startsWith('{"event_ids":')).toBe(true);
    expect(ps.state.events).toHaveLength(1);
    // only would-be-2xx answers are mangled
    const unauthorized = await me("sk_nope");
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.json).toBeDefined();

    await control(base, "/faults", "POST", { malformedRate: 0.5 });
    const parsed: boolean[] = [];
    for (let i = 0; i < 4; i++) parsed.push((await me()).json !== undefined);
    expect(parsed).toEqual([true, false, true, false]);
  });

  it("revoked keys get 401 from then on; other keys keep working; reset restores", async () => {
    expect((await me()).status).toBe(200);
    await control(base, "/faults", "POST", { revokedKeys: [DEMO_SHOP_KEY] });
    const r = await me();
    expect(r.status).toBe(401);
    expect(r.json).toEqual({ errors: [{ msg: "Unauthorized", type: "v2.unauthorized" }] });
    expect((await event("x")).status).toBe(401);
    expect((await me(TEA_SHOP_KEY)).status).toBe(200);
    // a revoked shop key is also refused as a partner's shop token
    const viaPartner = await call(base, "/api/v2/me", { key: DEMO_PARTNER_KEY, headers: { "x-postscript-shop-token": DEMO_SHOP_KEY } });
    expect(viaPartner.status).toBe(401);
    const log = (await control(base, "/requests")).requests.at(-1);
    expect(log).toMatchObject({ status: 401, fault: "revoked", partner_id: expect.any(String) });
    await control(base, "/faults", "DELETE");
    expect((await me()).status).toBe(200);
  });

  it("fault settings are validated", async () => {
    await expect(control(base, "/faults", "POST", { errorRate: 2 })).rejects.toThrow(/400/);
    await expect(control(base, "/faults", "POST", { errorStatus: 404 })).rejects.toThrow(/400/);
    await expect(control(base, "/faults", "POST", { latency: 5 })).rejects.toThrow(/400/);
    const { faults } = await control(base, "/faults", "POST", { latencyMs: 5 });
    expect(faults).toMatchObject({ latencyMs: 5, errorRate: 0 });
  });

  it("control API is never faulted or logged", async () => {
    await control(base, "/faults", "POST", { errorRate: 1, timeoutRate: 0 });
    expect((await control(base, "/health")).ok).toBe(true);
    expect((await control(base, "/requests")).requests).toHaveLength(0);
  });
});
