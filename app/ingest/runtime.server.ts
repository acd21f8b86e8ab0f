// The ingestion as the running app uses it: the process's database, a group-commit writer on the query
// builder and a short-lived cache of opened signing secrets, shared by the Remix route and the production
// server's fast path so both doors behave (and batch) the same.
import { getConfig } from "~/config/env.server";
import { loopWebhookSecrets } from "~/connections/loop.server";
import { getDatabase, getSql, type Database } from "~/db.server";
import { createUnusedFieldLog, type UnusedFieldLog } from "~/events/unused-field-log.server";
import { log } from "~/logging/logger.server";
import { eventInsert } from "./event-insert.server";
import { createEventWriter, type EventWriter } from "./event-writer.server";
import type { IngestDependencies } from "./loop-webhook.server";
import { createSecretCache, type SecretCache } from "./secret-cache.server";

/**
 * PostgreSQL: batches the ingestion writes at the same time, at most (each holds one connection of the process's
 * pool of DATABASE_POOL_SIZE while it commits, so the rest stay free for the worker and the pages).
 */
export const INGEST_CONCURRENCY = 4;

/**
 * How long a webhook waits, in all, for SQLite's write lock held by someone else before it is answered 503
 * (webhooks queued behind a blocked write count their time in the queue). Loop waits
 * 5 s for an answer (docs/protocols.md, Webhook delivery): a 503 within that makes Loop retry on its schedule,
 * where a slower answer would count as a timeout anyway.
 */
export const SQLITE_LOCK_WAIT_MS = 4_000;

let current: { db: Database; deps: IngestDependencies; secrets: SecretCache; writer: EventWriter; unusedFields: UnusedFieldLog } | undefined;

export function loopIngestion(): IngestDependencies {
  const db = getDatabase();
  if (current?.db !== db) {
    // Another client replaced the process's database (tests switch databases): close the old writer.
    if (current) void current.writer.close().catch((error) => log.warn("ingestion writer did not close", { error }));
    const config = getConfig();
    const secrets = createSecretCache((shop, topic) => loopWebhookSecrets(db, shop, topic));
    const sql = getSql(db);
    const writer =
      sql.kind === "postgres"
        ? createEventWriter(eventInsert(sql), { concurrency: Math.min(INGEST_CONCURRENCY, config.DATABASE_POOL_SIZE) })
        : createEventWriter(eventInsert(sql, { lockWaitMs: SQLITE_LOCK_WAIT_MS }), { concurrency: 1, maxWaitMs: SQLITE_LOCK_WAIT_MS });
    const unusedFields = createUnusedFieldLog(db);
    current = {
      db,
      secrets,
      writer,
      unusedFields,
      deps: {
        db,
        secretsFor: secrets.get,
        freshSecretsFor: secrets.fresh,
        writer,
        maxBodyBytes: config.LOOP_WEBHOOK_MAX_BODY_BYTES,
        createdAtWindow: { maxAgeMs: config.LOOP_WEBHOOK_MAX_AGE_MS, maxAheadMs: config.LOOP_WEBHOOK_MAX_AHEAD_MS },
        signatureEncodings: config.LOOP_SIGNATURE_ENCODINGS,
        unusedFields,
      },
    };
  }
  return current.deps;
}

/** Forget cached signing secrets (a shop's, or all): for code that changes a Loop connection in this process. */
export function forgetLoopSecrets(shop?: string) {
  current?.secrets.forget(shop);
}

/** Finishes the writes in progress and closes the writer's connections (graceful shutdown). */
export async function closeLoopIngestion() {
  const closing = current;
  current = undefined;
  await closing?.writer.close();
  await closing?.unusedFields.flush();
}
