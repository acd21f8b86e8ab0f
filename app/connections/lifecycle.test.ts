// What happens to a shop's connections when it leaves: app/uninstalled drops the secrets at once (keeping the
// non-secret history), shop/redact removes everything; both through Shopify's real webhook authentication,
// and neither touches another shop. Plus the history's guard against secret-looking fields.
import { beforeAll, describe, expect, it } from "vitest";
import { DEMO_SHOP, DEMO_TOKEN, SECOND_SHOP, SECOND_TOKEN } from "../../sandbox/loop/server";
import { DEMO_SHOP_KEY, TEA_SHOP_KEY } from "../../sandbox/postscript/seed";
import { useStandIns } from "../../tests/support/connections";
import { databaseKinds, withTestDatabase } from "../../tests/support/databases";
import { installShop, runRoute, webhookRequest } from "../../tests/support/shopify";
import { action as uninstalled } from "../routes/webhooks.app.uninstalled";
import { action as shopRedact } from "../routes/webhooks.shop.redact";
import { owners } from "~/compliance/owners.server";
import { recordChange, recentChanges, withoutSecretFields } from "./history.server";
import { connectLoopWithToken, loopWebhookSecrets } from "./loop.server";
import { connectionRecords } from "./personal-data.server";
import { connectPostscript, postscriptCredentials } from "./postscript.server";
import { saveTestRecipient } from "~/settings/shop-settings.server";

describe.each(databaseKinds)("connections when a shop leaves (%s)", (kind) => {
  const database = withTestDatabase(kind);
  useStandIns();

  /** Both shops connected to Postscript and Loop, with settings and history. */
  beforeAll(async () => {
    for (const [shop, key, token] of [
      [DEMO_SHOP, DEMO_SHOP_KEY, DEMO_TOKEN],
      [SECOND_SHOP, TEA_SHOP_KEY, SECOND_TOKEN],
    ]) {
      await installShop(database.db, shop);
      expect((await connectPostscript(database.db, shop, { apiKey: key, label: "bridge" })).ok).toBe(true);
      expect((await connectLoopWithToken(database.db, shop, token)).ok).toBe(true);
      expect((await saveTestRecipient(database.db, shop, { testEmail: "test@example.com", testPhone: "" })).ok).toBe(true);
    }
  });

  const counts = async (shop: string) => ({
    postscript: await database.db.postscriptConnection.count({ where: { shopDomain: shop } }),
    loop: await database.db.loopConnection.count({ where: { shopDomain: shop } }),
    webhooks: await database.db.loopWebhook.count({ where: { shopDomain: shop } }),
    settings: await database.db.shopSettings.count({ where: { shopDomain: shop } }),
    history: await database.db.configurationChange.count({ where: { shopDomain: shop } }),
  });

  it("app/uninstalled removes the key, the token and the webhook secrets, and keeps the rows as disconnected", async () => {
    for (let i = 0; i < 2; i++) {
      const response = await runRoute(uninstalled, webhookRequest("/webhooks/app/uninstalled", "app/uninstalled", DEMO_SHOP, { id: 1 }));
      expect(response.status).toBe(200);
    }
    expect(await database.db.postscriptConnection.findUnique({ where: { shopDomain: DEMO_SHOP } })).toMatchObject({
      status: "disconnected",
      keyCiphertext: null,
      keyKeyId: null,
      keyLastFour: "7890",
      postscriptShopName: "Demo Coffee Co",
    });
    expect(await database.db.loopConnection.findUnique({ where: { shopDomain: DEMO_SHOP } })).toMatchObject({ status: "disconnected", tokenCiphertext: null, tokenKeyId: null });
    expect(await counts(DEMO_SHOP)).toMatchObject({ postscript: 1, loop: 1, webhooks: 0, settings: 1 });
    expect(await postscriptCredentials(database.db, DEMO_SHOP)).toBeNull();
    expect(await loopWebhookSecrets(database.db, DEMO_SHOP, "order/upcoming")).toEqual([]);

    // Recorded once, although Shopify delivered the webhook twice.
    const changes = await recentChanges(database.db, DEMO_SHOP, { prefix: "shop." });
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ actor: "system", action: "shop.uninstalled", details: { postscriptKeyRemoved: true, loopTokenRemoved: true, loopWebhookSecretsRemoved: 14 } });

    // The other shop keeps working.
    expect(await postscriptCredentials(database.db, SECOND_SHOP)).toEqual({ apiKey: TEA_SHOP_KEY });
    expect(await loopWebhookSecrets(database.db, SECOND_SHOP, "order/upcoming")).toHaveLength(1);
  });

  it("shop/redact removes every connection row, webhook, setting and history entry of the shop, and nothing else", async () => {
    const neighbour = await counts(SECOND_SHOP);
    const response = await runRoute(shopRedact, webhookRequest("/webhooks/shop/redact", "shop/redact", DEMO_SHOP, { shop_id: 1, shop_domain: DEMO_SHOP }));
    expect(response.status).toBe(200);
    expect(await counts(DEMO_SHOP)).toEqual({ postscript: 0, loop: 0, webhooks: 0, settings: 0, history: 0 });
    expect(await counts(SECOND_SHOP)).toEqual(neighbour);
    const request = await database.db.complianceRequest.findFirstOrThrow({ where: { shopDomain: DEMO_SHOP, topic: "shop/redact" } });
    expect(JSON.parse(request.result!).removed["connections, settings and configuration history"]).toBeGreaterThan(3);
  });

  it("is listed before the shop record, and holds nothing about customers", async () => {
    expect(owners.indexOf(connectionRecords)).toBeGreaterThanOrEqual(0);
    expect(owners.indexOf(connectionRecords)).toBeLessThan(owners.findIndex((o) => o.name === "sessions and shop record"));
    expect(await connectionRecords.exportCustomer(database.db, SECOND_SHOP, { email: "test@example.com" })).toEqual([]);
    expect(await connectionRecords.redactCustomer(database.db, SECOND_SHOP, { email: "test@example.com" })).toBe(0);
  });
});

describe("configuration history", () => {
  it("drops fields whose names look like secrets before anything is written", () => {
    expect(withoutSecretFields({ keyLastFour: "7890", apiKey: "sk_x", token: "t", webhookSecret: "s", label: "a", signature: "x", tokenLastFour: "8e6f", secretsRemoved: 3, tokenRemoved: true, secretIds: ["1"] })).toEqual({
      keyLastFour: "7890",
      label: "a",
      tokenLastFour: "8e6f",
      secretsRemoved: 3,
      tokenRemoved: true,
    });
  });

  it("writes the details as JSON through the client it is given", async () => {
    const written: unknown[] = [];
    const fake = { configurationChange: { create: async (args: unknown) => written.push(args) } } as never;
    await recordChange(fake, "a.myshopify.com", "merchant", "postscript.connected", { keyLastFour: "1234", privateKey: "sk_nope" });
    expect(written).toEqual([{ data: { shopDomain: "a.myshopify.com", actor: "merchant", action: "postscript.connected", details: '{"keyLastFour":"1234"}' } }]);
  });
});
