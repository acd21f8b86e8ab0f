// Support's hold on a shop's deliveries (ShopSettings.deliveriesPausedAt/By). While it is set, the worker
// sends nothing for the shop: due events turn "paused" with reason held_by_support (runtime.server.ts,
// deliveryCredentials) and nothing is dropped. Releasing the hold clears it; the worker then resumes the
// paused events by itself. Both are recorded in the shop's history with the support actor.
import { recordChange } from "~/connections/history.server";
import type { Database } from "~/db.server";
import { log } from "~/logging/logger.server";

export interface DeliveryHoldState {
  held: boolean;
  since: string | null;
  by: string | null;
}

export async function deliveryHoldState(db: Database, shopDomain: string): Promise<DeliveryHoldState> {
  const row = await db.shopSettings.findUnique({ where: { shopDomain }, select: { deliveriesPausedAt: true, deliveriesPausedBy: true } });
  return { held: Boolean(row?.deliveriesPausedAt), since: row?.deliveriesPausedAt?.toISOString() ?? null, by: row?.deliveriesPausedBy ?? null };
}

/** Holds the shop's deliveries; `by` names the member of staff. Returns false when they were held already. */
export async function holdDeliveries(db: Database, shopDomain: string, by: string, note: string | null = null, now = new Date()): Promise<boolean> {
  const changed = await db.$transaction(async (tx) => {
    const row = await tx.shopSettings.findUnique({ where: { shopDomain }, select: { deliveriesPausedAt: true } });
    if (row?.deliveriesPausedAt) return false;
    const data = { deliveriesPausedAt: now, deliveriesPausedBy: by.slice(0, 254) };
    await tx.shopSettings.upsert({ where: { shopDomain }, create: { shopDomain, ...data }, update: data });
    await recordChange(tx, shopDomain, "support", "support.deliveries_held", { staff: by, note: note?.slice(0, 300) ?? null });
    return true;
  });
  if (changed) log.info("deliveries held by support", { shop: shopDomain, by });
  return changed;
}

/** Lifts the hold; the worker resumes the shop's paused events. Returns false when there was no hold. */
export async function releaseDeliveries(db: Database, shopDomain: string, by: string, note: string | null = null): Promise<boolean> {
  const changed = await db.$transaction(async (tx) => {
    const row = await tx.shopSettings.findUnique({ where: { shopDomain }, select: { deliveriesPausedAt: true, deliveriesPausedBy: true } });
    if (!row?.deliveriesPausedAt) return false;
    await tx.shopSettings.update({ where: { shopDomain }, data: { deliveriesPausedAt: null, deliveriesPausedBy: null } });
    await recordChange(tx, shopDomain, "support", "support.deliveries_released", {
      staff: by,
      heldSince: row.deliveriesPausedAt.toISOString(),
      heldBy: row.deliveriesPausedBy,
      note: note?.slice(0, 300) ?? null,
    });
    return true;
  });
  if (changed) log.info("deliveries released by support", { shop: shopDomain, by });
  return changed;
}
