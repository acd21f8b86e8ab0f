// The support console's configuration: a session secret is required in production only.
import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "~/config/env.server";

const valid = {
  SHOPIFY_API_KEY: "key",
  SHOPIFY_API_SECRET: "secret",
  SHOPIFY_APP_URL: "https://app.example.com",
  SECRETS_ENCRYPTION_KEYS: "k1:" + Buffer.alloc(32, 1).toString("base64"),
};

describe("support console configuration", () => {
  it("requires SUPPORT_SESSION_SECRET in production, of at least 32 characters", () => {
    expect(() => parseConfig({ ...valid, NODE_ENV: "production" })).toThrow(ConfigError);
    expect(() => parseConfig({ ...valid, NODE_ENV: "production" })).toThrow(/SUPPORT_SESSION_SECRET is required when NODE_ENV=production/);
    expect(() => parseConfig({ ...valid, NODE_ENV: "production", SUPPORT_SESSION_SECRET: "too-short" })).toThrow(/SUPPORT_SESSION_SECRET must be at least 32/);
    expect(parseConfig({ ...valid, NODE_ENV: "production", SUPPORT_SESSION_SECRET: "x".repeat(32) }).SUPPORT_SESSION_SECRET).toBe("x".repeat(32));
  });

  it("runs without it in development (a secret made up per process) and has safe defaults", () => {
    const config = parseConfig({ ...valid, NODE_ENV: "development" });
    expect(config.SUPPORT_SESSION_SECRET).toBeUndefined();
    expect(config).toMatchObject({
      SUPPORT_SESSION_IDLE_MINUTES: 30,
      SUPPORT_SESSION_MAX_HOURS: 12,
      SUPPORT_SIGNIN_MAX_FAILURES: 5,
      SUPPORT_SIGNIN_IP_MAX_FAILURES: 20,
      SUPPORT_SIGNIN_LOCKOUT_MINUTES: 15,
      TRUST_PROXY_HOPS: 0,
    });
  });
});
