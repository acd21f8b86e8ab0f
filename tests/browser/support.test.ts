// The support console in Chromium against the production build (NODE_ENV=production: Secure cookies, the
// nonce-based Content-Security-Policy): sign in, search, open a shop, hold its deliveries through the
// confirmation step, read the event log and the audit log, sign out; and a TOTP sign-in. Screenshots go to
// screenshots/support-*.png. Any CSP violation or page error fails the test.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabaseClient, createDatabaseClient, type Database } from "~/db.server";
import { totpCode } from "~/support/totp.server";
import { enableTotp, newTotpEnrolment } from "~/support/users.server";
import { baseServerEnv, startAppServer, type AppServer } from "../support/app-server";
import { launchBrowser, newPage, screenshot } from "../support/browser";
import { createTestDatabase, type TestDatabase } from "../support/databases";
import { addStaff, SECRETS, seedShopWithSecrets, STAFF_PASSWORD } from "../support/support-console";

const SHOP = "acme-coffee.myshopify.com";
const OTHER = "quiet-tea.myshopify.com";

describe("support console in a browser", () => {
  let database: TestDatabase;
  let db: Database;
  let app: AppServer;
  let browser: Browser;
  const problems: string[] = [];

  async function page(): Promise<Page> {
    const p = await newPage(browser);
    p.on("console", (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) problems.push(`CSP: ${message.text()}`);
      // (The browser logs every 4xx answer, e.g. a refused password or a viewer sent away from the audit log.)
      if (message.type() === "error" && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(message.text())) {
        problems.push(`console error: ${message.text()}`);
      }
    });
    p.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    return p;
  }

  async function signIn(p: Page, email: string) {
    await p.goto(`${app.url}/support`);
    await p.getByRole("heading", { name: "Sign in" }).waitFor();
    await p.getByLabel("Email").fill(email);
    await p.getByLabel("Password").fill(STAFF_PASSWORD);
    await p.getByRole("button", { name: "Sign in" }).click();
  }

  beforeAll(async () => {
    database = await createTestDatabase("sqlite");
    db = createDatabaseClient(database.url);
    await addStaff(db, "olga.operator@support.example", "operator");
    await addStaff(db, "victor.viewer@support.example", "viewer");
    await seedShopWithSecrets(db, SHOP, { postscriptShopName: "Acme Coffee SMS", subscriptionKey: "sub-778899" });
    await seedShopWithSecrets(db, OTHER, { postscriptShopName: "Quiet Tea", subscriptionKey: "sub-112233" });
    await db.postscriptConnection.update({ where: { shopDomain: OTHER }, data: { status: "action_needed", actionNeededReason: "Postscript answered 401 when an event was sent: the key was deleted in Postscript." } });
    await db.shop.update({ where: { domain: SHOP }, data: { ianaTimezone: "America/New_York" } });
    app = await startAppServer(baseServerEnv(database.url));
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    if (db) await closeDatabaseClient(db);
    await database?.drop();
  });

  it("signs an operator in, finds a shop, holds its deliveries after confirming, and signs out", async () => {
    const p = await page();
    await p.goto(`${app.url}/support`);
    await p.getByRole("heading", { name: "Sign in" }).waitFor();
    expect(new URL(p.url()).pathname).toBe("/support/sign-in");
    await screenshot(p, "support-sign-in");

    // A wrong password first: one message, whatever was wrong.
    await p.getByLabel("Email").fill("olga.operator@support.example");
    await p.getByLabel("Password").fill("not the right password");
    await p.getByRole("button", { name: "Sign in" }).click();
    await p.getByText("The email or password is not right.").waitFor();
    await screenshot(p, "support-sign-in-failed");

    await p.getByLabel("Password").fill(STAFF_PASSWORD);
    await p.getByRole("button", { name: "Sign in" }).click();
    await p.getByRole("heading", { name: "Shops", level: 1 }).waitFor();
    const cookies = await p.context().cookies();
    expect(cookies.find((c) => c.name === "__Secure-lp_support")).toMatchObject({ httpOnly: true, secure: true, sameSite: "Strict", path: "/support" });
    // Problems first: the shop whose key was rejected heads the list.
    const firstRow = p.locator("tbody tr").first();
    await expect(firstRow.textContent()).resolves.toContain(OTHER);
    await screenshot(p, "support-shops");

    await p.getByLabel("Search shops").fill("acme coffee sms");
    await p.getByRole("button", { name: "Search" }).click();
    await p.getByText("1 shop match").waitFor();
    await screenshot(p, "support-search");
    await p.getByRole("link", { name: SHOP }).click();
    await p.getByRole("heading", { name: SHOP, level: 1 }).waitFor();
    await p.getByText("Error groups").waitFor();
    await screenshot(p, "support-shop-overview");

    await p.getByRole("link", { name: "Hold deliveries…" }).click();
    await p.getByRole("heading", { name: "Hold this shop's deliveries?" }).waitFor();
    await screenshot(p, "support-confirm-hold", { fullPage: false });
    await p.getByRole("button", { name: "Hold deliveries" }).click();
    await p.getByText("Deliveries are on hold. Events wait until the hold is released.").waitFor();
    await screenshot(p, "support-hold-done");
    expect(await db.shopSettings.findUnique({ where: { shopDomain: SHOP } })).toMatchObject({ deliveriesPausedBy: "olga.operator@support.example" });

    await p.getByRole("link", { name: "Configuration history" }).click();
    await p.getByText("support.deliveries_held").waitFor();
    await screenshot(p, "support-history");

    await p.getByRole("link", { name: "Event log" }).click();
    await p.getByText("Customer email and phone are partly masked.").waitFor();
    await screenshot(p, "support-event-log");
    await p.getByRole("row", { name: /Postscript refused the event/ }).first().getByRole("link", { name: "Details" }).click();
    await p.getByRole("heading", { name: /Attempts/ }).waitFor();
    await screenshot(p, "support-event");

    await p.getByRole("link", { name: "Audit log" }).click();
    await p.getByRole("heading", { name: "Audit log", level: 1 }).waitFor();
    await p.getByText("deliveries.hold").first().waitFor();
    await screenshot(p, "support-audit");

    const html = await p.content();
    for (const secret of Object.values(SECRETS)) expect(html).not.toContain(secret);

    await p.getByRole("button", { name: "Sign out" }).click();
    await p.getByText("You are signed out.").waitFor();
    expect((await p.context().cookies()).find((c) => c.name === "__Secure-lp_support")).toBeUndefined();
    await p.goto(`${app.url}/support/audit`);
    await p.getByRole("heading", { name: "Sign in" }).waitFor();
    expect(problems).toEqual([]);
  });

  it("shows a viewer the record without operator actions, and refuses the audit log", async () => {
    const p = await page();
    await signIn(p, "victor.viewer@support.example");
    await p.getByRole("heading", { name: "Shops", level: 1 }).waitFor();
    await expect(p.getByRole("link", { name: "Audit log" }).count()).resolves.toBe(0);
    await p.goto(`${app.url}/support/shops/${SHOP}`);
    await p.getByRole("heading", { name: SHOP, level: 1 }).waitFor();
    await expect(p.getByRole("link", { name: /Hold deliveries|Release hold|Replay failed|Verify key/ }).count()).resolves.toBe(0);
    await screenshot(p, "support-viewer-shop");
    const response = await p.goto(`${app.url}/support/audit`);
    expect(response?.status()).toBe(403);
    await p.getByText("This needs the operator role").waitFor();
    await screenshot(p, "support-viewer-denied", { fullPage: false });
    expect(problems).toEqual([]);
  });

  it("shows the Loop fields and topics the app does not read on the shop's record, and says so when there are none", async () => {
    const seen = (path: string, topic: string, count: number, firstSeenAt: string, lastSeenAt: string) =>
      db.unusedLoopField.create({ data: { shopDomain: SHOP, topic, path, count, firstSeenAt: new Date(firstSeenAt), lastSeenAt: new Date(lastSeenAt) } });
    await seen("lines[].stockStatus", "order/outOfStock", 14, "2026-11-24T08:00:00Z", "2026-11-25T09:30:00Z");
    await seen("nextChargeAttemptAt", "order/paymentFailed", 3, "2026-11-25T07:10:00Z", "2026-11-25T09:10:00Z");
    await seen("", "subscription/delayed", 2, "2026-11-25T06:00:00Z", "2026-11-25T08:00:00Z");
    const p = await page();
    await signIn(p, "victor.viewer@support.example");
    await p.getByRole("heading", { name: "Shops", level: 1 }).waitFor();
    await p.goto(`${app.url}/support/shops/${SHOP}`);
    // The innermost element holding both the card's heading and its table: the card.
    const card = p
      .locator("div")
      .filter({ has: p.getByRole("heading", { name: "Loop fields the app does not read" }) })
      .filter({ has: p.locator("table") })
      .last();
    await card.waitFor();
    const rows = await card.locator("tbody tr").allTextContents();
    expect(rows).toHaveLength(3);
    // Most recently seen first; the time in the shop's zone.
    expect(rows[0]).toMatch(/^order\/outOfStocklines\[\]\.stockStatusNov 24, 2026, 3:00\sAMNov 25, 2026, 4:30\sAM14$/);
    expect(rows[2]).toContain("subscription/delayedWhole webhook (topic not used by the app)");
    await screenshot(p, "support-unused-loop-fields");
    await p.goto(`${app.url}/support/shops/${OTHER}`);
    await p.getByText("None seen: every field in this shop's Loop webhooks is one the app reads.").waitFor();
    expect(problems).toEqual([]);
  });

  it("asks for the TOTP code of an enrolled user", async () => {
    await addStaff(db, "tess.totp@support.example", "operator");
    const enrolment = newTotpEnrolment("tess.totp@support.example");
    await enableTotp(db, "tess.totp@support.example", enrolment.secret, totpCode(enrolment.secret, new Date(Date.now() - 30_000)));
    const p = await page();
    await signIn(p, "tess.totp@support.example");
    await p.getByRole("heading", { name: "Enter your code" }).waitFor({ timeout: 10_000 }).catch(async (e) => {
      await screenshot(p, "zz-totp-debug");
      console.log("URL", p.url(), problems);
      throw e;
    });
    await screenshot(p, "support-totp", { fullPage: false });
    await p.getByLabel("Code").fill(totpCode(enrolment.secret));
    await p.getByRole("button", { name: "Verify" }).click();
    await p.getByRole("heading", { name: "Shops", level: 1 }).waitFor();
    expect(problems).toEqual([]);
  });
});
