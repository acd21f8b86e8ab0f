// The app is killed (SIGKILL, no chance to finish anything) while 5,000 webhooks are being received and
// delivered. After a restart on the same database, every webhook that was answered 2xx reaches Postscript; only
// events in flight to Postscript at the kill may arrive twice (sent, but their outcome not yet recorded).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAppServer, type AppServer } from "../support/app-server";
import { databaseKinds } from "../support/databases";
import { deliveredCounts, openEvents, range, setUpPipeline, waitFor, WebhookSender, type Pipeline } from "./support";

const EVENTS = 5_000;
const SHOPS = 5;
const MAX_IN_FLIGHT_PER_SHOP = 4; // app/delivery/policy.ts

describe.each(databaseKinds)("crash while receiving and delivering (%s)", (kind) => {
  let pipeline: Pipeline;
  let app: AppServer | undefined;
  beforeAll(async () => {
    pipeline = await setUpPipeline(kind, { shops: SHOPS, prefix: `crash${kind}`, postscript: { rateLimitPerSecond: 100_000 } });
  });
  afterAll(async () => {
    await app?.stop("SIGKILL");
    await pipeline?.close();
  });

  it("delivers every acknowledged event after a SIGKILL and a restart; only events in flight at the kill go twice", async () => {
    const t0 = Date.now();
    const at = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
    const env = pipeline.serverEnv({ POSTSCRIPT_RATE_LIMIT_PER_SECOND: "1000", DELIVERY_POLL_INTERVAL_MS: "250" });
    app = await startAppServer(env);
    let url = app.url;
    const sender = new WebhookSender(pipeline.webhookFor);
    const ids = range(EVENTS, `crash-${kind}`);
    // Loop sends at its own pace (here about 500 webhooks a second), so receiving and delivering overlap.
    const sending = sender.sendAll(ids, () => url, { concurrency: 4, retryDelayMs: 100 });

    // Kill it in the middle of both: webhooks still arriving, deliveries going out.
    await waitFor("deliveries under way", () => sender.acknowledged.size >= EVENTS * 0.3 && pipeline.ps.state.events.length >= 200, 60_000, 5);
    const killedAt = at();
    const acknowledgedAtKill = sender.acknowledged.size;
    const deliveredAtKill = pipeline.ps.state.events.length;
    await app.stop("SIGKILL");
    await new Promise((resolve) => setTimeout(resolve, 300)); // the sender meets a dead server for a moment
    app = await startAppServer(env);
    url = app.url;

    const restartedAt = at();
    await sending;
    const allAcknowledgedAt = at();
    await waitFor("every event delivered", async () => (await openEvents(pipeline.db)) === 0, 60_000, 200);
    const counts = deliveredCounts(pipeline.ps);
    const lost = [...sender.acknowledged].filter((id) => !counts.has(`loop:${id}`));
    const twice = [...counts.values()].filter((n) => n > 1).length;
    console.log(
      `crash (${kind}): killed with ${acknowledgedAtKill} of ${EVENTS} acknowledged and ${deliveredAtKill} delivered; ` +
        `after the restart ${sender.acknowledged.size} acknowledged, ${counts.size} delivered, ${twice} sent twice, ${lost.length} lost ` +
        `(killed at ${killedAt}, restarted at ${restartedAt}, all acknowledged at ${allAcknowledgedAt}, all delivered at ${at()})`,
    );
    expect(lost).toEqual([]);
    expect(sender.acknowledged.size).toBe(EVENTS);
    expect(await pipeline.db.event.count({ where: { dedupeKey: { startsWith: `crash-${kind}-` } } })).toBe(EVENTS);
    expect(await pipeline.db.event.count({ where: { status: "delivered" } })).toBe(EVENTS);
    // Sent twice only if in flight at the kill: at most maxInFlightPerShop per shop.
    expect(twice).toBeLessThanOrEqual(MAX_IN_FLIGHT_PER_SHOP * SHOPS);
    sender.close();
  }, 150_000);
});
