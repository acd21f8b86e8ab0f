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
import { shapes } from "~/db/sql.server";

// Built once per table and database, reused with each call's values (building costs more CPU than running).
const leaseShapes = shapes();

/**
 * Takes the lease when free or expired, renews it when `owner` holds it: INSERT … ON CONFLICT DO UPDATE … WHERE,
 * which returns the row only when it was written.
 */
async function acquire(kind: "shop" | "key", db: Database, id: string, owner: string, now: Date, leaseMs: number): Promise<boolean> {
  const sql = getSql(db);
  const shape = leaseShapes();
  const v = shape.bind("", { id, owner, expiresAt: new Date(now.getTime() + leaseMs), now });
  const query = shape.statement(`take ${kind} ${sql.kind}`, () =>
    kind === "shop"
      ? sql.db
          .insertInto("DeliveryLease")
          .values({ shopDomain: v.id, owner: v.owner, expiresAt: v.expiresAt })
          .onConflict((oc) =>
            oc
              .column("shopDomain")
              .doUpdateSet((eb) => ({ owner: eb.ref("excluded.owner"), expiresAt: eb.ref("excluded.expiresAt") }))
              .where((eb) => eb.or([eb("DeliveryLease.owner", "=", eb.ref("excluded.owner")), eb("DeliveryLease.expiresAt", "<", v.now)])),
          )
          .returning("owner")
      : sql.db
          .insertInto("DeliveryKeyLease")
          .values({ fingerprint: v.id, owner: v.owner, expiresAt: v.expiresAt })
          .onConflict((oc) =>
            oc
              .column("fingerprint")
              .doUpdateSet((eb) => ({ owner: eb.ref("excluded.owner"), expiresAt: eb.ref("excluded.expiresAt") }))
              .where((eb) => eb.or([eb("DeliveryKeyLease.owner", "=", eb.ref("excluded.owner")), eb("DeliveryKeyLease.expiresAt", "<", v.now)])),
          )
          .returning("owner"),
  );
  return (await sql.execute(query)).rows.length === 1;
}

async function letGo(kind: "shop" | "key", db: Database, id: string, owner: string, now: Date, spacingMs: number) {
  const sql = getSql(db);
  const shape = leaseShapes();
  const v = shape.bind("", { id, owner, expiresAt: new Date(now.getTime() + spacingMs) });
  const query = shape.statement(`release ${kind} ${sql.kind}`, () =>
    kind === "shop"
      ? sql.db.updateTable("DeliveryLease").set({ expiresAt: v.expiresAt }).where("shopDomain", "=", v.id).where("owner", "=", v.owner)
      : sql.db.updateTable("DeliveryKeyLease").set({ expiresAt: v.expiresAt }).where("fingerprint", "=", v.id).where("owner", "=", v.owner),
  );
  await sql.execute(query);
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
 * straight back). A worker that takes a key over starts with a new, empty budget; waiting until the previous
 * holder's would be as free (RequestBudget.msUntilFresh) keeps the pace Postscript sees across the handoff.
 */
export async function releaseKeyLease(db: Database, fingerprint: string, owner: string, now: Date, spacingMs = 0) {
  await letGo("key", db, fingerprint, owner, now, spacingMs);
}
