// Brute-force protection for the support sign-in: failed passwords (and second-factor codes) are counted per
// account and per client address within a window; reaching the limit locks sign-in for that key for a while.
// Accounts are counted by the email typed, whether or not such an account exists, so a lockout (and its
// message) looks the same for every email and tells nothing about which ones are staff.
import { getConfig } from "~/config/env.server";
import type { Database } from "~/db.server";

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

/** Counts one failure on each key; returns whether any of them is locked now. */
export async function recordFailure(db: Database, keys: string[], now = new Date()): Promise<boolean> {
  const { windowMs, lockMs } = settings();
  let locked = false;
  for (const key of keys) {
    // A window that has run out starts again at this failure.
    await db.supportSignInThrottle.updateMany({
      where: { key, windowStart: { lt: new Date(now.getTime() - windowMs) } },
      data: { failures: 0, windowStart: now },
    });
    const row = await db.supportSignInThrottle.upsert({
      where: { key },
      create: { key, failures: 1, windowStart: now },
      update: { failures: { increment: 1 } },
    });
    if (row.failures >= limitOf(key)) {
      await db.supportSignInThrottle.update({ where: { key }, data: { lockedUntil: new Date(now.getTime() + lockMs), failures: 0, windowStart: now } });
      locked = true;
    } else if (row.lockedUntil && row.lockedUntil > now) {
      locked = true;
    }
  }
  return locked;
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
