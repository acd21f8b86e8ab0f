// axe-core on every merchant page and tab and every support console page, in Chromium against the production
// build (the demo's development shim for the merchant's pages), with data on each: zero serious or critical
// violations, a <title> and one main landmark. Each page's findings are printed, so a failure says what and where.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabaseClient, createDatabaseClient, type Database } from "~/db.server";
import { seriousAxeViolations, type AxeFinding } from "../support/axe";
import { launchBrowser, MERCHANT_PAGES, newPage, openAdminPage } from "../support/browser";
import { DEMO_SHOP, startDemoApp, type DemoApp } from "../support/demo-app";
import { seedMerchantData } from "../support/merchant-data";
import { addStaff, STAFF_PASSWORD } from "../support/support-console";

describe("accessibility (axe-core) in a browser", () => {
  let app: DemoApp;
  let browser: Browser;
  let db: Database;
  let page: Page;
  const pageErrors: string[] = [];
  let eventId = "";
  const findings: Record<string, AxeFinding[]> = {};

  beforeAll(async () => {
    app = await startDemoApp("sqlite", { env: { PROCESS_ROLE: "web" } });
    db = createDatabaseClient(app.database.url);
    eventId = (await seedMerchantData(db)).subscriptionCreated.id;
    await addStaff(db, "olga.operator@support.example", "operator");
    browser = await launchBrowser();
    page = await newPage(browser);
    // A hydration mismatch (server and browser rendering differently) shows up here, among others.
    page.on("pageerror", (error) => pageErrors.push(error.message));
  });
  afterAll(async () => {
    for (const [name, list] of Object.entries(findings)) {
      console.log(`[axe] ${name}: ${list.length === 0 ? "no serious or critical violations" : ""}`);
      for (const f of list) console.log(`[axe]   ${f.impact} ${f.id}: ${f.help}\n[axe]     ${f.targets.join("\n[axe]     ")}`);
    }
    await browser?.close();
    if (db) await closeDatabaseClient(db);
    await app?.close();
  });

  const check = async (name: string) => {
    await page.waitForLoadState("networkidle");
    findings[name] = await seriousAxeViolations(page);
    // Below "serious" in axe, but asked of every page too: a title of its own and one main landmark.
    const structure = [(await page.title()).trim() ? null : "no <title>", (await page.locator("main").count()) === 1 ? null : "not one <main>"];
    return [...findings[name].map((f) => `${f.id}: ${f.targets[0]}`), ...structure.filter((p): p is string => p !== null).map((p) => `${name}: ${p}`)];
  };
  const openApp = (path: string, heading: string) => openAdminPage(page, app.server.url, path, { heading });

  it.each(MERCHANT_PAGES.map((p) => [p.name, p.path, p.heading]))("merchant page %s", async (name, path, heading) => {
    await openApp(path, heading);
    expect(await check(name)).toEqual([]);
  });

  it("merchant page: one event", async () => {
    await openApp(`/app/events/${eventId}`, "New subscription is created");
    expect(await check("Event")).toEqual([]);
  });

  it("support console pages", async () => {
    await page.goto(`${app.server.url}/support`);
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    const problems = [...(await check("Support: sign in"))];
    await page.getByLabel("Email").fill("olga.operator@support.example");
    await page.getByLabel("Password").fill(STAFF_PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Shops", level: 1 }).waitFor();
    problems.push(...(await check("Support: shops")));
    await page.goto(`${app.server.url}/support/shops/${DEMO_SHOP}`);
    await page.getByRole("heading", { name: DEMO_SHOP, level: 1 }).waitFor();
    problems.push(...(await check("Support: shop record")));
    await page.goto(`${app.server.url}/support/shops/${DEMO_SHOP}?tab=events`);
    problems.push(...(await check("Support: shop events")));
    await page.goto(`${app.server.url}/support/shops/${DEMO_SHOP}/events/${eventId}`);
    await page.getByRole("heading", { level: 1 }).first().waitFor();
    problems.push(...(await check("Support: event")));
    await page.goto(`${app.server.url}/support/audit`);
    await page.getByRole("heading", { name: "Audit log", level: 1 }).waitFor();
    problems.push(...(await check("Support: audit log")));
    expect(problems).toEqual([]);
  });

  it("raised no error in the page", () => {
    expect(pageErrors).toEqual([]);
  });
});
