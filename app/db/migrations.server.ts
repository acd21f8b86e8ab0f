// Applies the committed SQL migrations (prisma/migrations for SQLite, prisma/postgres/migrations for
// PostgreSQL) at start-up and from `npm run db:migrate`.
//
// Why not `prisma migrate deploy`: the Prisma CLI is a development tool, and its engine-free schema engine
// cannot read PostgreSQL's catalog through @prisma/adapter-pg (6.19: "Column type 'name' could not be
// deserialized"). This runner keeps Prisma's own bookkeeping table (_prisma_migrations, same columns and
// sha256 checksums), so Prisma tooling and this runner agree on what has been applied.
import { createHash, randomUUID } from "node:crypto";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { databaseKind, sqliteFilePath } from "./url";

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export function migrationsFolder(kind: "sqlite" | "postgres", projectRoot = process.cwd()) {
  return kind === "postgres"
    ? path.join(projectRoot, "prisma", "postgres", "migrations")
    : path.join(projectRoot, "prisma", "migrations");
}

export function readMigrations(folder: string): Migration[] {
  if (!existsSync(folder)) throw new Error(`no migrations folder at ${folder}`);
  return readdirSync(folder, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && /^\d{14}_/.test(entry.name))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(path.join(folder, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: number;
}

/** Brings the database at `url` to the latest committed schema. Safe to run from several processes at once. */
export async function applyMigrations(url: string, projectRoot = process.cwd()): Promise<MigrationResult> {
  const kind = databaseKind(url);
  const migrations = readMigrations(migrationsFolder(kind, projectRoot));
  return kind === "postgres" ? applyPostgres(url, migrations) : applySqlite(url, migrations);
}

function checkHistory(applied: Map<string, string>, migrations: Migration[]) {
  for (const [name, checksum] of applied) {
    const local = migrations.find((m) => m.name === name);
    if (!local) throw new Error(`database has migration ${name}, which this version of the app does not know`);
    if (local.checksum !== checksum) {
      throw new Error(`migration ${name} was changed after it was applied; add a new migration instead`);
    }
  }
}

async function applySqlite(url: string, migrations: Migration[]): Promise<MigrationResult> {
  const { default: Database } = await import("better-sqlite3");
  const file = sqliteFilePath(url);
  if (file !== ":memory:") {
    const { mkdirSync } = await import("node:fs");
    mkdirSync(path.dirname(file), { recursive: true });
  }
  const db = new Database(file);
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("busy_timeout = 10000");
    db.exec(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" TEXT PRIMARY KEY NOT NULL, "checksum" TEXT NOT NULL, "finished_at" DATETIME,
      "migration_name" TEXT NOT NULL, "logs" TEXT, "rolled_back_at" DATETIME,
      "started_at" DATETIME NOT NULL DEFAULT current_timestamp, "applied_steps_count" INTEGER UNSIGNED NOT NULL DEFAULT 0)`);
    const applied: string[] = [];
    // BEGIN IMMEDIATE takes the write lock first, so two processes starting together apply each migration once.
    const run = db.transaction(() => {
      const rows = db
        .prepare(`SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`)
        .all() as { migration_name: string; checksum: string }[];
      const done = new Map(rows.map((r) => [r.migration_name, r.checksum]));
      checkHistory(done, migrations);
      for (const migration of migrations) {
        if (done.has(migration.name)) continue;
        db.exec(migration.sql);
        db.prepare(
          `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, started_at, applied_steps_count)
           VALUES (?, ?, ?, ?, ?, 1)`,
        ).run(randomUUID(), migration.checksum, Date.now(), migration.name, Date.now());
        applied.push(migration.name);
      }
      return done.size;
    });
    const alreadyApplied = run.immediate();
    return { applied, alreadyApplied };
  } finally {
    db.close();
  }
}

async function applyPostgres(url: string, migrations: Migration[]): Promise<MigrationResult> {
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // One process migrates at a time; the others wait here and then find nothing left to do.
    await client.query("SELECT pg_advisory_lock(72707369)");
    await client.query(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" VARCHAR(36) PRIMARY KEY NOT NULL, "checksum" VARCHAR(64) NOT NULL, "finished_at" TIMESTAMPTZ,
      "migration_name" VARCHAR(255) NOT NULL, "logs" TEXT, "rolled_back_at" TIMESTAMPTZ,
      "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(), "applied_steps_count" INTEGER NOT NULL DEFAULT 0)`);
    const { rows } = await client.query<{ migration_name: string; checksum: string }>(
      `SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
    );
    const done = new Map(rows.map((r) => [r.migration_name, r.checksum]));
    checkHistory(done, migrations);
    const applied: string[] = [];
    for (const migration of migrations) {
      if (done.has(migration.name)) continue;
      await client.query("BEGIN");
      try {
        await client.query(migration.sql);
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, started_at, applied_steps_count)
           VALUES ($1, $2, now(), $3, now(), 1)`,
          [randomUUID(), migration.checksum, migration.name],
        );
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK");
        throw new Error(`migration ${migration.name} failed: ${(error as Error).message}`);
      }
      applied.push(migration.name);
    }
    return { applied, alreadyApplied: done.size };
  } finally {
    await client.query("SELECT pg_advisory_unlock(72707369)").catch(() => {});
    await client.end();
  }
}
