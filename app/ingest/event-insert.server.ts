// The INSERT behind the group-commit writer, on the query builder (~/db/sql.server): the hot path pays neither
// Prisma's query compilation nor its parameter serialisation, which cost more than the insert itself at a few
// thousand events per second. Each batch is ONE statement (so one transaction, one commit); ON CONFLICT DO
// NOTHING skips redeliveries (same webhook id, or same body for the shop and topic) and RETURNING "id" says
// which rows went in. The statement is built once per batch size and then reused with new values.
import { CompiledQuery } from "kysely";
import type { Sql } from "~/db/sql.server";

export { isRowError } from "~/db/sql.server";

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

export interface EventInsert {
  /**
   * Inserts the rows in one statement; resolves with the ids actually inserted (the others were duplicates).
   * `deadline` (epoch ms): how long a lock held by someone else may be waited for (at least one try is made).
   */
  insert(rows: InsertRow[], deadline?: number): Promise<Set<string>>;
  /** Nothing of its own to close: the connection belongs to the database client. */
  close(): Promise<void>;
}

/** A new event's columns, in the order of the statement's parameters. */
function values(r: InsertRow) {
  return {
    id: r.id,
    shopDomain: r.shopDomain,
    dedupeKey: r.webhookId,
    loopWebhookId: r.webhookId,
    topic: r.topic,
    status: "received",
    isTest: false,
    occurredAt: r.occurredAt,
    receivedAt: r.receivedAt,
    nextAttemptAt: r.receivedAt,
    attemptCount: 0,
    payload: r.payload,
    bodyHash: r.bodyHash,
    updatedAt: r.receivedAt,
  };
}

/** `lockWaitMs`: on SQLite, how long a batch waits for a lock held by someone else when no deadline is given. */
export function eventInsert(sql: Sql, { lockWaitMs = 10_000 } = {}): EventInsert {
  // The SQL text per batch size: compiling a statement of hundreds of rows costs more than writing it.
  const texts = new Map<number, string>();
  const text = (rows: InsertRow[]) => {
    let sqlText = texts.get(rows.length);
    if (!sqlText) {
      sqlText = sql.db.insertInto("Event").values(rows.map(values)).onConflict((oc) => oc.doNothing()).returning("id").compile().sql;
      texts.set(rows.length, sqlText);
    }
    return sqlText;
  };
  return {
    async insert(rows, deadline = Date.now() + lockWaitMs) {
      const parameters: unknown[] = [];
      for (const row of rows) parameters.push(...Object.values(values(row)));
      const result = await sql.execute(CompiledQuery.raw(text(rows), parameters) as CompiledQuery<{ id: string }>, { deadline });
      return new Set(result.rows.map((row) => row.id));
    },
    async close() {},
  };
}
