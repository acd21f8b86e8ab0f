// The one database client of the app. DATABASE_URL picks the database: a file: URL is SQLite (the embedded
// default), postgres:// is PostgreSQL. Both use Prisma's engine-free client with a driver adapter, generated
// from the same data model (prisma/schema.prisma), so the application code is the same on both. Next to it, the
// query builder of the hot paths (getSql, ~/db/sql.server) on the same database: on PostgreSQL over the same
// connection pool.
import { createRequire } from "node:module";
import type * as SqliteAdapter from "@prisma/adapter-better-sqlite3";
import type * as PostgresAdapter from "@prisma/adapter-pg";
import type * as PrismaModule from "@prisma/client";
import type { PrismaClient } from "@prisma/client";
import { getConfig } from "~/config/env.server";
import { createPool, openSql, type Sql } from "~/db/sql.server";
import { databaseKind, sqliteFilePath } from "~/db/url";

export type Database = PrismaClient;

const require = createRequire(import.meta.url);

// The query-builder handle of each client made by createDatabaseClient.
const handles = new WeakMap<object, Sql>();

export function createDatabaseClient(url: string, poolSize = 10): Database {
  if (databaseKind(url) === "postgres") {
    const { PrismaPg } = require("@prisma/adapter-pg") as typeof PostgresAdapter;
    // The PostgreSQL client is generated from the same models (see scripts/db.ts), so its API is identical.
    const { PrismaClient: PostgresClient } = require(".prisma/client-postgres") as typeof PrismaModule;
    // One pool per process: Prisma's queries and the query builder's share its connections. Prisma's
    // $disconnect ends it too, as it did with a pool of its own.
    const pool = createPool(url, poolSize);
    const client = new PostgresClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
    handles.set(client, openSql(url, { pool }));
    return client;
  }
  const { PrismaBetterSQLite3 } = require("@prisma/adapter-better-sqlite3") as typeof SqliteAdapter;
  const { PrismaClient: SqliteClient } = require("@prisma/client") as typeof PrismaModule;
  // timeout = SQLite's busy timeout: wait for the writer lock instead of failing at once.
  const client = new SqliteClient({ adapter: new PrismaBetterSQLite3({ url: sqliteFilePath(url), timeout: 10_000 }) });
  // Its own connection, opened on first use (see ~/db/sql.server for why not Prisma's).
  handles.set(client, openSql(url));
  return client;
}

/** The query builder on the database of `db` (a client made by createDatabaseClient, not a transaction client). */
export function getSql(db: Database): Sql {
  const sql = handles.get(db);
  if (!sql) throw new Error("getSql needs the app's client (createDatabaseClient), not a transaction client");
  return sql;
}

declare global {
  // Kept across module reloads in development so a reload does not open another connection pool.
  var __database: Database | undefined;
}

/** The process-wide client, created on first use. */
export function getDatabase(): Database {
  if (!globalThis.__database) {
    const config = getConfig();
    globalThis.__database = createDatabaseClient(config.DATABASE_URL, config.DATABASE_POOL_SIZE);
  }
  return globalThis.__database;
}

/** Closes a client made by createDatabaseClient and its query builder's connection or pool. */
export async function closeDatabaseClient(db: Database) {
  const sql = handles.get(db);
  handles.delete(db);
  await db.$disconnect();
  await sql?.close();
}

/** Closes the process-wide client (graceful shutdown, tests). */
export async function disconnectDatabase() {
  const db = globalThis.__database;
  globalThis.__database = undefined;
  if (db) await closeDatabaseClient(db);
}

/** A cheap query that proves the database answers (used by /healthz). */
export async function pingDatabase(db: Database = getDatabase()): Promise<void> {
  await getSql(db)
    .db.selectNoFrom((eb) => eb.lit(1).as("one"))
    .execute();
}

/**
 * A unique-constraint violation (Prisma's P2002). Checked by code, not by class: each generated client
 * (SQLite, PostgreSQL) carries its own copy of Prisma's runtime, so `instanceof` only knows one of them.
 */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === "P2002";
}
