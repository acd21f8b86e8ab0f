// Subscriber properties as a merchant meets them, in Chromium, on the app as the demo runs it: switching the sync
// on in Settings through Shopify's contextual save bar, the list of properties, and the sync figures with a
// problem group on the Integration Overview. Workers are off (PROCESS_ROLE=web), so the seeded sync rows stay as
// seeded. Screenshots: docs/images/settings-subscriber-properties.png, settings-backfill-running.png,
// settings-backfill-cancelled.png, overview-subscriber-properties.png.
import { copyFileSync } from "node:fs";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabaseClient, createDatabaseClient, type Database } from "~/db.server";
import { SUBSCRIBER_PROPERTIES } from "~/events/subscriber-properties";
import { seedEvent } from "~/statistics/seed.testutil";
import { launchBrowser, newPage, openAdminPage, screenshot } from "../support/browser";
import { DEMO_SHOP, startDemoApp, type DemoApp } from "../support/demo-app";

const SETTINGS = "/app/integrations/postscript?tab=settings";
const OVERVIEW = "/app/integrations/postscript?tab=overview";
const IMAGES = path.resolve(__dirname, "../../docs/images");

describe("subscriber properties in a browser", () => {
  let app: DemoApp;
  let browser: Browser;
  let db: Database;
  let page: Page;
  const now = Date.now();

  beforeAll(async () => {
    app = await startDemoApp("sqlite", { env: { PROCESS_ROLE: "web" } });
    db = createDatabaseClient(app.database.url);
    await db.shop.update({ where: { domain: DEMO_SHOP }, data: { ianaTimezone: "America/New_York" } });
    await db.postscriptConnection.create({ data: { shopDomain: DEMO_SHOP, status: "connected", keyLastFour: "9f3a", connectedAt: new Date(now - 10 * 86_400_000) } });
    await db.loopConnection.create({ data: { shopDomain: DEMO_SHOP, status: "connected", mode: "api", connectedAt: new Date(now - 10 * 86_400_000) } });
    for (let i = 0; i < 12; i++) {
      await seedEvent(db, { shop: DEMO_SHOP, receivedAt: new Date(now - (i + 1) * 3_600_000), type: i % 2 ? "order_upcoming" : "subscription_created", outcome: "delivered", latencyMs: 800 });
    }
    const row = (customerKey: string, fields: Record<string, unknown>) => db.subscriberSync.create({ data: { shopDomain: DEMO_SHOP, customerKey, markedAt: new Date(now - 600_000), ...fields } });
    for (let i = 0; i < 38; i++) await row(`loop:${61_000_100 + i}`, { syncStatus: "synced", subscriberId: `s_${i}`, syncedAt: new Date(now - 300_000) });
    for (let i = 0; i < 9; i++) await row(`loop:${61_000_200 + i}`, { syncStatus: "not_subscriber", dueAt: new Date(now + 86_400_000) });
    await row("loop:61000300", {
      syncStatus: "failed",
      errorKind: "rejected",
      errorDetail: "body.properties: Subscribers can have up to 50 custom properties (would have 53)",
    });
    await row("loop:61000301", { syncStatus: "retrying", errorKind: "rate_limited", errorDetail: "Rate limit exceeded", dueAt: new Date(now + 4_000) });
    browser = await launchBrowser();
    page = await newPage(browser);
  });
  afterAll(async () => {
    await browser?.close();
    if (db) await closeDatabaseClient(db);
    await app?.close();
  });

  const shot = async (name: string) => {
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    await page.setViewportSize({ width: 1280, height: Math.min(Math.max(height, 900), 6000) });
    const file = await screenshot(page, name);
    await page.setViewportSize({ width: 1280, height: 900 });
    copyFileSync(file, path.join(IMAGES, `${name}.png`));
  };
  const saveBar = () => page.locator("ui-save-bar[data-showing]");

  it("switches syncing on through the save bar and lists every property with an example", async () => {
    await openAdminPage(page, app.server.url, SETTINGS, { heading: "Postscript" });
    const toggle = page.getByLabel("Keep subscriber properties up to date in Postscript");
    await expect(toggle.isChecked()).resolves.toBe(false);
    for (const { name } of SUBSCRIBER_PROPERTIES) await expect(page.getByText(name, { exact: true }).isVisible()).resolves.toBe(true);
    await toggle.check();
    await saveBar().waitFor();
    await saveBar().getByRole("button", { name: "Save" }).click();
    await saveBar().waitFor({ state: "hidden" });
    await page.locator("[data-dev-toast]").getByText("Subscriber properties will be kept up to date in Postscript.").waitFor();
    expect((await db.shopSettings.findUniqueOrThrow({ where: { shopDomain: DEMO_SHOP } })).propertySyncEnabled).toBe(true);
    await page.locator("#subscriber-properties").scrollIntoViewIfNeeded();
    await expect(toggle.isChecked()).resolves.toBe(true);
    await shot("settings-subscriber-properties");
  });

  it("shows a running backfill's progress in words, cancels it, and explains why one cannot start without a Loop token", async () => {
    // Workers are off, so the job stays as seeded: 1,200 of 20,000 read in the first minute.
    await db.propertyBackfill.create({
      data: { shopDomain: DEMO_SHOP, status: "running", nextPage: 25, pages: 24, subscriptionsRead: 1_200, subscriptionsTotal: 20_000, customers: 800, startedAt: new Date(Date.now() - 60_000), nextAttemptAt: new Date() },
    });
    await openAdminPage(page, app.server.url, SETTINGS, { heading: "Postscript" });
    const progress = page.getByText(/1,200 of ~20,000 subscriptions read, 800 customers queued, about 16 min left/);
    await progress.waitFor();
    await progress.scrollIntoViewIfNeeded();
    await shot("settings-backfill-running");

    await page.getByRole("button", { name: "Cancel backfill" }).click();
    await page.locator("[data-dev-toast]").getByText("Backfill cancelled").waitFor();
    await page.getByText(/^Cancelled: 1,200 of ~20,000 subscriptions read/).waitFor();
    expect((await db.propertyBackfill.findUniqueOrThrow({ where: { shopDomain: DEMO_SHOP } })).status).toBe("cancelled");

    // This shop's Loop connection has no API token (webhooks set up by hand): the backfill cannot read Loop.
    await page.getByRole("button", { name: "Backfill current subscriptions" }).click();
    await page.getByText("A backfill reads subscriptions with a Loop API token. Connect Loop with a token first.").waitFor();
    await page.getByText(/^Cancelled: 1,200/).scrollIntoViewIfNeeded();
    await shot("settings-backfill-cancelled");
  });

  it("shows the sync figures and the problems, in plain words, on the Integration Overview", async () => {
    await openAdminPage(page, app.server.url, OVERVIEW, { heading: "Postscript" });
    const heading = page.getByRole("heading", { name: "Subscriber properties", level: 2 });
    await heading.waitFor();
    // The card: the nearest block around the heading that also holds the figures.
    const card = heading.locator("xpath=ancestor::div[.//*[text()='Subscribers synced']][1]");
    const text = await card.innerText();
    expect(text).toMatch(/Subscribers synced\s+38/);
    expect(text).toMatch(/Not subscribers\s+9/);
    expect(text).toMatch(/Failed\s+1/);
    expect(text).toContain("Postscript refused the update: 1 customer");
    expect(text).toContain("Postscript asked the app to slow down: 1 customer");
    expect(text).not.toMatch(/\b(400|429)\b/);
    await card.scrollIntoViewIfNeeded();
    await shot("overview-subscriber-properties");
  });
});
