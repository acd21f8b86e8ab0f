// Group commit for received webhooks. Each accepted webhook must be durably stored before it is answered, and
// one commit per webhook costs a disk flush (SQLite) or a round trip and WAL flush (PostgreSQL) per event. The
// writer instead gathers the events that arrive while the previous write is in progress (plus those of the
// same event-loop turn) and stores them with ONE multi-row INSERT (./event-insert.server.ts); every request
// is answered only after the statement that holds its row has committed. Under light load a batch is one row
// and nothing waits; under heavy load batches grow and commits per second stay low.
import { newId } from "~/db/ids";
import { isRowError, type EventInsert, type InsertRow } from "./event-insert.server";

export interface NewEventRow {
  shopDomain: string;
  webhookId: string;
  topic: string;
  occurredAt: Date;
  receivedAt: Date;
  payload: string;
  /** SHA-256 of the raw body (see bodyHash in the schema). */
  bodyHash: string;
}

export interface StoredEvent {
  /** The new event's id; null for a duplicate. */
  id: string | null;
  duplicate: boolean;
}

export interface EventWriter {
  write(row: NewEventRow): Promise<StoredEvent>;
  /** Resolves when nothing is queued or being written. */
  idle(): Promise<void>;
  /** Waits for what is queued, then closes the database connection(s) of the insert. */
  close(): Promise<void>;
}

export interface EventWriterOptions {
  /** Rows per INSERT at most. */
  maxBatch?: number;
  /**
   * How long a webhook may wait, in all, for its row to be written while the database is locked by someone
   * else (queue and lock wait together); then it is answered 503. Default: as long as the insert's own wait.
   */
  maxWaitMs?: number;
  /** Batches written at the same time (SQLite has one writer: 1; PostgreSQL: a few connections). */
  concurrency?: number;
}

interface Pending {
  row: InsertRow;
  queuedAt: number;
  resolve(result: StoredEvent): void;
  reject(error: unknown): void;
}

/** Event ids: cuid-shaped, made here because the rows are written without Prisma. */
export const newEventId = newId;

export function createEventWriter(target: EventInsert, options: EventWriterOptions = {}): EventWriter {
  const maxBatch = options.maxBatch ?? 256;
  const concurrency = options.concurrency ?? 1;
  const queue: Pending[] = [];
  let writing = 0;
  let scheduled = false;
  let idleWaiters: (() => void)[] = [];

  async function writeBatch(batch: Pending[]) {
    // The batch may wait for a lock until its oldest webhook has waited maxWaitMs (at least one try is made).
    const deadline = options.maxWaitMs === undefined ? undefined : Math.min(...batch.map((p) => p.queuedAt)) + options.maxWaitMs;
    try {
      const inserted = await target.insert(batch.map((p) => p.row), deadline);
      for (const p of batch) p.resolve(inserted.has(p.row.id) ? { id: p.row.id, duplicate: false } : { id: null, duplicate: true });
    } catch (error) {
      if (batch.length === 1 || !isRowError(error)) {
        for (const p of batch) p.reject(error);
        return;
      }
      // One bad row must not fail the others: write them one by one, each with its own outcome.
      for (const p of batch) {
        try {
          const inserted = await target.insert([p.row]);
          p.resolve(inserted.has(p.row.id) ? { id: p.row.id, duplicate: false } : { id: null, duplicate: true });
        } catch (single) {
          p.reject(single);
        }
      }
    }
  }

  function pump() {
    scheduled = false;
    while (writing < concurrency && queue.length > 0) {
      const batch = queue.splice(0, maxBatch);
      writing++;
      void writeBatch(batch).finally(() => {
        writing--;
        if (queue.length > 0) schedule();
        else if (writing === 0) {
          const waiters = idleWaiters;
          idleWaiters = [];
          for (const w of waiters) w();
        }
      });
    }
  }

  // setImmediate: requests whose bodies arrived in the same event-loop turn join the same batch.
  function schedule() {
    if (scheduled) return;
    scheduled = true;
    setImmediate(pump);
  }

  const idle = () => (queue.length === 0 && writing === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve)));

  return {
    write(row) {
      return new Promise<StoredEvent>((resolve, reject) => {
        queue.push({ row: { ...row, id: newEventId() }, queuedAt: Date.now(), resolve, reject });
        if (writing < concurrency) schedule();
      });
    },
    idle,
    async close() {
      await idle();
      await target.close();
    },
  };
}
