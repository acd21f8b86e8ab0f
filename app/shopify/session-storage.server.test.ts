// Shopify's access and refresh tokens at rest. A shop is installed by token exchange against the Shopify stand-in
// (offline tokens lasting one second) and its token is refreshed by the background path twice; then no token
// Shopify issued may appear in the database: on SQLite in the bytes of the database file and its write-ahead
// log, on PostgreSQL in the Session rows read as text. Key rotation re-seals the tokens, and rows stored in plain
// text before tokens were sealed are still read and get sealed by rotation.
import { readFileSync, existsSync } from "node:fs";
import { Session } from "@shopify/shopify-api";
import { API_KEY, API_SECRET_KEY } from "@shopify/shopify-api/test-helpers";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startShopifyAdminStandIn } from "../../sandbox/shopify/server";
import { databaseKinds, withTestDatabase, type DatabaseKind } from "../../tests/support/databases";
import { openAppInShopifyAdmin, untilTokenRefused } from "../../tests/support/shopify";
import { resetConfigForTests } from "~/config/env.server";
import type { Database } from "~/db.server";
import { setLogSink } from "~/logging/logger.server";
import { formatRotationReport, rotateSecrets } from "~/maintenance/secret-rotation.server";
import type { EncryptionKey } from "~/secrets/secrets.server";
import { sessionStorage, storedOfflineSession, unauthenticatedAdmin } from "~/shopify.server";

const SHOP = "sealed-tokens.myshopify.com";

