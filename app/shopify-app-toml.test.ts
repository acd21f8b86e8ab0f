// shopify.app.toml declares the webhook subscriptions Shopify will send; each must reach a route that
// authenticates it, and the API version must be the one the app is built for.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { apiVersion } from "./shopify.server";

const root = path.resolve(__dirname, "..");
const toml = readFileSync(path.join(root, "shopify.app.toml"), "utf8");

describe("shopify.app.toml", () => {
  const subscriptions = [...toml.matchAll(/\[\[webhooks\.subscriptions\]\]\s*\n\s*(compliance_topics|topics) = \[([^\]]*)\]\s*\n\s*uri = "([^"]+)"/g)].map(
    (m) => ({ kind: m[1], topics: m[2].split(",").map((t) => t.trim().replace(/"/g, "")), uri: m[3] }),
  );

  it("subscribes to app/uninstalled, app/scopes_update and the three privacy topics", () => {
    expect(subscriptions.flatMap((s) => s.topics).sort()).toEqual(
      ["app/scopes_update", "app/uninstalled", "customers/data_request", "customers/redact", "shop/redact"].sort(),
    );
    expect(subscriptions.filter((s) => s.kind === "compliance_topics").flatMap((s) => s.topics).sort()).toEqual(
      ["customers/data_request", "customers/redact", "shop/redact"],
    );
  });

  it("sends every subscription to a route file that exists", () => {
    for (const { uri } of subscriptions) {
      const file = path.join(root, "app", "routes", `${uri.slice(1).replace(/\//g, ".")}.tsx`);
      expect(existsSync(file), `${uri} → ${file}`).toBe(true);
    }
  });

  it("uses the API version the app is built for, and the scopes of .env.example", () => {
    expect(toml).toContain(`api_version = "${apiVersion}"`);
    const example = readFileSync(path.join(root, ".env.example"), "utf8");
    const scopes = /^SCOPES=(.*)$/m.exec(example)![1];
    expect(toml).toContain(`scopes = "${scopes}"`);
  });
});
