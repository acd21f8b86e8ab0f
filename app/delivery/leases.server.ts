// A worker delivers a shop's events only while it holds the shop's lease (DeliveryLease), and sends with a
// Postscript key only while it holds the key's lease (DeliveryKeyLease, by the key's fingerprint): shops
// connected with one key share its rate limit, wherever their senders run. A lease is an ordinary row written
// with one conditional upsert, so it works the same on SQLite and PostgreSQL and needs no long-lived
// connection: take it when free or expired, renew it while working, let it expire on a crash.
//
// One autocommit statement on the database driver, not Prisma: Prisma runs updateMany-then-create as separate
// statements inside BEGIN/COMMIT round trips, so a busy event loop left the lease row locked ("idle in
// transaction") while every other worker's attempt on it waited on that lock, holding a pooled connection each.
// With two workers on PostgreSQL that convoy cut delivery from ~450 to ~40 events/s (tests/faults/scale-out).
import type { Database } from "~/db.server";
import { requireDriver } from "~/db/driver.server";

/** The lease tables and their key columns (fixed names, never input). */
const TABLES = {
  shop: { table: "DeliveryLease", id: "shopDomain" },
  key: { table: "DeliveryKeyLease", id: "fingerprint" },
} as const;
type LeaseKind = keyof typeof TABLES;

function takeOrRenew(kind: LeaseKind) {
  const { table, id } = TABLES[kind];
  return `
INSERT INTO "${table}" ("${id}", "owner", "expiresAt") VALUES (?, ?, ?)
ON CONFLICT ("${id}") DO UPDATE SET "owner" = excluded."owner", "expiresAt" = excluded."expiresAt"
WHERE "${table}"."owner" = excluded."owner" OR "${table}"."expiresAt" < ?
RETURNING "owner"`;
}

function release(kind: LeaseKind) {
  const { table, id } = TABLES[kind];
  return `UPDATE "${table}" SET "expiresAt" = ? WHERE "${id}" = ? AND "owner" = ? RETURNING "owner"`;
}

const SQL = {
  shop: { take: takeOrRenew("shop"), release: release("shop") },
  key: { take: takeOrRenew("key"), release: release("key") },
};

async function acquire(kind: LeaseKind, db: Database, id: string, owner: string, now: Date, leaseMs: number): Promise<boolean> {
  const expiresAt = new Date(now.getTime() + leaseMs);
  return (await requireDriver(db).all(SQL[kind].take, [id, owner, expiresAt, now])).length === 1;
}

async function letGo(kind: LeaseKind, db: Database, id: string, owner: string, now: Date, spacingMs: number) {
  await requireDriver(db).all(SQL[kind].release, [new Date(now.getTime() + spacingMs), id, owner]);
}

/** Takes or renews the lease on `shop` for `owner`; false when another worker holds it. */
export async function acquireLease(db: Database, shop: string, owner: string, now: Date, leaseMs: number): Promise<boolean> {
  return acquire("shop", db, shop, owner, now, leaseMs);
}

/** Lets go of the lease on `shop`, keeping other workers off it for `spacingMs` more. */
export async function releaseLease(db: Database, shop: string, owner: string, now: Date, spacingMs = 0) {
  await letGo("shop", db, shop, owner, now, spacingMs);
}

/** Takes or renews the lease on the Postscript key with this fingerprint; false when another worker holds it. */
export async function acquireKeyLease(db: Database, fingerprint: string, owner: string, now: Date, leaseMs: number): Promise<boolean> {
  return acquire("key", db, fingerprint, owner, now, leaseMs);
}

/**
 * Lets go of the key's lease, but keeps other workers off it for `spacingMs` more (its holder may take it
 * straight back). A worker that takes a key over starts with a new token bucket; waiting until the previous
 * holder's bucket would hold as much (TokenBucket.msUntilFresh) keeps the pace Postscript sees across the handoff.
 */
export async function releaseKeyLease(db: Database, fingerprint: string, owner: string, now: Date, spacingMs = 0) {
  await letGo("key", db, fingerprint, owner, now, spacingMs);
}
