// Postscript allows 15 requests per second per key, counted where they arrive. One RequestBudget per key is
// shared by every sender using the key in this process (the shops connected with it; anything else that calls
// Postscript with it goes through the same budget), and it keeps every one-second window at Postscript to
// `limit` requests while using all of it:
//
// - Sliding window over the requests actually sent: a request may leave when the `limit`-th request before it
//   counts as arrived more than `windowMs` ago. That allows the full `limit` per window with no margin taken off
//   the rate, and a sender that fell behind (a busy event loop, a pause between batches) catches up inside the
//   window instead of losing the time for good.
// - Counted by when a request arrived at the latest, not when it was sent: a request held up on its way (by the
//   network, or by this process's own busy event loop before its bytes leave) arrives later than it was sent
//   and would bunch with one sent a second after it. Its answer proves it had arrived, so a request counts at
//   its answer's time, or `marginMs` after its sending when the answer takes longer (a slow answer says
//   nothing about when the request arrived, and waiting for it would cost a whole answer's time per window).
// - Spaced: two requests leave at least half an even interval apart, so the window's requests spread over it.
// - Feedback: a 429 stops every sender of the key until Retry-After (or a window) has passed, and doubles the
//   margin (up to the window) for a minute: a 429 means requests reached Postscript later than the margin
//   assumed, or that something else used the key.
import type { Clock } from "~/jobs/clock";

/**
 * The clock counts whole milliseconds, Postscript's perhaps finer: a request sent in the millisecond its window
 * ends could be up to 1 ms inside it.
 */
const CLOCK_STEP_MS = 1;

/** How long a widened margin lasts after the last 429. */
export const WIDENED_MARGIN_MS = 60_000;

export interface RequestSlot {
  /** The request's answer came back (or it failed): it had reached Postscript by now, at the latest. */
  settle(): void;
}

interface Sent {
  sentAt: number;
  settledAt: number;
}

export interface RequestBudgetOptions {
  /** Requests allowed in any window. */
  limit: number;
  windowMs?: number;
  /** How late after its sending a request is assumed to arrive at most, when its answer comes later than that. */
  marginMs: number;
}

export class RequestBudget {
  readonly limit: number;
  readonly windowMs: number;
  private readonly baseMarginMs: number;
  private readonly spacingMs: number;
  /** The last `limit` requests, oldest first. */
  private readonly sent: Sent[] = [];
  private lastSentAt = -Infinity;
  private blockedUntil = -Infinity;
  private marginMs: number;
  private widenedUntil = -Infinity;
  /** The caller served last; the next one waits for it (first come, first served). */
  private queue: Promise<unknown> = Promise.resolve();
  private waiting = 0;
  /** Senders in the middle of a run of requests (see sending()). */
  private senders = 0;

  constructor(
    options: RequestBudgetOptions,
    private readonly clock: Clock,
  ) {
    this.limit = options.limit;
    this.windowMs = options.windowMs ?? 1_000;
    this.baseMarginMs = this.marginMs = Math.min(options.marginMs, this.windowMs);
    this.spacingMs = this.windowMs / this.limit / 2;
  }

  /** Waits for a slot, after every earlier caller; null when `signal` aborted first. */
  acquire(signal?: AbortSignal): Promise<RequestSlot | null> {
    this.waiting++;
    const inTurn = async () => {
      try {
        for (;;) {
          if (signal?.aborted) return null;
          const now = this.clock.now();
          const at = this.earliestSend(now);
          if (now >= at) return this.take(now);
          await this.clock.sleep(Math.ceil(at - now), signal);
        }
      } finally {
        this.waiting--;
      }
    };
    const turn = this.queue.then(inTurn, inTurn);
    this.queue = turn;
    return turn;
  }

  /** A slot now, or null, without waiting and without going ahead of anyone waiting. */
  tryAcquire(): RequestSlot | null {
    const now = this.clock.now();
    return this.waiting === 0 && now >= this.earliestSend(now) ? this.take(now) : null;
  }

  /**
   * A sender starts a run of requests (a shop's deliveries): no spare slot is handed out until it calls the
   * function returned, even in the moments between its requests.
   */
  sending(): () => void {
    this.senders++;
    let done = false;
    return () => {
      if (!done) this.senders--;
      done = true;
    };
  }

  /**
   * A slot nobody else wants, or null at once: no sender is in a run of requests, nobody waits, and none left
   * within the last two even intervals. Work that must never delay events (subscriber property updates) uses
   * only these.
   */
  trySpare(): RequestSlot | null {
    const now = this.clock.now();
    if (this.senders > 0 || now - this.lastSentAt < (2 * this.windowMs) / this.limit) return null;
    return this.tryAcquire();
  }

  /** The time between two requests at the full rate. */
  get intervalMs(): number {
    return this.windowMs / this.limit;
  }

  /** Postscript answered 429: nobody sends with the key until `retryAfterMs` (a window when absent) has passed. */
  rateLimited(retryAfterMs?: number) {
    const now = this.clock.now();
    this.blockedUntil = Math.max(this.blockedUntil, now + (retryAfterMs ?? this.windowMs));
    this.marginMs = Math.min(this.windowMs, this.currentMargin(now) * 2);
    this.widenedUntil = now + WIDENED_MARGIN_MS;
  }

  /**
   * How long until a new budget (which starts empty) would be no faster than this one, if nothing more is sent:
   * another worker taking the key over waits that long, so the pace Postscript sees is kept across the handoff.
   */
  msUntilFresh(): number {
    const now = this.clock.now();
    const counted = this.sent.map((s) => this.arrivedBy(s, now) + this.windowMs + CLOCK_STEP_MS);
    return Math.max(0, this.blockedUntil - now, ...counted.map((at) => at - now));
  }

  private currentMargin(now: number): number {
    if (now > this.widenedUntil) this.marginMs = this.baseMarginMs;
    return this.marginMs;
  }

  private arrivedBy(s: Sent, now: number): number {
    return Math.min(s.settledAt, s.sentAt + this.currentMargin(now));
  }

  private earliestSend(now: number): number {
    let at = Math.max(this.blockedUntil, this.lastSentAt + this.spacingMs);
    if (this.sent.length >= this.limit) {
      at = Math.max(at, this.arrivedBy(this.sent[this.sent.length - this.limit], now) + this.windowMs + CLOCK_STEP_MS);
    }
    return at;
  }

  private take(now: number): RequestSlot {
    const entry: Sent = { sentAt: now, settledAt: Infinity };
    this.sent.push(entry);
    if (this.sent.length > this.limit) this.sent.shift();
    this.lastSentAt = now;
    return { settle: () => void (entry.settledAt = Math.min(entry.settledAt, this.clock.now())) };
  }
}
