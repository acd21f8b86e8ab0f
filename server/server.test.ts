// The production entry (`npm start`), run as a real process from the build.
import { afterAll, describe, expect, it } from "vitest";
import { createTestDatabase, databaseKinds, type TestDatabase } from "../tests/support/databases";
import { dropPostgresDatabase } from "../tests/support/postgres";
import { BROWSER_UA } from "../tests/support/shopify";
import { baseServerEnv, runAppServerToExit, startAppServer, type AppServer } from "../tests/support/app-server";
import { waitFor } from "../tests/support/wait";

const databases: TestDatabase[] = [];
const servers: AppServer[] = [];
afterAll(async () => {
  for (const server of servers) await server.stop("SIGKILL");
  for (const database of databases) await database.drop();
});

async function freshDatabase(kind: "sqlite" | "postgres" = "sqlite") {
  const database = await createTestDatabase(kind);
  databases.push(database);
  return database;
}

async function start(env: Record<string, string>) {
  const server = await startAppServer(env);
  servers.push(server);
  return server;
}

describe("production server", () => {
  it("serves /healthz with the database checked, and stops cleanly on SIGTERM", async () => {
    const database = await freshDatabase();
    const server = await start(baseServerEnv(database.url));
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok", database: "ok" });
    expect(health.headers.get("cache-control")).toBe("no-store");

    const started = Date.now();
    expect(await server.stop("SIGTERM")).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(server.output()).toMatch(/"msg":"shutting down","signal":"SIGTERM"[\s\S]*"msg":"stopped"/);
  });

  it("serves the embedded app's entry through Shopify auth (no token: the session-token bounce)", async () => {
    const database = await freshDatabase();
    const server = await start(baseServerEnv(database.url));
    const host = Buffer.from("admin.shopify.com/store/test-shop").toString("base64");
    const response = await fetch(`${server.url}/app?embedded=1&shop=test-shop.myshopify.com&host=${host}`, {
      headers: { "User-Agent": BROWSER_UA },
      redirect: "manual",
    });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toMatch(/^\/auth\/session-token\?/);
  });

  it("creates and migrates an SQLite database that does not exist yet", async () => {
    const database = await freshDatabase();
    const url = database.url.replace(/\.sqlite$/, "-new/nested/app.sqlite");
    const server = await start(baseServerEnv(url));
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect(server.output()).toContain('"msg":"database migrated"');
    await server.stop();
  });

  it("stops at start-up with a message naming a malformed variable", async () => {
    const database = await freshDatabase();
    const { code, output } = await runAppServerToExit({ ...baseServerEnv(database.url), SHOPIFY_APP_URL: "not-a-url" });
    expect(code).toBe(1);
    expect(output).toMatch(/Invalid configuration:\n\s+- SHOPIFY_APP_URL must be an absolute URL/);
  });

  it("refuses the development shim in production, and serves no /dev routes there", async () => {
    const database = await freshDatabase();
    const refused = await runAppServerToExit({ ...baseServerEnv(database.url), DEV_APP_BRIDGE_SHIM: "true" });
    expect(refused.code).toBe(1);
    expect(refused.output).toMatch(/DEV_APP_BRIDGE_SHIM cannot be enabled when NODE_ENV=production/);

    const server = await start(baseServerEnv(database.url));
    for (const path of ["/dev/open", "/dev/session-token", "/dev/app-bridge.js"]) {
      expect((await fetch(`${server.url}${path}`, { headers: { "User-Agent": BROWSER_UA }, redirect: "manual" })).status).toBe(404);
    }
  });

  it("runs as a worker process that answers only /healthz (PROCESS_ROLE=worker)", async () => {
    const database = await freshDatabase();
    const server = await start({ ...baseServerEnv(database.url), PROCESS_ROLE: "worker" });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/app`, { headers: { "User-Agent": BROWSER_UA } })).status).toBe(404);
    expect(server.output()).toContain('"role":"worker"');
  });

  it("stops at start-up when the database cannot be reached", async () => {
    const { code, output } = await runAppServerToExit(baseServerEnv("postgresql://postgres@127.0.0.1:1/none"));
    expect(code).toBe(1);
    expect(output.trim().split("\n")).toContain("The database could not be migrated: cannot reach PostgreSQL at 127.0.0.1:1 (ECONNREFUSED): is the server running, and is DATABASE_URL right?");
  });

  it.runIf(databaseKinds.includes("postgres"))("answers 503 on /healthz while PostgreSQL is gone, and recovers without a restart", async () => {
    const database = await freshDatabase("postgres");
    const server = await start(baseServerEnv(database.url));
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    // Dropping the database (with FORCE) cuts the server's connections and makes new ones fail.
    const name = new URL(database.url).pathname.slice(1);
    await dropPostgresDatabase(process.env.TEST_POSTGRES_URL!, name);
    const down = await fetch(`${server.url}/healthz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ status: "unavailable", database: "unreachable" });
    // Bring a database of that name back: the pool reconnects on its own.
    const { createPostgresDatabase } = await import("../tests/support/postgres");
    await createPostgresDatabase(process.env.TEST_POSTGRES_URL!, name);
    await waitFor("the health check to pass again", async () => (await fetch(`${server.url}/healthz`)).status === 200, 10_000);
  });
});
