// A Postscript outage as the merchant lives it, in Chromium against the production build with the stand-ins
// and the delivery worker running: Postscript answers 503 to everything (the stand-in's fault injection), and
// the Integrations page and the Integration overview, left open, turn to "not answering — retrying" with the
// events waiting and the next attempt; once Postscript answers again the same open pages say it works again.
// Nothing is reloaded by the test: the pages refresh themselves while visible. Screenshots: live-* (the outage also
// at 390 px, a phone's width).
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SHOP_KEY } from "../../sandbox/postscript/seed";
import { closeDatabaseClient, createDatabaseClient, type Database } from "~/db.server";
import { seedEvent } from "~/statistics/seed.testutil";
import { launchBrowser, newPage, openAdminPage, screenshot } from "../support/browser";
import { DEMO_SHOP, startDemoApp, type DemoApp } from "../support/demo-app";

// Longer than a refresh (12 s) plus a retry: the time the pages get to show a change by themselves.
const LIVE = { timeout: 45_000 };

describe("live delivery status in a browser", () => {
  let app: DemoApp;
  let browser: Browser;
  let page: Page;
  let db: Database;

  beforeAll(async () => {
    // Short retry waits, so the outage's retries and the recovery happen within the test.
    app = await startDemoApp("sqlite", { standIns: true, env: { DELIVERY_POLL_INTERVAL_MS: "100", DELIVERY_BACKOFF_BASE_MS: "2000", DELIVERY_BACKOFF_MAX_MS: "4000" } });
    db = createDatabaseClient(app.database.url);
    browser = await launchBrowser();
    page = await newPage(browser);
  });
  afterAll(async () => {
    await browser?.close();
    if (db) await closeDatabaseClient(db);
    await app?.close();
  });

  const open = (path: string) => openAdminPage(page, app.server.url, path);
  /** The open page at 390 px (Shopify admin's app on a phone): a screenshot, nothing cut off; then back to the desktop width. */
  async function atPhoneWidth(name: string) {
    const desktop = page.viewportSize()!;
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, name);
    await expect(page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).resolves.toBe(0);
    await page.setViewportSize(desktop);
  }
  const health = () => page.getByRole("status").filter({ hasText: /Postscript|Working|No events/ }).first();

  it("connects Postscript and says it works once events went out", async () => {
    await open("/app/integrations/postscript?tab=setup");
    await page.getByLabel("Private API key").fill(DEMO_SHOP_KEY);
    await page.getByRole("button", { name: "Connect", exact: true }).click();
    await page.getByRole("heading", { name: "Connected to Demo Coffee Co" }).waitFor();
    await seedEvent(db, { shop: DEMO_SHOP, receivedAt: new Date(), type: "subscription_created", outcome: "pending", email: "first@example.com", loopOrderId: "5550001" });
    await expect.poll(() => db.event.count({ where: { shopDomain: DEMO_SHOP, status: "delivered" } }), LIVE).toBe(1);
    await open("/app");
    await expect(health().innerText()).resolves.toContain("Working — every event received so far has been handled.");
    await expect(page.getByText("Success in the last 24 h: 100%").isVisible()).resolves.toBe(true);
  });

  it("shows an outage on the open Integrations page: not answering, retrying since, events waiting", async () => {
    app.postscript!.setFaults({ errorRate: 1, errorStatus: 503 });
    for (const i of [1, 2, 3]) {
      await seedEvent(db, { shop: DEMO_SHOP, receivedAt: new Date(), type: "subscription_created", outcome: "pending", email: `outage${i}@example.com`, subscriptionKey: String(9100 + i), loopOrderId: String(5550010 + i) });
    }
    await page.getByText(/^Postscript is not answering — retrying since \d{1,2}:\d{2} [AP]M, 3 events waiting\. Next attempt at \d{1,2}:\d{2} [AP]M\.$/).waitFor(LIVE);
    await expect(page.locator("[data-health-state=retrying]").count()).resolves.toBe(1);
    await screenshot(page, "live-integrations-outage");
    await atPhoneWidth("live-integrations-outage-390");
  });

  it("lists the retrying events on the overview, grouped by cause, with the next attempt", async () => {
    await open("/app/integrations/postscript?tab=overview");
    await page.getByRole("heading", { name: "Retrying: Postscript unavailable" }).waitFor(LIVE);
    await expect(page.getByText(/^3 events waiting now · retrying since .+ · next attempt .+$/).isVisible()).resolves.toBe(true);
    await expect(page.getByText(/^Postscript is not answering/).isVisible()).resolves.toBe(true);
    await screenshot(page, "live-overview-outage");
    await atPhoneWidth("live-overview-outage-390");
  });

  it("says it works again on the open overview and Integrations page once Postscript answers", async () => {
    app.postscript!.resetFaults();
    await page.getByText("Working — every event received so far has been handled.").waitFor(LIVE);
    await page.getByRole("heading", { name: "Retrying: Postscript unavailable" }).waitFor({ state: "detached", timeout: LIVE.timeout });
    expect(await db.event.count({ where: { shopDomain: DEMO_SHOP, status: "delivered" } })).toBe(4);
    await screenshot(page, "live-overview-recovered");
    await open("/app");
    await expect(health().innerText()).resolves.toContain("Working — every event received so far has been handled.");
    await screenshot(page, "live-integrations-recovered");
  });
});
