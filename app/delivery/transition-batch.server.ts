// Event state changes in batches, on the database driver (app/db/driver.server.ts). transition() is called
// for every event at every step (mapped, sent, retried, failed), each a small transaction of four or five
// statements: through Prisma that is several milliseconds of CPU per event, which caps a worker at about a
// hundred events per second. Here the changes that are requested while the previous batch is being written
// are written together, in one transaction, with prepared statements; each caller's promise resolves when the
// transaction holding its change has committed, with the same answer as before (false when the event was no
// longer in the expected state, and then nothing else of that change is written).
//
// The statistics rollups are not re-implemented: rollupOperations() (app/statistics) is called with a
// recording client, and the upserts it asks for are written as INSERT … ON CONFLICT DO UPDATE. A rollup
// operation of a shape this translation does not know makes that one change go through Prisma instead.
import { newId } from "~/db/ids";
import { isRowError, type ConditionalGroup, type Driver, type Statement } from "~/db/driver.server";
import { rollupOperations } from "~/statistics/rollups.server";

/** The columns of Event a change may set (the keys of transitions.server.ts's Change, less `attempt`). */
const EVENT_COLUMNS = new Set([
  "status",
  "reason",
  "reasonDetail",
  "nextAttemptAt",
  "deliveredAt",
  "postscriptEventId",
  "firstAttemptAt",
  "eventType",
  "request",
  "typeDecision",
  "subscriptionKey",
  "loopOrderId",
  "customerEmail",
  "customerPhone",
]);

const ATTEMPT_INSERT = `INSERT INTO "DeliveryAttempt" ("id","eventId","startedAt","durationMs","httpStatus","outcome","errorClass","message") VALUES (?,?,?,?,?,?,?,?)`;

export class UnsupportedChange extends Error {}

type Scalar = string | number | boolean | Date | null;
type RecordedOperation = { model: string; method: "upsert" | "updateMany"; args: Record<string, unknown> };

function tableOf(model: string) {
  return model.charAt(0).toUpperCase() + model.slice(1);
}

function isScalar(value: unknown): value is Scalar {
  return value === null || value instanceof Date || ["string", "number", "boolean"].includes(typeof value);
}

const quote = (column: string) => {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(column)) throw new UnsupportedChange(`column name ${column}`);
  return `"${column}"`;
};

/** `col = value`, `col = col + n`, `col = col - n` for an update's data; `qualifier` names the existing row. */
function assignments(data: Record<string, unknown>, qualifier: string, params: unknown[]): string[] {
  const parts: string[] = [];
  for (const [column, value] of Object.entries(data)) {
    if (value === undefined) continue;
    const col = quote(column);
    if (isScalar(value)) {
      parts.push(`${col} = ?`);
      params.push(value);
      continue;
    }
    const op = value as Record<string, unknown>;
    const keys = Object.keys(op);
    if (keys.length !== 1 || !isScalar(op[keys[0]])) throw new UnsupportedChange(`update of ${column}`);
    if (keys[0] === "increment") parts.push(`${col} = ${qualifier}${col} + ?`);
    else if (keys[0] === "decrement") parts.push(`${col} = ${qualifier}${col} - ?`);
    else if (keys[0] === "set") parts.push(`${col} = ?`);
    else throw new UnsupportedChange(`update of ${column} with ${keys[0]}`);
    params.push(op[keys[0]]);
  }
  return parts;
}

