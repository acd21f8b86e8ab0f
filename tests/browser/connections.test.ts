// A merchant's first minutes, in Chromium against the production build started as the demo starts it (with
// the Postscript and Loop stand-ins): connect Loop, connect Postscript, meet each error, see the masked key,
// replace it, recover from "Action needed", choose events, disconnect both. Screenshots of every state go to
// screenshots/. At the end, every page and data response and the server's output are searched for the keys.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_READONLY_TOKEN, DEMO_TOKEN } from "../../sandbox/loop/server";
import { DEMO_SHOP_KEY, DEMO_SHOP_PUBLIC_KEY, TEA_SHOP_KEY } from "../../sandbox/postscript/seed";
import { launchBrowser, newPage, screenshot } from "../support/browser";
import { DEMO_SHOP, startDemoApp, type DemoApp } from "../support/demo-app";

const UNKNOWN_KEY = "sk_" + "f".repeat(32);
const MANUAL_SECRET = "whsec_browser_0123456789abcdef";

describe("connections in a browser", () => {
  let app: DemoApp;
  let browser: Browser;
  let page: Page;
  /** The signing secrets Loop handed out for this shop (gone from the stand-in after the disconnect). */
  const loopSecrets: string[] = [];
  /** Bodies of every response the app sent to the browser (documents, route data, scripts). */
  const bodies: Promise<string>[] = [];

  beforeAll(async () => {
    app = await startDemoApp("sqlite", { standIns: true, env: { POSTSCRIPT_TIMEOUT_MS: "1500", LOG_LEVEL: "debug" } });
    browser = await launchBrowser();
    page = await newPage(browser);
    page.on("response", (response) => {
      if (response.url().startsWith(app.server.url) && response.status() < 300) bodies.push(response.text().catch(() => ""));
    });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  const open = async (path = "/app") => {
    await page.goto(`${app.server.url}/dev/open?path=${encodeURIComponent(path)}`);
  };
  /** What a reload in Shopify admin does: the admin opens the app's current URL again, with fresh id params. */
  const reloadAsAdmin = async () => {
    const url = new URL(page.url());
    for (const name of ["embedded", "shop", "host", "id_token"]) url.searchParams.delete(name);
    await open(url.pathname + url.search);
  };
  const toast = (text: string | RegExp) => page.locator("[data-dev-toast]").filter({ hasText: text });
  const loopWebhooks = () => [...app.loop!.state.webhooks.values()].filter((w) => w.shopDomain === DEMO_SHOP);
  const settle = () => page.waitForLoadState("networkidle");
  /** Shopify's contextual save bar while it shows (the development shim draws the ui-save-bar element). */
  const saveBar = () => page.locator("ui-save-bar[data-showing]");

  it("opens on Integrations with the set-up checklist and nothing connected", async () => {
    await open();
    await page.getByRole("heading", { name: "Integrations", level: 1 }).waitFor();
    await expect(page.getByText("0 of 6 steps done").isVisible()).resolves.toBe(true);
    expect(await page.getByText("Not connected").count()).toBe(2);
    await expect(page.getByRole("img", { name: "Postscript logo" }).isVisible()).resolves.toBe(true);
    await screenshot(page, "connections-01-integrations-new");
  });

  it("refuses a wrong Loop token and a token without the webhook scope, with what to do", async () => {
    await page.getByRole("link", { name: "Connect Loop" }).first().click();
    await page.getByRole("heading", { name: "Loop Subscriptions", level: 1 }).waitFor();
    await screenshot(page, "connections-02-loop-setup");
    await page.getByLabel("Loop API token").fill("loop_wrong_token_1234");
    await page.getByRole("button", { name: "Connect", exact: true }).click();
    await page.getByText("Loop did not accept this token.").waitFor();
    await screenshot(page, "connections-03-loop-bad-token");
    await page.getByLabel("Loop API token").fill(DEMO_READONLY_TOKEN);
    await page.getByRole("button", { name: "Connect", exact: true }).click();
    await page.getByText(/does not have the webhook scope/).waitFor();
    await screenshot(page, "connections-04-loop-missing-scope");
    expect(loopWebhooks()).toHaveLength(0);
  });

  it("connects Loop with the demo token: every topic subscribed", async () => {
    await page.getByLabel("Loop API token").fill(DEMO_TOKEN);
    await page.getByRole("button", { name: "Connect", exact: true }).click();
    await page.getByText("Connected with an API token").waitFor();
    await toast("Loop connected. Subscribed to 14 topics.").waitFor();
    // What comes next, in plain words; the webhook address and the raw topics are folded away.
    await page.getByRole("heading", { name: "Next: connect Postscript" }).waitFor();
    await expect(page.getByText(/\/webhooks\/loop\?shop=/).count()).resolves.toBe(0);
    await screenshot(page, "connections-05a-loop-connected-next");
    await page.getByRole("button", { name: "Show", exact: true }).click();
    await page.getByText(/\/webhooks\/loop\?shop=demo-shop\.myshopify\.com/).waitFor();
    expect(await page.getByText("Subscribed", { exact: true }).count()).toBe(14);
    await expect(page.getByTestId("loop-token-masked").textContent()).resolves.toBe("••••8e6f");
    expect(loopWebhooks()).toHaveLength(14);
    loopSecrets.push(...loopWebhooks().map((w) => w.secret));
    await screenshot(page, "connections-05-loop-connected");
  });

  it("leads from the checklist to Postscript's Set up tab", async () => {
    await page.getByRole("link", { name: "Integrations" }).first().click();
    await page.getByText("1 of 6 steps done").waitFor();
    await page.getByRole("link", { name: "Connect Postscript" }).click();
    await page.getByRole("heading", { name: "1. Create a Postscript API key" }).waitFor();
    await expect(page.getByRole("tab", { name: "Set up" }).getAttribute("aria-selected")).resolves.toBe("true");
    await screenshot(page, "connections-06-postscript-setup");
  });

  it("explains each key mistake and each Postscript failure, and saves nothing", async () => {
    const connect = async (key: string) => {
      await page.getByLabel("Private API key").fill(key);
      await page.getByRole("button", { name: "Connect", exact: true }).click();
    };
    await connect(DEMO_SHOP_PUBLIC_KEY);
    await page.getByText(/That is the public key \(it starts with pk_\)/).waitFor();
    await screenshot(page, "connections-07-postscript-public-key");

    await connect("");
    await page.getByText("Enter your Postscript private API key.").waitFor();

    await connect(UNKNOWN_KEY);
    await page.getByText(/Postscript did not accept this key\. Check/).waitFor();
    await expect(page.getByText(/\b401\b/).count()).resolves.toBe(0);
    await expect(page.getByText(/plan may not include API access/).isVisible()).resolves.toBe(true);
    await screenshot(page, "connections-08-postscript-rejected-key");

    app.postscript!.setFaults({ rateLimitPerSecond: 1 });
    await fetch(`${app.postscript!.url}/api/v2/me`, { headers: { Authorization: `Bearer ${DEMO_SHOP_KEY}` } });
    await connect(DEMO_SHOP_KEY);
    await page.getByText(/too many requests for this key right now \(rate limited\)/).waitFor();
    app.postscript!.resetFaults();

    app.postscript!.setFaults({ timeoutRate: 1 });
    await connect(DEMO_SHOP_KEY);
    await page.getByText("Postscript did not answer within 1.5 seconds. Nothing was changed; try again in a minute.").waitFor();
    await screenshot(page, "connections-09-postscript-timeout");
    app.postscript!.resetFaults();
    await expect(page.getByText("Not connected").first().isVisible()).resolves.toBe(true);
  });

  it("connects Postscript and says to which Postscript shop", async () => {
    await page.getByLabel("Label (optional)").fill("Loop events app");
    await page.getByLabel("Private API key").fill(DEMO_SHOP_KEY);
    const started = Date.now();
    await page.getByRole("button", { name: "Connect", exact: true }).click();
    await page.getByRole("heading", { name: "Connected to Demo Coffee Co" }).waitFor();
    console.log(`[measure] Postscript connect, click to connected screen: ${Date.now() - started} ms`);
    await toast("Connected to Demo Coffee Co.").waitFor();
    // No dead end: Set up now lists what is left, and offers the test event, asking who should receive it.
    await page.getByText("2 of 6 steps done").waitFor();
    const sendTest = page.locator("#send-test");
    await sendTest.getByRole("button", { name: "Send test event" }).click();
    await sendTest.getByText("Enter the email or mobile number of a Postscript subscriber to send the test to.").waitFor();
    await settle();
    await screenshot(page, "connections-10a-postscript-connected-next-steps");
    await expect(page.getByRole("tab", { name: "Set up" }).getAttribute("aria-selected")).resolves.toBe("true");
    await screenshot(page, "connections-10-postscript-connected");
  });

  it("shows the masked key in Settings, keeps it when a replacement fails, and replaces it", async () => {
    await page.getByRole("tab", { name: "Settings" }).click();
    await page.getByText("Events sent to Postscript").waitFor();
    expect(new URL(page.url()).searchParams.get("tab")).toBe("settings");
    expect(new URL(page.url()).searchParams.get("id_token")).toBeNull();
    await expect(page.getByTestId("masked-key").textContent()).resolves.toBe("••••7890");
    await screenshot(page, "connections-11-settings");

    await page.getByRole("button", { name: "Replace key" }).click();
    const form = page.getByTestId("postscript-replace-form");
    await form.getByLabel("Private API key").fill(UNKNOWN_KEY);
    await form.getByRole("button", { name: "Replace key" }).click();
    await form.getByText(/did not accept this key/).waitFor();
    await expect(page.getByTestId("masked-key").textContent()).resolves.toBe("••••7890");
    await screenshot(page, "connections-12-replace-failed");

    await form.getByLabel("Private API key").fill(TEA_SHOP_KEY);
    await form.getByRole("button", { name: "Replace key" }).click();
    await toast("Key replaced. Connected to Tea Time Supply.").waitFor();
    await page.getByText("Tea Time Supply").first().waitFor();
    await expect(page.getByTestId("masked-key").textContent()).resolves.toBe("••••6789");
    await screenshot(page, "connections-13-key-replaced");
  });

  it("turns to Action needed when Postscript rejects the key, on this page and on Integrations", async () => {
    app.postscript!.setFaults({ revokedKeys: [TEA_SHOP_KEY] });
    await page.getByRole("button", { name: "Verify again" }).click();
    // The banner's title (the health line above the tabs says it too).
    await page.getByText("Postscript rejected the API key", { exact: true }).waitFor();
    await expect(page.getByText("Action needed").first().isVisible()).resolves.toBe(true);
    // The replacement form is open at once: replacing the key is what fixes it.
    const replacePanel = await page.locator("#replace-key").boundingBox();
    expect(replacePanel?.height).toBeGreaterThan(100);
    await settle();
    await screenshot(page, "connections-14-action-needed");

    await page.getByRole("link", { name: "Integrations" }).first().click();
    await page.getByRole("heading", { name: "Integrations", level: 1 }).waitFor();
    await page.getByText("Postscript rejected the API key", { exact: true }).waitFor();
    await expect(page.getByRole("status").filter({ hasText: /^Postscript rejected the API key at .+ — new events wait until the key is replaced\.$/ }).count()).resolves.toBe(1);
    await expect(page.getByText("Action needed").first().isVisible()).resolves.toBe(true);
    await screenshot(page, "connections-15-integrations-action-needed");

    await page.getByRole("link", { name: "Replace key" }).first().click();
    const form = page.getByTestId("postscript-replace-form");
    await form.getByLabel("Private API key").fill(DEMO_SHOP_KEY);
    await form.getByRole("button", { name: "Replace key" }).click();
    await toast("Key replaced. Connected to Demo Coffee Co.").waitFor();
    // The page's data is read again after the toast: the banners go once it is.
    await expect.poll(() => page.getByText("Postscript rejected the API key").count()).toBe(0);
    app.postscript!.resetFaults();
  });

  it("saves event choices, which survive a reload of the linked tab", async () => {
    for (const type of ["subscription_paused", "order_skipped"]) {
      await page.getByRole("checkbox", { name: type, exact: true }).uncheck();
    }
    await expect(page.getByText("15 of 17 are on.", { exact: false }).isVisible()).resolves.toBe(true);
    // Settings is one form: Shopify's contextual save bar appears with the first change, and has the only Save.
    await saveBar().waitFor();
    await screenshot(page, "connections-16a-save-bar", { fullPage: false });
    await saveBar().getByRole("button", { name: "Save" }).click();
    await toast("Event choices saved: 15 of 17 event types are sent.").waitFor();
    await saveBar().waitFor({ state: "hidden" });

    await reloadAsAdmin();
    await page.getByText("Events sent to Postscript").waitFor();
    expect(new URL(page.url()).searchParams.get("tab")).toBe("settings");
    await expect(page.getByRole("checkbox", { name: "subscription_paused", exact: true }).isChecked()).resolves.toBe(false);
    await expect(page.getByRole("checkbox", { name: "order_skipped", exact: true }).isChecked()).resolves.toBe(false);
    await expect(page.getByRole("checkbox", { name: "order_upcoming", exact: true }).isChecked()).resolves.toBe(true);
    await expect(page.getByText(/^Last saved/).isVisible()).resolves.toBe(true);
    await screenshot(page, "connections-16-events-saved");
  });

  it("validates the payment retry count and the test recipient", async () => {
    expect(await page.getByRole("button", { name: /^Save / }).count()).toBe(0);
    await page.getByLabel("Payment retries in Loop").fill("0");
    await page.getByLabel("Mobile number").fill("555-0100");
    await saveBar().getByRole("button", { name: "Save" }).click();
    await page.getByText("Enter a whole number from 1 to 10.").waitFor();
    await page.getByText(/with its country code/).waitFor();
    // Nothing was saved, so the changes are still there to fix, with the save bar.
    await expect(saveBar().isVisible()).resolves.toBe(true);
    await screenshot(page, "connections-17-settings-errors");

    await page.getByLabel("Payment retries in Loop").fill("4");
    await page.getByLabel("Email").fill("ana@example.com");
    await page.getByLabel("Mobile number").fill("+1 (555) 555-0101");
    await saveBar().getByRole("button", { name: "Save" }).click();
    await toast("Payment retry count saved: 4.").waitFor();
    await toast("Test events will go to ana@example.com and +15555550101.").waitFor();
    await expect.poll(() => page.getByLabel("Mobile number").inputValue()).toBe("+15555550101");
    await saveBar().waitFor({ state: "hidden" });
  });

  it("asks before leaving Settings with unsaved changes, and discards them on request", async () => {
    await page.getByLabel("Payment retries in Loop").fill("6");
    await saveBar().waitFor();
    // Staying: the change is kept.
    page.once("dialog", (dialog) => void dialog.dismiss());
    await page.getByRole("tab", { name: "Integration overview" }).click();
    await expect.poll(() => page.getByLabel("Payment retries in Loop").inputValue()).toBe("6");
    expect(new URL(page.url()).searchParams.get("tab")).toBe("settings");
    await saveBar().getByRole("button", { name: "Discard" }).click();
    await expect.poll(() => page.getByLabel("Payment retries in Loop").inputValue()).toBe("4");
    await saveBar().waitFor({ state: "hidden" });
    // Leaving after agreeing: the change is dropped.
    await page.getByLabel("Payment retries in Loop").fill("7");
    page.once("dialog", (dialog) => void dialog.accept());
    await page.getByRole("tab", { name: "Integration overview" }).click();
    await page.waitForURL(/tab=overview/);
    await page.getByRole("tab", { name: "Settings" }).click();
    await expect.poll(() => page.getByLabel("Payment retries in Loop").inputValue()).toBe("4");
  });

  it("shows an honest empty Integration overview", async () => {
    await page.getByRole("tab", { name: "Integration overview" }).click();
    await page.getByText("Event statistics will appear here once Loop sends events").waitFor();
    await page.waitForFunction(() => [...document.images].every((img) => img.complete && img.naturalWidth > 0));
    await settle();
    await screenshot(page, "connections-18-overview-empty");
  });

  it("keeps the checklist until a test event arrived and Flow Builder was opened, then hides it", async () => {
    await page.getByRole("link", { name: "Integrations" }).first().click();
    await page.getByRole("heading", { name: "Integrations", level: 1 }).waitFor();
    // Both connections and the event choices: the steps that prove it works are still to do.
    await page.getByText("3 of 6 steps done").waitFor();
    expect(await page.getByText("Connected", { exact: true }).count()).toBe(2);
    await expect(page.getByText("Connected to Demo Coffee Co · key ••••7890").isVisible()).resolves.toBe(true);
    await screenshot(page, "connections-19-integrations-connected");

    // The step leads to the Set up tab's test card, which sends to the test recipient saved in Settings.
    await page.locator("#checklist-test").getByRole("link", { name: "Send a test event" }).click();
    const sendTest = page.locator("#send-test");
    await sendTest.getByText(/It goes to your test recipient/).waitFor();
    await sendTest.getByRole("button", { name: "Send test event" }).click();
    await toast(/^Test subscription_created sent to Demo Coffee Co in Postscript\./).waitFor();
    await page.getByRole("link", { name: "Integrations" }).first().click();
    // Sent and accepted by Postscript: the test and arrival steps are done; Flow Builder is next.
    await page.getByText("5 of 6 steps done").waitFor();
    const flowBuilder = page.locator("#checklist-flow").getByRole("link", { name: /Open Flow Builder/ });
    await expect(flowBuilder.getAttribute("href")).resolves.toMatch(/^https:\/\/app\.postscript\.io\//);
    await screenshot(page, "connections-19b-checklist-flow-builder");
    const [popup] = await Promise.all([page.waitForEvent("popup"), flowBuilder.click()]);
    await popup.close();
    await open("/app");
    await page.getByRole("heading", { name: "Integrations", level: 1 }).waitFor();
    await expect(page.getByText(/steps done/).count()).resolves.toBe(0);
  });

  it("disconnects Postscript after a confirmation, keeping its history", async () => {
    await open("/app/integrations/postscript?tab=settings");
    await page.getByRole("button", { name: "Disconnect" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByText("Events stop being sent to Postscript.").waitFor();
    await screenshot(page, "connections-20-disconnect-confirmation", { fullPage: false });
    await dialog.getByRole("button", { name: "Disconnect" }).click();
    await toast("Postscript disconnected. Events are no longer sent.").waitFor();
    await page.getByText(/Postscript is disconnected: events are not sent/).waitFor();
    await expect(page.getByText("Not connected").first().isVisible()).resolves.toBe(true);
    await screenshot(page, "connections-21-postscript-disconnected");
  });

  it("disconnects Loop: the app's webhooks are removed from Loop", async () => {
    await open("/app/integrations/loop");
    await page.getByRole("button", { name: "Disconnect" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Disconnect" }).click();
    await toast("Loop disconnected. Events are no longer received.").waitFor();
    await page.getByText(/Loop was disconnected on/).waitFor();
    expect(loopWebhooks()).toHaveLength(0);
    await screenshot(page, "connections-22-loop-disconnected");
  });

  it("accepts the manual set-up: webhook URL to copy, topics, a pasted signing secret for the webhook's topic(s)", async () => {
    await page.getByRole("button", { name: "Show how" }).click();
    await expect(page.getByLabel("Webhook URL").inputValue()).resolves.toMatch(/\/webhooks\/loop\?shop=demo-shop\.myshopify\.com$/);
    await page.getByLabel("Signing secret").fill(MANUAL_SECRET);
    await page.getByRole("button", { name: "Save signing secret" }).click();
    await page.getByText("Choose the Loop topic(s) of the webhook this signing secret belongs to.").waitFor();
    await screenshot(page, "connections-23-loop-manual-no-topic");
    await page.getByRole("checkbox", { name: "subscription/paused" }).check();
    await page.getByRole("checkbox", { name: "subscription/resumed" }).check();
    await page.getByRole("button", { name: "Save signing secret" }).click();
    await toast(/Signing secret saved/).waitFor();
    await page.getByText("Webhooks added in Loop admin").waitFor();
    await expect(page.getByText("••••cdef").isVisible()).resolves.toBe(true);
    await page.getByText("For subscription/paused, subscription/resumed").waitFor();
    await screenshot(page, "connections-24-loop-manual");
  });

  it("never sent a key, token or signing secret to the browser, and never logged one", async () => {
    const texts = await Promise.all(bodies);
    expect(texts.length).toBeGreaterThan(30);
    expect(texts.some((t) => t.includes("••••7890"))).toBe(true); // the search does see the pages
    const secrets = [DEMO_SHOP_KEY, TEA_SHOP_KEY, UNKNOWN_KEY, DEMO_TOKEN, DEMO_READONLY_TOKEN, MANUAL_SECRET];
    secrets.push(...loopSecrets);
    expect(loopSecrets).toHaveLength(14);
    const output = app.server.output();
    expect(output).toContain('"msg":"postscript connected"');
    for (const secret of secrets) {
      for (const text of texts) expect(text).not.toContain(secret);
      expect(output).not.toContain(secret);
    }
  });
});
