// Headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core, set up the way these machines need:
// no background networking (the network is closed), a normal desktop user agent (Shopify's library answers
// 410 Gone to "HeadlessChrome"), and screenshots under screenshots/ (git-ignored) to look at.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { BROWSER_UA } from "./shopify";

const SCREENSHOTS = path.resolve(__dirname, "../../screenshots");

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/**
 * BROWSER_TEST_WIDTH=390 runs the browser tests at a phone's width, to look at their screenshots there; `width`
 * fixes it for a test that is about one width.
 */
export async function newPage(browser: Browser, { width, height = 900 }: { width?: number; height?: number } = {}): Promise<Page> {
  const context = await browser.newContext({ userAgent: BROWSER_UA, viewport: { width: width ?? Number(process.env.BROWSER_TEST_WIDTH ?? 1280), height } });
  const page = await context.newPage();
  page.on("pageerror", (error) => console.error("[browser] page error:", error.message));
  return page;
}

/** The whole page by default; `fullPage: false` for what the viewport shows (e.g. a modal over its backdrop). */
export async function screenshot(page: Page, name: string, { fullPage = true }: { fullPage?: boolean } = {}) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage });
  return file;
}

/**
 * Opens an app page the way Shopify admin does (through the demo's /dev/open, which signs a session token) and
 * waits until it has settled: its h1 is shown when `heading` is given, and the network is idle.
 */
export async function openAdminPage(page: Page, appUrl: string, appPath: string, { heading }: { heading?: string } = {}) {
  await page.goto(`${appUrl}/dev/open?path=${encodeURIComponent(appPath)}`);
  if (heading) await page.getByRole("heading", { name: heading, level: 1 }).waitFor();
  await page.waitForLoadState("networkidle");
}

/** Every top-level merchant page and tab, for checks that hold on all of them (accessibility, phone width). */
export const MERCHANT_PAGES = [
  { name: "Integrations", slug: "integrations", path: "/app", heading: "Integrations" },
  { name: "Postscript: Set up", slug: "postscript-setup", path: "/app/integrations/postscript?tab=setup", heading: "Postscript" },
  { name: "Postscript: Integration overview", slug: "postscript-overview", path: "/app/integrations/postscript?tab=overview", heading: "Postscript" },
  { name: "Postscript: Settings", slug: "postscript-settings", path: "/app/integrations/postscript?tab=settings", heading: "Postscript" },
  { name: "Loop Subscriptions", slug: "loop", path: "/app/integrations/loop", heading: "Loop Subscriptions" },
  { name: "Event log", slug: "event-log", path: "/app/events", heading: "Event log" },
] as const;
