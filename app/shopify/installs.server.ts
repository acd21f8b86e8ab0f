// The shop records: who installed the app, with which scopes, and when they left. They follow Shopify's
// token exchange and app webhooks, beside the sessions (session-storage.server.ts) they are written with.
import type { Database } from "~/db.server";

/** Called after every token exchange; only a reinstall (after an uninstall) starts a new install period. */
export async function recordInstall(db: Database, domain: string, scopes: string | null) {
  const existing = await db.shop.findUnique({ where: { domain } });
  if (!existing) {
    await db.shop.create({ data: { domain, scopes } });
  } else if (existing.uninstalledAt) {
    await db.shop.update({ where: { domain }, data: { scopes, uninstalledAt: null, installedAt: new Date() } });
  } else {
    await db.shop.update({ where: { domain }, data: { scopes } });
  }
}

/** app/uninstalled: the shop's sessions go (they are useless now) and the shop is marked uninstalled. */
export async function recordUninstall(db: Database, domain: string) {
  await db.$transaction([
    db.session.deleteMany({ where: { shop: domain } }),
    db.shop.updateMany({ where: { domain, uninstalledAt: null }, data: { uninstalledAt: new Date() } }),
  ]);
}

export async function updateScopes(db: Database, domain: string, scopes: string[]) {
  const scope = scopes.join(",");
  await db.$transaction([
    db.session.updateMany({ where: { shop: domain }, data: { scope } }),
    db.shop.updateMany({ where: { domain }, data: { scopes: scope } }),
  ]);
}
