// The merchant's pages at 390 px, the width of Shopify admin's app on a phone: nothing wider than the screen,
// the event log as condensed rows (time, type, outcome), and the custom date range as one month whose every
// day can be clicked, with Apply on screen. Screenshots: phone-*.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabaseClient, createDatabaseClient, type Database } from "~/db.server";
import { launchBrowser, MERCHANT_PAGES, newPage, openAdminPage, screenshot } from "../support/browser";
import { startDemoApp, type DemoApp } from "../support/demo-app";
import { seedMerchantData } from "../support/merchant-data";

const WIDTH = 390;

describe(`the merchant's pages at ${WIDTH} px`, () => {
  let app: DemoApp;
  let browser: Browser;
  let db: Database;
  let page: Page;
  const pageErrors: string[] = [];
  let eventId = "";

  beforeAll(async () => {
    app = await startDemoApp("sqlite", { env: { PROCESS_ROLE: "web" } });
    db = createDatabaseClient(app.database.url);
    eventId = (await seedMerchantData(db)).paymentFailed.id;
    browser = await launchBrowser();
    page = await newPage(browser, { width: WIDTH, height: 844 });
    // A hydration mismatch (server and browser rendering differently) shows up here, among others.
    page.on("pageerror", (error) => pageErrors.push(error.message));
  });
  afterAll(async () => {
    await browser?.close();
    if (db) await closeDatabaseClient(db);
    await app?.close();
  });

  const open = (path: string, heading: string) => openAdminPage(page, app.server.url, path, { heading });
  /** How far the page reaches past the screen's right edge (0: nothing is cut off). */
  const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  /** Elements that reach past the screen's edge, even inside a container that hides or scrolls them (JSON boxes scroll on purpose). */
  const pastTheEdge = () =>
    page.evaluate(() =>
      [...document.querySelectorAll("body *")]
        .filter((el) => !el.closest("pre") && el.checkVisibility({ visibilityProperty: true, opacityProperty: true }) && el.getBoundingClientRect().width > 0)
        .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
        .slice(-3)
        .map((el) => `${el.tagName}.${el.className} “${(el.textContent ?? "").slice(0, 40)}”`),
    );

  it.each(MERCHANT_PAGES.map((p) => [p.slug, p.path, p.heading]))("%s fits the screen", async (name, path, heading) => {
    await open(path, heading);
    await screenshot(page, `phone-${name}`);
    expect(await pastTheEdge()).toEqual([]);
    expect(await overflow()).toBe(0);
  });

  it("the event detail fits the screen", async () => {
    await open(`/app/events/${eventId}`, "Payment failed with only 1 retry left");
    await screenshot(page, "phone-event");
    expect(await pastTheEdge()).toEqual([]);
    expect(await overflow()).toBe(0);
  });

  it("lists events as condensed rows that show time, type and outcome", async () => {
    await open("/app/events", "Event log");
    const first = page.locator(".Polaris-IndexTable__TableRow").first();
    const text = await first.innerText();
    expect(text).toMatch(/Payment failed with only 1 retry left|New subscription is created/);
    expect(text).toMatch(/Delivered|Failed/);
    expect(text).toMatch(/\d{1,2}:\d{2}:\d{2} [AP]M/);
    const box = await first.boundingBox();
    expect(box!.x + box!.width).toBeLessThanOrEqual(WIDTH);
  });

  it("offers one month for a custom range, every day clickable and Apply on screen", async () => {
    await open("/app/integrations/postscript?tab=overview", "Postscript");
    await page.getByRole("button", { name: /Time period:/ }).click();
    await page.getByRole("checkbox", { name: "Custom range" }).or(page.getByRole("option", { name: "Custom range" })).or(page.getByRole("button", { name: "Custom range" })).first().click();
    const months = page.locator(".Polaris-DatePicker__MonthContainer");
    await months.first().waitFor();
    expect(await months.count()).toBe(1);
    const days = page.locator(".Polaris-DatePicker__Day");
    for (const day of await days.all()) {
      const box = await day.boundingBox();
      expect(box!.x).toBeGreaterThanOrEqual(0);
      expect(box!.x + box!.width).toBeLessThanOrEqual(WIDTH);
    }
    const apply = page.getByRole("button", { name: "Apply" });
    await apply.scrollIntoViewIfNeeded();
    const box = await apply.boundingBox();
    expect(box!.x + box!.width).toBeLessThanOrEqual(WIDTH);
    await screenshot(page, "phone-period-picker", { fullPage: false });
    await apply.click();
    await page.waitForURL(/period=custom/);
  });

  it("raised no error in the page", () => {
    expect(pageErrors).toEqual([]);
  });
});
