// What Loop sends that the app does not read, over real HTTP: the Loop stand-in delivers to the app (production
// build) webhooks of topics the merchant added by hand in Loop's admin, and payloads carrying fields under names
// the app does not know. Runs on every test database.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SECOND_SHOP, type LoopStandIn } from "../../sandbox/loop/server";
import { addManualLoopSecret, connectLoopWithToken, loopWebhookAddress } from "~/connections/loop.server";
import { OTHER_LOOP_TOPICS } from "~/events/catalogue";
import type { Database } from "~/db.server";
import { signBody } from "~/loop/protocol";
import type { AppServer } from "../support/app-server";
import { databaseKinds } from "../support/databases";
import { startEndToEnd, type EndToEnd } from "../support/end-to-end";
import { waitFor } from "../support/wait";

const SHOP = "demo-shop.myshopify.com";
const LOOP_TOKEN = "loop_demo_4f1c2e9a7b3d8e6f";

async function json(url: string, body?: unknown) {
  const response = await fetch(url, body === undefined ? {} : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  return response.json();
}

describe.each(databaseKinds)("Loop topics and fields the app does not read, end to end (%s)", (kind) => {
  let e2e: EndToEnd;
  let loop: LoopStandIn;
  let db: Database;
  let app: AppServer;

  beforeAll(async () => {
    // Loop retries a refused delivery; quickly here, so a refusal is final within the test.
    e2e = await startEndToEnd(kind, { shops: [SHOP, SECOND_SHOP], loop: { sender: { retries: { maxAttempts: 2, delaysMs: [100] } } } });
    ({ db, app } = e2e);
    loop = e2e.loop!;
  }, 60_000);

  afterAll(() => e2e?.stop());

  /** The merchant adds a webhook in Loop's admin; Loop's admin shows its signing secret. */
  const addByHand = (shopDomain: string, topic: string): Promise<{ id: number; secret: string }> =>
    json(`${loop.url}/__sandbox/webhooks`, { shopDomain, topic, address: loopWebhookAddress(shopDomain) });

  const sendThroughLoop = async (shopDomain: string, topic: string, extra: Record<string, unknown> = {}) => {
    const result = await json(`${loop.url}/__sandbox/send`, { shopDomain, topic, ...extra });
    expect(result.subscriptions, JSON.stringify(result)).toBeGreaterThan(0);
    return result.deliveries as { finalStatus: number | null; attempts: unknown[]; state: string }[];
  };

  const storedTopics = async (shopDomain: string) => (await db.event.findMany({ where: { shopDomain }, select: { topic: true } })).map((e) => e.topic);

  it("acknowledges a signed webhook of a topic the app does not consume (added by hand in Loop), stores nothing to send, counts it", async () => {
    // One secret for every webhook of the store: the hand-added one is signed with a secret the app holds.
    await json(`${loop.url}/__sandbox/options`, { webhookSecrets: "per-store" });
    expect(await connectLoopWithToken(db, SHOP, LOOP_TOKEN)).toMatchObject({ ok: true });
    await addByHand(SHOP, "subscription/delayed");

    const deliveries = await sendThroughLoop(SHOP, "subscription/delayed", { count: 2 });
    expect(deliveries.map((d) => [d.finalStatus, d.attempts.length])).toEqual([[200, 1], [200, 1]]);
    expect(await storedTopics(SHOP)).not.toContain("subscription/delayed");
    // The first sighting is written at once; later ones are added up and written at most once a minute.
    const counted = await db.unusedLoopField.findMany({ where: { shopDomain: SHOP }, select: { topic: true, path: true, count: true } });
    expect(counted).toEqual([{ topic: "subscription/delayed", path: "", count: 1 }]);
    expect(app.output()).toMatch(/"msg":"loop webhook ignored","reason":"ignored_topic","shop":"demo-shop.myshopify.com","topic":"subscription\/delayed"/);
    expect(app.output()).not.toMatch(/"reason":"unknown_shop"/);
  });

  it("refuses a webhook of such a topic that is forged or unsigned, as before, and writes nothing", async () => {
    const body = JSON.stringify({ payload: { id: 1 }, metaData: { myshopifyDomain: SHOP } });
    const post = (signature: string | null) =>
      fetch(`${app.url}/webhooks/loop?shop=${SHOP}`, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          "X-Loop-Webhook-Id": crypto.randomUUID(),
          "X-Loop-Webhook-Topic": "order/unskipped",
          ...(signature ? { "X-Loop-Signature": signature } : {}),
        },
        body,
      });
    expect((await post(signBody(body, "not-the-shops-secret-0123456789"))).status).toBe(401);
    expect((await post(null)).status).toBe(401);
    expect(await db.unusedLoopField.count({ where: { topic: "order/unskipped" } })).toBe(0);
    expect(await storedTopics(SHOP)).not.toContain("order/unskipped");
  });

  it("with a secret per webhook, accepts the hand-added topic once the merchant pasted its secret, and refuses it before", async () => {
    await json(`${loop.url}/__sandbox/options`, { webhookSecrets: "per-webhook" });
    const consumed = await addByHand(SECOND_SHOP, "order/processed");
    const extra = await addByHand(SECOND_SHOP, "order/unskipped");
    expect(await addManualLoopSecret(db, SECOND_SHOP, consumed.secret, ["order/processed"])).toMatchObject({ ok: true });

    // Signed with a secret the app was never given: it cannot tell this from a forgery.
    const refused = await sendThroughLoop(SECOND_SHOP, "order/unskipped");
    expect(refused.map((d) => [d.state, d.finalStatus])).toEqual([["failed", 401]]);

    expect(await addManualLoopSecret(db, SECOND_SHOP, extra.secret, [OTHER_LOOP_TOPICS])).toMatchObject({ ok: true });
    const accepted = await sendThroughLoop(SECOND_SHOP, "order/unskipped");
    expect(accepted.map((d) => d.finalStatus)).toEqual([200]);
    expect(await storedTopics(SECOND_SHOP)).toEqual([]);
    expect(await db.unusedLoopField.findMany({ where: { shopDomain: SECOND_SHOP }, select: { topic: true, path: true, count: true } })).toEqual([
      { topic: "order/unskipped", path: "", count: 1 },
    ]);
  });

  it("records the payload fields the mapping did not read (names, never values), per shop and topic", async () => {
    const deliveries = await sendThroughLoop(SHOP, "order/outOfStock", {
      persona: "ava",
      overrides: {
        outOfStockLineItems: [{ productTitle: "Organic Oat Protein", quantity: 1 }],
        nextChargeAttemptAt: "2025-06-09T10:00:00Z",
        billingAttempt: { nextAttemptDate: "2025-06-09" },
      },
    });
    expect(deliveries.map((d) => d.finalStatus)).toEqual([202]);
    const rows = await waitFor("the unused fields recorded", async () => {
      const found = await db.unusedLoopField.findMany({ where: { shopDomain: SHOP, topic: "order/outOfStock" } });
      return found.some((r) => r.path === "billingAttempt.nextAttemptDate") ? found : undefined;
    });
    const paths = rows.map((r) => r.path);
    expect(paths).toEqual(expect.arrayContaining(["outOfStockLineItems", "nextChargeAttemptAt", "billingAttempt.nextAttemptDate"]));
    // Fields the app reads are not reported.
    for (const read of ["id", "lines", "customer", "lines[].productTitle", "customer.email", "totalPrice"]) expect(paths).not.toContain(read);
    expect(rows.every((r) => r.count === 1)).toBe(true);
    expect(JSON.stringify(rows)).not.toMatch(/Organic Oat Protein|2025-06-09/);
  });
});
