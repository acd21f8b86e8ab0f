// Pure unit tests of the contract module, the rate limiter (fake clock) and the deterministic fault counter.
import { describe, expect, it } from "vitest";
import { FaultController } from "./faults";
import {
  formatOccurredAt,
  maskAuthorization,
  parseAuthorization,
  parseOccurredAt,
  phoneKey,
  validateCustomEvent,
  validateSubscriberPatch,
} from "../../app/postscript/protocol";
import { SlidingWindowRateLimiter } from "./rate-limit";

describe("parseAuthorization", () => {
  it("accepts Bearer and legacy Basic with empty password", () => {
    expect(parseAuthorization("Bearer sk_abc")).toEqual({ ok: true, scheme: "bearer", token: "sk_abc" });
    expect(parseAuthorization("bearer sk_abc")).toMatchObject({ ok: true, token: "sk_abc" });
    const b64 = Buffer.from("sk_abc:").toString("base64");
    expect(parseAuthorization(`Basic ${b64}`)).toEqual({ ok: true, scheme: "basic", token: "sk_abc" });
  });
  it("rejects missing and malformed headers", () => {
    expect(parseAuthorization(undefined)).toEqual({ ok: false, reason: "missing" });
    expect(parseAuthorization("  ")).toEqual({ ok: false, reason: "missing" });
    for (const h of ["Bearer", "sk_abc", "Token sk_abc", "Bearer a b", "Basic !!!", `Basic ${Buffer.from("sk_abc:pw").toString("base64")}`]) {
      expect(parseAuthorization(h), h).toMatchObject({ ok: false, reason: "malformed" });
    }
  });
  it("masks keys to the last 4 characters", () => {
    expect(maskAuthorization("Bearer sk_demo_c0ffee1234567890abcdef1234567890")).toBe("Bearer ****7890");
  });
});

describe("occurred_at", () => {
  it("accepts %Y-%m-%d %H:%M:%S.%f with 1–6 fractional digits", () => {
    for (const f of ["1", "12", "123", "1234", "12345", "123456"]) {
      expect(parseOccurredAt(`2025-06-20 14:03:11.${f}`), f).not.toBeNull();
    }
    expect(parseOccurredAt("2025-06-20 14:03:11.123")).toBe(Date.UTC(2025, 5, 20, 14, 3, 11, 123));
  });
  it("rejects ISO-8601, missing fraction, 7 digits and impossible dates", () => {
    for (const v of ["2025-06-20T14:03:11Z", "2025-06-20T14:03:11.123Z", "2025-06-20 14:03:11", "2025-06-20 14:03:11.1234567", "2025-02-30 00:00:00.000", "2025-06-20 24:00:00.000", "2025-6-20 14:03:11.1"]) {
      expect(parseOccurredAt(v), v).toBeNull();
    }
  });
  it("formats in the documented format (UTC, ms)", () => {
    expect(formatOccurredAt(Date.UTC(2025, 5, 20, 0, 0, 0, 0))).toBe("2025-06-20 00:00:00.000");
  });
});

describe("validateCustomEvent", () => {
  it("returns the typed value for a full valid body", () => {
    const r = validateCustomEvent({
      type: "subscription_created",
      subscriber_id: "s_1",
      phone: "(555) 555-5555",
      email: "a@b.co",
      occurred_at: "2025-06-20 14:03:11.123",
      properties: { "Next Order": "2025-07-01", price: 29.99, qty: 2, prepaid: false },
      external_id: "loop:1",
    });
    expect(r.ok).toBe(true);
  });
  it("reports every error with its loc", () => {
    const r = validateCustomEvent({ type: "a-b", properties: { x: [1] }, occurredAt: "x" });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.map((e) => e.loc)).toEqual([["body", "occurredAt"], ["body", "type"], ["body", "properties", "x"]]);
  });
  it("subscriber PATCH accepts string/integer/string[] and rejects booleans and floats", () => {
    expect(validateSubscriberPatch({ properties: { a: "x", b: 1, c: ["y"], d: "2025-01-01" } }).ok).toBe(true);
    expect(validateSubscriberPatch({ properties: { a: true } }).ok).toBe(false);
    expect(validateSubscriberPatch({ properties: { a: 1.5 } }).ok).toBe(false);
  });
  it("phone keys compare digits only", () => {
    expect(phoneKey("+1 (555) 555-5555")).toBe(phoneKey("15555555555"));
  });
});

