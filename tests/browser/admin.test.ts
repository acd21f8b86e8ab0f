// What a merchant sees: the embedded admin opened in Chromium through the real session-token check.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, newPage, screenshot } from "../support/browser";
import { startDemoApp, type DemoApp } from "../support/demo-app";

describe("embedded admin in a browser", () => {
  let app: DemoApp;
  let browser: Browser;
  beforeAll(async () => {
    app = await startDemoApp();
    // The app must know its own public URL for App Bridge and redirects; the server picked a free port.
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it("opens the Integrations page as Shopify admin would (id_token in the URL, verified by the app)", async () => {
    const page = await newPage(browser);
    const apiCalls: number[] = [];
    page.on("response", (response) => {
      if (new URL(response.url()).pathname.startsWith("/app")) apiCalls.push(response.status());
    });
    await page.goto(`${app.server.url}/dev/open`);
    await expect(page.getByRole("heading", { name: "Integrations", level: 1 }).isVisible()).resolves.toBe(true);
    expect(new URL(page.url()).searchParams.get("id_token")).toMatch(/^ey/);
    expect(apiCalls.every((status) => status < 400)).toBe(true);
    await screenshot(page, "foundation-integrations");
  });

  it("recovers a page opened without a token through the session-token bounce", async () => {
    const page = await newPage(browser);
    const host = Buffer.from("admin.shopify.com/store/demo-shop").toString("base64url");
    await page.goto(`${app.server.url}/app?embedded=1&shop=demo-shop.myshopify.com&host=${host}`);
    await page.getByRole("heading", { name: "Integrations", level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/app");
  });

  it("refuses a forged session token", async () => {
    const page = await newPage(browser);
    const response = await page.request.get(`${app.server.url}/app?_data=routes%2Fapp`, {
      headers: { Authorization: "Bearer eyJhbGciOiJIUzI1NiJ9.eyJkZXN0IjoiaHR0cHM6Ly9kZW1vLXNob3AubXlzaG9waWZ5LmNvbSJ9.forged" },
    });
    expect(response.status()).toBe(401);
  });
});
