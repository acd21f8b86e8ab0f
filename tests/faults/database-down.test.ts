// The database goes away while webhooks arrive. The app answers 503 (Loop retries later) and never 2xx for an
// event it did not store; when the database is back it stores again, without a restart.
//   PostgreSQL: the test's own database stops taking connections (ALTER DATABASE … ALLOW_CONNECTIONS false) and
//     every connection to it is terminated (pg_terminate_backend): what a failover or a restarted server does.
//   SQLite: another connection holds the write lock (BEGIN EXCLUSIVE) for longer than the app waits for it (4 s,
//     under Loop's 5 s): what a long backup, a stuck process or a slow disk holding the lock does. A file cannot
//     honestly be made to "go away" under an open connection (it keeps its descriptor), so the lock is the
//     failure SQLite has. The app runs with PROCESS_ROLE=web there: Prisma's SQLite connection waits for a lock
//     by blocking the event loop (its busy timeout), so a worker in the same process would freeze it.
import BetterSqlite3 from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sqliteFilePath } from "~/db/url";
import { startAppServer, type AppServer } from "../support/app-server";
import { databaseKinds } from "../support/databases";
import { waitFor } from "../support/wait";
import { range, setUpPipeline, WebhookSender, type Pipeline } from "./support";

const OUTAGE_MS = 6_000;

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: process.env.TEST_POSTGRES_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Makes the database unreachable; resolves with the function that brings it back. */
async function takeDown(pipeline: Pipeline): Promise<() => Promise<void>> {
  if (pipeline.kind === "postgres") {
    const name = new URL(pipeline.database.url).pathname.slice(1);
    await admin(async (client) => {
      await client.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`);
      await client.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [name]);
    });
    return () => admin(async (client) => void (await client.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`)));
  }
  const locker = new BetterSqlite3(sqliteFilePath(pipeline.database.url));
  locker.prepare("BEGIN EXCLUSIVE").run();
  return async () => {
    locker.prepare("COMMIT").run();
    locker.close();
  };
}

describe.each(databaseKinds)("database down while receiving (%s)", (kind) => {
  let pipeline: Pipeline;
  let app: AppServer | undefined;
  beforeAll(async () => {
    pipeline = await setUpPipeline(kind, { shops: 2, prefix: `dbdown${kind}`, postscript: { rateLimitPerSecond: 1000 } });
  });
  afterAll(async () => {
    await app?.stop("SIGKILL");
    await pipeline?.close();
  });

  it("answers 503 while it is gone, never 2xx for an event it did not store, and stores again when it is back", async () => {
    app = await startAppServer(pipeline.serverEnv({ PROCESS_ROLE: kind === "sqlite" ? "web" : "all", POSTSCRIPT_RATE_LIMIT_PER_SECOND: "100" }));
    const pid = app.child.pid;
    const sender = new WebhookSender(pipeline.webhookFor);
    const ids = range(1_500, `dbdown-${kind}`);
    // About 150 webhooks a second, before, during and after the outage, 16 at a time.
    const sending = sender.sendAll(ids, () => app!.url, { concurrency: 16, paceMs: 100, retryDelayMs: 200, deadlineMs: 40_000 }).catch((error) => {
      throw new Error(`${error.message}\n${app!.output().slice(-6000)}`);
    });

    await waitFor("webhooks being stored before the outage", () => sender.acknowledged.size >= 50, 20_000, 10);
    // The outage starts when taking it down starts: the connections are cut before the admin client has closed,
    // which on a loaded machine takes a few hundred milliseconds (CI saw 503s 170 ms before takeDown resolved).
    const downAt = Date.now();
    const bringBack = await takeDown(pipeline);
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS)); // the outage lasts this long: part of the scenario
    await bringBack();
    const upAt = Date.now();
    await sending;

    const statuses = new Map<number, number>();
    for (const answer of sender.log) statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
    const unavailable = sender.log.filter((a) => a.status === 503);
    console.log(
      `database down (${kind}): ${ids.length} webhooks, answers ${JSON.stringify(Object.fromEntries(statuses))}; ` +
        `503s from ${unavailable.length ? ((unavailable[0].at - downAt) / 1000).toFixed(1) : "–"} s to ${unavailable.length ? ((unavailable[unavailable.length - 1].at - downAt) / 1000).toFixed(1) : "–"} s into a ${OUTAGE_MS / 1000} s outage; ` +
        `all acknowledged ${((Date.now() - upAt) / 1000).toFixed(1)} s after it was back`,
    );
    // Only these answers: stored (202), stored before (200), or "not now" (503). Never another 5xx, never silence.
    const summary = JSON.stringify(Object.fromEntries(statuses));
    expect([...statuses.keys()].sort(), summary).toEqual([200, 202, 503].filter((s) => statuses.has(s)).sort());
    expect(statuses.get(503) ?? 0, summary).toBeGreaterThanOrEqual(8);
    const outside = unavailable.filter((a) => a.at < downAt || a.at > upAt + 1_000).map((a) => a.at - downAt);
    expect(outside, "503s outside the outage (ms from its start)").toEqual([]);
    // Every 2xx is a stored event; every webhook was eventually acknowledged, by the same process.
    expect(sender.acknowledged.size).toBe(ids.length);
    const stored = await pipeline.db.event.findMany({ where: { dedupeKey: { in: [...sender.acknowledged] } }, select: { dedupeKey: true } });
    expect(stored).toHaveLength(sender.acknowledged.size);
    expect(app.child.exitCode).toBeNull();
    expect(app.child.pid).toBe(pid);
    sender.close();
  }, 90_000);
});
