// Postscript answers 503 and stops answering (timeouts) for a stretch, then recovers: nothing is lost, nothing
// is sent twice, each event's retries are spaced by the backoff (doubling, with jitter), and the outage shows
// where a merchant looks: the Integration Overview counts the events waiting, and the attempts are recorded.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { retryDelayMs } from "~/jobs/backoff";
import { loadOverview, readOverviewContext } from "~/statistics/overview.server";
import { startAppServer, type AppServer } from "../support/app-server";
import { databaseKinds } from "../support/databases";
import { deliveredCounts, openEvents, range, setUpPipeline, waitFor, WebhookSender, type Pipeline } from "./support";

const BASE_MS = 250;
const MAX_MS = 4_000;
const OUTAGE_MS = 4_000;
const DURING = 24;

describe.each(databaseKinds)("Postscript outage (%s)", (kind) => {
  let pipeline: Pipeline;
  let app: AppServer | undefined;
  beforeAll(async () => {
    pipeline = await setUpPipeline(kind, { shops: 2, prefix: `outage${kind}`, postscript: { rateLimitPerSecond: 1000 } });
  });
  afterAll(async () => {
    await app?.stop("SIGKILL");
    await pipeline?.close();
  });

  it("retries through 5xx and timeouts with growing spacing, loses and duplicates nothing, and shows it", async () => {
    app = await startAppServer(
      pipeline.serverEnv({
        POSTSCRIPT_RATE_LIMIT_PER_SECOND: "100",
        DELIVERY_BACKOFF_BASE_MS: String(BASE_MS),
        DELIVERY_BACKOFF_MAX_MS: String(MAX_MS),
        POSTSCRIPT_TIMEOUT_MS: "300",
      }),
    );
    const sender = new WebhookSender(pipeline.webhookFor);
    const [shop] = pipeline.shops;

    // Before: delivered at once.
    await sender.sendAll(range(40, `before-${kind}`), () => app!.url);
    await waitFor("the first events delivered", async () => (await openEvents(pipeline.db)) === 0, 20_000);

    // The outage: every request to /api/v2/events fails, one in five by timing out, the rest with 503.
    pipeline.ps.setFaults({ errorRate: 1, errorStatus: 503, timeoutRate: 0.2, paths: ["/api/v2/events"] });
    const outageStarted = Date.now();
    await sender.sendAll(range(DURING, `during-${kind}`), () => app!.url);
    await waitFor("retries under way", async () => (await pipeline.db.deliveryAttempt.count({ where: { outcome: "retry" } })) >= DURING * 2, 20_000);
    const during = await loadOverview(pipeline.db, shop, await readOverviewContext(pipeline.db, shop), new URLSearchParams());
    const waitingInDb = await pipeline.db.event.count({ where: { shopDomain: shop, status: { in: ["received", "pending", "paused"] } } });
    expect(during.summary.current.waiting).toBeGreaterThan(0);
    expect(during.summary.current.waiting).toBe(waitingInDb);
    // The outage lasts OUTAGE_MS in all (part of the scenario, not a wait for a result).
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, OUTAGE_MS - (Date.now() - outageStarted))));
    pipeline.ps.resetFaults();

    await waitFor("every event delivered after the recovery", async () => (await openEvents(pipeline.db)) === 0, 30_000, 100);
    const counts = deliveredCounts(pipeline.ps);
    const ids = [...range(40, `before-${kind}`), ...range(DURING, `during-${kind}`)];
    expect(ids.filter((id) => counts.get(`loop:${id}`) !== 1)).toEqual([]); // each exactly once (503s and timeouts here are never processed)
    expect(await pipeline.db.event.count({ where: { status: { not: "delivered" } } })).toBe(0);

    // The attempts: 503s and timeouts recorded, then the delivery.
    const attempts = await pipeline.db.deliveryAttempt.findMany({ orderBy: { startedAt: "asc" } });
    const failed503 = attempts.filter((a) => a.httpStatus === 503).length;
    const timeouts = attempts.filter((a) => a.errorClass === "timeout").length;
    expect(failed503).toBeGreaterThan(0);
    expect(timeouts).toBeGreaterThan(0);

    // Spacing: the wait before retry k is at least half of base·2^(k-1) (capped; "equal jitter"). It can be
    // longer than the backoff: the shop's sender also waits its turn (four requests in flight, timeouts hold them).
    const byEvent = new Map<string, typeof attempts>();
    for (const a of attempts) byEvent.set(a.eventId, [...(byEvent.get(a.eventId) ?? []), a]);
    const gapsByRetry = new Map<number, number[]>();
    for (const list of byEvent.values()) {
      for (let k = 1; k < list.length; k++) {
        const previousEnd = list[k - 1].startedAt.getTime() + list[k - 1].durationMs;
        const gap = list[k].startedAt.getTime() - previousEnd;
        const full = retryDelayMs(k, { backoffBaseMs: BASE_MS, backoffMaxMs: MAX_MS }, () => 1);
        expect(gap, `retry ${k} of an event came ${gap} ms after the previous attempt`).toBeGreaterThanOrEqual(Math.floor(full / 2) - 2);
        gapsByRetry.set(k, [...(gapsByRetry.get(k) ?? []), gap]);
      }
    }
    // And the waits grow from one retry to the next (on average: jitter and queueing blur single events).
    const retries = [...gapsByRetry.entries()].filter(([, gaps]) => gaps.length >= 5).sort(([a], [b]) => a - b);
    const shortest = retries.map(([, gaps]) => Math.min(...gaps));
    const means = retries.map(([, gaps]) => gaps.reduce((a, b) => a + b, 0) / gaps.length);
    expect(means.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < means.length; i++) expect(means[i]).toBeGreaterThan(means[i - 1] * 1.2);

    // After: the overview counts them delivered, with the outage in their delivery time.
    const after = await loadOverview(pipeline.db, shop, await readOverviewContext(pipeline.db, shop), new URLSearchParams());
    expect(after.summary.current.waiting).toBe(0);
    expect(after.summary.current.delivered).toBe(await pipeline.db.event.count({ where: { shopDomain: shop } }));
    console.log(
      `outage (${kind}): ${ids.length} events, ${attempts.length} attempts (${failed503} × 503, ${timeouts} timeouts), ` +
        `wait before retry 1..${means.length}: shortest ${shortest.join(", ")} ms, mean ${means.map((m) => Math.round(m)).join(", ")} ms; overview during: ${during.summary.current.waiting} waiting; ` +
        `median delivery time after: ${after.summary.medianLatency.current ? `${after.summary.medianLatency.current.lowerMs}–${after.summary.medianLatency.current.upperMs} ms` : "–"}`,
    );
    sender.close();
  }, 90_000);
});
