// Key rotation on both databases: values sealed under k1 are re-sealed under k2, a second run changes nothing,
// and once k1 is dropped from the keyring everything still opens. Also the script itself (npm run secrets:rotate),
// as a process, on an SQLite database.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { totpContext } from "~/support/users.server";
import { databaseKinds, withTestDatabase, createTestDatabase } from "../../tests/support/databases";
import { closeDatabaseClient, createDatabaseClient, type Database } from "~/db.server";
import { loopTokenContext, loopWebhookRemovalTokenContext, loopWebhookSecretContext, postscriptKeyContext } from "~/connections/secret-contexts";
import { formatRotationReport, rotateSecrets } from "./secret-rotation.server";
import { openSecret, sealSecret, type EncryptionKey } from "~/secrets/secrets.server";

const k1: EncryptionKey = { id: "k1", key: Buffer.alloc(32, 1) };
const k2: EncryptionKey = { id: "k2", key: Buffer.alloc(32, 2) };
const envKeys = (...keys: EncryptionKey[]) => keys.map((k) => `${k.id}:${k.key.toString("base64")}`).join(",");

/** Two shops with a Postscript key, a Loop token, two subscriptions and a manual secret, all under `key`. */
async function seedSealedValues(db: Database, keyring: EncryptionKey[], shops = ["rot-a.myshopify.com", "rot-b.myshopify.com"]) {
  const plain: Record<string, string> = {};
  for (const shop of shops) {
    const psKey = `sk_${shop.slice(0, 5).replace(/\W/g, "")}0123456789abcdef`;
    const token = `loop_${shop.slice(0, 5).replace(/\W/g, "")}_token`;
    const ps = sealSecret(psKey, postscriptKeyContext(shop), keyring);
    const lt = sealSecret(token, loopTokenContext(shop), keyring);
    await db.postscriptConnection.create({ data: { shopDomain: shop, status: "connected", keyCiphertext: ps.ciphertext, keyKeyId: ps.keyId, keyLastFour: psKey.slice(-4) } });
    await db.loopConnection.create({ data: { shopDomain: shop, status: "connected", mode: "api", tokenCiphertext: lt.ciphertext, tokenKeyId: lt.keyId, tokenLastFour: token.slice(-4) } });
    plain[postscriptKeyContext(shop)] = psKey;
    plain[loopTokenContext(shop)] = token;
    for (const loopWebhookId of ["101", "102", null]) {
      const secret = `whsec_${shop}_${loopWebhookId ?? "manual"}`;
      const sealed = sealSecret(secret, loopWebhookSecretContext(shop, loopWebhookId), keyring);
      await db.loopWebhook.create({
        data: { shopDomain: shop, topic: loopWebhookId ? `order/t${loopWebhookId}` : "*", loopWebhookId, address: "https://x", secretCiphertext: sealed.ciphertext, secretKeyId: sealed.keyId, secretLastFour: secret.slice(-4) },
      });
      plain[loopWebhookSecretContext(shop, loopWebhookId) + (loopWebhookId ? "" : ":manual")] = secret;
    }
    // A webhook removal after an uninstall, still pending: it keeps its own sealed copy of the token.
    const removal = sealSecret(token, loopWebhookRemovalTokenContext(shop), keyring);
    await db.loopWebhookRemoval.create({
      data: { shopDomain: shop, tokenCiphertext: removal.ciphertext, tokenKeyId: removal.keyId, pending: "[]", giveUpAt: new Date(Date.now() + 3_600_000) },
    });
    plain[loopWebhookRemovalTokenContext(shop)] = token;
  }
  // A support user enrolled in TOTP: the second factor's secret is sealed too.
  const user = await db.supportUser.create({ data: { email: "rotation@example.com", passwordHash: "x", role: "viewer" } });
  const totp = sealSecret("JBSWY3DPEHPK3PXP", totpContext(user.id), keyring);
  await db.supportUser.update({ where: { id: user.id }, data: { totpCiphertext: totp.ciphertext, totpKeyId: totp.keyId } });
  plain[totpContext(user.id)] = "JBSWY3DPEHPK3PXP";
  return plain;
}

