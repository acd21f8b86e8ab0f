// The query builder (Kysely) for the few paths that run per event at thousands of events per second: the
// ingestion's group-commit insert, the delivery worker's state changes, its leases and reads. Prisma costs
// about a millisecond of CPU per query (query compilation and parameter serialisation), more than the
// statement itself; everything else keeps using Prisma. The table types are generated from
// prisma/schema.prisma (app/db/tables.generated.ts), so both speak of the same columns.
//
// One connection resource per database per process:
// - PostgreSQL: ONE pg.Pool, handed to Prisma's adapter and used here. Statements are named (prepared once per
//   connection and SQL text); a transaction is retried from the start when PostgreSQL aborts it for a deadlock
//   or a serialization failure.
// - SQLite: Prisma keeps its own connection; this module has a second one with busy_timeout 0, on which every
//   transaction runs in ONE synchronous call, so it never holds the write lock across event-loop turns. A lock
//   held by someone else (Prisma in the middle of an interactive transaction, another process) is waited for
//   asynchronously: blocking the event loop on it could keep that very transaction from committing.
//
// Values cross the edge here and only here: a Date is written as Prisma writes it (SQLite: ISO 8601 text with
// "+00:00"; PostgreSQL: timestamp(3) without time zone, in UTC) and read back as a Date; SQLite's 0/1 booleans
// are read back as booleans. Reading goes by column name (the schema's DateTime and Boolean columns), so a
// column selected under another name comes back as the database gives it.
import { createRequire } from "node:module";
import type BetterSqlite3 from "better-sqlite3";
import {
  CompiledQuery,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type Compilable,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type QueryResult,
} from "kysely";
import type * as Pg from "pg";
import type * as PrismaModule from "@prisma/client";
import type { DB } from "./tables.generated";
import { databaseKind, sqliteFilePath, type DatabaseKind } from "./url";

export type Tables = DB;

/** `first` runs; the `then` statements run only when it changed (or, for a query with a result, returned) a row. */
export interface ConditionalGroup {
  first: CompiledQuery;
  then: CompiledQuery[];
}

export interface Sql {
  kind: DatabaseKind;
  /** The query builder; `.execute()` runs one statement outside any transaction (waiting out SQLite locks). */
  db: Kysely<DB>;
  /** One statement, like `.execute()`, but with its own deadline (epoch ms) for a lock held by someone else. */
  execute<R>(query: Compilable<R> | CompiledQuery<R>, options?: { deadline?: number }): Promise<QueryResult<R>>;
  /** Runs the groups in order, in one transaction; says for each whether its `first` changed a row. */
  runGroups(groups: ConditionalGroup[]): Promise<boolean[]>;
  close(): Promise<void>;
}

export interface SqlOptions {
  /** PostgreSQL: connections in the pool (shared with Prisma). */
  poolSize?: number;
  /** SQLite: how long a statement waits, by default, for a lock held by someone else. */
  lockWaitMs?: number;
}

const require = createRequire(import.meta.url);

const { DATE_COLUMNS, BOOLEAN_COLUMNS } = scalarColumns();

/** The schema's DateTime and Boolean columns by name (no name is one of these in one table and not in another). */
function scalarColumns() {
  const { Prisma } = require("@prisma/client") as typeof PrismaModule;
  const dates = new Set<string>();
  const booleans = new Set<string>();
  for (const model of Prisma.dmmf.datamodel.models) {
    for (const field of model.fields) {
      if (field.type === "DateTime") dates.add(field.dbName ?? field.name);
      if (field.type === "Boolean") booleans.add(field.dbName ?? field.name);
    }
  }
  return { DATE_COLUMNS: dates, BOOLEAN_COLUMNS: booleans };
}

function encodeSqlite(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString().replace("Z", "+00:00");
  if (typeof value === "boolean") return value ? 1 : 0;
  return value ?? null;
}

function encodePostgres(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString().replace("T", " ").replace("Z", "");
  return value ?? null;
}

function decodeRows(rows: Record<string, unknown>[]) {
  for (const row of rows) {
    for (const key in row) {
      const value = row[key];
      if (typeof value === "string" && DATE_COLUMNS.has(key)) row[key] = new Date(value);
      else if (typeof value === "number" && BOOLEAN_COLUMNS.has(key)) row[key] = value !== 0;
    }
  }
  return rows;
}

/**
 * Whether a failed statement may have failed because of one of its rows (a value the database refuses), so that
 * the rows are worth trying one by one. A database that is down or locked fails every row the same way: trying
 * them one by one would only multiply the wait.
 */
export function isRowError(error: unknown): boolean {
  const code = String((error as { code?: unknown })?.code ?? "");
  if (code.startsWith("SQLITE_")) return /^SQLITE_(CONSTRAINT|MISMATCH|TOOBIG|RANGE)/.test(code);
  return code.startsWith("22") || code.startsWith("23"); // PostgreSQL: data exception, integrity constraint
}

/** A lock held by another connection refused a statement for longer than it could wait. */
export class DatabaseBusyError extends Error {}

