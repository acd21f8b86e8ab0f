// The SQLite and PostgreSQL migration trees must build the same indexes and unique constraints: a difference
// is allowed only when prisma/migrations/DIFFERENCES.md and prisma/postgres/migrations/DIFFERENCES.md both
// list it with a reason. Fresh databases are migrated and their catalogues compared.
import BetterSqlite3 from "better-sqlite3";
import { randomBytes } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { databaseKinds } from "../../tests/support/databases";
import { createPostgresDatabase, dropPostgresDatabase } from "../../tests/support/postgres";
import { applyMigrations } from "./migrations.server";
import { sqliteFilePath } from "./url";

const root = path.resolve(__dirname, "../..");

/** An index as both databases can describe it: `Table.name: unique (a, b) include (c)`. */
type Indexes = Map<string, string>;

function describeIndex(table: string, unique: boolean, columns: string[], include: string[] = []) {
  return `${table} ${unique ? "unique " : ""}(${columns.join(", ")})${include.length ? ` include (${include.join(", ")})` : ""}`;
}

function sqliteIndexes(url: string): Indexes {
  const db = new BetterSqlite3(sqliteFilePath(url), { readonly: true });
  try {
    const indexes: Indexes = new Map();
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_prisma%'`).all() as { name: string }[];
    for (const { name: table } of tables) {
      for (const index of db.pragma(`index_list("${table}")`) as { name: string; unique: number; origin: string }[]) {
        if (index.origin === "pk") continue; // primary keys: part of every table on both, named differently
        const columns = (db.pragma(`index_info("${index.name}")`) as { seqno: number; name: string }[]).sort((a, b) => a.seqno - b.seqno).map((c) => c.name);
        indexes.set(index.name, describeIndex(table, index.unique === 1, columns));
      }
    }
    return indexes;
  } finally {
    db.close();
  }
}

async function postgresIndexes(url: string): Promise<Indexes> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // The catalogue is not part of the schema, so there is nothing to build this query from.
    const { rows } = await client.query<{ table: string; name: string; unique: boolean; columns: string[]; include: string[] }>(`
      SELECT t.relname AS "table", i.relname AS "name", x.indisunique AS "unique",
        ARRAY(SELECT a.attname FROM unnest(x.indkey) WITH ORDINALITY k(attnum, ord) JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum WHERE k.ord <= x.indnkeyatts ORDER BY k.ord)::text[] AS "columns",
        ARRAY(SELECT a.attname FROM unnest(x.indkey) WITH ORDINALITY k(attnum, ord) JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum WHERE k.ord > x.indnkeyatts ORDER BY k.ord)::text[] AS "include"
      FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = 'public' AND NOT x.indisprimary AND t.relname NOT LIKE '\\_prisma%'`);
    return new Map(rows.map((r) => [r.name, describeIndex(r.table, r.unique, r.columns, r.include)]));
  } finally {
    await client.end();
  }
}

/** Every index whose definition is not the same on both: `name: sqlite … | postgres …`. */
function differences(sqlite: Indexes, postgres: Indexes): Map<string, string> {
  const found = new Map<string, string>();
  for (const name of new Set([...sqlite.keys(), ...postgres.keys()])) {
    const a = sqlite.get(name);
    const b = postgres.get(name);
    if (a !== b) found.set(name, `SQLite: ${a ?? "none"}; PostgreSQL: ${b ?? "none"}`);
  }
  return found;
}

/** The index names DIFFERENCES.md lists (`- \`name\`: reason`), each with a reason. */
function listedDifferences(projectRoot: string): Map<string, string> {
  const read = (file: string) => {
    const listed = new Map<string, string>();
    for (const match of readFileSync(file, "utf8").matchAll(/^- `([^`]+)`[^:]*:\s*(.*)$/gm)) listed.set(match[1], match[2].trim());
    return listed;
  };
  const sqlite = read(path.join(projectRoot, "prisma", "migrations", "DIFFERENCES.md"));
  const postgres = read(path.join(projectRoot, "prisma", "postgres", "migrations", "DIFFERENCES.md"));
  expect([...postgres.keys()].sort(), "both DIFFERENCES.md files list the same indexes").toEqual([...sqlite.keys()].sort());
  for (const [name, reason] of sqlite) expect(reason.length, `a reason for ${name}`).toBeGreaterThan(10);
  return sqlite;
}

describe.runIf(databaseKinds.includes("postgres"))("the two migration trees", () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  /** The differences between fresh SQLite and PostgreSQL databases migrated from `projectRoot`'s trees. */
  async function unlisted(projectRoot: string) {
    const dir = mkdtempSync(path.join(os.tmpdir(), "lp-trees-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const sqliteUrl = `file:${path.join(dir, "fresh.sqlite")}`;
    await applyMigrations(sqliteUrl, projectRoot);
    const adminUrl = process.env.TEST_POSTGRES_URL!;
    const name = `lp_trees_${randomBytes(6).toString("hex")}`;
    const postgresUrl = await createPostgresDatabase(adminUrl, name);
    cleanups.push(() => dropPostgresDatabase(adminUrl, name));
    await applyMigrations(postgresUrl, projectRoot);
    const found = differences(sqliteIndexes(sqliteUrl), await postgresIndexes(postgresUrl));
    const listed = listedDifferences(projectRoot);
    return { unlisted: [...found].filter(([name]) => !listed.has(name)).map(([name, what]) => `${name}: ${what}`), stale: [...listed.keys()].filter((name) => !found.has(name)) };
  }

  it("build the same indexes and unique constraints, but for the differences both DIFFERENCES.md explain", async () => {
    expect(await unlisted(root)).toEqual({ unlisted: [], stale: [] });
  });

  it("catch an index added to one tree only", async () => {
    const copy = mkdtempSync(path.join(os.tmpdir(), "lp-trees-src-"));
    cleanups.push(() => rmSync(copy, { recursive: true, force: true }));
    cpSync(path.join(root, "prisma"), path.join(copy, "prisma"), { recursive: true });
    const migration = path.join(copy, "prisma", "migrations", "29991231000000_one_side_only");
    mkdirSync(migration);
    writeFileSync(path.join(migration, "migration.sql"), `CREATE INDEX "Event_topic_idx" ON "Event"("topic");\n`);
    expect((await unlisted(copy)).unlisted).toEqual(['Event_topic_idx: SQLite: Event (topic); PostgreSQL: none']);
  });
});
