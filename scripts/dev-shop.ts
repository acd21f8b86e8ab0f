// Seeds the development shop (DEV_SHOP_DOMAIN) the way an install would leave it: an offline session and a
// shop record. With the session stored, authenticate.admin verifies session tokens without calling Shopify.
import { Session } from "@shopify/shopify-api";
import { getConfig } from "../app/config/env.server";
import { connectLoopWithToken } from "../app/connections/loop.server";
import { disconnectDatabase, getDatabase } from "../app/db.server";
import { applyMigrations } from "../app/db/migrations.server";
import { SealedSessionStorage } from "../app/shopify/session-storage.server";
import { recordInstall } from "../app/shopify/installs.server";

export const DEV_OFFLINE_TOKEN = "shpat_development_offline_token";

export async function seedDevShop(options: { loopToken?: string } = {}) {
  const config = getConfig();
  const { applied } = await applyMigrations(config.DATABASE_URL);
  const db = getDatabase();
  const shop = config.DEV_SHOP_DOMAIN;
  const session = new Session({
    id: `offline_${shop}`,
    shop,
    state: "development",
    isOnline: false,
    scope: config.SCOPES.join(","),
    accessToken: DEV_OFFLINE_TOKEN,
  });
  // Through the app's own session storage, so the token is sealed at rest as an install would leave it.
  await new SealedSessionStorage(db).storeSession(session);
  await recordInstall(db, shop, session.scope ?? null);
  let loopResubscribed = false;
  const loop = await db.loopConnection.findUnique({ where: { shopDomain: shop } });
  if (options.loopToken && loop?.status === "connected" && loop.mode === "api") {
    loopResubscribed = (await connectLoopWithToken(db, shop, options.loopToken)).ok;
  }
  await disconnectDatabase();
  return { migrated: applied, shop, loopResubscribed };
}