/** The SQL for one operation rollupOperations() asked for. */
export function rollupStatement(operation: RecordedOperation, kind: "sqlite" | "postgres"): Statement {
  const table = `"${tableOf(operation.model)}"`;
  const args = operation.args;
  if (operation.method === "upsert") {
    const where = args.where as Record<string, unknown>;
    const create = args.create as Record<string, unknown>;
    const update = args.update as Record<string, unknown>;
    const whereKeys = Object.keys(where);
    if (whereKeys.length !== 1) throw new UnsupportedChange("upsert where");
    const unique = where[whereKeys[0]];
    const conflict = isScalar(unique) ? [whereKeys[0]] : Object.keys(unique as Record<string, unknown>);
    const columns = Object.entries(create).filter(([, v]) => v !== undefined);
    for (const [column, value] of columns) if (!isScalar(value)) throw new UnsupportedChange(`create of ${column}`);
    const params: unknown[] = columns.map(([, v]) => v);
    // In DO UPDATE, PostgreSQL needs the table name to mean the existing row; SQLite takes the bare column.
    const set = assignments(update, kind === "postgres" ? `${table}.` : "", params);
    const sql =
      `INSERT INTO ${table} (${columns.map(([c]) => quote(c)).join(",")}) VALUES (${columns.map(() => "?").join(",")}) ` +
      `ON CONFLICT (${conflict.map(quote).join(",")}) ` +
      (set.length ? `DO UPDATE SET ${set.join(", ")}` : "DO NOTHING");
    return { sql, params };
  }
  const where = Object.entries(args.where as Record<string, unknown>);
  for (const [column, value] of where) if (!isScalar(value) || value === null) throw new UnsupportedChange(`updateMany where ${column}`);
  const params: unknown[] = [];
  const set = assignments(args.data as Record<string, unknown>, "", params);
  if (!set.length) throw new UnsupportedChange("updateMany without data");
  params.push(...where.map(([, v]) => v));
  return { sql: `UPDATE ${table} SET ${set.join(", ")} WHERE ${where.map(([c]) => `${quote(c)} = ?`).join(" AND ")}`, params };
}

/** A client that records what rollupOperations() asks for, instead of doing it. */
function recorder(recorded: RecordedOperation[]) {
  const model = (name: string) => ({
    upsert: (args: Record<string, unknown>) => (recorded.push({ model: name, method: "upsert", args }), undefined),
    updateMany: (args: Record<string, unknown>) => (recorded.push({ model: name, method: "updateMany", args }), undefined),
  });
  return { eventRollup: model("eventRollup"), reasonRollup: model("reasonRollup"), latencyRollup: model("latencyRollup") };
}

export interface PlannedTransition {
  eventId: string;
  fromStatus: string;
  fields: Record<string, unknown>;
  attempt?: {
    startedAt: Date;
    durationMs: number;
    httpStatus: number | null;
    outcome: string;
    errorClass?: string | null;
    message?: string | null;
  };
  rollups: Parameters<typeof rollupOperations>[1];
}

/** One change as statements: the conditional UPDATE of the event, then its attempt and rollups. */
export function planStatements(change: PlannedTransition, now: Date, kind: "sqlite" | "postgres"): ConditionalGroup {
  const params: unknown[] = [];
  const sets: string[] = [];
  for (const [column, value] of Object.entries(change.fields)) {
    if (value === undefined) continue;
    if (!EVENT_COLUMNS.has(column) || !isScalar(value)) throw new UnsupportedChange(`event field ${column}`);
    sets.push(`${quote(column)} = ?`);
    params.push(value);
  }
  sets.push(`"updatedAt" = ?`);
  params.push(now);
  if (change.attempt) sets.push(`"attemptCount" = "attemptCount" + 1`);
  params.push(change.eventId, change.fromStatus);
  const first = { sql: `UPDATE "Event" SET ${sets.join(", ")} WHERE "id" = ? AND "status" = ?`, params };

  const then: Statement[] = [];
  if (change.attempt) {
    const a = change.attempt;
    then.push({ sql: ATTEMPT_INSERT, params: [newId(), change.eventId, a.startedAt, a.durationMs, a.httpStatus, a.outcome, a.errorClass ?? null, a.message ?? null] });
  }
  const recorded: RecordedOperation[] = [];
  rollupOperations(recorder(recorded) as unknown as Parameters<typeof rollupOperations>[0], change.rollups);
  for (const operation of recorded) then.push(rollupStatement(operation, kind));
  return { first, then };
}

interface Queued {
  group: ConditionalGroup;
  resolve(changed: boolean): void;
  reject(error: unknown): void;
}

export interface TransitionBatcher {
  submit(group: ConditionalGroup): Promise<boolean>;
}

/** Writes submitted changes in batches: one transaction per batch, one batch at a time per process. */
export function createTransitionBatcher(driver: Driver, { maxBatch = 200 } = {}): TransitionBatcher {
  const queue: Queued[] = [];
  let writing = false;
  let scheduled = false;

  async function write(batch: Queued[]) {
    try {
      const changed = await driver.runGroups(batch.map((q) => q.group));
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
          q.resolve((await driver.runGroups([q.group]))[0]);
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
