// The INSERT behind the group-commit writer, straight on the database driver the app already uses
// (better-sqlite3, pg) with prepared statements: the hot path pays neither Prisma's query compilation nor its
// parameter serialisation, which cost more than the insert itself at a few thousand events per second.
// Each batch is ONE statement (so one transaction, one commit); ON CONFLICT DO NOTHING skips redeliveries (same webhook id, or same body for the shop and topic) and
// RETURNING "id" says which rows went in. Values are written exactly as Prisma writes them (checked by test):
// SQLite DateTime as ISO 8601 text with "+00:00", PostgreSQL timestamp(3) in UTC.
import { createRequire } from "node:module";
import type * as Pg from "pg";
import { postgresTimestamp, sqliteConnection, sqliteDateTime, waitWhileLocked } from "~/db/driver.server";

export interface InsertRow {
  id: string;
  shopDomain: string;
  webhookId: string;
  topic: string;
  occurredAt: Date;
  receivedAt: Date;
  payload: string;
  bodyHash: string;
}

export { isRowError } from "~/db/driver.server";

export interface EventInsert {
  /**
   * Inserts the rows in one statement; resolves with the ids actually inserted (the others were duplicates).
   * `deadline` (epoch ms): how long a lock held by someone else may be waited for (at least one try is made).
   */
  insert(rows: InsertRow[], deadline?: number): Promise<Set<string>>;
  close(): Promise<void>;
}


const require = createRequire(import.meta.url);
const COLUMNS = `"id","shopDomain","dedupeKey","loopWebhookId","topic","status","isTest","occurredAt","receivedAt","nextAttemptAt","attemptCount","payload","bodyHash","updatedAt"`;

export class DatabaseBusyError extends Error {}

/**
 * SQLite: a connection of its own with busy_timeout 0. A write lock held by another connection (Prisma's, in
 * the middle of an interactive transaction in this very process, or another process) is waited for
 * asynchronously, never by blocking the event loop (which would stop that transaction from ever committing).
 */
export function sqliteEventInsert(file: string, { lockWaitMs = 10_000 } = {}): EventInsert {
  // Opened on first use, and again after an error other than a lock: a file that was missing, read-only or
  // broken is tried afresh by the next batch, so the ingestion recovers without a restart.
  const { drop, prepared } = sqliteConnection(file);
  const texts = new Map<number, string>();
  const text = (rows: number) => {
    let sql = texts.get(rows);
    if (!sql) {
      const tuple = `(?,?,?,?,?,'received',0,?,?,?,0,?,?,?)`;
      sql = `INSERT INTO "Event" (${COLUMNS}) VALUES ${Array(rows).fill(tuple).join(",")} ON CONFLICT DO NOTHING RETURNING "id"`;
      texts.set(rows, sql);
    }
    return sql;
  };
  return {
    async insert(rows, deadline = Date.now() + lockWaitMs) {
      const params: unknown[] = [];
      for (const r of rows) {
        const received = sqliteDateTime(r.receivedAt);
        params.push(r.id, r.shopDomain, r.webhookId, r.webhookId, r.topic, sqliteDateTime(r.occurredAt), received, received, r.payload, r.bodyHash, received);
      }
      const inserted = await waitWhileLocked(
        () => prepared(text(rows.length)).all(params) as { id: string }[],
        deadline,
        () => new DatabaseBusyError("the database stayed locked longer than a webhook may wait"),
        drop,
      );
      return new Set(inserted.map((row) => row.id));
    },
    async close() {
      drop();
    },
  };
}

/**
 * PostgreSQL: a small pool of its own and one named prepared statement per batch size (the plan is made once
 * per connection and size). A broken connection is dropped by the pool and replaced on the next batch, so the
 * ingestion recovers by itself when the database comes back.
 */
export function postgresEventInsert(url: string, { poolSize = 4 } = {}): EventInsert {
  const { Pool } = require("pg") as typeof Pg;
  const pool = new Pool({ connectionString: url, max: poolSize, idleTimeoutMillis: 30_000, allowExitOnIdle: true, connectionTimeoutMillis: 5_000 });
  // An idle client whose connection dies (server restart, terminated backend) emits "error" on the pool.
  pool.on("error", () => undefined);
  const texts = new Map<number, string>();
  const text = (rows: number) => {
    let sql = texts.get(rows);
    if (!sql) {
      const tuples: string[] = [];
      for (let r = 0, n = 0; r < rows; r++) {
        const p = () => `$${++n}`;
        tuples.push(`(${p()},${p()},${p()},${p()},${p()},'received',false,${p()},${p()},${p()},0,${p()},${p()},${p()})`);
      }
      sql = `INSERT INTO "Event" (${COLUMNS}) VALUES ${tuples.join(",")} ON CONFLICT DO NOTHING RETURNING "id"`;
      texts.set(rows, sql);
    }
    return sql;
  };
  return {
    async insert(rows) {
      const values: unknown[] = [];
      for (const r of rows) {
        const received = postgresTimestamp(r.receivedAt);
        values.push(r.id, r.shopDomain, r.webhookId, r.webhookId, r.topic, postgresTimestamp(r.occurredAt), received, received, r.payload, r.bodyHash, received);
      }
      const result = await pool.query<{ id: string }>({ name: `lp-ingest-events-${rows.length}`, text: text(rows.length), values });
      return new Set(result.rows.map((row) => row.id));
    },
    async close() {
      await pool.end();
    },
  };
}
