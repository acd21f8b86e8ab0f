/**
 * Per-token rate limiter for the Postscript stand-in.
 *
 * Documented (docs/protocols.md, Postscript rate limits): "We allow up to 15 requests per second on our endpoints." Limits are per token:
 * partner-only → per partner; shop-only → per shop; partner + shop token → per partner/shop combination.
 * Assumed: Postscript's algorithm (fixed vs sliding window, whether rejected calls count) is undocumented.
 * The stand-in uses a SLIDING 1 s window over ACCEPTED requests, by arrival: a request is accepted when no
 * `windowMs` window around its arrival would hold more than `limit` accepted requests of the same bucket.
 * This is exact and deterministic (no dependence on where a wall-clock second boundary falls): 20 simultaneous requests
 * always give exactly 15 accepted + 5 rejected, and the bucket frees up exactly `windowMs` after the first
 * accepted request. Rejected requests do not consume budget.
 */
import { performance } from "node:perf_hooks";

/** Arrivals kept per bucket, in windows: enough for any request to reach the check late by a latency fault. */
const KEEP_WINDOWS = 30;

export type RateDecision = { allowed: true; remaining: number } | { allowed: false; retryAfterMs: number };

export class SlidingWindowRateLimiter {
  private readonly buckets = new Map<string, number[]>();

  constructor(
    private limit: number,
    private readonly windowMs = 1000,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(limit >= 1)) throw new Error(`rate limit must be >= 1, got ${limit}`);
  }

  get limitPerWindow(): number {
    return this.limit;
  }

  setLimit(limit: number): void {
    if (!(limit >= 1)) throw new Error(`rate limit must be >= 1, got ${limit}`);
    this.limit = limit;
  }

  /**
   * Tries to take one slot from `bucket` for a request that arrived at `arrivedAt` (default: now). Requests
   * are counted by arrival even when they reach this check in another order (a latency fault, a busy event
   * loop): one is accepted when every `windowMs` window that holds its arrival holds fewer than `limit`
   * accepted arrivals.
   */
  take(bucket: string, arrivedAt: number = this.now()): RateDecision {
    const t = arrivedAt;
    let stamps = this.buckets.get(bucket);
    if (!stamps) {
      stamps = [];
      this.buckets.set(bucket, stamps);
    }
    // Forget arrivals long before the newest one (kept sorted, ascending).
    const horizon = Math.max(t, stamps.at(-1) ?? t) - KEEP_WINDOWS * this.windowMs;
    let drop = 0;
    while (drop < stamps.length && stamps[drop] < horizon) drop++;
    if (drop > 0) stamps.splice(0, drop);

    const near = stamps.filter((s) => s > t - this.windowMs && s < t + this.windowMs);
    const starts = [...near.filter((s) => s <= t), t];
    const busiest = Math.max(...starts.map((start) => near.filter((s) => s >= start && s < start + this.windowMs).length));
    if (busiest < this.limit) {
      let at = stamps.length;
      while (at > 0 && stamps[at - 1] > t) at--;
      stamps.splice(at, 0, t);
      return { allowed: true, remaining: this.limit - busiest - 1 };
    }
    // The slot frees when the oldest counted arrival leaves the window (arrivals beyond the limit can exist
    // after the limit was lowered at run time, hence index length - limit).
    const before = near.filter((s) => s <= t);
    const freeingStamp = before[Math.max(0, before.length - this.limit)] ?? t;
    return { allowed: false, retryAfterMs: Math.max(0, freeingStamp + this.windowMs - t) };
  }

  reset(): void {
    this.buckets.clear();
  }
}

export interface KeyRateStats {
  /** The token identity the limit is counted against (`shop:<id>`, `partner:<id>|shop:<id>`, `partner:<id>`). */
  bucket: string;
  requests: number;
  rejected: number;
  /** The most requests that arrived within any `windowMs` (accepted or not): what the sender's pace was. */
  maxInAnyWindow: number;
  /** Requests per second from the first arrival to the last. */
  perSecond: number;
}

/**
 * What each token identity sent, by arrival time, for benchmarks and tests that check a sender's pace against
 * the limit: the count in the busiest window says more than a 429 count, which depends on the limiter's rules.
 */
export class ArrivalRecorder {
  private readonly arrivals = new Map<string, { stamps: number[]; rejected: number }>();

  constructor(private readonly windowMs = 1000) {}

  record(bucket: string, arrivedAt: number, allowed: boolean): void {
    let entry = this.arrivals.get(bucket);
    if (!entry) {
      entry = { stamps: [], rejected: 0 };
      this.arrivals.set(bucket, entry);
    }
    entry.stamps.push(arrivedAt);
    if (!allowed) entry.rejected++;
  }

  stats(): KeyRateStats[] {
    return [...this.arrivals].map(([bucket, { stamps, rejected }]) => {
      const sorted = [...stamps].sort((a, b) => a - b);
      let max = 0;
      for (let i = 0, j = 0; i < sorted.length; i++) {
        while (sorted[i] - sorted[j] >= this.windowMs) j++;
        max = Math.max(max, i - j + 1);
      }
      const spanMs = sorted.length > 1 ? sorted[sorted.length - 1] - sorted[0] : 0;
      const perSecond = spanMs > 0 ? ((sorted.length - 1) * 1000) / spanMs : sorted.length;
      return { bucket, requests: sorted.length, rejected, maxInAnyWindow: max, perSecond: Math.round(perSecond * 100) / 100 };
    });
  }

  reset(): void {
    this.arrivals.clear();
  }
}