/** Opens every stored value with `keyring`; returns context → plaintext and the key ids in use. */
async function openAll(db: Database, keyring: EncryptionKey[]) {
  const opened: Record<string, string> = {};
  const keyIds = new Set<string>();
  for (const r of await db.postscriptConnection.findMany()) {
    opened[postscriptKeyContext(r.shopDomain)] = openSecret({ ciphertext: r.keyCiphertext!, keyId: r.keyKeyId! }, postscriptKeyContext(r.shopDomain), keyring);
    keyIds.add(r.keyKeyId!);
  }
  for (const r of await db.loopConnection.findMany()) {
    opened[loopTokenContext(r.shopDomain)] = openSecret({ ciphertext: r.tokenCiphertext!, keyId: r.tokenKeyId! }, loopTokenContext(r.shopDomain), keyring);
    keyIds.add(r.tokenKeyId!);
  }
  for (const r of await db.loopWebhook.findMany()) {
    const context = loopWebhookSecretContext(r.shopDomain, r.loopWebhookId);
    opened[context + (r.loopWebhookId ? "" : ":manual")] = openSecret({ ciphertext: r.secretCiphertext, keyId: r.secretKeyId }, context, keyring);
    keyIds.add(r.secretKeyId);
  }
  for (const r of await db.loopWebhookRemoval.findMany()) {
    opened[loopWebhookRemovalTokenContext(r.shopDomain)] = openSecret({ ciphertext: r.tokenCiphertext, keyId: r.tokenKeyId }, loopWebhookRemovalTokenContext(r.shopDomain), keyring);
    keyIds.add(r.tokenKeyId);
  }
  for (const r of await db.supportUser.findMany({ where: { totpCiphertext: { not: null } } })) {
    opened[totpContext(r.id)] = openSecret({ ciphertext: r.totpCiphertext!, keyId: r.totpKeyId! }, totpContext(r.id), keyring);
    keyIds.add(r.totpKeyId!);
  }
  return { opened, keyIds: [...keyIds] };
}

describe.each(databaseKinds)("secret rotation (%s)", (kind) => {
  const database = withTestDatabase(kind);
  let plain: Record<string, string>;
  beforeAll(async () => {
    plain = await seedSealedValues(database.db, [k1]);
  });

  it("re-seals every value under the newest key, then drops nothing when run again", async () => {
    const report = await rotateSecrets(database.db, [k2, k1], 3); // small batches: pagination is exercised
    expect(report.newestKeyId).toBe("k2");
    expect(report.columns).toEqual([
      { name: "Postscript keys", rotated: 2, sealedFromPlain: 0, alreadyCurrent: 0, changedMeanwhile: 0, failed: 0 },
      { name: "Loop tokens", rotated: 2, sealedFromPlain: 0, alreadyCurrent: 0, changedMeanwhile: 0, failed: 0 },
      { name: "Loop webhook secrets", rotated: 6, sealedFromPlain: 0, alreadyCurrent: 0, changedMeanwhile: 0, failed: 0 },
      { name: "Loop removal tokens", rotated: 2, sealedFromPlain: 0, alreadyCurrent: 0, changedMeanwhile: 0, failed: 0 },
      { name: "Support TOTP secrets", rotated: 1, sealedFromPlain: 0, alreadyCurrent: 0, changedMeanwhile: 0, failed: 0 },
      { name: "Shopify access tokens", rotated: 0, sealedFromPlain: 0, alreadyCurrent: 0, changedMeanwhile: 0, failed: 0 },
      { name: "Shopify refresh tokens", rotated: 0, sealedFromPlain: 0, alreadyCurrent: 0, changedMeanwhile: 0, failed: 0 },
    ]);
    expect(formatRotationReport(report)).toMatch(/Done: 13 re-sealed, 0 already current, 0 failed\./);

    const again = await rotateSecrets(database.db, [k2, k1]);
    expect(again.columns.map((c) => [c.rotated, c.alreadyCurrent])).toEqual([
      [0, 2],
      [0, 2],
      [0, 6],
      [0, 2],
      [0, 1],
      [0, 0],
      [0, 0],
    ]);
  });

  it("opens everything with the old key removed from the keyring", async () => {
    const { opened, keyIds } = await openAll(database.db, [k2]);
    expect(keyIds).toEqual(["k2"]);
    expect(opened).toEqual(plain);
    await expect(openAll(database.db, [k1])).rejects.toThrow(/encryption key "k2" is not configured/);
  });

  it("reports values whose key is missing, without stopping and without printing a value", async () => {
    const k3: EncryptionKey = { id: "k3", key: Buffer.alloc(32, 3) };
    const shop = "rot-lost.myshopify.com";
    const lost = sealSecret("sk_lost0123456789abcdef", postscriptKeyContext(shop), [k3]);
    const row = await database.db.postscriptConnection.create({ data: { shopDomain: shop, status: "connected", keyCiphertext: lost.ciphertext, keyKeyId: "k3", keyLastFour: "cdef" } });
    const report = await rotateSecrets(database.db, [k1, k2]);
    expect(report.columns[0]).toMatchObject({ rotated: 2, failed: 1 });
    expect(report.failures).toEqual([{ column: "Postscript keys", id: row.id, reason: 'encryption key "k3" is not configured (SECRETS_ENCRYPTION_KEYS)' }]);
    expect(formatRotationReport(report)).not.toContain("sk_lost");
    await database.db.postscriptConnection.delete({ where: { id: row.id } });
  });
});

