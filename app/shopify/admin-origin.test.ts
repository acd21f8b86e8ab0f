// Where the library's requests to a shop go: to the shop itself, or (development and tests, when
// SHOPIFY_ADMIN_API_ORIGIN names the local stand-in) to that origin, for Admin API and token endpoint paths only.
import { describe, expect, it } from "vitest";
import { adminRequestUrl } from "~/shopify.server";

describe("adminRequestUrl", () => {
  it("keeps every URL as it is without SHOPIFY_ADMIN_API_ORIGIN (always so in production)", () => {
    for (const url of ["https://shop.myshopify.com/admin/api/2026-10/graphql.json", "https://shop.myshopify.com/admin/oauth/access_token"]) {
      expect(adminRequestUrl(url, undefined)).toBe(url);
    }
  });

  it("sends the shop's Admin API and token endpoint requests to the stand-in's origin", () => {
    const origin = "http://127.0.0.1:4030/";
    expect(adminRequestUrl("https://shop.myshopify.com/admin/api/2026-10/graphql.json", origin)).toBe("http://127.0.0.1:4030/admin/api/2026-10/graphql.json");
    expect(adminRequestUrl("https://shop.myshopify.com/admin/oauth/access_token?x=1", origin)).toBe("http://127.0.0.1:4030/admin/oauth/access_token?x=1");
  });

  it("leaves other requests alone", () => {
    const origin = "http://127.0.0.1:4030";
    expect(adminRequestUrl("https://cdn.shopify.com/shopifycloud/app-bridge.js", origin)).toBe("https://cdn.shopify.com/shopifycloud/app-bridge.js");
    expect(adminRequestUrl("http://shop.myshopify.com/admin/oauth/access_token", origin)).toBe("http://shop.myshopify.com/admin/oauth/access_token");
  });
});
