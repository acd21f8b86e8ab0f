// Brute-force protection for the support sign-in: failed passwords (and second-factor codes) are counted per
// account and per client address within a window; reaching the limit locks sign-in for that key for a while.
// Accounts are counted by the email typed, whether or not such an account exists, so a lockout (and its
// message) looks the same for every email and tells nothing about which ones are staff.
//
// A guess is counted before it is checked (reserveAttempt), by one conditional UPDATE per key that only
// succeeds below the limit: checking the lock, spending ~250 ms in scrypt and counting afterwards would let
// any number of guesses sent at the same moment all be checked. A guess that turns out right is given back.
import { getConfig } from "~/config/env.server";
import { isUniqueViolation, type Database } from "~/db.server";

export function accountKey(email: string): string {
  return `account:${email}`;
}

export function addressKey(ip: string | null): string {
  return `ip:${ip ?? "unknown"}`;
}

function settings() {
  const config = getConfig();
  return {
    windowMs: config.SUPPORT_SIGNIN_LOCKOUT_MINUTES * 60_000,
    lockMs: config.SUPPORT_SIGNIN_LOCKOUT_MINUTES * 60_000,
    limits: { account: config.SUPPORT_SIGNIN_MAX_FAILURES, ip: config.SUPPORT_SIGNIN_IP_MAX_FAILURES },
  };
}

function limitOf(key: string): number {
  const { limits } = settings();
  return key.startsWith("ip:") ? limits.ip : limits.account;
}

/** The latest lock still in force on any of `keys`, or null. */
export async function lockedUntil(db: Database, keys: string[], now = new Date()): Promise<Date | null> {
  const rows = await db.supportSignInThrottle.findMany({ where: { key: { in: keys }, lockedUntil: { gt: now } } });
  if (rows.length === 0) return null;
  return new Date(Math.max(...rows.map((r) => r.lockedUntil!.getTime())));
}

/**
 * Counts one guess on every key before it is checked. False (and nothing counted) when any key is locked or
 * has no guess left in its window: the guess must then be refused unchecked.
 */
export async function reserveAttempt(db: Database, keys: string[], now = new Date()): Promise<boolean> {
  const reserved: string[] = [];
  for (const key of keys) {
    if (!(await reserveOne(db, key, now))) {
      await releaseAttempt(db, reserved);
      return false;
    }
    reserved.push(key);
  }
  return true;
}

async function reserveOne(db: Database, key: string, now: Date): Promise<boolean> {
  // Twice at most: a successful sign-in or the pruning may delete the counter between its creation and the
  // reservation; then it is created again.
  for (let round = 0; round < 2; round++) {
    await ensureCounter(db, key, now);
    await restartEndedWindow(db, key, now);
    const { count } = await db.supportSignInThrottle.updateMany({
      where: { key, failures: { lt: limitOf(key) }, OR: [{ lockedUntil: null }, { lockedUntil: { lte: now } }] },
      data: { failures: { increment: 1 } },
    });
    if (count === 1) return true;
    if (await db.supportSignInThrottle.findUnique({ where: { key }, select: { key: true } })) return false;
  }
  return false;
}

/** The key's counter row, created at zero when this is its first guess (concurrent first guesses: one wins). */
async function ensureCounter(db: Database, key: string, now: Date): Promise<void> {
  if (await db.supportSignInThrottle.findUnique({ where: { key }, select: { key: true } })) return;
  try {
    await db.supportSignInThrottle.create({ data: { key, failures: 0, windowStart: now } });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
  }
}

/**
 * A lock that has ended, or a window that ran out without a lock, starts the count again. Conditional, so of
 * concurrent guesses only the first restarts it (the others then see the new window start).
 */
async function restartEndedWindow(db: Database, key: string, now: Date): Promise<void> {
  const { windowMs } = settings();
  await db.supportSignInThrottle.updateMany({
    where: { key, OR: [{ lockedUntil: { lte: now } }, { lockedUntil: null, windowStart: { lt: new Date(now.getTime() - windowMs) } }] },
    data: { failures: 0, windowStart: now, lockedUntil: null },
  });
}

/** Gives back a guess counted by reserveAttempt (it was right, or it was never checked). */
export async function releaseAttempt(db: Database, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  await db.supportSignInThrottle.updateMany({ where: { key: { in: keys }, failures: { gt: 0 } }, data: { failures: { decrement: 1 } } });
}

/**
 * After a wrong guess (already counted by reserveAttempt): locks every key whose window has no guess left.
 * Returns whether any of `keys` is locked now.
 */
export async function lockIfExhausted(db: Database, keys: string[], now = new Date()): Promise<boolean> {
  const { lockMs } = settings();
  for (const key of keys) {
    await db.supportSignInThrottle.updateMany({
      where: { key, failures: { gte: limitOf(key) }, OR: [{ lockedUntil: null }, { lockedUntil: { lte: now } }] },
      data: { lockedUntil: new Date(now.getTime() + lockMs) },
    });
  }
  return (await lockedUntil(db, keys, now)) !== null;
}

/** A successful sign-in forgets the account's failures (the address's stay until their window ends). */
export async function clearFailures(db: Database, key: string): Promise<void> {
  await db.supportSignInThrottle.deleteMany({ where: { key } });
}

/** Forgets counters whose window ran out and that hold no lock (emails typed once, long ago). */
export async function pruneThrottle(db: Database, now = new Date()): Promise<number> {
  const { windowMs } = settings();
  const { count } = await db.supportSignInThrottle.deleteMany({
    where: { windowStart: { lt: new Date(now.getTime() - windowMs) }, OR: [{ lockedUntil: null }, { lockedUntil: { lt: now } }] },
  });
  return count;
}

// ---------------------------------------------------------------------------------------------------------
// Refusals of signed-out clients
// ---------------------------------------------------------------------------------------------------------

/** Refused anonymous requests an address may make per minute before the rest are answered 429 unrecorded. */
export const ANONYMOUS_REFUSALS_PER_MINUTE = 30;

export type RefusalVerdict = "record" | "first_throttled" | "throttled";

/**
 * Counts refused anonymous requests per address in the current minute, in memory, so that past the limit
 * they cost no database write at all. Only the current minute is kept (bounded by the addresses seen in it);
 * each app process counts its own.
 */
export class RefusalGate {
  private minute = -1;
  private counts = new Map<string, number>();

  constructor(private readonly perMinute: number) {}

  private current(now: Date): Map<string, number> {
    const minute = Math.floor(now.getTime() / 60_000);
    if (minute !== this.minute) {
      this.minute = minute;
      this.counts = new Map();
    }
    return this.counts;
  }

  /** Whether requests from `ip` are refused (429) for the rest of this minute. */
  closed(ip: string | null, now = new Date()): boolean {
    return (this.current(now).get(ip ?? "unknown") ?? 0) >= this.perMinute;
  }

  /** Counts one refusal from `ip`: recorded while under the limit; the first one past it marks the minute. */
  count(ip: string | null, now = new Date()): RefusalVerdict {
    const counts = this.current(now);
    const key = ip ?? "unknown";
    const seen = counts.get(key) ?? 0;
    counts.set(key, seen + 1);
    if (seen < this.perMinute) return "record";
    return seen === this.perMinute ? "first_throttled" : "throttled";
  }
}

export const anonymousRefusals = new RefusalGate(ANONYMOUS_REFUSALS_PER_MINUTE);
