import { describe, expect, it } from "vitest";
import { MIN_STALL_MS, MISSED_POLLS, startHeartbeat, workerPollAges } from "./heartbeats";

describe("worker heartbeats", () => {
  it("counts a worker as stalled after a few missed polls, never sooner than the minimum", () => {
    const fast = startHeartbeat("fast", 50, 0);
    const slow = startHeartbeat("slow", 2_000, 0);
    try {
      expect(workerPollAges(MIN_STALL_MS).map((a) => [a.worker, a.stalled])).toEqual([["fast", false], ["slow", false]]);
      expect(workerPollAges(MIN_STALL_MS + 1).find((a) => a.worker === "fast")?.stalled).toBe(true);
      expect(workerPollAges(MISSED_POLLS * 2_000).find((a) => a.worker === "slow")?.stalled).toBe(false);
      expect(workerPollAges(MISSED_POLLS * 2_000 + 1).find((a) => a.worker === "slow")?.stalled).toBe(true);
      slow.beat(MISSED_POLLS * 2_000);
      expect(workerPollAges(MISSED_POLLS * 2_000 + 1).find((a) => a.worker === "slow")).toEqual({ worker: "slow", sinceMs: 1, stalled: false });
    } finally {
      fast.stop();
      slow.stop();
    }
    expect(workerPollAges()).toEqual([]);
  });
});