describe("SlidingWindowRateLimiter (fake clock)", () => {
  it("accepts exactly `limit` per sliding second per bucket and frees at +1000 ms", () => {
    let now = 10_000;
    const rl = new SlidingWindowRateLimiter(15, 1000, () => now);
    const results = Array.from({ length: 20 }, () => rl.take("a").allowed);
    expect(results.filter(Boolean)).toHaveLength(15);
    expect(results.slice(15)).toEqual([false, false, false, false, false]);
    expect(rl.take("b").allowed).toBe(true); // other token unaffected
    now += 999;
    const d = rl.take("a");
    expect(d).toEqual({ allowed: false, retryAfterMs: 1 });
    now += 1;
    expect(rl.take("a").allowed).toBe(true);
  });
  it("is sliding, not fixed: requests spread over the window all count", () => {
    let now = 0;
    const rl = new SlidingWindowRateLimiter(3, 1000, () => now);
    for (const t of [0, 400, 800]) {
      now = t;
      expect(rl.take("k").allowed).toBe(true);
    }
    now = 999;
    expect(rl.take("k").allowed).toBe(false);
    now = 1000; // the t=0 slot left the window
    expect(rl.take("k").allowed).toBe(true);
    expect(rl.take("k").allowed).toBe(false);
  });
  it("lowering the limit at run time takes effect immediately", () => {
    const now = 0;
    const rl = new SlidingWindowRateLimiter(10, 1000, () => now);
    for (let i = 0; i < 5; i++) rl.take("k");
    rl.setLimit(3);
    expect(rl.take("k").allowed).toBe(false);
  });

  it("counts requests by arrival, not by when they reach the check", () => {
    let now = 0;
    const rl = new SlidingWindowRateLimiter(2, 1000, () => now);
    // Three arrivals within 20 ms, checked late and far apart (a busy event loop): the third is one too many.
    expect(rl.take("bunched", 0).allowed).toBe(true);
    now = 1_500;
    expect(rl.take("bunched", 10).allowed).toBe(true);
    now = 3_000;
    expect(rl.take("bunched", 20).allowed).toBe(false);
    // Three arrivals 1.5 s apart, all checked at one moment: none is one too many.
    expect([0, 1_500, 3_000].map((at) => rl.take("spread", at).allowed)).toEqual([true, true, true]);
    // A late check of an early arrival also counts against the windows of arrivals already accepted after it.
    expect(rl.take("spread", 2_200).allowed).toBe(true);
    expect(rl.take("spread", 2_100).allowed).toBe(false);
  });
});

describe("FaultController spread mode", () => {
  const pattern = (rate: number, n: number) => {
    const f = new FaultController();
    f.set({ errorRate: rate });
    return Array.from({ length: n }, (): number => (f.hit("error", "/api/v2/me") ? 1 : 0));
  };
  it("gives exact shares", () => {
    expect(pattern(0.5, 6)).toEqual([0, 1, 0, 1, 0, 1]);
    expect(pattern(0.25, 8)).toEqual([0, 0, 0, 1, 0, 0, 0, 1]);
    expect(pattern(0.3, 10).reduce((a, b) => a + b, 0)).toBe(3);
    expect(pattern(1, 4)).toEqual([1, 1, 1, 1]);
    expect(pattern(0, 4)).toEqual([0, 0, 0, 0]);
  });
  it("restricts to paths and restarts counters on set", () => {
    const f = new FaultController();
    f.set({ errorRate: 1, paths: ["/api/v2/events"] });
    expect(f.hit("error", "/api/v2/me")).toBe(false);
    expect(f.hit("error", "/api/v2/events")).toBe(true);
    f.set({ errorRate: 0.5, paths: ["/api/v2/subscribers*"] });
    expect(f.hit("error", "/api/v2/subscribers/s_1")).toBe(false);
    expect(f.hit("error", "/api/v2/subscribers")).toBe(true);
  });
  it("random mode is reproducible for a seed", () => {
    const run = () => {
      const f = new FaultController();
      f.set({ errorRate: 0.5, mode: "random", seed: 42 });
      return Array.from({ length: 32 }, () => f.hit("error", "/x"));
    };
    expect(run()).toEqual(run());
  });
});
