// Every change of an event's state goes through here, so there is one place that knows what a state means
// (and one place where statistics follow state changes).
//
// transition() is called for every event at every step (mapped, sent, retried, failed). Each change is a guarded
// UPDATE of the event (it must still be in the state the caller saw) and, only when that changed the row, the
// delivery attempt and the statistics rollups. The changes requested while the previous batch is being written
// are written together, in one transaction (group commit); each caller's promise resolves when the
// transaction holding its change has committed. On PostgreSQL a change is ONE statement (a data-modifying
// WITH whose later parts act only when the UPDATE returned the row), so a batch costs one round trip per change.
import type { Event } from "@prisma/client";
import type { ExpressionBuilder, Kysely, QueryCreator, UpdateQueryBuilder, UpdateResult } from "kysely";
import { getSql, type Database } from "~/db.server";
import { newId } from "~/db/ids";
import { isRowError, shapes, type ConditionalGroup, type Sql, type Tables } from "~/db/sql.server";
import type { ReasonCode } from "~/events/reasons";
import { deliveryAttempts, deliveryLatency, rateLimited } from "~/metrics/metrics.server";
import { mayTouchSettledDay } from "~/statistics/days.server";
import { hourStart, rollupWrites, type RollupWrite } from "~/statistics/rollups.server";

export type EventStatus = "received" | "pending" | "paused" | "delivered" | "skipped" | "failed";
export const OPEN_STATUSES: EventStatus[] = ["received", "pending", "paused"];

/** Why an event was skipped, failed or is waiting; the codes are listed once, with their texts, in ~/events/reasons. */
export type { ReasonCode };

export interface AttemptRecord {
  startedAt: Date;
  durationMs: number;
  httpStatus: number | null;
  outcome: "delivered" | "retry" | "failed" | "paused";
  errorClass?: string | null;
  message?: string | null;
}

interface Change {
  status: EventStatus;
  reason?: ReasonCode | null;
  reasonDetail?: string | null;
  nextAttemptAt?: Date;
  deliveredAt?: Date;
  postscriptEventId?: string | null;
  firstAttemptAt?: Date;
  attempt?: AttemptRecord;
  eventType?: string | null;
  request?: string | null;
  typeDecision?: string | null;
  subscriptionKey?: string | null;
  loopOrderId?: string | null;
  customerEmail?: string | null;
  customerPhone?: string | null;
}

/** What transition() needs to know about the event as it is now. */
export type EventSnapshot = Pick<Event, "id" | "shopDomain" | "status" | "receivedAt" | "occurredAt" | "eventType" | "reason">;

/**
 * Moves one event from the state in `event` to a new one, with the attempt that caused it (if any) and the
 * statistics, atomically. Returns false (and changes nothing) when the event is no longer in that state.
 * `db` is the app's client (the change is written on its query builder, ~/db/sql.server).
 */
export async function transition(db: Database, event: EventSnapshot, change: Change): Promise<boolean> {
  const sql = getSql(db);
  const now = new Date();
  const group = changeStatements(sql, event, change, now);
  const changed = await batcherFor(sql).submit(group);
  if (changed) countForMetrics(event, change);
  return changed;
}

/** Counted once committed, so a change that lost its race (or failed) is not counted. */
function countForMetrics(event: EventSnapshot, { attempt, status, deliveredAt }: Change) {
  if (attempt) {
    deliveryAttempts.inc({ outcome: attempt.outcome, http_status: attempt.httpStatus === null ? "none" : String(attempt.httpStatus) });
    if (attempt.httpStatus === 429) rateLimited.inc();
  }
  if (status === "delivered" && deliveredAt) deliveryLatency.observe(Math.max(0, deliveredAt.getTime() - event.receivedAt.getTime()) / 1000);
}

// The statements of a change are built once per shape (which fields it sets, whether it has an attempt, which
// rollup rows it writes) and then reused with new values: building them costs more CPU than running them.
const shapesOf = new WeakMap<Sql, ReturnType<typeof shapes>>();

