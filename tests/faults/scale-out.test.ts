// Scale-out on PostgreSQL: two web processes (PROCESS_ROLE=web) receive 5,000 webhooks between them and two
// worker processes (PROCESS_ROLE=worker) deliver them, all on one database. Every event reaches Postscript
// exactly once, both workers take part (a shop's lease moves between them), and Postscript's per-key rate
// limit holds: the shop and key leases keep one sender per key, so 429s stay under 1% of requests.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAppServer, type AppServer } from "../support/app-server";
import { databaseKinds } from "../support/databases";
import { deliveredCounts, openEvents, range, setUpPipeline, waitFor, WebhookSender, type Pipeline } from "./support";

const EVENTS = 5_000;
const SHOPS = 10;
const POSTSCRIPT_LIMIT_PER_SECOND = 50; // what the stand-in enforces per key (Postscript's is 15; faster here to keep the test short)
const APP_RATE_PER_SECOND = POSTSCRIPT_LIMIT_PER_SECOND; // the app's limit is the stand-in's, as in production (15 and 15)

describe.skipIf(!databaseKinds.includes("postgres"))("scale-out: 2 web + 2 worker processes on one PostgreSQL database", () => {
  let pipeline: Pipeline;
  const servers: AppServer[] = [];
  beforeAll(async () => {
    pipeline = await setUpPipeline("postgres", { shops: SHOPS, prefix: "scale", postscript: { rateLimitPerSecond: POSTSCRIPT_LIMIT_PER_SECOND } });
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop("SIGKILL")));
    await pipeline?.close();
  });

  it("delivers 5,000 events received by two web processes exactly once, with both workers, within the rate limit", async () => {
    const env = pipeline.serverEnv({
      POSTSCRIPT_RATE_LIMIT_PER_SECOND: String(APP_RATE_PER_SECOND),
      DELIVERY_POLL_INTERVAL_MS: "100",
      // Half the shops each: the first worker to poll would otherwise take every shop while events keep coming.
      DELIVERY_MAX_SHOPS_PER_WORKER: String(SHOPS / 2),
    });
    const [web1, web2, worker1, worker2] = await Promise.all(
      ["web", "web", "worker", "worker"].map((role) => startAppServer({ ...env, PROCESS_ROLE: role })),
    );
    servers.push(web1, web2, worker1, worker2);
    const t0 = Date.now();

    // Which worker holds which shop's lease, sampled while they work (the owner id carries the process id). A
    // released lease keeps its row (and its last owner) with an expiry in the past: only live ones count.
    const ownersSeen = new Set<string>();
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const live = await pipeline.db.deliveryLease.findMany({ where: { expiresAt: { gt: new Date() } }, select: { owner: true } });
        for (const lease of live) ownersSeen.add(lease.owner.split(":")[1]);
        await new Promise((resolve) => setTimeout(resolve, 50)); // sampling pace, not a wait for a result
      }
    })();

    const sender = new WebhookSender(pipeline.webhookFor);
    const ids = range(EVENTS, "scale");
    await sender.sendAll(ids, () => [web1.url, web2.url], { concurrency: 16 });
    const acknowledgedAt = (Date.now() - t0) / 1000;
    try {
      await waitFor("every event delivered", async () => (await openEvents(pipeline.db)) === 0, 90_000, 200);
    } finally {
      sampling = false;
      await sampler;
    }
    const drainedAt = (Date.now() - t0) / 1000;

    const counts = deliveredCounts(pipeline.ps);
    const notOnce = ids.filter((id) => counts.get(`loop:${id}`) !== 1);
    const eventRequests = pipeline.ps.state.requests.filter((r) => r.method === "POST" && r.path === "/api/v2/events");
    const limited = eventRequests.filter((r) => r.status === 429).length;
    const perWeb = [web1, web2].map((web) => sender.log.filter((entry) => entry.status === 202 && entry.url === web.url).length);
    const workerPids = [worker1, worker2].map((worker) => String(worker.child.pid));
    console.log(
      `scale-out (postgres): ${EVENTS} events over ${SHOPS} shops, acknowledged by the web processes ${perWeb.join(" + ")} in ${acknowledgedAt.toFixed(1)} s, ` +
        `all delivered at ${drainedAt.toFixed(1)} s (${APP_RATE_PER_SECOND}/s per shop at most); ` +
        `${eventRequests.length} requests to Postscript, ${limited} answered 429 (${((100 * limited) / eventRequests.length).toFixed(2)}%); ` +
        `lease holders seen: ${[...ownersSeen].map((pid) => (workerPids.includes(pid) ? `worker ${pid}` : `other ${pid}`)).join(", ")}`,
    );

    expect(notOnce).toEqual([]);
    expect(counts.size).toBe(EVENTS);
    expect(await pipeline.db.event.count({ where: { status: "delivered" } })).toBe(EVENTS);
    expect(perWeb.every((n) => n > EVENTS / 4)).toBe(true);
    expect([...ownersSeen].sort()).toEqual([...workerPids].sort());
    expect(limited / eventRequests.length).toBeLessThan(0.01);
    sender.close();
  }, 150_000);
});
