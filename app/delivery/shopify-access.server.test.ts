// The delivery worker as the app runs it (createAppDeliveryWorkers) across expiring offline tokens: the shop is
// installed by token exchange against the Shopify stand-in, whose offline tokens here last one second, so each
// batch runs after the token has expired and the library must refresh it (rotating refresh tokens). A revoked
// refresh token must show as a grouped reason in the overview. Postscript is its stand-in too.
import type { Event } from "@prisma/client";
import { API_KEY, API_SECRET_KEY } from "@shopify/shopify-api/test-helpers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePayload } from "../../sandbox/loop/payloads";
import { startPostscriptStandIn } from "../../sandbox/postscript/server";
import { DEMO_SHOP_KEY } from "../../sandbox/postscript/seed";
import { startShopifyAdminStandIn } from "../../sandbox/shopify/server";
import { databaseKinds, withTestDatabase } from "../../tests/support/databases";
import { openAppInShopifyAdmin, untilTokenRefused } from "../../tests/support/shopify";
import { resetConfigForTests } from "~/config/env.server";
import { connectPostscript } from "~/connections/postscript.server";
import { storedOfflineSession } from "~/shopify.server";
import { loadOverview, readOverviewContext } from "~/statistics/overview.server";
import { SHOPIFY_LOOKUP_PATIENCE_MS } from "./prepare.server";
import { createAppDeliveryWorkers } from "./runtime.server";

const SHOP = "expiring.myshopify.com";
/** Loop sent neither email nor phone: only Shopify can say who the customer is. */
const NO_CONTACT = { customer: { email: "$delete", phone: "$delete" }, shippingAddress: { phone: "$delete" } };