const LOCK_CODES = new Set(["SQLITE_BUSY", "SQLITE_BUSY_SNAPSHOT", "SQLITE_LOCKED"]);
const RETRY_PG_CODES = new Set(["40P01", "40001"]);

/** Rows a statement changed, or for one with a result (SELECT, RETURNING, a WITH … SELECT), rows it returned. */
function touched(result: QueryResult<unknown>): number {
  return result.numAffectedRows !== undefined ? Number(result.numAffectedRows) : result.rows.length;
}

function unsupportedTransaction(): never {
  // A Kysely transaction would hold SQLite's write lock across awaits; runGroups() is the transaction here.
  throw new Error("use Sql.runGroups() for a transaction");
}

/**
 * A Kysely driver that runs each statement on its own (no connection is held between statements, no Kysely
 * transactions): `execute` runs one compiled statement, `destroy` closes what it runs on.
 */
function singleStatementDriver(execute: (query: CompiledQuery) => Promise<QueryResult<unknown>>, destroy: () => Promise<void>): Driver {
  const connection: DatabaseConnection = {
    executeQuery: <R>(query: CompiledQuery) => execute(query) as Promise<QueryResult<R>>,
    // eslint-disable-next-line require-yield -- no streaming here; Kysely's interface asks for the method
    async *streamQuery() {
      throw new Error("streaming is not supported");
    },
  };
  return {
    init: async () => undefined,
    acquireConnection: async () => connection,
    beginTransaction: unsupportedTransaction,
    commitTransaction: unsupportedTransaction,
    rollbackTransaction: unsupportedTransaction,
    releaseConnection: async () => undefined,
    destroy,
  };
}

/** The handle for `url`; on PostgreSQL over `pool` when given (it is closed with the handle). */
export function openSql(url: string, options: SqlOptions & { pool?: Pg.Pool } = {}): Sql {
  return databaseKind(url) === "postgres" ? postgresSql(options.pool ?? createPool(url, options.poolSize)) : sqliteSql(sqliteFilePath(url), options);
}

/** The process's PostgreSQL pool for `url` (the caller hands it to Prisma's adapter and to openSql). */
export function createPool(url: string, poolSize = 10): Pg.Pool {
  const { Pool } = require("pg") as typeof Pg;
  const pool = new Pool({ connectionString: url, max: poolSize, idleTimeoutMillis: 30_000, allowExitOnIdle: true, connectionTimeoutMillis: 5_000 });
  pool.on("error", () => undefined); // an idle client whose connection died; the pool replaces it
  return pool;
}

