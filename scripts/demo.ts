// `npm run demo`: the app on its embedded defaults (SQLite, generated .env) with a development shop whose
// offline session is seeded, so the admin screens open in a plain browser without Shopify or internet. It also
// starts the local Postscript and Loop stand-ins (sandbox/, fake services with fixed demo credentials) and
// points the app at them, then prints the URL to open and the demo key and token to paste.
// Ctrl-C stops everything.
import { readCommandLine } from "./lib/cli";
import { spawn, execFileSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DEMO_READONLY_TOKEN, DEMO_TOKEN, startLoopStandIn } from "../sandbox/loop/server";
import { DEMO_SHOP_KEY, DEMO_SHOP_NAME } from "../sandbox/postscript/seed";
import { startPostscriptStandIn } from "../sandbox/postscript/server";
import { startShopifyAdminStandIn } from "../sandbox/shopify/server";
import { ensureLocalEnv } from "./local-env";
import { DEV_OFFLINE_TOKEN, seedDevShop } from "./dev-shop";

readCommandLine({
  usage: `usage: npm run demo   (or scripts/run demo on a machine whose Node is older than 22)
  builds the app, migrates and seeds the development shop, starts the app and the local stand-ins for Postscript,
  Loop and Shopify, and prints the URL to open. No options; PORT (default 3000) sets the app's port. Ctrl-C stops.`,
});

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const port = Number(process.env.PORT ?? 3000);
const POSTSCRIPT_PORT = 4010;
const LOOP_PORT = 4020;
const SHOPIFY_PORT = 4030;
/** Loop events per minute in the demo's steady mix (they flow once Loop is connected). */
const DEMO_EVENTS_PER_MINUTE = 20;

const env = ensureLocalEnv(root, port);
console.log(env.created ? `created ${env.file} with generated secrets` : `using ${env.file}`);
process.loadEnvFile(env.file);
if (process.env.NODE_ENV === "production") {
  console.error("npm run demo is a development tool; .env says NODE_ENV=production");
  process.exit(1);
}

console.log("building…");
execFileSync("npm", ["run", "--silent", "build"], { cwd: root, stdio: "inherit", env: { ...process.env, NODE_ENV: "production" } });

// Fixed ports so the URLs stay the same between runs; any free port when one is taken.
const postscript = await onPreferredPort(POSTSCRIPT_PORT, (p) => startPostscriptStandIn({ port: p }));
const loop = await onPreferredPort(LOOP_PORT, (p) => startLoopStandIn({ port: p }));
process.env.POSTSCRIPT_API_URL = postscript.url;
process.env.LOOP_API_URL = loop.url;

const { migrated, shop, loopResubscribed } = await seedDevShop({ loopToken: DEMO_TOKEN });
if (migrated.length) console.log(`database migrated: ${migrated.join(", ")}`);
// The Loop stand-in keeps its webhook subscriptions in memory: a shop connected in an earlier demo run is
// subscribed again, as if Loop had remembered it.
if (loopResubscribed) console.log("Loop was connected in an earlier run: its webhooks are subscribed again");
// Shopify Admin GraphQL for the development shop: customer lookups, activation URLs, the shop's time zone.
const shopifyAdmin = await onPreferredPort(SHOPIFY_PORT, (p) =>
  startShopifyAdminStandIn({ port: p, shopDomain: shop, accessTokens: [DEV_OFFLINE_TOKEN] }),
);

// A steady mix of Loop events for the shop. The stand-in sends only topics the shop subscribed to, so events
// start flowing the moment the merchant connects Loop in the app.
await fetch(`${loop.url}/__sandbox/stream`, {
  method: "POST",
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify({ shopDomain: shop, ratePerMinute: DEMO_EVENTS_PER_MINUTE }),
});

const server = spawn(process.execPath, ["build/server.js"], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, POSTSCRIPT_API_URL: postscript.url, LOOP_API_URL: loop.url, SHOPIFY_ADMIN_API_ORIGIN: shopifyAdmin.url },
});
const appUrl = process.env.SHOPIFY_APP_URL ?? `http://localhost:${port}`;

await waitForHealth(`${appUrl}/healthz`);
console.log(`
  App running for ${shop}.
  Open ${appUrl}/dev/open in a browser (it signs you in as the development shop, like Shopify admin does).

  The local stand-ins play Loop and Postscript (fake services, fake credentials):
    Loop Subscriptions   ${loop.url}   (sends ~${DEMO_EVENTS_PER_MINUTE} events a minute once Loop is connected)
    Postscript           ${postscript.url}   (what arrived: ${postscript.url}/__sandbox/events)
    Shopify Admin API    ${shopifyAdmin.url}

  1. Connect Loop: paste this Loop API token
       ${DEMO_TOKEN}
     (${DEMO_READONLY_TOKEN} lacks the webhook scope, to see that error)
  2. Connect Postscript: paste this private API key (Postscript shop "${DEMO_SHOP_NAME}")
       ${DEMO_SHOP_KEY}
  3. Watch events arrive: Integrations → Postscript → Integration overview, and the Event log.
     More on demand:
       npm run sandbox:loop -- send --stand-in ${loop.url} --shop ${shop} --topic order/upcoming --count 3

  Ctrl-C to stop.
`);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    server.kill("SIGTERM");
  });
}
server.on("exit", async (code) => {
  await Promise.allSettled([postscript.close(), loop.close(), shopifyAdmin.close()]);
  process.exit(code ?? 0);
});

async function onPreferredPort<T>(preferred: number, start: (port: number) => Promise<T>): Promise<T> {
  try {
    return await start(preferred);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
    console.log(`port ${preferred} is taken; using a free port instead`);
    return start(0);
  }
}

async function waitForHealth(url: string) {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the app did not become healthy at ${url}`);
}
