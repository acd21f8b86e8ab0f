// Key rotation for secrets at rest. A new key goes first in SECRETS_ENCRYPTION_KEYS; values sealed under an
// older key still open (their key id is stored beside them), and rotateSecrets re-seals each of them under
// the newest key, so the old key can then be removed from the list. Idempotent: values already under the
// newest key are left alone, and a second run re-seals nothing. It knows every feature's sealed columns, so it
// sits above those features rather than beside the sealing itself in app/secrets.
import type { LoopConnection, LoopWebhook, LoopWebhookRemoval, PostscriptConnection, Prisma, SupportUser } from "@prisma/client";
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

/** The calls rotation makes on a table; the Prisma model of each sealed table provides them. */
interface SealedTable<Row> {
  findMany(args: { where: object; orderBy: { id: "asc" }; take: number }): PromiseLike<Row[]>;
  count(args: { where: object }): PromiseLike<number>;
  updateMany(args: { where: object; data: object }): PromiseLike<{ count: number }>;
}

/**
 * A sealed column stored as ciphertext with the id of its key in a column beside it. `optional`: the secret may
 * be absent (a null ciphertext), and such rows are not counted. Writes compare the ciphertext, so a concurrent
 * change wins.
 */
function keyIdColumn<Row extends { id: string }>(spec: {
  name: string;
  table: (db: Database) => SealedTable<Row>;
  ciphertext: keyof Row & string;
  keyId: keyof Row & string;
  optional: boolean;
  context: (row: Row) => string;
}): SealedColumn {
  const { ciphertext, keyId } = spec;
  const present = spec.optional ? { [ciphertext]: { not: null } } : {};
  return {
    name: spec.name,
    async due(db, newest, cursor, take) {
      const rows = await spec.table(db).findMany({ where: { ...after(cursor), ...present, NOT: { [keyId]: newest } }, ...page(take) });
      return rows.map((r) => ({ id: r.id, ciphertext: r[ciphertext] as string, keyId: (r[keyId] as string | null) ?? "", context: spec.context(r) }));
    },
    current: async (db, newest) => spec.table(db).count({ where: { ...present, [keyId]: newest } }),
    async replace(db, previous, next) {
      const { count } = await spec.table(db).updateMany({
        where: { id: previous.id, [ciphertext]: previous.ciphertext },
        data: { [ciphertext]: next.ciphertext, [keyId]: next.keyId },
      });
      return count === 1;
    },
  };
}

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

/** A Shopify token column of the Session table; `present` selects the rows that hold a token. */
function sessionTokenColumn(name: string, field: "accessToken" | "refreshToken", present: Prisma.SessionWhereInput, context: (shop: string) => string): SealedColumn {
  return {
    name,
    async due(db, _newest, cursor, take) {
      const rows = await db.session.findMany({ where: { ...after(cursor), ...present }, ...page(take) });
      return rows.map((r) => sessionTokenValue(r.id, r[field]!, context(r.shop)));
    },
    async current(db, newest) {
      const rows = await db.session.findMany({ where: { [field]: { startsWith: sealedTokenPrefix(newest) } }, select: { accessToken: true, refreshToken: true } });
      return rows.filter((r) => (r[field] ?? "").startsWith(sealedTokenPrefix(newest))).length;
    },
    async replace(db, previous, next) {
      const { count } = await db.session.updateMany({ where: { id: previous.id, [field]: storedSessionToken(previous) }, data: { [field]: formatSealedToken(next) } });
      return count === 1;
    },
  };
}

export const SEALED_COLUMNS: SealedColumn[] = [
  keyIdColumn<PostscriptConnection>({
    name: "Postscript keys",
    table: (db) => db.postscriptConnection,
    ciphertext: "keyCiphertext",
    keyId: "keyKeyId",
    optional: true,
    context: (r) => postscriptKeyContext(r.shopDomain),
  }),
  keyIdColumn<LoopConnection>({
    name: "Loop tokens",
    table: (db) => db.loopConnection,
    ciphertext: "tokenCiphertext",
    keyId: "tokenKeyId",
    optional: true,
    context: (r) => loopTokenContext(r.shopDomain),
  }),
  keyIdColumn<LoopWebhook>({
    name: "Loop webhook secrets",
    table: (db) => db.loopWebhook,
    ciphertext: "secretCiphertext",
    keyId: "secretKeyId",
    optional: false,
    context: (r) => loopWebhookSecretContext(r.shopDomain, r.loopWebhookId),
  }),
  keyIdColumn<LoopWebhookRemoval>({
    name: "Loop removal tokens",
    table: (db) => db.loopWebhookRemoval,
    ciphertext: "tokenCiphertext",
    keyId: "tokenKeyId",
    optional: false,
    context: (r) => loopWebhookRemovalTokenContext(r.shopDomain),
  }),
  keyIdColumn<SupportUser>({
    name: "Support TOTP secrets",
    table: (db) => db.supportUser,
    ciphertext: "totpCiphertext",
    keyId: "totpKeyId",
    optional: true,
    context: (r) => totpContext(r.id),
  }),
  sessionTokenColumn("Shopify access tokens", "accessToken", { accessToken: { not: "" } }, shopifyAccessTokenContext),
  sessionTokenColumn("Shopify refresh tokens", "refreshToken", { refreshToken: { not: null }, NOT: { refreshToken: "" } }, shopifyRefreshTokenContext),
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
