// The embedded admin pages go through the real authenticate.admin: session tokens are verified with the app
// secret, and a valid token for a shop with a stored offline session needs no call to Shopify.
import { beforeEach, describe, expect, it, vi } from "vitest";
import { databaseKinds, withTestDatabase } from "../../tests/support/databases";
import {
  adminDocumentRequest,
  adminFetchRequest,
  adminRequestWithToken,
  installShop,
  runRoute,
} from "../../tests/support/shopify";
import { loader as indexLoader } from "./app._index";
import { loader as layoutLoader } from "./app";

const SHOP = "test-shop.myshopify.com";

// The network edge: @shopify/shopify-api captures fetch when it is imported, so replace it before any import.
// Every call is recorded and refused, which also proves that a valid token for an installed shop needs none.
const network = await vi.hoisted(async () => (await import("../../tests/support/net")).refuseNetwork());

describe.each(databaseKinds)("admin authentication (%s)", (kind) => {
  const database = withTestDatabase(kind);
  beforeEach(() => {
    network.calls.length = 0;
  });

  it("serves the page to a valid session token in the URL (document load in Shopify admin)", async () => {
    await installShop(database.db, SHOP);
    const response = await runRoute(indexLoader, await adminDocumentRequest(SHOP, "/app"));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ shop: SHOP });
    expect(network.calls).toEqual([]);
  });

  it("serves data to a valid bearer token (fetch from the embedded app)", async () => {
    await installShop(database.db, SHOP);
    const response = await runRoute(layoutLoader, await adminFetchRequest(SHOP, "/app"));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ apiKey: "testApiKey" });
    expect(network.calls).toEqual([]);
  });

  it("answers 401 with the retry header to an expired token", async () => {
    await installShop(database.db, SHOP);
    const past = Math.floor(Date.now() / 1000) - 3600;
    const request = await adminRequestWithToken(SHOP, "/app", { overrides: { exp: past } });
    const response = await runRoute(indexLoader, request);
    expect(response.status).toBe(401);
    expect(response.headers.get("X-Shopify-Retry-Invalid-Session-Request")).toBe("1");
  });

  it("answers 401 to a token signed with another secret", async () => {
    await installShop(database.db, SHOP);
    const response = await runRoute(indexLoader, await adminRequestWithToken(SHOP, "/app", { secret: "forged-secret" }));
    expect(response.status).toBe(401);
  });

  it("answers 401 to a token issued for another app", async () => {
    await installShop(database.db, SHOP);
    const request = await adminRequestWithToken(SHOP, "/app", { overrides: { aud: "another-app" } });
    expect((await runRoute(indexLoader, request)).status).toBe(401);
  });

  it("never serves a shop whose session it does not hold, even with a well-signed token", async () => {
    // Without a stored session the library tries token exchange with Shopify, which the network edge refuses.
    const other = "other-shop.myshopify.com";
    const response = await runRoute(indexLoader, await adminFetchRequest(other, "/app")).catch((error) => error);
    const status = response instanceof Response ? response.status : 500;
    expect(status).toBeGreaterThanOrEqual(400);
    expect(network.calls).toEqual([`https://${other}/admin/oauth/access_token`]);
  });

  it("sends a document request without a token to the session-token bounce page", async () => {
    const request = new Request(
      `https://my-test-app.myshopify.io/app?embedded=1&shop=${SHOP}&host=${Buffer.from(`admin.shopify.com/store/test-shop`).toString("base64")}`,
      { headers: { "User-Agent": "Mozilla/5.0 Chrome/131.0" } },
    );
    const response = await runRoute(indexLoader, request);
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toMatch(/^\/auth\/session-token\?.*shopify-reload=/);
  });
});
