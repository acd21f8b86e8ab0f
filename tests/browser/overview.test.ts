// What a merchant sees of the Integration Overview and the event log, in Chromium, on the app as the demo runs
// it (development shim, real session tokens), with events seeded straight into its database through the real
// state changes (so the statistics are the ones the pipeline keeps). Workers are off (PROCESS_ROLE=web) so the
// seeded events stay as seeded. Screenshots go to screenshots/ (overview-empty, overview-data,
// overview-errors, event-log, event-detail).
import { readFileSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabaseClient, createDatabaseClient, type Database } from "~/db.server";
import { seedEvent, type SeedEvent } from "~/statistics/seed.testutil";
import { launchBrowser, newPage, openAdminPage, screenshot } from "../support/browser";
import { DEMO_SHOP, startDemoApp, type DemoApp } from "../support/demo-app";

const OVERVIEW = "/app/integrations/postscript?tab=overview";
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const TYPES = ["order_upcoming", "order_processed", "subscription_created", "payment_attempt_failed_with_retries_left", "subscription_cancelled", "order_skipped"];

/** A month of ordinary traffic: mostly delivered, some skipped on purpose, a few failures. */
function month(now: number): SeedEvent[] {
  const events: SeedEvent[] = [];
  let n = 0;
  for (let day = 29; day >= 0; day--) {
    const perDay = 6 + ((day * 7) % 5);
    for (let i = 0; i < perDay; i++) {
      n++;
      const receivedAt = new Date(now - day * DAY - ((i * 2.7 + 1) % 23) * HOUR - 5 * 60_000);
      if (receivedAt.getTime() > now - 10 * 60_000) continue;
      const customer = n % 40;
      const base = {
        shop: DEMO_SHOP,
        receivedAt,
        type: TYPES[n % TYPES.length],
        email: customer % 9 === 0 ? null : `customer${customer}@example.com`,
        phone: `+1201555${String(1000 + customer).slice(-4)}`,
        subscriptionKey: String(88000 + customer),
        loopOrderId: String(5_550_000 + n),
      };
      if (n % 23 === 0) events.push({ ...base, outcome: "failed", reason: "postscript_unavailable", retries: 2 });
      else if (n % 11 === 0) events.push({ ...base, outcome: "skipped", reason: n % 2 ? "stale" : "no_identifier", email: null });
      else if (n % 13 === 0) events.push({ ...base, type: "order_skipped", outcome: "skipped", reason: "disabled" });
      else events.push({ ...base, outcome: "delivered", latencyMs: 400 + ((n * 337) % 3_600) });
    }
  }
  return events;
}

async function seedAll(db: Database, events: SeedEvent[]) {
  for (const event of events) await seedEvent(db, event);
}

