// Key rotation for secrets at rest. A new key goes first in SECRETS_ENCRYPTION_KEYS; values sealed under an
// older key still open (their key id is stored beside them), and rotateSecrets re-seals each of them under
// the newest key, so the old key can then be removed from the list. Idempotent: values already under the
// newest key are left alone, and a second run re-seals nothing. It knows every feature's sealed columns, so it
// sits above those features rather than beside the sealing itself in app/secrets.
import { loopTokenContext, loopWebhookRemovalTokenContext, loopWebhookSecretContext, postscriptKeyContext } from "~/connections/secret-contexts";
import { getConfig } from "~/config/env.server";
import { formatSealedToken, parseSealedToken, sealedTokenPrefix, shopifyAccessTokenContext, shopifyRefreshTokenContext } from "~/shopify/session-storage.server";
import { totpContext } from "~/support/users.server";
import type { Database } from "~/db.server";
import { newestKeyId, openSecret, sealSecret, type EncryptionKey } from "~/secrets/secrets.server";

/** One sealed value as rotation sees it: where it lives, what it is bound to, and how to write it back. */
interface SealedValue {
  id: string;
  ciphertext: string;
  keyId: string;
  context: string;
  /** A value stored before its column was sealed (a bare Shopify token): sealed as it is. */
  plaintext?: string;
}

interface SealedColumn {
  /** Shown in the summary. */
  name: string;
  /** Values not sealed under `newest` (those that are, if any, are skipped), after `cursor` (by id), at most `take`. */
  due(db: Database, newest: string, cursor: string | undefined, take: number): Promise<SealedValue[]>;
  current(db: Database, newest: string): Promise<number>;
  /** Writes the new value only if the stored one is still `previous` (a concurrent change wins). */
  replace(db: Database, previous: SealedValue, next: { ciphertext: string; keyId: string }): Promise<boolean>;
}

// Keyset pagination by id: rows re-sealed in an earlier batch no longer match, failed ones are not read twice.
const page = (take: number) => ({ orderBy: { id: "asc" as const }, take });
const after = (cursor: string | undefined) => (cursor ? { id: { gt: cursor } } : {});

// Shopify's session tokens carry their key id inside the column value (the library owns the Session table's
// columns), and rows from before sealing hold the bare token. A prefix match in SQL cannot tell which key sealed
// a value (LIKE reads "_" in a key id as a wildcard, and SQLite's LIKE ignores case), so every row with a token
// is read (one per shop) and the key id is compared here: values under the newest key are skipped below.
function sessionTokenValue(id: string, stored: string, context: string): SealedValue {
  const sealed = parseSealedToken(stored);
  return sealed ? { id, ...sealed, context } : { id, ciphertext: stored, keyId: "", context, plaintext: stored };
}

/** What the Session row holds for `value` now: how a concurrent write is told apart. */
const storedSessionToken = (value: SealedValue) => value.plaintext ?? formatSealedToken(value);

