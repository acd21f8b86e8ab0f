// Which shops have events due (received or pending, nextAttemptAt reached): the worker asks every poll.
// A GROUP BY over the due events reads every one of them — 90 ms for a 50,000-event backlog on SQLite, spent
// inside the event loop twice a second, which starves every shop's sender. Instead, walk the distinct shop
// domains of the (shopDomain, status, nextAttemptAt) index one seek at a time (a "skip scan" by recursive
// query, which neither SQLite nor PostgreSQL does by itself) and probe each shop's due events with the same
// index: work in proportion to the number of shops, not of events.
import { getSql, type Database } from "~/db.server";

/**
 * Shops with events due at `now`, but for those whose lease another worker holds: with several workers,
 * asking for those leases every poll would only contend for rows their holder keeps renewing.
 */
export async function dueShopDomains(db: Database, now: Date, worker: string): Promise<string[]> {
  const rows = await getSql(db)
    .db.withRecursive("shops(domain)", (db) =>
      db
        .selectNoFrom((eb) => eb.selectFrom("Event").select((eb) => eb.fn.min("shopDomain").as("first")).as("domain"))
        .unionAll(
          db
            .selectFrom("shops")
            .select((eb) => eb.selectFrom("Event").select((eb) => eb.fn.min("shopDomain").as("next")).whereRef("Event.shopDomain", ">", "shops.domain").as("domain"))
            .where("shops.domain", "is not", null),
        ),
    )
    .selectFrom("shops")
    .select("domain")
    .where("domain", "is not", null)
    .where((eb) => {
      const due = (status: string) =>
        eb.exists(eb.selectFrom("Event").select("Event.id").whereRef("Event.shopDomain", "=", "shops.domain").where("Event.status", "=", status).where("Event.nextAttemptAt", "<=", now));
      return eb.and([
        eb.or([due("received"), due("pending")]),
        eb.not(
          eb.exists(
            eb.selectFrom("DeliveryLease").select("DeliveryLease.owner").whereRef("DeliveryLease.shopDomain", "=", "shops.domain").where("DeliveryLease.owner", "<>", worker).where("DeliveryLease.expiresAt", ">=", now),
          ),
        ),
      ]);
    })
    .execute();
  return rows.map((r) => r.domain as string);
}
