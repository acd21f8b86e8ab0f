// Seeds the development shop (DEV_SHOP_DOMAIN) the way an install would leave it: an offline session and a
// shop record. With the session stored, authenticate.admin verifies session tokens without calling Shopify.
import { getConfig } from "../app/config/env.server";
import { connectLoopWithToken } from "../app/connections/loop.server";
import { disconnectDatabase, getDatabase } from "../app/db.server";
import { applyMigrations } from "../app/db/migrations.server";
import { recordInstall } from "../app/shops/shops.server";

export const DEV_OFFLINE_TOKEN = "shpat_development_offline_token";

export async function seedDevShop(options: { loopToken?: string } = {}) {
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
  let loopResubscribed = false;
  const loop = await db.loopConnection.findUnique({ where: { shopDomain: shop } });
  if (options.loopToken && loop?.status === "connected" && loop.mode === "api") {
    loopResubscribed = (await connectLoopWithToken(db, shop, options.loopToken)).ok;
  }
  await disconnectDatabase();
  return { migrated: applied, shop, loopResubscribed };
}