export const SEALED_COLUMNS: SealedColumn[] = [
  {
    name: "Postscript keys",
    async due(db, newest, cursor, take) {
      const rows = await db.postscriptConnection.findMany({ where: { ...after(cursor), keyCiphertext: { not: null }, NOT: { keyKeyId: newest } }, ...page(take) });
      return rows.map((r) => ({ id: r.id, ciphertext: r.keyCiphertext!, keyId: r.keyKeyId ?? "", context: postscriptKeyContext(r.shopDomain) }));
    },
    current: (db, newest) => db.postscriptConnection.count({ where: { keyCiphertext: { not: null }, keyKeyId: newest } }),
    async replace(db, previous, next) {
      const { count } = await db.postscriptConnection.updateMany({
        where: { id: previous.id, keyCiphertext: previous.ciphertext },
        data: { keyCiphertext: next.ciphertext, keyKeyId: next.keyId },
      });
      return count === 1;
    },
  },
  {
    name: "Loop tokens",
    async due(db, newest, cursor, take) {
      const rows = await db.loopConnection.findMany({ where: { ...after(cursor), tokenCiphertext: { not: null }, NOT: { tokenKeyId: newest } }, ...page(take) });
      return rows.map((r) => ({ id: r.id, ciphertext: r.tokenCiphertext!, keyId: r.tokenKeyId ?? "", context: loopTokenContext(r.shopDomain) }));
    },
    current: (db, newest) => db.loopConnection.count({ where: { tokenCiphertext: { not: null }, tokenKeyId: newest } }),
    async replace(db, previous, next) {
      const { count } = await db.loopConnection.updateMany({
        where: { id: previous.id, tokenCiphertext: previous.ciphertext },
        data: { tokenCiphertext: next.ciphertext, tokenKeyId: next.keyId },
      });
      return count === 1;
    },
  },
  {
    name: "Loop webhook secrets",
    async due(db, newest, cursor, take) {
      const rows = await db.loopWebhook.findMany({ where: { ...after(cursor), NOT: { secretKeyId: newest } }, ...page(take) });
      return rows.map((r) => ({ id: r.id, ciphertext: r.secretCiphertext, keyId: r.secretKeyId, context: loopWebhookSecretContext(r.shopDomain, r.loopWebhookId) }));
    },
    current: (db, newest) => db.loopWebhook.count({ where: { secretKeyId: newest } }),
    async replace(db, previous, next) {
      const { count } = await db.loopWebhook.updateMany({
        where: { id: previous.id, secretCiphertext: previous.ciphertext },
        data: { secretCiphertext: next.ciphertext, secretKeyId: next.keyId },
      });
      return count === 1;
    },
  },
  {
    name: "Loop removal tokens",
    async due(db, newest, cursor, take) {
      const rows = await db.loopWebhookRemoval.findMany({ where: { ...after(cursor), NOT: { tokenKeyId: newest } }, ...page(take) });
      return rows.map((r) => ({ id: r.id, ciphertext: r.tokenCiphertext, keyId: r.tokenKeyId, context: loopWebhookRemovalTokenContext(r.shopDomain) }));
    },
    current: (db, newest) => db.loopWebhookRemoval.count({ where: { tokenKeyId: newest } }),
    async replace(db, previous, next) {
      const { count } = await db.loopWebhookRemoval.updateMany({
        where: { id: previous.id, tokenCiphertext: previous.ciphertext },
        data: { tokenCiphertext: next.ciphertext, tokenKeyId: next.keyId },
      });
      return count === 1;
    },
  },
  {
    name: "Support TOTP secrets",
    async due(db, newest, cursor, take) {
      const rows = await db.supportUser.findMany({ where: { ...after(cursor), totpCiphertext: { not: null }, NOT: { totpKeyId: newest } }, ...page(take) });
      return rows.map((r) => ({ id: r.id, ciphertext: r.totpCiphertext!, keyId: r.totpKeyId ?? "", context: totpContext(r.id) }));
    },
    current: (db, newest) => db.supportUser.count({ where: { totpCiphertext: { not: null }, totpKeyId: newest } }),
    async replace(db, previous, next) {
      const { count } = await db.supportUser.updateMany({
        where: { id: previous.id, totpCiphertext: previous.ciphertext },
        data: { totpCiphertext: next.ciphertext, totpKeyId: next.keyId },
      });
      return count === 1;
    },
  },
  {
    name: "Shopify access tokens",
    async due(db, _newest, cursor, take) {
      const rows = await db.session.findMany({ where: { ...after(cursor), accessToken: { not: "" } }, ...page(take) });
      return rows.map((r) => sessionTokenValue(r.id, r.accessToken, shopifyAccessTokenContext(r.shop)));
    },
    async current(db, newest) {
      const rows = await db.session.findMany({ where: { accessToken: { startsWith: sealedTokenPrefix(newest) } }, select: { accessToken: true } });
      return rows.filter((r) => r.accessToken.startsWith(sealedTokenPrefix(newest))).length;
    },
    async replace(db, previous, next) {
      const { count } = await db.session.updateMany({ where: { id: previous.id, accessToken: storedSessionToken(previous) }, data: { accessToken: formatSealedToken(next) } });
      return count === 1;
    },
  },
  {
    name: "Shopify refresh tokens",
    async due(db, _newest, cursor, take) {
      const rows = await db.session.findMany({ where: { ...after(cursor), refreshToken: { not: null }, NOT: { refreshToken: "" } }, ...page(take) });
      return rows.map((r) => sessionTokenValue(r.id, r.refreshToken!, shopifyRefreshTokenContext(r.shop)));
    },
    async current(db, newest) {
      const rows = await db.session.findMany({ where: { refreshToken: { startsWith: sealedTokenPrefix(newest) } }, select: { refreshToken: true } });
      return rows.filter((r) => r.refreshToken!.startsWith(sealedTokenPrefix(newest))).length;
    },
    async replace(db, previous, next) {
      const { count } = await db.session.updateMany({ where: { id: previous.id, refreshToken: storedSessionToken(previous) }, data: { refreshToken: formatSealedToken(next) } });
      return count === 1;
    },
  },
];

