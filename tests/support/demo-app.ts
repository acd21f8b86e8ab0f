// The app as `npm run demo` runs it (development shim on, a seeded development shop), for browser tests.
import { createDatabaseClient } from "~/db.server";
import { createTestDatabase, type DatabaseKind, type TestDatabase } from "./databases";
import { baseServerEnv, startAppServer, type AppServer } from "./app-server";
import { installShop } from "./shopify";

export const DEMO_SHOP = "demo-shop.myshopify.com";

export interface DemoApp {
  server: AppServer;
  database: TestDatabase;
  close(): Promise<void>;
}

export async function startDemoApp(kind: DatabaseKind = "sqlite", extraEnv: Record<string, string> = {}): Promise<DemoApp> {
  const database = await createTestDatabase(kind);
  const db = createDatabaseClient(database.url);
  await installShop(db, DEMO_SHOP);
  await db.$disconnect();
  const server = await startAppServer({
    ...baseServerEnv(database.url),
    NODE_ENV: "development",
    DEV_APP_BRIDGE_SHIM: "true",
    DEV_SHOP_DOMAIN: DEMO_SHOP,
    ...extraEnv,
  });
  return {
    server,
    database,
    async close() {
      await server.stop();
      await database.drop();
    },
  };
}
