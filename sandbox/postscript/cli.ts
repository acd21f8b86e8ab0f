/**
 * Runs the Postscript stand-in with the default seed until SIGINT/SIGTERM.
 *   npx tsx sandbox/postscript/cli.ts [--port 4010] [--host 127.0.0.1] [--rate 15] [--latency 0] [--retry-after]
 * (package.json: `npm run sandbox:postscript`). Development tool only; the keys it prints are fake.
 */
import "../../scripts/lib/require-node";
import process from "node:process";
import { parseArgs } from "node:util";
import { DEMO_PARTNER_KEY, DEMO_PARTNER_NAME } from "./seed";
import { startPostscriptStandIn } from "./server";

function intArg(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) {
    console.error(`--${name} must be a non-negative integer, got "${value}"`);
    process.exit(2);
  }
  return Number(value);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "4010" },
      host: { type: "string", default: "127.0.0.1" },
      rate: { type: "string" },
      latency: { type: "string" },
      "retry-after": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log("usage: tsx sandbox/postscript/cli.ts [--port 4010] [--host 127.0.0.1] [--rate 15] [--latency 0] [--retry-after]");
    return;
  }
  const rate = intArg("rate", values.rate, 15);
  if (rate < 1) {
    console.error("--rate must be >= 1");
    process.exit(2);
  }
  const latency = intArg("latency", values.latency, 0);
  const standIn = await startPostscriptStandIn({
    port: intArg("port", values.port, 4010),
    host: values.host,
    rateLimitPerSecond: rate,
    retryAfterOn429: values["retry-after"],
    faults: latency > 0 ? { latencyMs: latency } : undefined,
  });

  console.log(`Postscript stand-in (development tool, NOT Postscript) listening on ${standIn.url}`);
  console.log(`  API base:     ${standIn.url}/api/v2   (rate limit ${rate}/s per token${latency ? `, latency ${latency} ms` : ""})`);
  console.log(`  Control API:  ${standIn.url}/__sandbox/health | /requests | /events | /faults | /shops | /reset`);
  console.log("  Seeded shops (fake keys):");
  for (const shop of standIn.state.shops.values()) {
    const n = standIn.state.subscribersOf(shop.id).length;
    console.log(`    ${shop.name.padEnd(18)} ${shop.id.padEnd(20)} ${shop.key}   (${n} subscribers)`);
  }
  console.log(`  Partner key (${DEMO_PARTNER_NAME}): ${DEMO_PARTNER_KEY}  + header X-Postscript-Shop-Token: <shop key>`);
  console.log("  Try:");
  const demoKey = [...standIn.state.shops.values()][0]?.key ?? "sk_…";
  console.log(`    curl -s ${standIn.url}/api/v2/me -H 'Authorization: Bearer ${demoKey}'`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: closing Postscript stand-in`);
    standIn.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