/** Which of `tokens` can be read in the database's storage. */
async function tokensReadableIn(kind: DatabaseKind, url: string, db: Database, tokens: string[]) {
  let stored: string;
  if (kind === "sqlite") {
    const file = url.replace(/^file:/, "");
    stored = [file, `${file}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f).toString("latin1")).join("\n");
  } else {
    const rows = await db.$queryRawUnsafe<{ row: string }[]>(`SELECT s::text AS row FROM "Session" s`);
    stored = rows.map((r) => r.row).join("\n");
  }
  return { found: tokens.filter((token) => stored.includes(token)), sealedSessions: stored.split("sealed:v1:").length - 1 };
}

describe.each(databaseKinds)("Shopify tokens at rest (%s)", (kind) => {
  const database = withTestDatabase(kind);
  let shopify: Awaited<ReturnType<typeof startShopifyAdminStandIn>>;

  beforeAll(async () => {
    shopify = await startShopifyAdminStandIn({ shopDomain: SHOP, client: { id: API_KEY, secret: API_SECRET_KEY }, offlineTokenLifetimeS: 1, accessTokens: [] });
    process.env.SHOPIFY_ADMIN_API_ORIGIN = shopify.url;
    resetConfigForTests();
  });
  afterAll(async () => {
    delete process.env.SHOPIFY_ADMIN_API_ORIGIN;
    resetConfigForTests();
    await shopify.close();
  });

  it("keeps no access or refresh token readable in the database across install and two refreshes", async () => {
    await openAppInShopifyAdmin(SHOP);
    for (const round of [1, 2]) {
      const before = (await storedOfflineSession(SHOP))!;
      expect(before.accessToken, `round ${round}`).toMatch(/^shpat_/);
      expect(before.refreshToken, `round ${round}`).toMatch(/^shprt_/);
      await untilTokenRefused(shopify.graphqlUrl(), before.accessToken!);
      // The background path (as the delivery worker uses it): loads the session, refreshes it, stores the new pair.
      const { admin } = await unauthenticatedAdmin(SHOP);
      const answer = await admin.graphql("{ shop { name } }");
      expect(answer.status).toBe(200);
      const after = (await storedOfflineSession(SHOP))!;
      expect(after.accessToken).not.toBe(before.accessToken);
      expect(after.refreshToken).not.toBe(before.refreshToken);
    }
    const issued = [...shopify.state.oauth.access.keys(), ...shopify.state.oauth.refresh.keys()];
    expect(issued.length).toBeGreaterThanOrEqual(6); // three access tokens and three refresh tokens
    const { found, sealedSessions } = await tokensReadableIn(kind, database.url, database.db, issued);
    expect(found).toEqual([]);
    expect(sealedSessions).toBeGreaterThan(0); // the scan did see the Session rows
  });
});

const k1: EncryptionKey = { id: "k1", key: Buffer.alloc(32, 1) };
const k2: EncryptionKey = { id: "k2", key: Buffer.alloc(32, 2) };
const envKeys = (...keys: EncryptionKey[]) => keys.map((k) => `${k.id}:${k.key.toString("base64")}`).join(",");

describe.each(databaseKinds)("Shopify tokens and key rotation (%s)", (kind) => {
  const database = withTestDatabase(kind);
  const originalKeys = process.env.SECRETS_ENCRYPTION_KEYS;
  const useKeys = (...keys: EncryptionKey[]) => {
    process.env.SECRETS_ENCRYPTION_KEYS = envKeys(...keys);
    resetConfigForTests();
  };
  afterEach(() => {
    process.env.SECRETS_ENCRYPTION_KEYS = originalKeys;
    resetConfigForTests();
  });
  const storedRow = (shop: string) => database.db.session.findUniqueOrThrow({ where: { id: `offline_${shop}` } });
  const columnOf = (report: Awaited<ReturnType<typeof rotateSecrets>>, name: string) => report.columns.find((c) => c.name === name);

  it("re-seals tokens sealed under an old key under the new one, and they open without the old key", async () => {
    const shop = "rotating.myshopify.com";
    useKeys(k1);
    await sessionStorage().storeSession(new Session({ id: `offline_${shop}`, shop, state: "s", isOnline: false, accessToken: "shpat_rotating_access", refreshToken: "shprt_rotating_refresh" }));
    expect((await storedRow(shop)).accessToken).toMatch(/^sealed:v1:k1:/);

    const report = await rotateSecrets(database.db, [k2, k1]);
    expect(columnOf(report, "Shopify access tokens")).toEqual({ name: "Shopify access tokens", rotated: 1, sealedFromPlain: 0, alreadyCurrent: 0, changedMeanwhile: 0, failed: 0 });
    expect(columnOf(report, "Shopify refresh tokens")).toMatchObject({ rotated: 1, failed: 0 });
    const row = await storedRow(shop);
    expect(row.accessToken).toMatch(/^sealed:v1:k2:/);
    expect(row.refreshToken).toMatch(/^sealed:v1:k2:/);
    expect(formatRotationReport(report)).not.toContain("shpat_rotating");

    useKeys(k2);
    expect(await storedOfflineSession(shop)).toMatchObject({ accessToken: "shpat_rotating_access", refreshToken: "shprt_rotating_refresh" });
    const again = await rotateSecrets(database.db, [k2]);
    expect(columnOf(again, "Shopify access tokens")).toMatchObject({ rotated: 0, alreadyCurrent: 1 });

    // Without the key that sealed it the session is as good as missing: the next token exchange replaces it.
    useKeys(k1);
    const lines: string[] = [];
    const previousSink = setLogSink((line) => lines.push(line));
    try {
      expect(await storedOfflineSession(shop)).toBeUndefined();
    } finally {
      setLogSink(previousSink);
    }
    expect(lines.join("\n")).toMatch(/stored Shopify session could not be opened.*encryption key \\"k2\\" is not configured/);
    expect(lines.join("\n")).not.toContain("shpat_rotating");
    await database.db.session.delete({ where: { id: `offline_${shop}` } });
  });

  it("tells key ids apart exactly: a token under kx2 is re-sealed when k_2 is the newest key", async () => {
    const kx2: EncryptionKey = { id: "kx2", key: Buffer.alloc(32, 3) };
    const kUnderscore2: EncryptionKey = { id: "k_2", key: Buffer.alloc(32, 4) };
    const shop = "lookalike.myshopify.com";
    useKeys(kx2);
    await sessionStorage().storeSession(new Session({ id: `offline_${shop}`, shop, state: "s", isOnline: false, accessToken: "shpat_lookalike" }));

    const report = await rotateSecrets(database.db, [kUnderscore2, kx2]);
    expect(columnOf(report, "Shopify access tokens")).toMatchObject({ rotated: 1, alreadyCurrent: 0, failed: 0 });
    expect((await storedRow(shop)).accessToken).toMatch(/^sealed:v1:k_2:/);
    const again = await rotateSecrets(database.db, [kUnderscore2, kx2]);
    expect(columnOf(again, "Shopify access tokens")).toMatchObject({ rotated: 0, alreadyCurrent: 1 });
    useKeys(kUnderscore2);
    expect(await storedOfflineSession(shop)).toMatchObject({ accessToken: "shpat_lookalike" });
    await database.db.session.delete({ where: { id: `offline_${shop}` } });
  });

  it("reads a session stored in plain text before tokens were sealed, and rotation seals it", async () => {
    const shop = "legacy.myshopify.com";
    useKeys(k1);
    await database.db.session.create({ data: { id: `offline_${shop}`, shop, state: "s", isOnline: false, accessToken: "shpat_legacy_access", refreshToken: "shprt_legacy_refresh" } });
    expect(await storedOfflineSession(shop)).toMatchObject({ accessToken: "shpat_legacy_access", refreshToken: "shprt_legacy_refresh" });

    const report = await rotateSecrets(database.db, [k1]);
    expect(columnOf(report, "Shopify access tokens")).toMatchObject({ sealedFromPlain: 1, rotated: 0, failed: 0 });
    expect(columnOf(report, "Shopify refresh tokens")).toMatchObject({ sealedFromPlain: 1, rotated: 0, failed: 0 });
    expect(formatRotationReport(report)).toMatch(/Shopify access tokens\s+0 re-sealed,\s+0 already current, 1 sealed from plain text/);
    const row = await storedRow(shop);
    expect(row.accessToken).toMatch(/^sealed:v1:k1:/);
    expect(row.refreshToken).toMatch(/^sealed:v1:k1:/);
    expect(JSON.stringify(row)).not.toMatch(/legacy_access|legacy_refresh/);
    expect(await storedOfflineSession(shop)).toMatchObject({ accessToken: "shpat_legacy_access", refreshToken: "shprt_legacy_refresh" });
  });
});
