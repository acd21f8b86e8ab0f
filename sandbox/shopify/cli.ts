// npm run sandbox:shopify -- serve [--port 4030] [--host 127.0.0.1] [--shop demo-shop.myshopify.com]
//                                  [--token shpat_…]… [--any-token] [--throttle] [--offline-token-lifetime <s>]
// Shopify Admin GraphQL stand-in (development/test tool; not part of the production app). Ctrl-C stops it.
import "../../scripts/lib/require-node";
import { parseArgs } from "node:util";
import { DEFAULT_API_VERSION, SANDBOX_PATHS } from "../../app/shopify/admin-protocol";
import { DEMO_ACCESS_TOKEN, startShopifyAdminStandIn } from "./server";

const USAGE = `usage: npm run sandbox:shopify -- serve [options]
Shopify Admin GraphQL stand-in (sandbox)

  serve [--port 4030] [--host 127.0.0.1] [--shop demo-shop.myshopify.com] [--token <access token>]…
        [--any-token] [--throttle] [--offline-token-lifetime <seconds>] [--quiet]`;

async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
  if (command !== "serve") {
    const asked = command === "--help" || command === "-h" || command === "help";
    if (asked) console.log(USAGE);
    else console.error(`${command ? `unknown command "${command}"` : "no command given"}\n\n${USAGE}`);
    return asked ? 0 : 2;
  }
  const { values } = parseArgs({
    args: rest,
    strict: true,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      shop: { type: "string" },
      token: { type: "string", multiple: true },
      "any-token": { type: "boolean" },
      throttle: { type: "boolean" },
      "offline-token-lifetime": { type: "string" },
      quiet: { type: "boolean" },
    },
  });
  const port = values.port === undefined ? 4030 : Number(values.port);
  if (!Number.isInteger(port) || port < 0) {
    console.error(`error: --port must be an integer\n\n${USAGE}`);
    return 1;
  }
  const lifetime = values["offline-token-lifetime"] === undefined ? undefined : Number(values["offline-token-lifetime"]);
  if (lifetime !== undefined && !(lifetime > 0)) {
    console.error(`error: --offline-token-lifetime must be a positive number of seconds\n\n${USAGE}`);
    return 1;
  }
  const standIn = await startShopifyAdminStandIn({
    offlineTokenLifetimeS: lifetime,
    port,
    host: values.host ?? "127.0.0.1",
    shopDomain: values.shop,
    accessTokens: [DEMO_ACCESS_TOKEN, ...(values.token ?? [])],
    acceptAnyToken: values["any-token"] ?? false,
    log: values.quiet ? undefined : (line) => console.log(line),
  });
  standIn.state.faults.throttle = values.throttle ?? false;
  console.log(`Shopify Admin stand-in listening on ${standIn.url}  (sandbox tool — not Shopify)`);
  console.log(`  GraphQL   ${standIn.graphqlUrl(DEFAULT_API_VERSION)}   header X-Shopify-Access-Token`);
  console.log(`  shop      ${standIn.state.shopDomain}   token ${DEMO_ACCESS_TOKEN}${values["any-token"] ? " (any token accepted)" : ""}`);
  console.log(`  customers ${standIn.state.customers.size} seeded: ${[...standIn.state.customers.values()].map((c) => `${c.id.split("/").pop()}=${c.state}`).join(" ")}`);
  console.log(`  tokens    POST /admin/oauth/access_token (token exchange, refresh); offline tokens last ${standIn.state.oauth.offlineTokenLifetimeS} s`);
  console.log(`  control   ${Object.values(SANDBOX_PATHS).join(" ")}`);
  console.log("Ctrl-C to stop.");
  await new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  console.log("stopping…");
  await standIn.close();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`error: ${(e as Error).message}`);
    process.exit(1);
  },
);