function sqliteSql(file: string, { lockWaitMs = 10_000 }: SqlOptions): Sql {
  const Sqlite = require("better-sqlite3") as typeof BetterSqlite3;
  let connection: { db: BetterSqlite3.Database; statements: Map<string, BetterSqlite3.Statement> } | undefined;
  // Opened on first use, and again after an error other than a lock or a constraint: a file that was missing,
  // read-only or broken is tried afresh by the next statement, so the app recovers without a restart.
  const open = () => {
    if (!connection) {
      const db = new Sqlite(file, { fileMustExist: true });
      db.pragma("busy_timeout = 0");
      db.pragma("synchronous = NORMAL");
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
  const prepared = (sqlText: string) => {
    const { db, statements } = open();
    let statement = statements.get(sqlText);
    if (!statement) {
      if (statements.size > 500) statements.clear();
      statement = db.prepare(sqlText);
      statements.set(sqlText, statement);
    }
    return statement;
  };
  const runSync = (query: CompiledQuery): QueryResult<Record<string, unknown>> => {
    const statement = prepared(query.sql);
    const params = query.parameters.map(encodeSqlite);
    if (statement.reader) return { rows: decodeRows(statement.all(params) as Record<string, unknown>[]) };
    return { rows: [], numAffectedRows: BigInt(statement.run(params).changes) };
  };
  /** Runs `work` (synchronous) until no lock held by someone else refuses it, waiting asynchronously in between. */
  const withLockWait = async <T>(work: () => T, deadline = Date.now() + lockWaitMs): Promise<T> => {
    for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
      try {
        return work();
      } catch (error) {
        const code = (error as { code?: string }).code ?? "";
        if (!LOCK_CODES.has(code)) {
          if (!code.startsWith("SQLITE_CONSTRAINT")) drop();
          throw error;
        }
        if (Date.now() >= deadline) throw new DatabaseBusyError("the database stayed locked longer than this statement may wait");
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  };
  const driver = singleStatementDriver((query) => withLockWait(() => runSync(query)), async () => drop());
  const db = new Kysely<DB>({ dialect: dialect(driver, "sqlite") });
  return {
    kind: "sqlite",
    db,
    execute: <R>(query: Compilable<R> | CompiledQuery<R>, options: { deadline?: number } = {}) =>
      withLockWait(() => runSync(compiled(query)), options.deadline) as Promise<QueryResult<R>>,
    runGroups(groups) {
      return withLockWait(() => {
        const run = open().db.transaction(() =>
          groups.map((group) => {
            const changed = touched(runSync(group.first)) === 1;
            if (changed) for (const query of group.then) runSync(query);
            return changed;
          }),
        );
        return run.immediate();
      });
    },
    close: () => db.destroy(),
  };
}

/** PostgreSQL's timestamp without time zone holds UTC here (as Prisma writes it): read it as UTC. */
const TIMESTAMP_OID = 1114;
function parseTimestamp(text: string) {
  return new Date(text.replace(" ", "T") + "Z");
}

function postgresSql(pool: Pg.Pool): Sql {
  const { types } = require("pg") as typeof Pg;
  const queryTypes = {
    getTypeParser: ((oid: number, format?: "text" | "binary") =>
      oid === TIMESTAMP_OID && format !== "binary" ? parseTimestamp : types.getTypeParser(oid, format as "text")) as typeof types.getTypeParser,
  };
  const names = new Map<string, string>();
  const nameOf = (sqlText: string) => {
    let name = names.get(sqlText);
    if (!name && names.size < 2_000) {
      name = `lp-sql-${names.size}`;
      names.set(sqlText, name);
    }
    return name;
  };
  type Queryable = Pick<Pg.PoolClient, "query">;
  const run = async (client: Queryable, query: CompiledQuery): Promise<QueryResult<Record<string, unknown>>> => {
    const result = await client.query<Record<string, unknown>>({ name: nameOf(query.sql), text: query.sql, values: query.parameters.map(encodePostgres), types: queryTypes });
    const changes = ["INSERT", "UPDATE", "DELETE", "MERGE"].includes(result.command) && !result.fields.length;
    return changes ? { rows: result.rows, numAffectedRows: BigInt(result.rowCount ?? 0) } : { rows: result.rows };
  };
  const driver = singleStatementDriver((query) => run(pool, query), async () => (pool.ended ? undefined : pool.end()));
  const db = new Kysely<DB>({ dialect: dialect(driver, "postgres") });
  return {
    kind: "postgres",
    db,
    execute: <R>(query: Compilable<R> | CompiledQuery<R>) => run(pool, compiled(query)) as Promise<QueryResult<R>>,
    async runGroups(groups) {
      for (let attempt = 1; ; attempt++) {
        // A lone group whose first statement carries the rest (a data-modifying WITH) is atomic by itself.
        if (groups.length === 1 && groups[0].then.length === 0) {
          try {
            return [touched(await run(pool, groups[0].first)) === 1];
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
            const hit = touched(await run(client, group.first)) === 1;
            if (hit) for (const query of group.then) await run(client, query);
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
    close: () => db.destroy(),
  };
}

/** Stands in for a named value in a statement built once per shape (see shapes()). */
class Slot {
  constructor(readonly name: string) {}
}

/**
 * Statements of one shape differ only in their values, and building one with the query builder costs more CPU
 * than running it (tens of microseconds per statement). `bind` puts stand-ins for the values into the objects the
 * statement is built from and remembers the values; `statement(key, build)` builds (and compiles) the statement
 * only the first time for `key`, which must name the shape (what was bound under which names, and any choice
 * `build` makes), and afterwards reuses its SQL with the values bound this time.
 */
export function shapes() {
  const cache = new Map<string, { sql: string; parameters: readonly unknown[] }>();
  return function start() {
    const values = new Map<string, unknown>();
    return {
      /** `object` with each defined value replaced by its stand-in, named `prefix` + key. */
      bind<T extends object>(prefix: string, object: T): T {
        const bound: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(object)) {
          if (value === undefined) continue;
          const name = prefix + key;
          values.set(name, value);
          bound[key] = new Slot(name);
        }
        return bound as T;
      },
      /** The names bound so far, in order: most of a shape's key. */
      names: () => [...values.keys()].join(","),
      statement(key: string, build: () => Compilable<unknown>): CompiledQuery {
        let shape = cache.get(key);
        if (!shape) {
          if (cache.size > 1_000) cache.clear();
          shape = build().compile();
          cache.set(key, shape);
        }
        return CompiledQuery.raw(
          shape.sql,
          shape.parameters.map((p) => (p instanceof Slot ? values.get(p.name) : p)),
        );
      },
    };
  };
}

function compiled<R>(query: Compilable<R> | CompiledQuery<R>): CompiledQuery<R> {
  return "compile" in query ? query.compile() : query;
}

function dialect(driver: Driver, kind: DatabaseKind): Dialect {
  return kind === "postgres"
    ? {
        createAdapter: () => new PostgresAdapter(),
        createDriver: () => driver,
        createQueryCompiler: () => new PostgresQueryCompiler(),
        createIntrospector: (db) => new PostgresIntrospector(db),
      }
    : {
        createAdapter: () => new SqliteAdapter(),
        createDriver: () => driver,
        createQueryCompiler: () => new SqliteQueryCompiler(),
        createIntrospector: (db) => new SqliteIntrospector(db),
      };
}
