// The production build is killed (SIGKILL) in the middle of a subscriber-property backfill: the Loop stand-in
// holds the next page's request, so the kill lands between two saved pages. After a restart on the same
// database the backfill carries on from the first page it had not saved, reads no saved page again, ends with
// every subscription recorded, and no event was ever created.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBackfill } from "~/delivery/property-backfill.server";
import { startAppServer, type AppServer } from "../support/app-server";
import { databaseKinds } from "../support/databases";
import { loopFaults, setUpPipeline, waitFor, type Pipeline } from "./support";

const SUBSCRIPTIONS = 400; // 8 pages of 50

describe.each(databaseKinds)("SIGKILL during a property backfill (%s)", (kind) => {
  let pipeline: Pipeline;
  let app: AppServer | undefined;
  beforeAll(async () => {
    pipeline = await setUpPipeline(kind, { shops: 1, prefix: `backfill${kind}` });
  });
  afterAll(async () => {
    await app?.stop("SIGKILL");
    await pipeline?.close();
  });

  it("resumes from the first unsaved page after the restart, without reading a saved page again", async () => {
    const [shop] = pipeline.shops;
    pipeline.loop.state.subscriptions.set(shop, { count: SUBSCRIPTIONS, customers: 300, seed: "crash" });
    await pipeline.db.shopSettings.upsert({ where: { shopDomain: shop }, create: { shopDomain: shop, propertySyncEnabled: true }, update: { propertySyncEnabled: true } });
    expect(await startBackfill(pipeline.db, shop)).toEqual({ ok: true });
    const job = () => pipeline.db.propertyBackfill.findUniqueOrThrow({ where: { shopDomain: shop } });
    const listed = () => pipeline.loop.state.requests.filter((r) => r.path.endsWith("/subscription") && r.status === 200).map((r) => r.search);

    // A claim lasts twice the Loop timeout plus 5 s: the restarted worker takes the dead one's job over after it.
    const env = pipeline.serverEnv({ LOOP_TIMEOUT_MS: "1000" });
    app = await startAppServer(env);
    await waitFor("two pages saved", async () => (await job()).pages >= 2, 30_000, 20);
    await loopFaults(pipeline, { hold: true, methods: ["GET"] });
    await waitFor("a page request held at Loop", () => pipeline.loop.state.held > 0, 15_000, 5);
    await app.stop("SIGKILL");
    await waitFor("the held request dropped with its client", () => pipeline.loop.state.held === 0, 5_000, 10);
    await loopFaults(pipeline, null);

    const atKill = await job();
    expect(atKill).toMatchObject({ status: "running", nextPage: atKill.pages + 1 });
    expect(atKill.pages).toBeLessThan(SUBSCRIPTIONS / 50);
    const readBefore = listed().length;
    expect(readBefore).toBe(atKill.pages);
    const killedAt = Date.now();

    app = await startAppServer(env);
    await waitFor("the backfill done", async () => (await job()).status === "done", 60_000);
    console.log(`backfill crash (${kind}): killed after ${atKill.pages} of 8 pages, done ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill (restart and claim expiry included)`);
    const after = listed().slice(readBefore);
    expect(after[0]).toBe(`?pageNo=${atKill.pages + 1}&pageSize=50`);
    expect(new Set(listed()).size).toBe(listed().length); // no page read twice
    expect(await job()).toMatchObject({ status: "done", pages: 8, subscriptionsRead: SUBSCRIPTIONS });
    expect(await pipeline.db.loopSubscriptionState.count({ where: { shopDomain: shop } })).toBe(SUBSCRIPTIONS);
    expect(await pipeline.db.event.count({ where: { shopDomain: shop } })).toBe(0);
  }, 120_000);
});
