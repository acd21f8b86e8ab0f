// The pace each shop's sender keeps: never more than floor(rate + capacity) requests in any second, and the
// configured rate even when every wake-up comes late.
import { describe, expect, it } from "vitest";
import type { Clock } from "~/jobs/clock";
import { TokenBucket } from "./token-bucket";

/** A clock whose sleeps oversleep by `late(n)` ms (a busy event loop), advancing virtual time only. */
function lateClock(late: (n: number) => number): Clock & { t: number } {
  let n = 0;
  const clock = {
    t: 1_000_000,
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.t += ms + late(n++);
    },
  };
  return clock;
}

async function sends(bucket: TokenBucket, clock: { now(): number }, count: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    await bucket.take();
    times.push(clock.now());
  }
  return times;
}

function maxInWindow(times: number[], windowMs = 1000): number {
  let max = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i] - times[j] >= windowMs) j++;
    max = Math.max(max, i - j + 1);
  }
  return max;
}

describe("token bucket", () => {
  it.each([
    ["on time", () => 0],
    ["always 5 ms late", () => 5],
    ["late by 0–30 ms", (n: number) => (n * 7919) % 31],
    ["sometimes 300 ms late", (n: number) => (n % 50 === 0 ? 300 : 2)],
  ])("keeps 14/s with capacity 1 and never more than 15 in a second (%s)", async (_name, late) => {
    const clock = lateClock(late);
    const times = await sends(new TokenBucket(14, 1, clock), clock, 700);
    expect(maxInWindow(times)).toBeLessThanOrEqual(15);
    const rate = (times.length - 1) / ((times[times.length - 1] - times[0]) / 1000);
    expect(rate).toBeLessThanOrEqual(14.01);
    if (_name !== "sometimes 300 ms late") expect(rate).toBeGreaterThan(13.5);
    for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(35);
  });

  it("keeps floor(rate + capacity) as the bound for other settings too", async () => {
    for (const [rate, capacity] of [[14.5, 1], [10, 3], [1, 1]]) {
      const clock = lateClock((n) => (n % 3) * 20);
      const times = await sends(new TokenBucket(rate, capacity, clock), clock, 200);
      expect(maxInWindow(times)).toBeLessThanOrEqual(Math.floor(rate + capacity));
    }
  });

  it("keeps the bound across a handoff to a new bucket started once the old one holds as much", async () => {
    for (const late of [() => 0, (n: number) => (n * 7919) % 31]) {
      const clock = lateClock(late);
      const first = new TokenBucket(14, 1, clock);
      const times = await sends(first, clock, 100);
      // Another worker takes the shop over: the lease keeps it off for msUntilFresh(), then it starts anew.
      clock.t += first.msUntilFresh();
      expect(first.msUntilFresh()).toBe(0);
      times.push(...(await sends(new TokenBucket(14, 1, clock), clock, 100)));
      expect(maxInWindow(times)).toBeLessThanOrEqual(15);
    }
  });

  it("counts a 429 pause in the time until it is as a new bucket", async () => {
    const clock = lateClock(() => 0);
    const bucket = new TokenBucket(14, 1, clock);
    expect(bucket.msUntilFresh()).toBe(0);
    await bucket.take();
    expect(bucket.msUntilFresh()).toBe(Math.ceil(1000 / 14));
    bucket.pauseFor(2_000);
    expect(bucket.msUntilFresh()).toBe(2_000 + Math.ceil(1000 / 14));
  });

  it("serves takers in the order they asked: one that finds a token waits while an earlier one sleeps", async () => {
    // A clock whose timers fire only when the test says so, as when a busy event loop runs them late.
    const timers: (() => void)[] = [];
    const clock = { t: 1_000_000, now: () => clock.t, sleep: () => new Promise<void>((resolve) => timers.push(resolve)) };
    const settle = () => new Promise((resolve) => setImmediate(resolve));
    const bucket = new TokenBucket(14, 1, clock);
    const served: string[] = [];
    expect(await bucket.take()).toBe(true);
    void bucket.take().then(() => served.push("first waiter"));
    await settle();
    // Its timer is late: by now a token is there for anyone who asks, but the first waiter asked before.
    clock.t += 200;
    void bucket.take().then(() => served.push("later taker"));
    await settle();
    while (served.length < 2) {
      for (const fire of timers.splice(0)) fire();
      await settle();
      clock.t += 100;
    }
    expect(served).toEqual(["first waiter", "later taker"]);
  });
});

describe("spare tokens", () => {
  it("are handed out only while no taker waits or has just been served, and count against the same pace", async () => {
    const clock = lateClock(() => 0);
    const bucket = new TokenBucket(10, 1, clock);
    expect(bucket.takeSpare()).toBe(true); // idle: the free token goes
    expect(bucket.takeSpare()).toBe(false); // none left until the next interval
    clock.t += 100;
    const waiting = bucket.take(); // a taker asks: it is served before any spare
    expect(bucket.takeSpare()).toBe(false);
    await waiting;
    clock.t += 150; // one and a half intervals after a taker was served: still its sender's turn
    expect(bucket.takeSpare()).toBe(false);
    clock.t += 60; // two intervals of quiet
    expect(bucket.takeSpare()).toBe(true);
    // A spare token and a taken one are never closer than the rate allows.
    const before = clock.now();
    await bucket.take();
    expect(clock.now() - before).toBeGreaterThanOrEqual(100 - 0.5 * 100);
  });

  it("are refused during a 429 pause", () => {
    const clock = lateClock(() => 0);
    const bucket = new TokenBucket(10, 1, clock);
    bucket.pauseFor(1_000);
    expect(bucket.takeSpare()).toBe(false);
    clock.t += 1_100;
    expect(bucket.takeSpare()).toBe(true);
  });
});

describe("a sender's run of requests", () => {
  it("keeps spare tokens back until it ends, even between its requests", () => {
    const clock = lateClock(() => 0);
    const bucket = new TokenBucket(10, 1, clock);
    const done = bucket.sending();
    clock.t += 1_000;
    expect(bucket.takeSpare()).toBe(false);
    done();
    done(); // once only
    expect(bucket.takeSpare()).toBe(true);
  });
});
