import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ConfigError, configSchema, parseConfig } from "./env.server";

const valid = {
  SHOPIFY_API_KEY: "key",
  SHOPIFY_API_SECRET: "secret",
  SHOPIFY_APP_URL: "https://app.example.com",
  SECRETS_ENCRYPTION_KEYS: "k1:" + Buffer.alloc(32, 1).toString("base64"),
};

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    parseConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error("expected the configuration to be refused");
}

describe("configuration", () => {
  it("accepts the required variables and fills in the embedded defaults", () => {
    const config = parseConfig(valid);
    expect(config.DATABASE_URL).toBe("file:./data/app.sqlite");
    expect(config.PORT).toBe(3000);
    expect(config.PROCESS_ROLE).toBe("all");
    expect(config.SCOPES).toEqual(["read_customers", "write_customers"]);
    expect(config.SECRETS_ENCRYPTION_KEYS).toEqual([{ id: "k1", key: Buffer.alloc(32, 1) }]);
    expect(config.DEV_APP_BRIDGE_SHIM).toBe(false);
  });

  it("names every missing variable and says where to set it", () => {
    const problems = problemsOf({});
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^SHOPIFY_API_KEY /),
        expect.stringMatching(/^SHOPIFY_API_SECRET /),
        expect.stringMatching(/^SHOPIFY_APP_URL /),
        expect.stringMatching(/^SECRETS_ENCRYPTION_KEYS /),
      ]),
    );
    expect(() => parseConfig({})).toThrow(/see \.env\.example/);
  });

  it.each([
    ["SHOPIFY_APP_URL", "not a url", /absolute URL/],
    ["PORT", "eighty", /PORT/],
    ["DATABASE_URL", "mysql://localhost/db", /file: \(SQLite\) or postgres/],
    ["SECRETS_ENCRYPTION_KEYS", "k1:" + Buffer.alloc(16).toString("base64"), /32 bytes/],
    ["SECRETS_ENCRYPTION_KEYS", "no-colon", /<key id>:<32 bytes in base64>/],
    ["PROCESS_ROLE", "everything", /PROCESS_ROLE/],
    ["DEV_APP_BRIDGE_SHIM", "yes", /DEV_APP_BRIDGE_SHIM/],
  ])("refuses a malformed %s", (name, value, message) => {
    const problems = problemsOf({ ...valid, [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${name} `));
    expect(problems[0]).toMatch(message);
  });

  it("refuses duplicate encryption key ids", () => {
    const key = Buffer.alloc(32, 2).toString("base64");
    expect(problemsOf({ ...valid, SECRETS_ENCRYPTION_KEYS: `a:${key},a:${key}` })[0]).toMatch(/unique/);
  });

  it("lists every problem of a production start at once, the production-only requirements included", () => {
    const problems = problemsOf({ NODE_ENV: "production" });
    expect(problems.map((p) => p.split(" ")[0]).sort()).toEqual([
      "SECRETS_ENCRYPTION_KEYS",
      "SHOPIFY_API_KEY",
      "SHOPIFY_API_SECRET",
      "SHOPIFY_APP_URL",
      "SUPPORT_SESSION_SECRET",
    ]);
  });

  it("never enables the development shim in production", () => {
    const problems = problemsOf({ ...valid, NODE_ENV: "production", DEV_APP_BRIDGE_SHIM: "true" });
    expect(problems[0]).toMatch(/^DEV_APP_BRIDGE_SHIM cannot be enabled when NODE_ENV=production/);
    expect(parseConfig({ ...valid, NODE_ENV: "development", DEV_APP_BRIDGE_SHIM: "true" }).DEV_APP_BRIDGE_SHIM).toBe(true);
  });

  it("treats an empty value as unset", () => {
    expect(parseConfig({ ...valid, PORT: "", LOG_LEVEL: "" }).PORT).toBe(3000);
  });

  it("names every variable in docs/configuration.md", () => {
    const doc = readFileSync(new URL("../../docs/configuration.md", import.meta.url), "utf8");
    const missing = Object.keys(configSchema.shape).filter((name) => !doc.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });

  it("documents every variable in .env.example, and nothing else", () => {
    const example = readFileSync(new URL("../../.env.example", import.meta.url), "utf8");
    const documented = [...example.matchAll(/^([A-Z0-9_]+)=/gm)].map((m) => m[1]).sort();
    const known = Object.keys(configSchema.shape).sort();
    expect(documented).toEqual(known);
  });
});
