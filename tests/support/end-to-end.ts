// The set-up the end-to-end tests share: the stand-ins (Postscript, Shopify Admin, and Loop when asked for), a
// fresh database with the shops installed and Postscript connected, then the production build serving the app
// on a known port. The connections are made by the test process (as the merchant's screens would), against the
// same database, so the process environment points at the stand-ins until stop().
import { startLoopStandIn, type LoopStandIn, type LoopStandInOptions } from "../../sandbox/loop/server";
import { startPostscriptStandIn, type PostscriptStandIn } from "../../sandbox/postscript/server";
import { DEMO_SHOP_KEY } from "../../sandbox/postscript/seed";
import { startShopifyAdminStandIn, type ShopifyStandIn } from "../../sandbox/shopify/server";
import { resetConfigForTests } from "~/config/env.server";
import { connectPostscript } from "~/connections/postscript.server";
import { disconnectDatabase, type Database } from "~/db.server";
import { OPEN_STATUSES } from "~/delivery/transitions.server";
import { baseServerEnv, startAppServer, type AppServer } from "./app-server";
import { createTestDatabase, useDatabase as pointAppAt, type DatabaseKind, type TestDatabase } from "./databases";
import { closedPort } from "./net";
import { installShop } from "./shopify";

export interface EndToEndOptions {
  /** Installed in this order; the first is connected to the demo Postscript shop. */
  shops: string[];
  /** Start the Loop stand-in with these options; without them there is none. */
  loop?: LoopStandInOptions;
  /** More set-up before the app starts (connect Loop, paste secrets…). */
  prepare?: (db: Database) => Promise<void>;
}

export interface EndToEnd {
  ps: PostscriptStandIn;
  loop: LoopStandIn | undefined;
  shopify: ShopifyStandIn;
  database: TestDatabase;
  db: Database;
  app: AppServer;
  stop(): Promise<void>;
}

export async function startEndToEnd(kind: DatabaseKind, { shops, loop: loopOptions, prepare }: EndToEndOptions): Promise<EndToEnd> {
  const [ps, loop, shopify] = await Promise.all([
    startPostscriptStandIn(),
    loopOptions ? startLoopStandIn(loopOptions) : undefined,
    startShopifyAdminStandIn({ shopDomain: shops[0], acceptAnyToken: true }),
  ]);
  const database = await createTestDatabase(kind);
  const port = await closedPort();
  const env: Record<string, string> = {
    SHOPIFY_APP_URL: `http://127.0.0.1:${port}`,
    POSTSCRIPT_API_URL: ps.url,
    SHOPIFY_ADMIN_API_ORIGIN: shopify.url,
    ...(loop ? { LOOP_API_URL: loop.url } : {}),
  };
  Object.assign(process.env, env);
  const db = await pointAppAt(database.url);
  for (const shop of shops) await installShop(db, shop);
  const connected = await connectPostscript(db, shops[0], { apiKey: DEMO_SHOP_KEY, label: "e2e" });
  if (!connected.ok) throw new Error(`Postscript did not connect: ${JSON.stringify(connected)}`);
  await prepare?.(db);
  const app = await startAppServer({ ...baseServerEnv(database.url), ...env, NODE_ENV: "development", PORT: String(port), DELIVERY_POLL_INTERVAL_MS: "50" });

  return {
    ps,
    loop,
    shopify,
    database,
    db,
    app,
    async stop() {
      await app.stop();
      await disconnectDatabase();
      for (const name of Object.keys(env)) delete process.env[name];
      resetConfigForTests();
      await database.drop();
      await Promise.all([ps.close(), loop?.close(), shopify.close()]);
    },
  };
}

/**
 * Events not in a final state (still to be mapped, sent, retried, or paused), of one shop or of all. None left
 * means the worker has nothing more to send: a test that counts what reached Postscript waits for this first.
 */
export function openEvents(db: Database, shopDomain?: string): Promise<number> {
  return db.event.count({ where: { ...(shopDomain ? { shopDomain } : {}), status: { in: OPEN_STATUSES } } });
}
