import { describe, expect, it } from "vitest";
import type { Clock } from "~/jobs/clock";
import { RequestBudget, WIDENED_MARGIN_MS } from "./request-budget";

/** Time that moves only when told to, or by sleeping: the budget's timings are exact. */
class ManualClock implements Clock {
  private t = 1_000_000;
  now() {
    return this.t;
  }
  async sleep(ms: number) {
    if (ms > 0) this.t += ms;
    await new Promise((resolve) => setImmediate(resolve));
  }
  advance(ms: number) {
    this.t += ms;
  }
}

/** The most of `times` in any window of `windowMs` (half-open, as Postscript's stand-in counts). */
function busiestWindow(times: number[], windowMs = 1_000): number {
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i] - times[j] >= windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

/** Sends `count` requests one after the other, each answered `answerMs` after it left; returns the send times. */
async function sendInTurn(budget: RequestBudget, clock: ManualClock, count: number, answerMs: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const slot = await budget.acquire();
    times.push(clock.now());
    clock.advance(answerMs);
    slot!.settle();
  }
  return times;
}

describe("RequestBudget", () => {
  it("sends the full limit in every window, spread over it, and catches up after falling behind", async () => {
    const clock = new ManualClock();
    const budget = new RequestBudget({ limit: 15, marginMs: 50 }, clock);
    const start = clock.now();
    const times = await sendInTurn(budget, clock, 150, 0);
    expect(busiestWindow(times)).toBe(15);
    // Ten windows' worth in (almost exactly) ten windows: nothing taken off the rate.
    expect(times.at(-1)! - start).toBeLessThan(9 * 1_000 + 15 * (1_000 / 15 / 2) + 1);
    for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(1_000 / 15 / 2);

    // A sender that stopped for 600 ms sends the requests it owes at once (spaced), not one interval at a time.
    clock.advance(600);
    const after = await sendInTurn(budget, clock, 15, 0);
    expect(busiestWindow([...times, ...after])).toBe(15);
    expect(after.at(-1)! - after[0]).toBeLessThan(1_000);
  });

  it("counts a request at its answer, so one held up on the way cannot bunch with a request a second later", async () => {
    const clock = new ManualClock();
    const budget = new RequestBudget({ limit: 15, marginMs: 50 }, clock);
    // Each answer comes 30 ms after the request left: the request may have arrived at any time in between.
    const times = await sendInTurn(budget, clock, 16, 30);
    expect(times[15] - times[0]).toBeGreaterThanOrEqual(1_030);
    // Arrivals as late as the answers still hold at most 15 in any second.
    expect(busiestWindow([...times.slice(0, 15).map((t) => t + 30), times[15]])).toBe(15);
  });

  it("counts a request whose answer is slower than the margin at its sending plus the margin", async () => {
    const clock = new ManualClock();
    const budget = new RequestBudget({ limit: 3, marginMs: 50 }, clock);
    const first = await budget.acquire();
    const sentAt = clock.now();
    await budget.acquire();
    await budget.acquire();
    expect(budget.tryAcquire()).toBeNull();
    // A millisecond more than the margin and the window: the clock's step.
    clock.advance(sentAt + 1_050 - clock.now());
    expect(budget.tryAcquire()).toBeNull();
    clock.advance(1);
    expect(budget.tryAcquire()).not.toBeNull();
    first!.settle(); // too late to matter: the margin already counted it
  });

  it("after a 429 stops every sender until Retry-After, and widens the margin for a while", async () => {
    const clock = new ManualClock();
    const budget = new RequestBudget({ limit: 2, marginMs: 50 }, clock);
    await budget.acquire();
    budget.rateLimited(700);
    expect(budget.tryAcquire()).toBeNull();
    const waitedFrom = clock.now();
    await budget.acquire(); // unsettled: counted at its sending + the widened margin (100 ms)
    expect(clock.now() - waitedFrom).toBe(700);
    const second = clock.now();
    await budget.acquire();
    expect(clock.now() - second).toBeGreaterThanOrEqual(1_000 + 100 - 700);
    // The last request counts until its sending + the widened margin (100 ms) + a window (and the clock's step).
    expect(budget.msUntilFresh()).toBe(1_101);
    clock.advance(WIDENED_MARGIN_MS + 1);
    expect(budget.msUntilFresh()).toBe(0);
  });

  it("serves callers in the order they asked, and tryAcquire never goes ahead of them", async () => {
    const clock = new ManualClock();
    const budget = new RequestBudget({ limit: 2, marginMs: 0 }, clock);
    const order: string[] = [];
    const a = budget.acquire().then(() => order.push("a"));
    const b = budget.acquire().then(() => order.push("b"));
    const c = budget.acquire().then(() => order.push("c"));
    expect(budget.tryAcquire()).toBeNull();
    await Promise.all([a, b, c]);
    expect(order).toEqual(["a", "b", "c"]);
    const aborted = new AbortController();
    aborted.abort();
    expect(await budget.acquire(aborted.signal)).toBeNull();
  });
});

describe("spare slots (property updates)", () => {
  it("are handed out only when no sender is in a run of requests and none left in the last two intervals", async () => {
    const clock = new ManualClock();
    const budget = new RequestBudget({ limit: 15, marginMs: 1_000 }, clock);
    const spare = budget.trySpare();
    expect(spare).not.toBeNull();
    spare!.settle();

    const done = budget.sending();
    clock.advance(1_000);
    expect(budget.trySpare()).toBeNull();
    const slot = await budget.acquire();
    slot!.settle();
    done();
    // The sender's last request left a moment ago: the next interval may still be its.
    expect(budget.trySpare()).toBeNull();
    clock.advance(Math.ceil(2 * budget.intervalMs));
    expect(budget.trySpare()).not.toBeNull();
  });

  it("count against the key's window like any request", async () => {
    const clock = new ManualClock();
    const budget = new RequestBudget({ limit: 15, marginMs: 1_000 }, clock);
    const times: number[] = [];
    for (let i = 0; i < 400; i++) {
      const spare = budget.trySpare();
      if (spare) {
        times.push(clock.now());
        spare.settle();
      }
      clock.advance(Math.ceil(budget.intervalMs / 4));
    }
    // Over about 6.8 s: spare slots come at most every two intervals, and never more than the window allows.
    expect(times.length).toBeGreaterThan(30);
    expect(busiestWindow(times)).toBeLessThanOrEqual(15);
  });
});
