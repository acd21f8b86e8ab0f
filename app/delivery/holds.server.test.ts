// Support's hold on a shop's deliveries, through the worker with the app's own credentials lookup
// (deliveryCredentials reads the hold and opens the sealed key): nothing is sent while held, nothing is lost,
// and everything goes once the hold is released. On every test database, against the Postscript stand-in.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPostscriptStandIn } from "../../sandbox/postscript/server";
import { DEMO_SHOP_KEY } from "../../sandbox/postscript/seed";
import { databaseKinds, withTestDatabase } from "../../tests/support/databases";
import { postscriptKeyContext } from "~/connections/secret-contexts";
import { PostscriptClient } from "~/postscript/client.server";
import { lastFour, sealSecret } from "~/secrets/secrets.server";
import { deliveryHoldState, holdDeliveries, releaseDeliveries } from "./holds.server";
import { createPendingEvent } from "./pending-event.testutil";
import { TEST_DELIVERY_POLICY } from "./policy.testutil";
import { deliveryCredentials } from "./runtime.server";
import { VirtualClock } from "~/jobs/virtual-clock";
import { createDeliveryWorker } from "./worker.server";

const SHOP = "held-coffee.myshopify.com";
const STAFF = "olga.operator@support.example";

const policy = TEST_DELIVERY_POLICY;

describe.each(databaseKinds)("delivery holds (%s)", (kind) => {
  const database = withTestDatabase(kind);
  let ps: Awaited<ReturnType<typeof startPostscriptStandIn>>;
  beforeAll(async () => {
    ps = await startPostscriptStandIn();
    const sealed = sealSecret(DEMO_SHOP_KEY, postscriptKeyContext(SHOP));
    await database.db.postscriptConnection.create({
      data: { shopDomain: SHOP, status: "connected", keyCiphertext: sealed.ciphertext, keyKeyId: sealed.keyId, keyLastFour: lastFour(DEMO_SHOP_KEY) },
    });
  });
  afterAll(() => ps.close());

  const worker = () =>
    createDeliveryWorker({
      db: database.db,
      clock: new VirtualClock(),
      policy,
      workerId: "holds-test",
      random: () => 0.5,
      senderFor: (c) => new PostscriptClient({ baseUrl: ps.url, apiKey: c.apiKey, timeoutMs: 1_000 }),
      credentialsFor: (shop) => deliveryCredentials(database.db, shop),
      onKeyRejected: async () => undefined,
      prepare: async () => undefined,
      staleReason: async () => null,
    });

  async function sentToPostscript(): Promise<number> {
    const json = (await (await fetch(`${ps.url}/__sandbox/requests?path=/api/v2/events`)).json()) as { requests: unknown[] };
    return json.requests.length;
  }

  it("holds (nothing sent, events wait as paused) and releases (everything sent), recorded in the history", async () => {
    const db = database.db;
    expect(await holdDeliveries(db, SHOP, STAFF)).toBe(true);
    expect(await holdDeliveries(db, SHOP, STAFF)).toBe(false); // already held
    expect(await deliveryHoldState(db, SHOP)).toMatchObject({ held: true, by: STAFF });
    expect(await deliveryCredentials(db, SHOP)).toMatchObject({ hold: "held_by_support" });

    const ids: string[] = [];
    for (let n = 0; n < 3; n++) ids.push((await createPendingEvent(db, SHOP)).id);
    await worker().drainOnce();
    const held = await db.event.findMany({ where: { id: { in: ids } } });
    expect(held.map((e) => [e.status, e.reason])).toEqual([
      ["paused", "held_by_support"],
      ["paused", "held_by_support"],
      ["paused", "held_by_support"],
    ]);
    expect(await sentToPostscript()).toBe(0);

    expect(await releaseDeliveries(db, SHOP, STAFF)).toBe(true);
    expect(await releaseDeliveries(db, SHOP, STAFF)).toBe(false);
    expect(await deliveryHoldState(db, SHOP)).toEqual({ held: false, since: null, by: null });
    await worker().drainOnce();
    const released = await db.event.findMany({ where: { id: { in: ids } } });
    expect(released.map((e) => e.status)).toEqual(["delivered", "delivered", "delivered"]);
    expect(await sentToPostscript()).toBe(3);

    const history = await db.configurationChange.findMany({ where: { shopDomain: SHOP }, orderBy: { createdAt: "asc" } });
    expect(history.map((h) => [h.actor, h.action])).toEqual([
      ["support", "support.deliveries_held"],
      ["support", "support.deliveries_released"],
    ]);
    expect(JSON.parse(history[1].details)).toMatchObject({ staff: STAFF, heldBy: STAFF });
  });
});
