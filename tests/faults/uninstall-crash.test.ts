// The app is uninstalled, and killed (SIGKILL) while it is removing its webhooks from Loop: the Loop stand-in
// holds the removal requests, so the kill lands in the middle of them, and drops what it held once the app is
// gone. After a restart on the same database, the webhooks are removed from Loop and the shop's history says so.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recentChanges } from "~/connections/history.server";
import { startAppServer, type AppServer } from "../support/app-server";
import { databaseKinds } from "../support/databases";
import { webhookRequest } from "../support/shopify";
import { loopFaults, setUpPipeline, waitFor, type Pipeline } from "./support";

describe.each(databaseKinds)("SIGKILL while removing the webhooks at Loop after an uninstall (%s)", (kind) => {
  let pipeline: Pipeline;
  let app: AppServer | undefined;
  beforeAll(async () => {
    pipeline = await setUpPipeline(kind, { shops: 1, prefix: `uninstall${kind}` });
  });
  afterAll(async () => {
    await app?.stop("SIGKILL");
    await pipeline?.close();
  });

  it("removes them after the restart, and records it", async () => {
    const [shop] = pipeline.shops;
    const atLoop = () => [...pipeline.loop.state.webhooks.values()].filter((w) => w.shopDomain === shop);
    const subscribed = atLoop().length;
    expect(subscribed).toBeGreaterThan(10);
    // A claim lasts twice the Loop timeout: a restarted worker takes the dead one's job over 4 s after its claim.
    const env = pipeline.serverEnv({ LOOP_TIMEOUT_MS: "2000" });
    app = await startAppServer(env);
    await loopFaults(pipeline, { hold: true, methods: ["DELETE"] });

    const uninstall = webhookRequest("/webhooks/app/uninstalled", "app/uninstalled", shop, { id: 1 });
    const answer = await fetch(new URL("/webhooks/app/uninstalled", app.url), { method: "POST", headers: uninstall.headers, body: await uninstall.text() });
    expect(answer.status).toBe(200);
    await waitFor("a removal request held at Loop", () => pipeline.loop.state.held > 0, 15_000, 5);
    await app.stop("SIGKILL");
    await waitFor("the held request dropped with its client", () => pipeline.loop.state.held === 0, 5_000, 10);
    await loopFaults(pipeline, null);

    // The kill cut the removal off: every webhook is still at Loop, the token is gone from the connection, and
    // only the job remembers what is left to do.
    expect(atLoop()).toHaveLength(subscribed);
    expect(await pipeline.db.loopConnection.findUnique({ where: { shopDomain: shop } })).toMatchObject({ tokenCiphertext: null });
    expect(await pipeline.db.loopWebhookRemoval.count({ where: { shopDomain: shop } })).toBe(1);
    const killedAt = Date.now();

    app = await startAppServer(env);
    await waitFor("the webhooks removed from Loop", () => atLoop().length === 0, 30_000);
    const outcome = await waitFor("the outcome in the history", async () => (await recentChanges(pipeline.db, shop, { prefix: "loop.webhooks_removed_after_uninstall" }))[0]);
    console.log(`uninstall crash (${kind}): ${subscribed} webhooks removed ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill (restart and claim expiry included)`);
    expect(outcome).toMatchObject({ actor: "system", details: { webhooksRemoved: subscribed, notRemovedWebhookIds: [], gaveUp: false } });
    expect(await pipeline.db.loopWebhookRemoval.count()).toBe(0);
  }, 90_000);
});