/** The statements of one change: the guarded UPDATE of the event, then (only if it changed the row) the rest. */
export function changeStatements(sql: Sql, event: EventSnapshot, change: Change, now: Date): ConditionalGroup {
  let start = shapesOf.get(sql);
  if (!start) shapesOf.set(sql, (start = shapes()));
  const shape = start();
  const { attempt, ...changed } = change;
  const writes = rollupWrites({
    shopDomain: event.shopDomain,
    receivedAt: event.receivedAt,
    occurredAt: event.occurredAt,
    eventType: change.eventType !== undefined ? change.eventType : event.eventType,
    from: event.status,
    to: change.status,
    reason: change.reason,
    previousReason: event.reason,
    deliveredAt: change.deliveredAt,
    at: now,
  }).map((write, i): RollupWrite => ({
    table: write.table,
    key: shape.bind(`r${i}.${write.table}.key.`, write.key),
    create: write.create && shape.bind(`r${i}.create.`, write.create),
    add: shape.bind(`r${i}.add.`, write.add),
    set: write.set && shape.bind(`r${i}.set.`, write.set),
  }));
  const fields = shape.bind("event.", { ...changed, updatedAt: now });
  const where = shape.bind("where.", { id: event.id, status: event.status });
  const update = (db: Pick<Kysely<Tables>, "updateTable">) =>
    db
      .updateTable("Event")
      .set((eb) => ({ ...fields, ...(attempt ? { attemptCount: eb("attemptCount", "+", 1) } : {}) }))
      .where("id", "=", where.id)
      .where("status", "=", where.status);
  const attemptRow =
    attempt &&
    shape.bind("attempt.", {
      id: newId(),
      eventId: event.id,
      startedAt: attempt.startedAt,
      durationMs: attempt.durationMs,
      httpStatus: attempt.httpStatus,
      outcome: attempt.outcome,
      errorClass: attempt.errorClass ?? null,
      message: attempt.message ?? null,
    });
  // A change to the counts of a day already added up reopens that day (see ~/statistics/days.server).
  const reopen = writes.length > 0 && mayTouchSettledDay(event.receivedAt, now) ? shape.bind("reopen.", { shopDomain: event.shopDomain, hour: hourStart(event.receivedAt) }) : null;
  const key = `${shape.names()}|${writes.map((w) => (w.create ? "upsert" : "update")).join(",")}`;
  // A statement may change a row only once: two rollup writes to one table (a reason left and another one
  // entered) cannot share the WITH, so such a change runs statement by statement.
  const tables = writes.map((w) => w.table);
  if (sql.kind === "postgres" && new Set(tables).size === tables.length) {
    return { first: shape.statement(`with|${key}`, () => guardedWith(sql, update, attemptRow, writes, reopen)), then: [] };
  }
  const then = [
    ...(attemptRow ? [shape.statement(`attempt|${key}`, () => sql.db.insertInto("DeliveryAttempt").values(attemptRow))] : []),
    ...writes.map((write, i) => shape.statement(`r${i}|${key}`, () => rollupStatement(sql.db as unknown as Untyped, write, false))),
    ...(reopen ? [shape.statement(`reopen|${key}`, () => reopenDayStatement(sql.db as unknown as Untyped, reopen, false))] : []),
  ];
  return { first: shape.statement(`update|${key}`, () => update(sql.db)), then };
}

// The rollup tables have different columns; a write names its table, so they are built on an untyped view of
// the builder (the columns of each write are checked against its table where RollupWrite is made).
type UntypedTables = Record<string, Record<string, unknown>>;
type Untyped = Kysely<UntypedTables>;

/**
 * A rollup write as a statement: an upsert (INSERT … ON CONFLICT DO UPDATE), or an UPDATE of an existing row.
 * `guarded` (PostgreSQL, inside guardedWith): the row comes from `SELECT … FROM u` and the UPDATE requires
 * `EXISTS (SELECT 1 FROM u)`, so it acts only when the event's UPDATE changed the row.
 */
function rollupStatement(db: Pick<Untyped, "insertInto" | "updateTable">, write: RollupWrite, guarded: boolean) {
  const table = write.table;
  const changes = (eb: ExpressionBuilder<UntypedTables, string>) => ({
    ...write.set,
    ...Object.fromEntries(Object.entries(write.add).map(([column, n]) => [column, eb(eb.ref(`${table}.${column}`), "+", n)])),
  });
  if (!write.create) {
    let update = db.updateTable(table).set(changes);
    for (const [column, value] of Object.entries(write.key)) update = update.where(column, "=", value);
    return guarded ? update.where((eb) => eb.exists(eb.selectFrom("u").select("id"))) : update;
  }
  const row = { ...write.key, ...write.create };
  const insert = guarded ? db.insertInto(table).columns(Object.keys(row)).expression(fromU(row)) : db.insertInto(table).values(row);
  return insert.onConflict((oc) => oc.columns(Object.keys(write.key)).doUpdateSet(changes as never));
}