describe("Integration Overview and event log in a browser", () => {
  let app: DemoApp;
  let browser: Browser;
  let db: Database;
  let page: Page;
  const now = Date.now();

  beforeAll(async () => {
    app = await startDemoApp("sqlite", { env: { PROCESS_ROLE: "web" } });
    db = createDatabaseClient(app.database.url);
    await db.shop.update({ where: { domain: DEMO_SHOP }, data: { ianaTimezone: "America/New_York" } });
    await db.postscriptConnection.create({ data: { shopDomain: DEMO_SHOP, status: "connected", keyLastFour: "9f3a", connectedAt: new Date(now - 40 * DAY) } });
    await db.loopConnection.create({ data: { shopDomain: DEMO_SHOP, status: "connected", mode: "api", connectedAt: new Date(now - 40 * DAY) } });
    await db.shopSettings.create({ data: { shopDomain: DEMO_SHOP, disabledEventTypes: JSON.stringify(["order_skipped"]) } });
    browser = await launchBrowser();
    page = await newPage(browser);
  });
  afterAll(async () => {
    await browser?.close();
    if (db) await closeDatabaseClient(db);
    await app?.close();
  });

  const open = (path: string) => openAdminPage(page, app.server.url, path);
  const toast = () => page.locator("[data-dev-toast]").last();
  /** A full-page screenshot with a viewport as tall as the page, so sticky table parts stay where they belong. */
  const shot = async (name: string) => {
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    await page.setViewportSize({ width: 1280, height: Math.min(Math.max(height, 900), 6000) });
    await screenshot(page, name);
    await page.setViewportSize({ width: 1280, height: 900 });
  };

  it("says what to do next before the first event", async () => {
    await open(OVERVIEW);
    await page.getByText("Event statistics will appear here once Loop sends events", { exact: true }).waitFor();
    await expect(page.getByText("Counts, errors and the event log start with Loop's first subscription event").isVisible()).resolves.toBe(true);
    await expect(page.getByText("✓ Connect Postscript with a private API key.").isVisible()).resolves.toBe(true);
    await expect(page.getByRole("link", { name: "Send a test event" }).getAttribute("href")).resolves.toContain("tab=settings");
    await shot("overview-empty");
  });

  it("shows a period's figures, chart and event types, compared with the period before", async () => {
    await seedAll(db, month(now));
    await seedAll(db, [{ shop: DEMO_SHOP, receivedAt: new Date(now - 3 * 60_000), type: "order_processed", outcome: "pending", retries: 1, email: "late@example.com" }]);
    await open(`${OVERVIEW}&period=7d`);
    const received = await db.event.count({ where: { shopDomain: DEMO_SHOP, receivedAt: { gte: new Date(Date.parse((await overviewStart()) as string)) } } });
    await expect(page.locator("[data-metric=Received] p").first().innerText()).resolves.toBe(received.toLocaleString("en-US"));
    await expect(page.getByTestId("outcome-chart").getAttribute("aria-label")).resolves.toMatch(/^Stacked bars of events per day, .+: \d+ delivered, \d+ waiting, \d+ skipped, \d+ failed\./);
    await expect(page.getByText("Times in America/New York").isVisible()).resolves.toBe(true);
    await expect(page.getByRole("link", { name: "order_upcoming" }).getAttribute("href")).resolves.toBe("/app/events?period=7d&type=order_upcoming");
    await expect(page.getByText("Off", { exact: true }).first().isVisible()).resolves.toBe(true);
    await shot("overview-data");

    // Another period is kept in the URL, so the view can be shared and reloaded.
    await page.getByRole("button", { name: /Time period: Last 7 days/ }).click();
    await page.getByRole("button", { name: "Last 30 days", exact: true }).click();
    await page.waitForURL(/period=30d/);
    expect(new URL(page.url()).searchParams.get("tab")).toBe("overview");
    expect(new URL(page.url()).searchParams.get("id_token")).toBeNull();
    await page.getByRole("button", { name: /Time period: Last 30 days/ }).waitFor();
    await page.reload();
    await page.getByRole("button", { name: /Time period: Last 30 days/ }).waitFor();
  });

  async function overviewStart() {
    // The 7-day period starts at midnight New York time six days ago, as the server resolved it.
    const { resolvePeriod, readPeriodParams } = await import("~/statistics/period");
    return resolvePeriod(readPeriodParams(new URLSearchParams("period=7d")), "America/New_York", new Date()).start?.toISOString();
  }

  it("shows errors by cause, a banner when the merchant must act, and replays failed events", async () => {
    await db.postscriptConnection.update({
      where: { shopDomain: DEMO_SHOP },
      data: { status: "action_needed", actionNeededReason: "Postscript answered 401 Unauthorized", actionNeededAt: new Date(now - 2 * HOUR) },
    });
    await seedAll(db, [
      ...[1, 2, 3].map((i) => ({ shop: DEMO_SHOP, receivedAt: new Date(now - i * 20 * 60_000), type: "order_upcoming", outcome: "paused" as const, email: `paused${i}@example.com` })),
      ...[1, 2, 3, 4].map((i) => ({ shop: DEMO_SHOP, receivedAt: new Date(now - i * 5 * HOUR), type: "subscription_created", outcome: "failed" as const, reason: "postscript_rejected" as const, reasonDetail: "phone: value is not a valid phone number", email: `bad${i}@example.com` })),
      { shop: DEMO_SHOP, receivedAt: new Date(now - 30 * HOUR), type: "order_processed", outcome: "failed", reason: "rate_limited", retries: 3 },
    ]);
    await open(`${OVERVIEW}&period=7d`);
    // The page's own banner says the key was rejected; the overview says how many events wait for it.
    await page.locator(".Polaris-Banner", { hasText: "Postscript rejected the API key" }).first().waitFor();
    await expect(page.getByText("3 events waiting now").isVisible()).resolves.toBe(true);
    await expect(page.getByRole("heading", { name: "Postscript rejected the event" }).isVisible()).resolves.toBe(true);
    await expect(page.getByRole("heading", { name: "Rate limited beyond the retry window" }).isVisible()).resolves.toBe(true);
    // Every way out of the error leads to where the key is replaced.
    const replaceLinks = page.getByRole("link", { name: "Replace key" });
    await expect(replaceLinks.count()).resolves.toBeGreaterThanOrEqual(2);
    for (const link of await replaceLinks.all()) await expect(link.getAttribute("href")).resolves.toMatch(/\?tab=settings$/);
    await shot("overview-errors");

    const failed = await db.event.count({ where: { shopDomain: DEMO_SHOP, status: "failed", receivedAt: { gte: new Date((await overviewStart())!) } } });
    await page.getByRole("button", { name: `Replay ${failed} failed events` }).click();
    await page.getByRole("button", { name: "Replay", exact: true }).click();
    await expect(toast().textContent()).resolves.toBe(`${failed} events queued to be sent again`);
    expect(await db.event.count({ where: { shopDomain: DEMO_SHOP, status: "failed", receivedAt: { gte: new Date((await overviewStart())!) } } })).toBe(0);
  });

  it("lists events with filters and pages, and shows one with its attempts, masked, with a replay", async () => {
    const portalToken = "be82dc59d3494bce41cb30b15cb97ef6154a017c";
    const portalLink = `https://${DEMO_SHOP}/a/loop_subscriptions/customer/61000001?sessionToken=${portalToken}`;
    await seedAll(db, [
      {
        shop: DEMO_SHOP,
        receivedAt: new Date(now - 50 * 60_000),
        type: "payment_attempt_failed",
        outcome: "failed",
        reason: "postscript_unavailable",
        retries: 4,
        email: "ava.thompson@example.com",
        phone: "+12015550101",
        subscriptionKey: "77001",
        payload: { payload: { id: 77001, customer: { email: "ava.thompson@example.com", phone: "+12015550101", firstName: "Ava" }, customerPortalLink: portalLink }, metaData: { myshopifyDomain: DEMO_SHOP } },
        request: { type: "payment_attempt_failed", email: "ava.thompson@example.com", phone: "+12015550101", external_id: "loop:portal", properties: { customer_portal_link: portalLink } },
      },
    ]);
    const decision = "Retry position counted from 3 earlier failures of order 21777518; maximum 3 retries from Settings: 0 retries left, so payment_attempt_failed (rule 7).";
    await db.event.updateMany({ where: { shopDomain: DEMO_SHOP, subscriptionKey: "77001" }, data: { typeDecision: decision } });
    await open("/app/events");
    await page.getByRole("heading", { name: "Event log", level: 1 }).waitFor();
    const rows = page.locator(".Polaris-IndexTable__TableRow");
    await expect(rows.count()).resolves.toBe(50);
    // "Any time" reaches back past the 90 days raw events are kept: the page says so.
    await expect(page.getByText(/^Events are kept for 90 days: any received before .+ are no longer listed/).isVisible()).resolves.toBe(true);
    await shot("event-log");

    // Keyset pages: the next page starts where the first ended.
    const firstPageLast = await rows.last().innerText();
    await page.getByRole("button", { name: "Next" }).click();
    await page.waitForURL(/after=/);
    // The URL can change before the new rows are on screen: wait for them rather than read once.
    await expect.poll(() => rows.first().innerText(), { timeout: 10_000 }).not.toBe(firstPageLast);

    await page.getByPlaceholder("Search by email, phone, Loop subscription or order id").fill("ava.thompson@example.com");
    await page.waitForURL(/q=ava/);
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(1);
    await expect(rows.first().innerText()).resolves.toContain("a•••@example.com");
    await rows.first().click();
    // The friendly name, and the type's name beside it.
    await page.getByRole("heading", { name: "Payment failed with no retries left", level: 1 }).waitFor();
    await expect(page.getByText(/^payment_attempt_failed · Received /).isVisible()).resolves.toBe(true);
    const payload = await page.getByLabel("The Loop webhook").innerText();
    expect(payload).not.toContain("ava.thompson@example.com");
    // The portal link's session token signs the customer in: shown by its last four characters only.
    const request = await page.getByLabel("The Postscript request").innerText();
    for (const text of [payload, request]) {
      expect(text).toContain("sessionToken=••••017c");
      expect(text).not.toContain(portalToken.slice(0, 12));
    }
    await expect(page.getByText("Retried later").count()).resolves.toBe(4);
    // Why this failure is the final one: the decision stored when it was prepared.
    await expect(page.getByText(decision).isVisible()).resolves.toBe(true);
    await shot("event-detail");

    // Sending again can text the customer: asked once more, and Cancel sends nothing.
    await page.getByRole("button", { name: "Replay", exact: true }).click();
    await page.getByText("Send this event to Postscript again?").waitFor();
    await page.getByRole("button", { name: "Cancel" }).click();
    await page.getByText("Send this event to Postscript again?").waitFor({ state: "detached" });
    expect(await db.event.count({ where: { shopDomain: DEMO_SHOP, subscriptionKey: "77001", status: "failed" } })).toBe(1);
    await page.getByRole("button", { name: "Replay", exact: true }).click();
    await page.getByRole("button", { name: "Replay this event" }).click();
    await expect(toast().textContent()).resolves.toBe("Event queued to be sent again");
    await page.getByRole("button", { name: "Replay", exact: true }).waitFor({ state: "detached" });
    await page.locator(".Polaris-Page").getByRole("link", { name: "Event log" }).click();
    await page.waitForURL((url) => url.pathname === "/app/events" && url.searchParams.get("q") === "ava.thompson@example.com");
  });

  it("words a retrying event as not final, a skipped one as not sent, and an unreadable one by its Loop topic without a replay", async () => {
    const [retrying, skipped, unreadable] = [
      await seedEvent(db, { shop: DEMO_SHOP, receivedAt: new Date(now - 4 * 60_000), type: "order_processed", outcome: "pending", retries: 2, email: "retry@example.com" }),
      await seedEvent(db, { shop: DEMO_SHOP, receivedAt: new Date(now - 6 * 60_000), type: "order_skipped", outcome: "skipped", reason: "disabled", email: "off@example.com" }),
      await seedEvent(db, { shop: DEMO_SHOP, receivedAt: new Date(now - 7 * 60_000), type: null, topic: "subscription/created", outcome: "failed", reason: "invalid_payload" }),
    ];
    await open(`/app/events/${retrying.id}`);
    await page.getByRole("heading", { name: "Order processed successfully", level: 1 }).waitFor();
    await page.getByRole("heading", { name: "Retrying: Postscript unavailable" }).waitFor();
    await expect(page.getByText(/tried again automatically\. Next attempt: .+\d{1,2}:\d{2}:\d{2} [AP]M\./).isVisible()).resolves.toBe(true);
    await expect(page.getByRole("heading", { name: "To be sent to Postscript" }).isVisible()).resolves.toBe(true);
    await expect(page.getByRole("button", { name: "Replay", exact: true }).count()).resolves.toBe(0);
    // Postscript's 503 in words, in the reason and in each attempt; no HTTP status code on the page.
    await expect(page.getByRole("cell", { name: "Postscript had a problem on its side" }).count()).resolves.toBe(2);
    await expect(page.locator("main").getByText(/answered 503|HTTP status/).count()).resolves.toBe(0);
    await shot("event-detail-retrying");

    await open(`/app/events/${skipped.id}`);
    await page.getByRole("heading", { name: "Not sent to Postscript" }).waitFor();
    await expect(page.getByRole("heading", { name: "Sent to Postscript", exact: true }).count()).resolves.toBe(0);
    await expect(page.getByText("This event was skipped, so nothing was sent to Postscript. This is what it would have been:").isVisible()).resolves.toBe(true);

    await open(`/app/events/${unreadable.id}`);
    await page.getByRole("heading", { name: "Loop subscription/created (could not be read)", level: 1 }).waitFor();
    await expect(page.getByRole("heading", { name: "Invalid payload" }).isVisible()).resolves.toBe(true);
    // Data that could not be read fails the same way again: no replay is offered.
    await expect(page.getByRole("button", { name: "Replay", exact: true }).count()).resolves.toBe(0);
    await shot("event-detail-invalid");
  });

  it("downloads the filtered log as CSV", async () => {
    await open("/app/events?outcome=skipped");
    await page.getByRole("heading", { name: "Event log", level: 1 }).waitFor();
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export CSV of the filtered events" }).click()]);
    expect(download.suggestedFilename()).toBe("loop-postscript-events-demo-shop-all.csv");
    // The link carries a download token, never the merchant's session token.
    expect(new URL(download.url()).searchParams.has("token")).toBe(true);
    expect(download.url()).not.toContain("id_token");
    const text = readFileSync((await download.path())!, "utf8");
    const lines = text.replace(/^\uFEFF/, "").trim().split("\r\n");
    expect(lines[0].split(",").slice(0, 4)).toEqual(["event_id", "received_at_utc", "received_at_local", "occurred_at_utc"]);
    expect(lines.length - 1).toBe(await db.event.count({ where: { shopDomain: DEMO_SHOP, status: "skipped" } }));
    expect(lines.slice(1).every((line) => line.includes(",skipped,"))).toBe(true);
  });
});
