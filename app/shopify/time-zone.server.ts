// The one reader of a shop's time zone from the database.
import type { Database } from "~/db.server";
import { zoneOrUtc, type ShopTimeZone } from "./time-zone";

export async function shopTimeZone(db: Database, shopDomain: string): Promise<ShopTimeZone> {
  const shop = await db.shop.findUnique({ where: { domain: shopDomain }, select: { ianaTimezone: true } });
  return zoneOrUtc(shop?.ianaTimezone);
}
