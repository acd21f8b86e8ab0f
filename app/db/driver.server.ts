// The database driver under Prisma (better-sqlite3 or pg), for the few paths that run per event at thousands
// of events per second: the delivery worker's state changes and its stale-check read. Prisma costs about a
// millisecond of CPU per query (query compilation and parameter serialisation), more than the statement
// itself; these paths use prepared statements on a connection of their own instead. Everything else keeps
// using Prisma.
//
// SQLite: its own connection with busy_timeout 0, and every transaction runs in ONE synchronous call, so it
// never holds the write lock across event-loop turns. A lock held by someone else (Prisma's connection in the
// middle of an interactive transaction, another process) is waited for asynchronously; blocking the event loop
// on it could keep that very transaction from committing.
// PostgreSQL: a small pool of its own; a transaction is a sequence of prepared statements on one client, and
// is retried from the start when PostgreSQL aborts it for a deadlock or a serialization failure.
import { createRequire } from "node:module";
import type BetterSqlite3 from "better-sqlite3";
import type * as Pg from "pg";
import type { Database } from "~/db.server";
import { databaseKind, sqliteFilePath, type DatabaseKind } from "./url";

export interface Statement {
  /** SQL with `?` placeholders (turned into $1… for PostgreSQL). */
  sql: string;
  params: unknown[];
}

/** `first` runs; the `then` statements run only when it changed exactly one row. */
export interface ConditionalGroup {
  first: Statement;
  then: Statement[];
}

