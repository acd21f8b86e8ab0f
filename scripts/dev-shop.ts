// Seeds the development shop (DEV_SHOP_DOMAIN) the way an install would leave it: an offline session and a
// shop record. With the session stored, authenticate.admin verifies session tokens without calling Shopify.
import { getConfig } from "../app/config/env.server";
import { disconnectDatabase, getDatabase } from "../app/db.server";
import { applyMigrations } from "../app/db/migrations.server";
import { recordInstall } from "../app/shops/shops.server";

export const DEV_OFFLINE_TOKEN = "shpat_development_offline_token";

export async function seedDevShop() {
  const config = getConfig();
  const { applied } = await applyMigrations(config.DATABASE_URL);
  const db = getDatabase();
  const shop = config.DEV_SHOP_DOMAIN;
  const session = {
    id: `offline_${shop}`,
    shop,
    state: "development",
    isOnline: false,
    scope: config.SCOPES.join(","),
    accessToken: DEV_OFFLINE_TOKEN,
  };
  await db.session.upsert({ where: { id: session.id }, create: session, update: session });
  await recordInstall(db, shop, session.scope);
  await disconnectDatabase();
  return { migrated: applied, shop };
}
