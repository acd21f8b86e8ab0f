// A worker delivers a shop's events only while it holds the shop's lease (DeliveryLease), and sends with a
// Postscript key only while it holds the key's lease (DeliveryKeyLease, by the key's fingerprint): shops
// connected with one key share its rate limit, wherever their senders run. A lease is an ordinary row written
// with one conditional upsert, so it works the same on SQLite and PostgreSQL and needs no long-lived
// connection: take it when free or expired, renew it while working, let it expire on a crash.
//
// One autocommit statement on the query builder (~/db/sql.server), not Prisma: Prisma runs updateMany-then-create as separate
// statements inside BEGIN/COMMIT round trips, so a busy event loop left the lease row locked ("idle in
// transaction") while every other worker's attempt on it waited on that lock, holding a pooled connection each.
// With two workers on PostgreSQL that convoy cut delivery from ~450 to ~40 events/s (tests/faults/scale-out).
import { getSql, type Database } from "~/db.server";

/**
 * Takes the lease when free or expired, renews it when `owner` holds it: INSERT … ON CONFLICT DO UPDATE … WHERE,
 * which returns the row only when it was written.
 */
async function acquire(kind: "shop" | "key", db: Database, id: string, owner: string, now: Date, leaseMs: number): Promise<boolean> {
  const expiresAt = new Date(now.getTime() + leaseMs);
  const sql = getSql(db).db;
  const written =
    kind === "shop"
      ? sql
          .insertInto("DeliveryLease")
          .values({ shopDomain: id, owner, expiresAt })
          .onConflict((oc) =>
            oc
              .column("shopDomain")
              .doUpdateSet((eb) => ({ owner: eb.ref("excluded.owner"), expiresAt: eb.ref("excluded.expiresAt") }))
              .where((eb) => eb.or([eb("DeliveryLease.owner", "=", eb.ref("excluded.owner")), eb("DeliveryLease.expiresAt", "<", now)])),
          )
          .returning("owner")
          .execute()
      : sql
          .insertInto("DeliveryKeyLease")
          .values({ fingerprint: id, owner, expiresAt })
          .onConflict((oc) =>
            oc
              .column("fingerprint")
              .doUpdateSet((eb) => ({ owner: eb.ref("excluded.owner"), expiresAt: eb.ref("excluded.expiresAt") }))
              .where((eb) => eb.or([eb("DeliveryKeyLease.owner", "=", eb.ref("excluded.owner")), eb("DeliveryKeyLease.expiresAt", "<", now)])),
          )
          .returning("owner")
          .execute();
  return (await written).length === 1;
}

async function letGo(kind: "shop" | "key", db: Database, id: string, owner: string, now: Date, spacingMs: number) {
  const sql = getSql(db).db;
  const expiresAt = new Date(now.getTime() + spacingMs);
  if (kind === "shop") await sql.updateTable("DeliveryLease").set({ expiresAt }).where("shopDomain", "=", id).where("owner", "=", owner).execute();
  else await sql.updateTable("DeliveryKeyLease").set({ expiresAt }).where("fingerprint", "=", id).where("owner", "=", owner).execute();
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
