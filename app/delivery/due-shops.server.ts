// Which shops have events due (received or pending, nextAttemptAt reached): the worker asks every poll.
// A GROUP BY over the due events reads every one of them — 90 ms for a 50,000-event backlog on SQLite, spent
// inside the event loop twice a second, which starves every shop's sender. Instead, walk the distinct shop
// domains of the (shopDomain, status, nextAttemptAt) index one seek at a time (a "skip scan" by recursive
// query, which neither SQLite nor PostgreSQL does by itself) and probe each shop's due events with the same
// index: work in proportion to the number of shops, not of events.
import type { Database } from "~/db.server";
import { requireDriver } from "~/db/driver.server";

const SKIP_SCAN = `
WITH RECURSIVE shops("domain") AS (
  SELECT (SELECT MIN("shopDomain") FROM "Event")
  UNION ALL
  SELECT (SELECT MIN("shopDomain") FROM "Event" WHERE "shopDomain" > shops."domain") FROM shops WHERE shops."domain" IS NOT NULL
)
SELECT "domain" FROM shops
WHERE "domain" IS NOT NULL
  AND (EXISTS (SELECT 1 FROM "Event" WHERE "shopDomain" = shops."domain" AND "status" = 'received' AND "nextAttemptAt" <= ?)
    OR EXISTS (SELECT 1 FROM "Event" WHERE "shopDomain" = shops."domain" AND "status" = 'pending' AND "nextAttemptAt" <= ?))
  AND NOT EXISTS (SELECT 1 FROM "DeliveryLease" WHERE "shopDomain" = shops."domain" AND "owner" <> ? AND "expiresAt" >= ?)`;

/**
 * Shops with events due at `now`, but for those whose lease another worker holds: with several workers,
 * asking for those leases every poll would only contend for rows their holder keeps renewing.
 */
export async function dueShopDomains(db: Database, now: Date, worker: string): Promise<string[]> {
  const rows = await requireDriver(db).all<{ domain: string }>(SKIP_SCAN, [now, now, worker, now]);
  return rows.map((r) => r.domain);
}
