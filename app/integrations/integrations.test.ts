// The Integrations page's data: the set-up checklist and a card per registered destination, for each state a
// shop can be in. Rows are written directly; the connection flows themselves are tested in app/routes.
import { describe, expect, it } from "vitest";
import { databaseKinds, withTestDatabase } from "../../tests/support/databases";
import { installShop } from "../../tests/support/shopify";
import { loadRoute } from "../../tests/support/connections";
import { loader } from "../routes/app._index";
import { seedEvent } from "~/statistics/seed.testutil";
import { recordFlowBuilderOpened, setupChecklist } from "./checklist.server";
import { integrationCards, integrations, type IntegrationDefinition } from "./registry.server";

describe.each(databaseKinds)("Integrations page data (%s)", (kind) => {
  const database = withTestDatabase(kind);

  it("starts with the six steps to do and Postscript not connected", async () => {
    const shop = "fresh.myshopify.com";
    await installShop(database.db, shop);
    const { data } = await loadRoute(loader, shop, "/app");
    expect(data.checklist).toMatchObject({ visible: true, doneCount: 0 });
    expect(data.checklist.steps.map((s: { id: string; url: string }) => [s.id, s.url])).toEqual([
      ["loop", "/app/integrations/loop"],
      ["postscript", "/app/integrations/postscript?tab=setup"],
      ["events", "/app/integrations/postscript?tab=settings"],
      ["test", "/app/integrations/postscript?tab=setup#send-test"],
      ["arrive", "/app/integrations/postscript?tab=overview"],
      ["flow", "https://app.postscript.io/flows"],
    ]);
    expect(data.cards).toEqual([
      expect.objectContaining({ id: "postscript", name: "Postscript", state: "not_connected", logo: "/integrations/postscript.svg", url: "/app/integrations/postscript", alert: null }),
    ]);
    expect(data.loop).toEqual({ state: "not_connected", detail: null, actionNeededReason: null });
  });

  it("marks each step done as the shop makes progress, and hides the checklist once every step is done", async () => {
    const shop = "progress.myshopify.com";
    await database.db.loopConnection.create({ data: { shopDomain: shop, status: "connected", mode: "manual" } });
    expect(await setupChecklist(database.db, shop)).toMatchObject({ visible: true, doneCount: 1 });
    await database.db.shopSettings.create({ data: { shopDomain: shop, eventsReviewedAt: new Date() } });
    expect(await setupChecklist(database.db, shop)).toMatchObject({ visible: true, doneCount: 2 });
    await database.db.postscriptConnection.create({ data: { shopDomain: shop, status: "connected", keyLastFour: "7890", postscriptShopName: "Demo Coffee Co", keyCiphertext: "x", keyKeyId: "test1" } });
    expect(await setupChecklist(database.db, shop)).toMatchObject({ visible: true, doneCount: 3 });
    // A test event sent, then accepted by Postscript; then Flow Builder opened from the checklist.
    const test = await seedEvent(database.db, { shop, receivedAt: new Date(), type: "order_upcoming", outcome: "pending", isTest: true });
    expect(await setupChecklist(database.db, shop)).toMatchObject({ visible: true, doneCount: 4 });
    await database.db.event.update({ where: { id: test.id }, data: { status: "delivered", deliveredAt: new Date() } });
    expect(await setupChecklist(database.db, shop)).toMatchObject({ visible: true, doneCount: 5 });
    await recordFlowBuilderOpened(database.db, shop);
    expect(await setupChecklist(database.db, shop)).toMatchObject({ visible: false, doneCount: 6 });
    const [card] = await integrationCards(database.db, shop);
    expect(card).toMatchObject({ state: "connected", detail: "Connected to Demo Coffee Co · key ••••7890", alert: null });
  });

  it("shows Action needed with what happened and a way to fix it", async () => {
    const shop = "rejected.myshopify.com";
    await database.db.postscriptConnection.create({
      data: { shopDomain: shop, status: "action_needed", keyLastFour: "7890", actionNeededReason: "Postscript answered 401 to POST /api/v2/events" },
    });
    const [card] = await integrationCards(database.db, shop);
    expect(card.state).toBe("action_needed");
    expect(card.alert).toEqual({
      title: "Postscript rejected the API key",
      body: expect.stringMatching(/^Postscript refused the access key to POST \/api\/v2\/events\. Events are kept and wait/),
      actionLabel: "Replace key",
      actionUrl: "/app/integrations/postscript?tab=settings",
    });
    // A disconnected connection reads as not connected again, and the checklist counts it as not made.
    await database.db.postscriptConnection.update({ where: { shopDomain: shop }, data: { status: "disconnected" } });
    expect((await integrationCards(database.db, shop))[0].state).toBe("not_connected");
    expect((await setupChecklist(database.db, shop)).steps[1].done).toBe(false);
  });

  it("renders any destination added to the registry, without changing the page", async () => {
    const another: IntegrationDefinition = {
      id: "another",
      name: "Another destination",
      summary: "One line.",
      logo: "/integrations/another.svg",
      url: "/app/integrations/another",
      status: async () => ({ state: "connected", detail: "ok", alert: null }),
    };
    const cards = await integrationCards(database.db, "x.myshopify.com", [...integrations, another]);
    expect(cards.map((c) => [c.id, c.state])).toEqual([
      ["postscript", "not_connected"],
      ["another", "connected"],
    ]);
    expect(cards[1]).not.toHaveProperty("status");
  });
});
