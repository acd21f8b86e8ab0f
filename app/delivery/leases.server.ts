// A worker delivers a shop's events only while it holds the shop's lease (DeliveryLease). The lease is an
// ordinary row written with one conditional upsert, so it works the same on SQLite and PostgreSQL and needs no
// long-lived connection: take it when free or expired, renew it while working, let it expire on a crash.
//
// One autocommit statement on the database driver, not Prisma: Prisma runs updateMany-then-create as separate
// statements inside BEGIN/COMMIT round trips, so a busy event loop left the lease row locked ("idle in
// transaction") while every other worker's attempt on it waited on that lock, holding a pooled connection each.
// With two workers on PostgreSQL that convoy cut delivery from ~450 to ~40 events/s (tests/faults/scale-out).
import type { Database } from "~/db.server";
import { requireDriver } from "~/db/driver.server";

const TAKE_OR_RENEW = `
INSERT INTO "DeliveryLease" ("shopDomain", "owner", "expiresAt") VALUES (?, ?, ?)
ON CONFLICT ("shopDomain") DO UPDATE SET "owner" = excluded."owner", "expiresAt" = excluded."expiresAt"
WHERE "DeliveryLease"."owner" = excluded."owner" OR "DeliveryLease"."expiresAt" < ?
RETURNING "owner"`;

/** Takes or renews the lease on `shop` for `owner`; false when another worker holds it. */
export async function acquireLease(db: Database, shop: string, owner: string, now: Date, leaseMs: number): Promise<boolean> {
  const expiresAt = new Date(now.getTime() + leaseMs);
  return (await requireDriver(db).all(TAKE_OR_RENEW, [shop, owner, expiresAt, now])).length === 1;
}

/**
 * Lets go of the lease, but keeps other workers off it for `spacingMs` more (its holder may take it straight
 * back). A worker that takes a shop over starts with a new token bucket; waiting until the previous holder's
 * bucket would hold as much (TokenBucket.msUntilFresh) keeps the pace Postscript sees across the handoff.
 */
export async function releaseLease(db: Database, shop: string, owner: string, now: Date, spacingMs = 0) {
  const until = new Date(now.getTime() + spacingMs);
  await requireDriver(db).all(`UPDATE "DeliveryLease" SET "expiresAt" = ? WHERE "shopDomain" = ? AND "owner" = ? RETURNING "owner"`, [until, shop, owner]);
}
