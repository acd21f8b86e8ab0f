// The app as `npm run demo` runs it (development shim on, a seeded development shop), for browser tests. With
// `standIns: true` it also starts the Postscript and Loop stand-ins (sandbox/) and points the app at them,
// as the demo does, and returns them so tests can inspect or fault them.
import { startLoopStandIn, type LoopStandIn } from "../../sandbox/loop/server";
import { startPostscriptStandIn, type PostscriptStandIn } from "../../sandbox/postscript/server";
import { closeDatabaseClient, createDatabaseClient } from "~/db.server";
import { createTestDatabase, type DatabaseKind, type TestDatabase } from "./databases";
import { baseServerEnv, startAppServer, type AppServer } from "./app-server";
import { installShop } from "./shopify";

export const DEMO_SHOP = "demo-shop.myshopify.com";

export interface DemoApp {
  server: AppServer;
  database: TestDatabase;
  /** Present when started with `standIns: true`. */
  postscript?: PostscriptStandIn;
  loop?: LoopStandIn;
  close(): Promise<void>;
}

export interface DemoAppOptions {
  standIns?: boolean;
  env?: Record<string, string>;
}

export async function startDemoApp(kind: DatabaseKind = "sqlite", options: DemoAppOptions | Record<string, string> = {}): Promise<DemoApp> {
  // Older callers pass the extra environment directly.
  const { standIns = false, env: extraEnv = {} } = "standIns" in options || "env" in options ? (options as DemoAppOptions) : { env: options as Record<string, string> };
  const database = await createTestDatabase(kind);
  const db = createDatabaseClient(database.url);
  await installShop(db, DEMO_SHOP);
  await closeDatabaseClient(db);
  const postscript = standIns ? await startPostscriptStandIn() : undefined;
  const loop = standIns ? await startLoopStandIn() : undefined;
  const server = await startAppServer({
    ...baseServerEnv(database.url),
    NODE_ENV: "development",
    DEV_APP_BRIDGE_SHIM: "true",
    DEV_SHOP_DOMAIN: DEMO_SHOP,
    ...(postscript ? { POSTSCRIPT_API_URL: postscript.url } : {}),
    ...(loop ? { LOOP_API_URL: loop.url } : {}),
    ...extraEnv,
  });
  return {
    server,
    database,
    postscript,
    loop,
    async close() {
      await server.stop();
      await postscript?.close();
      await loop?.close();
      await database.drop();
    },
  };
}
