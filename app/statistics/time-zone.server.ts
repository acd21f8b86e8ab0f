// The time zone the merchant's statistics screens use: the stored one, checked against Shopify first (in the
// background once one is stored, see app/shopify/shop.server.ts), or UTC when it is unknown. The check reads
// the stored zone already, so its answer is used as is; only when it fails is the Shop row read again.
import type { Database } from "~/db.server";
import { log } from "~/logging/logger.server";
import { refreshShopTimezone } from "~/shopify/shop.server";
import { zoneOrUtc, type ShopTimeZone } from "~/shopify/time-zone";
import { shopTimeZone } from "~/shopify/time-zone.server";

export async function statisticsTimeZone(db: Database, shopDomain: string): Promise<ShopTimeZone> {
  try {
    return zoneOrUtc(await refreshShopTimezone({ db }, shopDomain));
  } catch (error) {
    log.warn("shop time zone: could not be refreshed", { shop: shopDomain, error });
    return shopTimeZone(db, shopDomain);
  }
}