describe("npm run secrets:rotate", () => {
  it("rotates an SQLite database from k1 to k2, prints the counts, and is idempotent", async () => {
    const database = await createTestDatabase("sqlite");
    const db = createDatabaseClient(database.url);
    try {
      const plain = await seedSealedValues(db, [k1], ["script.myshopify.com"]);
      const root = path.resolve(__dirname, "../..");
      const run = () =>
        promisify(execFile)(path.join(root, "node_modules", ".bin", "tsx"), ["scripts/rotate-secrets.ts"], {
          cwd: root,
          env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: database.url, SHOPIFY_API_KEY: "k", SHOPIFY_API_SECRET: "s", SHOPIFY_APP_URL: "https://app.example.com", SECRETS_ENCRYPTION_KEYS: envKeys(k2, k1), NODE_ENV: "test" },
        });
      const first = await run();
      expect(first.stdout).toContain('Re-sealing secrets under the newest key "k2":');
      expect(first.stdout).toMatch(/Postscript keys\s+1 re-sealed,\s+0 already current/);
      expect(first.stdout).toMatch(/Loop webhook secrets\s+3 re-sealed/);
      expect(first.stdout).toContain("Done: 7 re-sealed, 0 already current, 0 failed.");
      const second = await run();
      expect(second.stdout).toContain("Done: 0 re-sealed, 7 already current, 0 failed.");
      const { opened } = await openAll(db, [k2]);
      expect(opened).toEqual(plain);
      for (const value of Object.values(plain)) expect(first.stdout + first.stderr).not.toContain(value);
    } finally {
      await closeDatabaseClient(db);
      await database.drop();
    }
  }, 60_000);

  it("stops with a message naming a bad variable", async () => {
    const root = path.resolve(__dirname, "../..");
    const result = await promisify(execFile)(path.join(root, "node_modules", ".bin", "tsx"), ["scripts/rotate-secrets.ts"], {
      cwd: root,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: "file:/tmp/none.sqlite", SHOPIFY_API_KEY: "k", SHOPIFY_API_SECRET: "s", SHOPIFY_APP_URL: "https://app.example.com", SECRETS_ENCRYPTION_KEYS: "k1:short", NODE_ENV: "test" },
    }).catch((error: { code: number; stderr: string }) => error);
    expect((result as { code: number }).code).toBe(1);
    expect((result as { stderr: string }).stderr).toMatch(/SECRETS_ENCRYPTION_KEYS each entry must be/);
  }, 60_000);
});