describe.each(databaseKinds)("Shopify lookups across expiring offline tokens (%s)", (kind) => {
  const database = withTestDatabase(kind);
  let shopify: Awaited<ReturnType<typeof startShopifyAdminStandIn>>;
  let ps: Awaited<ReturnType<typeof startPostscriptStandIn>>;
  let seq = 0;

  beforeAll(async () => {
    [shopify, ps] = await Promise.all([
      startShopifyAdminStandIn({ shopDomain: SHOP, client: { id: API_KEY, secret: API_SECRET_KEY }, offlineTokenLifetimeS: 1, accessTokens: [] }),
      startPostscriptStandIn(),
    ]);
    Object.assign(process.env, { SHOPIFY_ADMIN_API_ORIGIN: shopify.url, POSTSCRIPT_API_URL: ps.url });
    resetConfigForTests();
    await openAppInShopifyAdmin(SHOP);
    expect(await connectPostscript(database.db, SHOP, { apiKey: DEMO_SHOP_KEY, label: "tokens" })).toMatchObject({ ok: true });
  });
  afterAll(async () => {
    delete process.env.SHOPIFY_ADMIN_API_ORIGIN;
    delete process.env.POSTSCRIPT_API_URL;
    resetConfigForTests();
    await Promise.all([shopify.close(), ps.close()]);
  });

  // Through the app's session storage: the table holds the tokens sealed.
  const offlineSession = async () => (await storedOfflineSession(SHOP))!;

  /** A stored Loop webhook, as ingestion leaves it. */
  async function received(topic: "subscription/created" | "order/upcoming", persona: string, fields: { overrides?: Record<string, unknown>; receivedAt?: Date } = {}) {
    const n = ++seq;
    const body = generatePayload(topic, { seed: `tokens-${n}`, shopDomain: SHOP, persona, overrides: fields.overrides, now: Date.now() });
    return database.db.event.create({
      data: {
        shopDomain: SHOP,
        dedupeKey: `tok-${kind}-${n}`,
        loopWebhookId: `tok-${kind}-${n}`,
        topic,
        status: "received",
        occurredAt: new Date(),
        receivedAt: fields.receivedAt ?? new Date(),
        payload: JSON.stringify(body),
      },
    });
  }

  // One worker throughout, as in the app: another worker would first wait out the key's handoff spacing.
  let worker: ReturnType<typeof createAppDeliveryWorkers>["delivery"] | undefined;
  const drain = () => (worker ??= createAppDeliveryWorkers(database.db).delivery).drainOnce();
  const rowsOf = (source: Event) => database.db.event.findMany({ where: { loopWebhookId: source.loopWebhookId }, orderBy: { dedupeKey: "asc" } });
  const sent = (row: { request: string | null }) => JSON.parse(row.request ?? "null");

  it("keeps looking customers up and producing customer_activation after the token expires, twice", async () => {
    const first = await offlineSession();
    expect(first.refreshToken).toMatch(/^shprt_/);
    expect(first.expires!.getTime() - Date.now()).toBeLessThan(2_000);

    for (const round of [1, 2]) {
      const before = await offlineSession();
      await untilTokenRefused(shopify.graphqlUrl(), before.accessToken!);
      const created = await received("subscription/created", round === 1 ? "liam" : "olivia");
      const upcoming = await received("order/upcoming", "ava", { overrides: NO_CONTACT });
      await drain();

      const [subscription, activation] = await rowsOf(created);
      expect(subscription).toMatchObject({ eventType: "subscription_created", status: "delivered" });
      expect(activation).toMatchObject({ eventType: "customer_activation", status: "delivered", reasonDetail: null });
      expect(sent(activation).properties.account_activation_url).toMatch(new RegExp(`^https://${SHOP}/account/activate/`));
      const [lookedUp] = await rowsOf(upcoming);
      expect(lookedUp).toMatchObject({ eventType: "order_upcoming", status: "delivered", customerEmail: "ava.thompson@example.com", customerPhone: "+12015550101" });

      // The library stored the refreshed pair: a new access token and the rotated refresh token.
      const after = await offlineSession();
      expect(after.accessToken).not.toBe(before.accessToken);
      expect(after.refreshToken).not.toBe(before.refreshToken);
    }
    const grants = shopify.state.oauth.requests.map((r) => `${r.grantType} ${r.status}`);
    expect(grants.filter((g) => g === "refresh_token 200").length).toBeGreaterThanOrEqual(2);
    expect(grants.filter((g) => !g.endsWith(" 200"))).toEqual([]);
  });

  it("shows a refresh Shopify refuses as a grouped reason, and recovers when the app is opened again", async () => {
    await untilTokenRefused(shopify.graphqlUrl(), (await offlineSession()).accessToken!);
    await fetch(`${shopify.url}/__sandbox/tokens`, { method: "POST", body: JSON.stringify({ revokeRefreshTokens: true }) });

    // Received longer ago than the worker waits for Shopify: the refused refresh is final for these.
    const longAgo = new Date(Date.now() - SHOPIFY_LOOKUP_PATIENCE_MS - 60_000);
    const created = await received("subscription/created", "liam", { receivedAt: longAgo });
    const upcoming = await received("order/upcoming", "ava", { overrides: NO_CONTACT, receivedAt: longAgo });
    // Just received: a refused refresh may be Shopify's token endpoint being down, so it waits and tries again.
    const fresh = await received("order/upcoming", "ava", { overrides: NO_CONTACT });
    await drain();

    const [subscription, activation] = await rowsOf(created);
    expect(subscription).toMatchObject({ eventType: "subscription_created", status: "delivered" });
    expect(activation).toMatchObject({ eventType: "customer_activation", status: "skipped", reason: "shopify_access_lost" });
    expect(activation.reasonDetail).toMatch(/could not be asked.*did not renew/);
    const [notLookedUp] = await rowsOf(upcoming);
    expect(notLookedUp).toMatchObject({ eventType: "order_upcoming", status: "skipped", reason: "shopify_access_lost" });
    const waiting = await database.db.event.findUniqueOrThrow({ where: { id: fresh.id } });
    expect(waiting.status).toBe("received");
    expect(waiting.nextAttemptAt.getTime()).toBeGreaterThan(Date.now() + 30_000);

    const overview = await loadOverview(database.db, SHOP, await readOverviewContext(database.db, SHOP), new URLSearchParams({ period: "7d" }));
    const group = overview.errors.find((e) => e.code === "shopify_access_lost");
    expect(group).toMatchObject({ count: 2, title: "No access to Shopify", outcome: "skipped" });
    expect(group!.todo).toMatch(/Opening the app from Shopify admin/);

    // The merchant opens the app: token exchange gives it a new pair, and the waiting event is completed.
    await openAppInShopifyAdmin(SHOP);
    await database.db.event.update({ where: { id: fresh.id }, data: { nextAttemptAt: new Date() } });
    await drain();
    expect(await database.db.event.findUniqueOrThrow({ where: { id: fresh.id } })).toMatchObject({
      status: "delivered",
      customerEmail: "ava.thompson@example.com",
    });
  });
});
