// The Settings tab's "Shopify Flow" section in Chromium against the production build: what the triggers and the
// action do, and a trigger shown as used once Flow's signed lifecycle callback (sent over HTTP, as Flow does)
// said so. Screenshots go to screenshots/.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, newPage, screenshot } from "../support/browser";
import { DEMO_SHOP, startDemoApp, type DemoApp } from "../support/demo-app";
import { flowRequest } from "../support/shopify";

describe("Shopify Flow in Settings, in a browser", () => {
  let app: DemoApp;
  let browser: Browser;
  beforeAll(async () => {
    app = await startDemoApp();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it("says what each trigger and the action do, and which triggers the shop's workflows use", async () => {
    const callback = flowRequest("/flow/trigger-lifecycle", {
      flow_trigger_definition_id: "postscript-needs-action",
      has_enabled_flow: true,
      shop_id: 1,
      shopify_domain: DEMO_SHOP,
      timestamp: new Date().toISOString(),
    });
    const response = await fetch(new URL("/flow/trigger-lifecycle", app.server.url), { method: "POST", headers: callback.headers, body: await callback.text() });
    expect(response.status).toBe(200);

    const page = await newPage(browser);
    await page.goto(`${app.server.url}/dev/open?path=${encodeURIComponent("/app/integrations/postscript?tab=settings")}`);
    // Polaris puts the id on the section's heading; the section is the annotated block around it.
    await page.locator("#shopify-flow").waitFor();
    const section = page.locator(".Polaris-Layout__AnnotatedSection", { has: page.locator("#shopify-flow") });
    for (const name of ["Postscript connection needs action", "Loop event could not be delivered to Postscript", "Deliveries back to normal", "Send custom event to Postscript"]) {
      await expect(section.getByText(name, { exact: true }).isVisible()).resolves.toBe(true);
    }
    await expect(section.getByText("Used by a workflow").count()).resolves.toBe(1);
    await expect(section.getByText("Not used yet").count()).resolves.toBe(2);
    await screenshot(page, "flow-settings-page");
    // The section is the last on the page: its end at the bottom of the viewport shows all of it.
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    await screenshot(page, "flow-settings", { fullPage: false });
  });
});
