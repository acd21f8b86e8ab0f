// What an operator watches, on the production server against the stand-ins:
//   - /metrics answers only with METRICS_TOKEN, and its figures follow the events as they flow: every
//     webhook received, stored or refused, every request to Postscript by outcome and status (429s included),
//     the latency of each delivery, the outbox waiting during a Postscript outage, each compared with what the
//     sender and the Postscript stand-in themselves recorded.
//   - /readyz turns 503 while the delivery worker cannot complete a poll, and back to 200 when it can, while
//     /healthz (liveness) stays 200. The poll is blocked with a table lock on PostgreSQL, which stops the
//     worker's queries while the database still answers. SQLite has no such lock: in WAL mode readers are never
//     blocked by a writer, and the app's connection would wait for an exclusive lock by blocking the whole event
//     loop (its busy timeout), which is the database-down test's case, not a stalled worker; on SQLite this test
//     checks that a running worker is reported ready.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAppServer, type AppServer } from "../support/app-server";
import { databaseKinds } from "../support/databases";
import { openEvents, range, setUpPipeline, waitFor, WebhookSender, type Pipeline } from "./support";

const TOKEN = "test-metrics-token-0123456789";

/** The value of one sample in Prometheus's text format (0 when absent: a counter not yet incremented). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = Object.fromEntries([...(match[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => present[key] === value)) return Number(match[3]);
  }
  return 0;
}

async function scrape(app: AppServer, token: string | null = TOKEN): Promise<{ status: number; text: string; type: string | null }> {
  const response = await fetch(`${app.url}/metrics`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  return { status: response.status, text: await response.text(), type: response.headers.get("content-type") };
}

describe.each(databaseKinds)("metrics and readiness (%s)", (kind) => {
  let pipeline: Pipeline;
  let app: AppServer | undefined;
  beforeAll(async () => {
    // The stand-in allows 5 requests a second per key while the app sends up to 100: 429s are sure to happen.
    pipeline = await setUpPipeline(kind, { shops: 2, prefix: `ops${kind}`, postscript: { rateLimitPerSecond: 5 } });
  });
  afterAll(async () => {
    await app?.stop("SIGKILL");
    await pipeline?.close();
  });

  it("serves /metrics only with the token", async () => {
    const withoutToken = await startAppServer(pipeline.serverEnv());
    try {
      expect((await scrape(withoutToken)).status).toBe(404);
    } finally {
      await withoutToken.stop("SIGKILL");
    }
    app = await startAppServer(
      pipeline.serverEnv({ METRICS_TOKEN: TOKEN, POSTSCRIPT_RATE_LIMIT_PER_SECOND: "100", DELIVERY_BACKOFF_BASE_MS: "200" }),
    );
    const refused = await scrape(app, null);
    expect(refused.status).toBe(401);
    expect(refused.text).not.toContain("loop_postscript_");
    expect((await scrape(app, "not-the-token-0123456789")).status).toBe(401);
    const allowed = await scrape(app);
    expect(allowed.status).toBe(200);
    expect(allowed.type).toContain("text/plain");
    expect(allowed.text).toContain("# TYPE loop_postscript_delivery_latency_seconds histogram");
    expect(sample(allowed.text, "process_resident_memory_bytes")).toBeGreaterThan(0);
    expect(allowed.text).toContain("nodejs_eventloop_lag_p99_seconds");
  }, 90_000);

  it("counts the events as they flow, as the sender and Postscript saw them", async () => {
    const sender = new WebhookSender(pipeline.webhookFor);
    const ids = range(60, `flow-${kind}`);
    await sender.sendAll(ids, () => app!.url);
    const template = sender.templateFor(`forged-${kind}`);
    for (let i = 0; i < 3; i++) expect(await sender.send(app!.url, `forged-${kind}-${i}`, template, { signature: "bm90IGEgc2lnbmF0dXJl" })).toBe(401);
    await waitFor("every event delivered", async () => (await openEvents(pipeline.db)) === 0, 30_000);

    const { text } = await scrape(app!);
    expect(sample(text, "loop_postscript_webhooks_received_total")).toBe(sender.log.length);
    expect(sample(text, "loop_postscript_webhooks_accepted_total", { result: "stored" })).toBe(ids.length);
    expect(sample(text, "loop_postscript_webhooks_refused_total", { reason: "bad_signature" })).toBe(3);

    const requests = pipeline.ps.state.requests.filter((r) => r.path === "/api/v2/events");
    const answered = (status: number) => requests.filter((r) => r.status === status).length;
    expect(answered(429)).toBeGreaterThan(0);
    expect(sample(text, "loop_postscript_delivery_attempts_total", { outcome: "delivered", http_status: "202" })).toBe(answered(202));
    expect(sample(text, "loop_postscript_delivery_attempts_total", { outcome: "retry", http_status: "429" })).toBe(answered(429));
    expect(sample(text, "loop_postscript_postscript_rate_limited_total")).toBe(answered(429));
    expect(answered(202)).toBe(ids.length);
    expect(sample(text, "loop_postscript_delivery_latency_seconds_count")).toBe(ids.length);
    expect(sample(text, "loop_postscript_delivery_latency_seconds_sum")).toBeGreaterThan(0);
  }, 90_000);

  it("shows the outbox waiting during a Postscript outage, and empty again after it", async () => {
    pipeline.ps.setFaults({ errorRate: 1, errorStatus: 503, paths: ["/api/v2/events"] });
    const sender = new WebhookSender(pipeline.webhookFor);
    const ids = range(10, `outage-${kind}`);
    await sender.sendAll(ids, () => app!.url);
    // The outbox gauges are read at most every 5 s: the scrape that follows the first retries shows them.
    const during = await waitFor(
      "the waiting events in /metrics",
      async () => {
        const { text } = await scrape(app!);
        return sample(text, "loop_postscript_outbox_events", { status: "pending" }) === ids.length && text;
      },
      20_000,
      500,
    );
    expect(sample(during, "loop_postscript_outbox_oldest_due_seconds")).toBeGreaterThanOrEqual(0);
    expect(sample(during, "loop_postscript_delivery_attempts_total", { outcome: "retry", http_status: "503" })).toBeGreaterThanOrEqual(ids.length);
    expect(sample(during, "loop_postscript_leases_held", { kind: "shop" })).toBeGreaterThanOrEqual(0);
    pipeline.ps.resetFaults();
    pipeline.ps.setFaults({ rateLimitPerSecond: 5 });
    await waitFor("every event delivered", async () => (await openEvents(pipeline.db)) === 0, 30_000);
    await waitFor(
      "an empty outbox in /metrics",
      async () => {
        const { text } = await scrape(app!);
        return sample(text, "loop_postscript_outbox_events", { status: "pending" }) === 0 && sample(text, "loop_postscript_outbox_oldest_due_seconds") === 0;
      },
      20_000,
      500,
    );
  }, 90_000);

  it("is ready while the worker polls, 503 while it cannot, and ready again after", async () => {
    const ready = await fetch(`${app!.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ready", database: "ok", workers: [{ worker: "delivery", stalled: false }] });
    if (pipeline.kind !== "postgres") return;

    // Another session holds a lock on the events table: the worker's poll waits on it, `SELECT 1` does not.
    const locker = new pg.Client({ connectionString: pipeline.database.url });
    await locker.connect();
    try {
      await locker.query("BEGIN");
      await locker.query('LOCK TABLE "Event" IN ACCESS EXCLUSIVE MODE');
      const stalled = await waitFor(
        "/readyz to fail",
        async () => {
          const response = await fetch(`${app!.url}/readyz`);
          return response.status === 503 && ((await response.json()) as { database: string; workers: { stalled: boolean }[] });
        },
        20_000,
        250,
      );
      expect(stalled).toMatchObject({ database: "ok", workers: [{ worker: "delivery", stalled: true }] });
      expect((await fetch(`${app!.url}/healthz`)).status).toBe(200);
      const { text } = await scrape(app!);
      expect(sample(text, "loop_postscript_worker_last_poll_age_seconds", { worker: "delivery" })).toBeGreaterThan(5);
    } finally {
      await locker.query("ROLLBACK");
      await locker.end();
    }
    await waitFor("/readyz to recover", async () => (await fetch(`${app!.url}/readyz`)).status === 200, 10_000, 100);
  }, 90_000);
});
