// Postscript allows 15 requests per second per key. The senders of every shop connected with one key share
// one bucket and take a token before every request. Takers are served in the order they asked (FIFO): each
// shop has at most maxInFlightPerShop takers waiting, so shops with a backlog get equal shares and a busy shop
// cannot starve another shop of the same key. With rate r and capacity c no one-second window ever holds more
// than floor(r + c) requests, so the defaults (14/s, capacity 1) stay under 15 and leave headroom for the merchant's
// other integrations that use the same key.
//
// Timer slack: a sender that sleeps until its next token wakes up late whenever the event loop is busy (50
// shops' senders share it), and with a capacity of exactly 1 the time it overslept is lost for good: measured
// on a 50-shop backlog, that alone kept the drain well behind 14/s per shop. So the bucket holds up to `slack`
// (≤ 0.5) tokens more than its capacity, chosen so that floor(r + c + slack) = floor(r + c): the bound above
// is unchanged, a late sender catches up, and two requests are never closer than half an interval.
import type { Clock } from "~/jobs/clock";

export class TokenBucket {
  private tokens: number;
  private updatedAt: number;
  private blockedUntil = 0;
  private readonly limit: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly capacity: number,
    private readonly clock: Clock,
  ) {
    this.tokens = capacity;
    this.updatedAt = clock.now();
    const bound = ratePerSecond + capacity;
    this.limit = capacity + Math.max(0, Math.min(0.5, Math.floor(bound) + 1 - bound - 0.001));
  }

  private refill(now: number) {
    const elapsed = Math.max(0, now - this.updatedAt);
    this.tokens = Math.min(this.limit, this.tokens + (elapsed * this.ratePerSecond) / 1000);
    this.updatedAt = now;
  }

  /** The taker served last; the next one waits for it. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Takers that asked and have not been served yet. */
  private waiting = 0;
  /** When take() last handed out a token (spare tokens do not count). */
  private lastTakenAt = -Infinity;
  /** Senders in the middle of a run of requests (see sending()). */
  private senders = 0;

  /** Takes a token, waiting as long as needed (after every earlier taker); resolves false if `signal` aborted first. */
  take(signal?: AbortSignal): Promise<boolean> {
    this.waiting++;
    const inTurn = () =>
      this.takeInTurn(signal).then((taken) => {
        this.waiting--;
        if (taken) this.lastTakenAt = this.clock.now();
        return taken;
      });
    const turn = this.queue.then(inTurn, inTurn);
    this.queue = turn;
    return turn;
  }

  /**
   * A sender starts a run of requests (a batch of events): no spare token is handed out until it calls the
   * function returned, even in the moments between its requests when it is recording the last one.
   */
  sending(): () => void {
    this.senders++;
    let done = false;
    return () => {
      if (!done) this.senders--;
      done = true;
    };
  }

  /** The time between two tokens. */
  get intervalMs(): number {
    return 1000 / this.ratePerSecond;
  }

  /**
   * A token nobody else wants, or false at once: no sender is in a run of requests, no taker waits, none was
   * served within the last two intervals, and one is free now. Work that
   * must never delay the takers (subscriber property updates) uses only these.
   */
  takeSpare(): boolean {
    const now = this.clock.now();
    if (this.senders > 0 || this.waiting > 0 || now - this.lastTakenAt < 2 * this.intervalMs || now < this.blockedUntil) return false;
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private async takeInTurn(signal?: AbortSignal): Promise<boolean> {
    for (;;) {
      if (signal?.aborted) return false;
      const now = this.clock.now();
      if (now < this.blockedUntil) {
        await this.clock.sleep(this.blockedUntil - now, signal);
        continue;
      }
      this.refill(now);
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return true;
      }
      await this.clock.sleep(Math.ceil(((1 - this.tokens) * 1000) / this.ratePerSecond), signal);
    }
  }

  /**
   * How long until this bucket holds what a new one starts with (its capacity), if nothing more is taken; a
   * 429 pause counts (tokens accrue from its end). A new bucket started no sooner never sends faster than
   * this one would have.
   */
  msUntilFresh(): number {
    const now = this.clock.now();
    const accruesFrom = Math.max(now, this.updatedAt);
    const tokens = Math.min(this.limit, this.tokens + (Math.max(0, now - this.updatedAt) * this.ratePerSecond) / 1000);
    return accruesFrom - now + Math.ceil((Math.max(0, this.capacity - tokens) * 1000) / this.ratePerSecond);
  }

  /** After a 429: nobody sends with this key until `ms` from now, and the bucket starts empty again. */
  pauseFor(ms: number) {
    const now = this.clock.now();
    this.blockedUntil = Math.max(this.blockedUntil, now + ms);
    this.tokens = 0;
    this.updatedAt = this.blockedUntil;
  }
}