export interface Driver {
  kind: DatabaseKind;
  /** Runs the groups in order, in one transaction; says for each whether its `first` changed a row. */
  runGroups(groups: ConditionalGroup[]): Promise<boolean[]>;
  /**
   * One statement outside any transaction: a read, or a single write with RETURNING. DateTime columns come
   * back as Date only if selected through dateColumn().
   */
  all<T = Record<string, unknown>>(sql: string, params: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

const require = createRequire(import.meta.url);

/** How Prisma's SQLite adapter stores a DateTime (ISO 8601 with "+00:00"). */
export const sqliteDateTime = (date: Date) => date.toISOString().replace("Z", "+00:00");
/** PostgreSQL timestamp(3) without time zone, in UTC, as Prisma's pg adapter writes DateTime. */
export const postgresTimestamp = (date: Date) => date.toISOString().replace("T", " ").replace("Z", "");

/** A DateTime column selected as text, so both drivers return the same thing (read it with readDate). */
export function dateColumn(kind: DatabaseKind, column: string): string {
  return kind === "postgres" ? `to_char(${column}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')` : column;
}

export function readDate(value: unknown): Date {
  return value instanceof Date ? value : new Date(String(value));
}

function toSqlite(value: unknown): unknown {
  if (value instanceof Date) return sqliteDateTime(value);
  if (typeof value === "boolean") return value ? 1 : 0;
  return value ?? null;
}

function toPostgres(value: unknown): unknown {
  if (value instanceof Date) return postgresTimestamp(value);
  return value ?? null;
}

/**
 * Whether a failed statement may have failed because of one of its rows (a value the database refuses), so that
 * the rows are worth trying one by one. A database that is down or locked fails every row the same way: trying
 * them one by one would only multiply the wait before the 503.
 */
export function isRowError(error: unknown): boolean {
  const code = String((error as { code?: unknown })?.code ?? "");
  if (code.startsWith("SQLITE_")) return /^SQLITE_(CONSTRAINT|MISMATCH|TOOBIG|RANGE)/.test(code);
  return code.startsWith("22") || code.startsWith("23"); // PostgreSQL: data exception, integrity constraint
}

const LOCK_CODES = new Set(["SQLITE_BUSY", "SQLITE_BUSY_SNAPSHOT", "SQLITE_LOCKED"]);
const RETRY_PG_CODES = new Set(["40P01", "40001"]);

/**
 * A better-sqlite3 connection of its own with busy_timeout 0 (a lock is waited for by waitWhileLocked, never by
 * blocking the event loop), opened on first use and again after drop(), with each statement prepared once.
 * Shared by this driver and the ingestion's insert (app/ingest/event-insert.server.ts).
 */
export function sqliteConnection(file: string, pragmas: string[] = []) {
  const Sqlite = require("better-sqlite3") as typeof BetterSqlite3;
  let connection: { db: BetterSqlite3.Database; statements: Map<string, BetterSqlite3.Statement> } | undefined;
  const open = () => {
    if (!connection) {
      const db = new Sqlite(file, { fileMustExist: true });
      db.pragma("busy_timeout = 0");
      for (const pragma of pragmas) db.pragma(pragma);
      connection = { db, statements: new Map() };
    }
    return connection;
  };
  const drop = () => {
    try {
      connection?.db.close();
    } catch {
      // already unusable
    }
    connection = undefined;
  };
  const prepared = (sql: string) => {
    const { db, statements } = open();
    let statement = statements.get(sql);
    if (!statement) {
      if (statements.size > 500) statements.clear();
      statement = db.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
  return { open, drop, prepared };
}

/**
 * Runs `work` (synchronous) until it is not refused for a lock another connection holds, waiting
 * asynchronously in between; after `deadline` (epoch ms) throws `lockedTooLong()`. Any other error goes to
 * `onOtherError` and is thrown.
 */
export async function waitWhileLocked<T>(work: () => T, deadline: number, lockedTooLong: () => Error, onOtherError: (error: unknown) => void): Promise<T> {
  for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
    try {
      return work();
    } catch (error) {
      if (!LOCK_CODES.has((error as { code?: string }).code ?? "")) {
        onOtherError(error);
        throw error;
      }
      if (Date.now() >= deadline) throw lockedTooLong();
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

export function sqliteDriver(file: string, { lockWaitMs = 10_000, synchronous = "NORMAL" } = {}): Driver {
  const { open, drop, prepared } = sqliteConnection(file, [`synchronous = ${synchronous}`]);
  const withLockWait = <T>(work: () => T) =>
    waitWhileLocked(
      work,
      Date.now() + lockWaitMs,
      () => new Error(`the database stayed locked for ${lockWaitMs} ms`),
      // A broken connection (file gone, read-only, I/O error) is opened afresh next time.
      (error) => {
        if (!(error as { code?: string }).code?.startsWith("SQLITE_CONSTRAINT")) drop();
      },
    );
  return {
    kind: "sqlite",
    runGroups(groups) {
      return withLockWait(() => {
        const { db } = open();
        const run = db.transaction(() =>
          groups.map((group) => {
            const changed = prepared(group.first.sql).run(group.first.params.map(toSqlite)).changes === 1;
            if (changed) for (const s of group.then) prepared(s.sql).run(s.params.map(toSqlite));
            return changed;
          }),
        );
        return run.immediate();
      });
    },
    all<T>(sql: string, params: unknown[]) {
      return withLockWait(() => prepared(sql).all(params.map(toSqlite)) as T[]);
    },
    async close() {
      drop();
    },
  };
}

export function postgresDriver(url: string, { poolSize = 4 } = {}): Driver {
  const { Pool } = require("pg") as typeof Pg;
  const pool = new Pool({ connectionString: url, max: poolSize, idleTimeoutMillis: 30_000, allowExitOnIdle: true, connectionTimeoutMillis: 5_000 });
  pool.on("error", () => undefined); // an idle client whose connection died; the pool replaces it
  const texts = new Map<string, { text: string; name: string }>();
  const query = (sql: string) => {
    let q = texts.get(sql);
    if (!q) {
      let n = 0;
      q = { text: sql.replace(/\?/g, () => `$${++n}`), name: `lp-driver-${texts.size}` };
      texts.set(sql, q);
    }
    return q;
  };
  return {
    kind: "postgres",
    async runGroups(groups) {
      // A lone group that combines into one statement is atomic by itself: no BEGIN/COMMIT round trips.
      const lone = groups.length === 1 ? combineGroup(groups[0]) : null;
      for (let attempt = 1; ; attempt++) {
        if (lone) {
          try {
            const result = await pool.query<{ changed: string | number }>({ ...query(lone.sql), values: lone.params.map(toPostgres) });
            return [Number(result.rows[0].changed) === 1];
          } catch (error) {
            if (attempt < 4 && RETRY_PG_CODES.has((error as { code?: string }).code ?? "")) continue;
            throw error;
          }
        }
        const client = await pool.connect();
        let broken: Error | undefined;
        // A connection that dies between two statements (server restart, terminated backend) emits "error" on
        // the client while no query is running: without a listener that would crash the process. The next
        // statement fails on its own; the client is thrown away on release.
        const onError = (error: Error) => (broken = error);
        client.on("error", onError);
        try {
          await client.query("BEGIN");
          const changed: boolean[] = [];
          for (const group of groups) {
            const combined = combineGroup(group);
            if (combined) {
              const result = await client.query<{ changed: string | number }>({ ...query(combined.sql), values: combined.params.map(toPostgres) });
              changed.push(Number(result.rows[0].changed) === 1);
              continue;
            }
            const result = await client.query({ ...query(group.first.sql), values: group.first.params.map(toPostgres) });
            const hit = result.rowCount === 1;
            if (hit) for (const s of group.then) await client.query({ ...query(s.sql), values: s.params.map(toPostgres) });
            changed.push(hit);
          }
          await client.query("COMMIT");
          return changed;
        } catch (error) {
          await client.query("ROLLBACK").catch((rollback: Error) => (broken = rollback));
          if (attempt < 4 && RETRY_PG_CODES.has((error as { code?: string }).code ?? "")) continue;
          throw error;
        } finally {
          client.off("error", onError);
          client.release(broken);
        }
      }
    },
    async all<T>(sql: string, params: unknown[]) {
      const result = await pool.query({ ...query(sql), values: params.map(toPostgres) });
      return result.rows as T[];
    },
    async close() {
      await pool.end();
    },
  };
}

const INSERT_VALUES = /^INSERT INTO ("[A-Za-z]+") \(([^)]*)\) VALUES \(([?,]*)\)((?: ON CONFLICT .*)?)$/s;
const UPDATE_WHERE = /^UPDATE ("[A-Za-z]+") SET (.*) WHERE (.*)$/s;

/**
 * PostgreSQL: one conditional group as ONE statement (one round trip instead of one per statement): the UPDATE
 * in a data-modifying WITH, and every following statement made to act only if it changed a row. Only for the
 * statement shapes this module's callers generate, and only when no two of them touch the same table (a row
 * modified twice by one statement is an error); anything else runs statement by statement.
 */
export function combineGroup(group: ConditionalGroup): Statement | null {
  const first = UPDATE_WHERE.exec(group.first.sql);
  if (!first) return null;
  const tables = new Set([first[1]]);
  const parts = [`u AS (${group.first.sql} RETURNING 1)`];
  const params = [...group.first.params];
  for (const [i, statement] of group.then.entries()) {
    const insert = INSERT_VALUES.exec(statement.sql);
    const update = insert ? null : UPDATE_WHERE.exec(statement.sql);
    const table = insert?.[1] ?? update?.[1];
    if (!table || tables.has(table)) return null;
    tables.add(table);
    parts.push(
      insert
        ? `s${i} AS (INSERT INTO ${insert[1]} (${insert[2]}) SELECT ${insert[3]} FROM u${insert[4]})`
        : `s${i} AS (UPDATE ${update![1]} SET ${update![2]} WHERE (${update![3]}) AND EXISTS (SELECT 1 FROM u))`,
    );
    params.push(...statement.params);
  }
  return { sql: `WITH ${parts.join(", ")} SELECT count(*) AS "changed" FROM u`, params };
}

// Which URL each Prisma client was made for (db.server.ts registers it), and the driver opened for it.
const urls = new WeakMap<object, string>();
const drivers = new WeakMap<object, Driver>();

export function registerDatabaseUrl(db: object, url: string) {
  urls.set(db, url);
}

/** The driver for the database of `db`, or null when `db` is not a client made by createDatabaseClient (a transaction client, a test double). */
export function driverFor(db: Database | object): Driver | null {
  let driver = drivers.get(db);
  if (driver) return driver;
  const url = urls.get(db);
  if (!url) return null;
  driver = databaseKind(url) === "postgres" ? postgresDriver(url) : sqliteDriver(sqliteFilePath(url));
  drivers.set(db, driver);
  return driver;
}

/** The driver for the app's client; for code that only the app's own client ever calls (the worker's queries). */
export function requireDriver(db: Database | object): Driver {
  const driver = driverFor(db);
  if (!driver) throw new Error("This query runs on the database driver: pass the app's client (createDatabaseClient), not a transaction client");
  return driver;
}

export async function closeDriverFor(db: Database | object) {
  const driver = drivers.get(db);
  drivers.delete(db);
  await driver?.close();
}
