// A worker delivers a shop's events only while it holds the shop's lease (DeliveryLease). The lease is an
// ordinary row updated with a conditional write, so it works the same on SQLite and PostgreSQL and needs no
// long-lived connection: take it when free or expired, renew it while working, let it expire on a crash.
import { isUniqueViolation, type Database } from "~/db.server";

/** Takes or renews the lease on `shop` for `owner`; false when another worker holds it. */
export async function acquireLease(db: Database, shop: string, owner: string, now: Date, leaseMs: number): Promise<boolean> {
  const expiresAt = new Date(now.getTime() + leaseMs);
  const updated = await db.deliveryLease.updateMany({
    where: { shopDomain: shop, OR: [{ owner }, { expiresAt: { lt: now } }] },
    data: { owner, expiresAt },
  });
  if (updated.count === 1) return true;
  try {
    await db.deliveryLease.create({ data: { shopDomain: shop, owner, expiresAt } });
    return true;
  } catch (error) {
    if (isUniqueViolation(error)) return false;
    throw error;
  }
}

export async function releaseLease(db: Database, shop: string, owner: string) {
  await db.deliveryLease.deleteMany({ where: { shopDomain: shop, owner } });
}