export interface ColumnRotation {
  name: string;
  /** Re-sealed under the newest key by this run. */
  rotated: number;
  /** Stored in plain text before this run (rows from before the column was sealed), sealed by it. */
  sealedFromPlain: number;
  /** Already under the newest key before this run. */
  alreadyCurrent: number;
  /** Changed by someone else while this run worked on it (the new value is sealed under the newest key anyway). */
  changedMeanwhile: number;
  /** Could not be opened: its key is missing from SECRETS_ENCRYPTION_KEYS, or the value is damaged. */
  failed: number;
}

export interface RotationReport {
  newestKeyId: string;
  columns: ColumnRotation[];
  /** Which rows failed and why (ids and reasons only, never a value). */
  failures: { column: string; id: string; reason: string }[];
}

export async function rotateSecrets(db: Database, keyring: EncryptionKey[] = getConfig().SECRETS_ENCRYPTION_KEYS, batchSize = 200): Promise<RotationReport> {
  const newest = newestKeyId(keyring);
  const report: RotationReport = { newestKeyId: newest, columns: [], failures: [] };
  for (const column of SEALED_COLUMNS) {
    const counts: ColumnRotation = { name: column.name, rotated: 0, sealedFromPlain: 0, alreadyCurrent: await column.current(db, newest), changedMeanwhile: 0, failed: 0 };
    let cursor: string | undefined;
    for (;;) {
      const batch = await column.due(db, newest, cursor, batchSize);
      if (batch.length === 0) break;
      cursor = batch[batch.length - 1].id;
      for (const value of batch) {
        if (value.plaintext === undefined && value.keyId === newest) continue;
        let plaintext: string;
        try {
          plaintext = value.plaintext ?? openSecret({ ciphertext: value.ciphertext, keyId: value.keyId }, value.context, keyring);
        } catch (error) {
          counts.failed++;
          report.failures.push({ column: column.name, id: value.id, reason: (error as Error).message });
          continue;
        }
        const replaced = await column.replace(db, value, sealSecret(plaintext, value.context, keyring));
        if (replaced && value.plaintext !== undefined) counts.sealedFromPlain++;
        else if (replaced) counts.rotated++;
        else counts.changedMeanwhile++;
      }
    }
    report.columns.push(counts);
  }
  return report;
}

/** The summary `npm run secrets:rotate` prints. */
export function formatRotationReport(report: RotationReport): string {
  const lines = [`Re-sealing secrets under the newest key "${report.newestKeyId}":`];
  for (const c of report.columns) {
    const extra = [c.sealedFromPlain ? `${c.sealedFromPlain} sealed from plain text` : "", c.changedMeanwhile ? `${c.changedMeanwhile} changed meanwhile` : "", c.failed ? `${c.failed} FAILED` : ""].filter(Boolean).join(", ");
    lines.push(`  ${c.name.padEnd(22)} ${String(c.rotated).padStart(5)} re-sealed, ${String(c.alreadyCurrent).padStart(5)} already current${extra ? `, ${extra}` : ""}`);
  }
  for (const f of report.failures) lines.push(`  ! ${f.column} row ${f.id}: ${f.reason}`);
  const total = (key: keyof Omit<ColumnRotation, "name">) => report.columns.reduce((sum, c) => sum + c[key], 0);
  const sealedFromPlain = total("sealedFromPlain") ? `${total("sealedFromPlain")} sealed from plain text, ` : "";
  lines.push(`Done: ${total("rotated")} re-sealed, ${sealedFromPlain}${total("alreadyCurrent")} already current, ${total("failed")} failed.`);
  if (total("failed") === 0) lines.push(`Every secret is now sealed under "${report.newestKeyId}"; older keys can be removed from SECRETS_ENCRYPTION_KEYS.`);
  return lines.join("\n");
}
