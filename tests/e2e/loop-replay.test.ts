// Captured Loop webhooks sent again by someone else, over real HTTP against the app (production build): the same
// signed body under a new webhook id and Created-At, a Created-At Loop would never send, a body re-sent under
// another topic with merchant-pasted secrets, and probing which shops use the app. Postscript (stand-in) must
// receive each genuine event exactly once and nothing else. Runs on every test database.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePayload } from "../../sandbox/loop/payloads";
import { addManualLoopSecret } from "~/connections/loop.server";
import type { Database } from "~/db.server";
import { signBody } from "~/loop/protocol";
import type { AppServer } from "../support/app-server";
import { databaseKinds } from "../support/databases";
import { openEvents, startEndToEnd, type EndToEnd } from "../support/end-to-end";
import { waitFor } from "../support/wait";

const SHOP = "demo-shop.myshopify.com";
const PAUSE_SECRET = "whsec_pasted_for_pause_0123456789";
const EXPIRY_SECRET = "whsec_pasted_for_expiry_0123456789";

describe.each(databaseKinds)("replayed Loop webhooks, end to end (%s)", (kind) => {
  let e2e: EndToEnd;
  let ps: EndToEnd["ps"];
  let db: Database;
  let app: AppServer;

  beforeAll(async () => {
    e2e = await startEndToEnd(kind, {
      shops: [SHOP],
      // The merchant added two webhooks in Loop admin and pasted each one's secret with its topic.
      prepare: async (db) => {
        expect(await addManualLoopSecret(db, SHOP, PAUSE_SECRET, ["subscription/paused"])).toMatchObject({ ok: true });
        expect(await addManualLoopSecret(db, SHOP, EXPIRY_SECRET, ["subscription/expired"])).toMatchObject({ ok: true });
      },
    });
    ({ ps, db, app } = e2e);
  }, 60_000);

  afterAll(() => e2e?.stop());

  const post = (topic: string, body: string, { secret = PAUSE_SECRET, id = crypto.randomUUID() as string, createdAt = new Date(), shop = SHOP } = {}) =>
    fetch(`${app.url}/webhooks/loop?shop=${shop}`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "X-Loop-Webhook-Id": id,
        "X-Loop-Webhook-Topic": topic,
        "X-Loop-Webhook-Created-At": createdAt.toISOString(),
        "X-Loop-Signature": signBody(body, secret, "base64"),
      },
      body,
    });
  const pausedBody = (seed: string) => JSON.stringify(generatePayload("subscription/paused", { seed, shopDomain: SHOP, persona: "ava" }));
  const delivered = async (): Promise<{ external_id?: string }[]> => (await (await fetch(`${ps.url}/__sandbox/events?shop=shop_c0ffee00000001`)).json()).events;
  const events = (ids: string[]) => db.event.findMany({ where: { loopWebhookId: { in: ids } }, select: { loopWebhookId: true, status: true, reason: true } });

  it("sends a captured body re-sent under a new webhook id and Created-At to Postscript once: the replay is a duplicate", async () => {
    const body = pausedBody("replay-1");
    expect((await post("subscription/paused", body, { id: "replay-original" })).status).toBe(202);
    const replay = await post("subscription/paused", body, { id: "replay-copy", createdAt: new Date(Date.now() + 60_000) });
    expect(replay.status).toBe(200);
    expect(await replay.json()).toEqual({ accepted: true, duplicate: true });
    await waitFor("the original's delivery", async () => ((await events(["replay-original"]))[0]?.status === "delivered" ? true : undefined));
    await waitFor("the worker to have nothing left to send", async () => (await openEvents(db, SHOP)) === 0);
    expect(await events(["replay-original", "replay-copy"])).toHaveLength(1);
    expect((await delivered()).filter((e) => e.external_id === "loop:replay-original")).toHaveLength(1);
    expect((await delivered()).filter((e) => e.external_id?.includes("replay-copy"))).toEqual([]);
    expect(app.output()).toMatch(/"reason":"duplicate_body".*"webhookId":"replay-copy"/);
  });

  it("refuses a delivery whose Created-At Loop would never send (older than its retries, or ahead of the clock)", async () => {
    const old = await post("subscription/paused", pausedBody("old"), { id: "replay-old", createdAt: new Date(Date.now() - 3 * 24 * 3_600_000) });
    const ahead = await post("subscription/paused", pausedBody("ahead"), { id: "replay-ahead", createdAt: new Date(Date.now() + 3_600_000) });
    expect([old.status, ahead.status]).toEqual([422, 422]);
    expect(await events(["replay-old", "replay-ahead"])).toEqual([]);
  });

  it("refuses a subscription/paused body re-sent as subscription/expired: signed with the pause webhook's secret, it is 401", async () => {
    const response = await post("subscription/expired", pausedBody("swap"), { id: "swap-secret" });
    expect(response.status).toBe(401);
    expect(await events(["swap-secret"])).toEqual([]);
  });

  it("fails a subscription/expired payload whose subscription is PAUSED visibly (invalid_payload), sending nothing", async () => {
    // Signed with the expiry webhook's own secret (or any secret that covers the topic): the state still contradicts it.
    const response = await post("subscription/expired", pausedBody("swap-state"), { id: "swap-state", secret: EXPIRY_SECRET });
    expect(response.status).toBe(202);
    const [event] = await waitFor("the event to be prepared", async () => {
      const rows = await events(["swap-state"]);
      return rows[0]?.status === "failed" ? rows : undefined;
    });
    expect(event).toMatchObject({ status: "failed", reason: "invalid_payload" });
    expect((await delivered()).filter((e) => e.external_id?.includes("swap-state"))).toEqual([]);
  });

  it("answers a shop that does not use the app exactly as a bad signature", async () => {
    const body = pausedBody("probe");
    const unknown = await post("subscription/paused", body, { shop: "stranger.myshopify.com" });
    const forged = await post("subscription/paused", body, { secret: "whsec_not_the_secret_0123456789" });
    expect(unknown.status).toBe(401);
    expect([unknown.status, unknown.headers.get("content-type"), await unknown.text()]).toEqual([forged.status, forged.headers.get("content-type"), await forged.text()]);
  });
});
