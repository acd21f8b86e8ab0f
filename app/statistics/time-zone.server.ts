// The time zone the statistics screens use for a shop: the stored Shop.ianaTimezone (checked against Shopify
// in the background, see app/shopify/shop.server.ts), or UTC when it is unknown.
import type { Database } from "~/db.server";
import { log } from "~/logging/logger.server";
import { refreshShopTimezone } from "~/shopify/shop.server";
import { shopTimeZone } from "./overview.server";

export async function statisticsTimeZone(db: Database, shopDomain: string): Promise<{ name: string; known: boolean }> {
  try {
    await refreshShopTimezone({ db }, shopDomain);
  } catch (error) {
    log.warn("shop time zone: could not be refreshed", { shop: shopDomain, error });
  }
  return shopTimeZone(db, shopDomain);
}