/** Takes the statistics day holding `hour` off the list of added-up days, so the overview reads its hours again. */
function reopenDayStatement(db: Pick<Untyped, "deleteFrom">, reopen: { shopDomain: string; hour: Date }, guarded: boolean) {
  const remove = db.deleteFrom("StatisticsDay").where("shopDomain", "=", reopen.shopDomain).where("dayStart", "<=", reopen.hour).where("dayEnd", ">", reopen.hour);
  return guarded ? remove.where((eb) => eb.exists(eb.selectFrom("u").select("id"))) : remove;
}

/** `SELECT $1 AS "a", $2 AS "b" … FROM u`: the row to insert, once for each row u returned. */
function fromU(row: Record<string, unknown>) {
  return (eb: ExpressionBuilder<UntypedTables, never>) => eb.selectFrom("u").select(Object.entries(row).map(([column, value]) => eb.val(value).as(column)));
}

/**
 * PostgreSQL: the whole change as one statement. WITH u AS (the guarded UPDATE … RETURNING "id"), then the
 * attempt and the rollup writes, each acting only for u's row; the statement returns u's rows (one, or none
 * when the event was no longer in the expected state).
 */
function guardedWith(
  sql: Sql,
  update: (db: Pick<Kysely<Tables>, "updateTable">) => UpdateQueryBuilder<Tables, "Event", "Event", UpdateResult>,
  attemptRow: Record<string, unknown> | undefined,
  writes: RollupWrite[],
  reopen: { shopDomain: string; hour: Date } | null,
) {
  // Each WITH adds a name to the builder's type; on the untyped view they are all plain tables.
  let query = (sql.db as unknown as Untyped).with("u", () => update(sql.db).returning("id") as never) as unknown as QueryCreator<UntypedTables>;
  const add = (name: string, part: (db: QueryCreator<UntypedTables>) => unknown) => (query = query.with(name, part as never) as unknown as QueryCreator<UntypedTables>);
  if (attemptRow) add("attempt", (db) => db.insertInto("DeliveryAttempt").columns(Object.keys(attemptRow)).expression(fromU(attemptRow)));
  writes.forEach((write, i) => add(`r${i}`, (db) => rollupStatement(db, write, true)));
  if (reopen) add("reopen", (db) => reopenDayStatement(db, reopen, true));
  return query.selectFrom("u").select("id");
}

interface Queued {
  group: ConditionalGroup;
  resolve(changed: boolean): void;
  reject(error: unknown): void;
}

interface TransitionBatcher {
  submit(group: ConditionalGroup): Promise<boolean>;
}

const batchers = new WeakMap<Sql, TransitionBatcher>();
function batcherFor(sql: Sql): TransitionBatcher {
  let batcher = batchers.get(sql);
  if (!batcher) {
    batcher = createTransitionBatcher(sql);
    batchers.set(sql, batcher);
  }
  return batcher;
}

/** Writes submitted changes in batches: one transaction per batch, one batch at a time per process. */
function createTransitionBatcher(sql: Sql, { maxBatch = 200 } = {}): TransitionBatcher {
  const queue: Queued[] = [];
  let writing = false;
  let scheduled = false;

  async function write(batch: Queued[]) {
    try {
      const changed = await sql.runGroups(batch.map((q) => q.group));
      batch.forEach((q, i) => q.resolve(changed[i]));
    } catch (error) {
      // A database that is down or locked fails every change alike: no point in trying them one by one.
      if (batch.length === 1 || !isRowError(error)) {
        for (const q of batch) q.reject(error);
        return;
      }
      // One failing change must not fail the others: each in its own transaction, with its own outcome.
      for (const q of batch) {
        try {
          q.resolve((await sql.runGroups([q.group]))[0]);
        } catch (single) {
          q.reject(single);
        }
      }
    }
  }

  function pump() {
    scheduled = false;
    if (writing || queue.length === 0) return;
    writing = true;
    const batch = queue.splice(0, maxBatch);
    void write(batch).finally(() => {
      writing = false;
      if (queue.length) schedule();
    });
  }

  // setImmediate: the changes requested in the same event-loop turn go into the same batch.
  function schedule() {
    if (scheduled) return;
    scheduled = true;
    setImmediate(pump);
  }

  return {
    submit(group) {
      return new Promise<boolean>((resolve, reject) => {
        queue.push({ group, resolve, reject });
        if (!writing) schedule();
      });
    },
  };
}
