// npm run bench:backfill — a shop's backfill of subscriber properties from Loop's subscription list, through
// to Postscript, against both stand-ins at their real limits (Loop's list: 3 requests/s per store; Postscript:
// 15 requests/s per key, the app pacing itself at its configured rate, 15/s by default).
//
// For each database: one shop connected to Loop (its store holding --subscriptions subscriptions of
// --customers customers) and to Postscript (every customer a subscriber there, found by e-mail, or by phone for
// the personas). The app's own workers run in this process — the backfill and the property sync, exactly as
// the worker process builds them — until the backfill is done and every customer is synced. Prints the
// duration against the ideal the two limits allow (max of Loop pages / 3 s and Postscript requests / 15 s, at
// one lookup and one update per customer), Postscript requests per synced subscriber, Loop's 429s and the
// peak RSS of this process (which also holds both stand-ins, so it overstates the app's own).
//
// The sync rows' coalescing delay is set to 1 s (PROPERTY_SYNC_DELAY_MS, default 30 s), which otherwise adds
// its 30 s at the end. Flags: see USAGE below.
import os from "node:os";
import { PERSONAS } from "../../sandbox/loop/personas";
import { startLoopStandIn } from "../../sandbox/loop/server";
import { numberedCustomerEmail } from "../../sandbox/loop/subscriptions";
import { startPostscriptStandIn } from "../../sandbox/postscript/server";
import { getConfig } from "../../app/config/env.server";
import { disconnectDatabase } from "../../app/db.server";
import { createAppBackfillWorker, startBackfill } from "../../app/delivery/property-backfill.server";
import { createAppDeliveryWorkers } from "../../app/delivery/runtime.server";
import { LOOP_REQUESTS_PER_SECOND, SUBSCRIPTION_PAGE_SIZE_MAX } from "../../app/loop/protocol";
import { createBenchDatabase } from "./lib/databases";
import { benchEnvironment, benchFlags, databaseKindsFlag, describeMachine } from "./lib/environment";
import { MemorySampler, round } from "./lib/measure";
import { printTable, writeResults, type Cell } from "./lib/report";
import { connectLoopShops, connectPostscriptShop, pointAppAtDatabase, pointAppAtStandIns } from "./lib/shops";

const USAGE = `usage: npm run bench:backfill -- [flags]
  --db sqlite,postgres  --subscriptions 20000  --customers <default: 3/4 of the subscriptions>  --timeout 3600 (s)`;
const flags = benchFlags(USAGE, { db: "string", subscriptions: "string", customers: "string", timeout: "string" });
const kinds = databaseKindsFlag(flags.db);
const subscriptions = Number(flags.subscriptions ?? 20_000);
const customers = Number(flags.customers ?? Math.round(subscriptions * 0.75));
const timeoutMs = Number(flags.timeout ?? 3_600) * 1000;
benchEnvironment({ PROPERTY_SYNC_DELAY_MS: "1000" });
/** The app's pace per Postscript key (POSTSCRIPT_RATE_LIMIT_PER_SECOND). */
const POSTSCRIPT_PACE = getConfig().POSTSCRIPT_RATE_LIMIT_PER_SECOND;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function run(kind: "sqlite" | "postgres"): Promise<Record<string, Cell>> {
  const loop = await startLoopStandIn();
  const ps = await startPostscriptStandIn();
  const database = await createBenchDatabase(kind, "backfill");
  try {
    const db = await pointAppAtDatabase(database.url);
    pointAppAtStandIns({ loop: loop.url, postscript: ps.url });
    const [shop] = [...(await connectLoopShops(db, loop, 1, "backfill")).keys()];
    loop.state.subscriptions.set(shop, { count: subscriptions, customers, seed: "bench" });
    const postscript = await connectPostscriptShop(db, ps.url, shop);
    for (let c = 0; c < customers; c++) {
      const persona = c < PERSONAS.length ? PERSONAS[c] : null;
      ps.state.addSubscriber(postscript.postscriptShopId, persona ? { email: persona.email, phone_number: persona.phone } : { email: numberedCustomerEmail(c) }, c);
    }
    await db.shopSettings.upsert({ where: { shopDomain: shop }, create: { shopDomain: shop, propertySyncEnabled: true }, update: { propertySyncEnabled: true } });
    const requestsBefore = ps.state.requestsFor({ path: "/api/v2/subscribers*" }).length;

    const memory = new MemorySampler(process.pid);
    const stop = new AbortController();
    const started = Date.now();
    const begun = await startBackfill(db, shop, new Date(started));
    if (!begun.ok) throw new Error(begun.message);
    const workers = [createAppBackfillWorker(db), createAppDeliveryWorkers(db).propertySync].map((w) => w.run(stop.signal));
    let finished = false;
    let backfillMs = 0;
    while (Date.now() - started < timeoutMs) {
      await sleep(500);
      const job = await db.propertyBackfill.findUniqueOrThrow({ where: { shopDomain: shop } });
      if (job.status === "failed") throw new Error(`backfill failed: ${job.error}`);
      if (job.status === "done" && !backfillMs) backfillMs = Date.now() - started;
      const open = await db.subscriberSync.count({ where: { shopDomain: shop, NOT: { dueAt: null } } });
      if (job.status === "done" && open === 0) {
        finished = true;
        break;
      }
    }
    const durationMs = Date.now() - started;
    stop.abort();
    await Promise.all(workers);
    memory.stop();

    const synced = await db.subscriberSync.count({ where: { shopDomain: shop, syncStatus: "synced" } });
    const psRequests = ps.state.requestsFor({ path: "/api/v2/subscribers*" }).length - requestsBefore;
    const loopList = loop.state.requests.filter((r) => r.path.endsWith("/subscription"));
    const pages = Math.ceil(subscriptions / SUBSCRIPTION_PAGE_SIZE_MAX);
    const idealS = Math.max(pages / LOOP_REQUESTS_PER_SECOND, (2 * customers) / POSTSCRIPT_PACE);
    const events = await db.event.count();
    return {
      database: kind,
      finished: finished ? "yes" : "TIMED OUT",
      "backfill read (s)": round(backfillMs / 1000),
      "all synced (s)": round(durationMs / 1000),
      "ideal (s)": round(idealS),
      "× ideal": round(durationMs / 1000 / idealS, 2),
      "synced subscribers": synced,
      "Postscript requests / synced": round(psRequests / Math.max(1, synced), 2),
      "Loop list requests": loopList.length,
      "Loop 429s": loopList.filter((r) => r.status === 429).length,
      "events created": events,
      "peak RSS (MiB)": round(memory.peakMiB),
    };
  } finally {
    await disconnectDatabase();
    await database.drop();
    await loop.close();
    await ps.close();
  }
}

const rows: Record<string, Cell>[] = [];
for (const kind of kinds) rows.push(await run(kind));
console.log(describeMachine());
console.log(`${subscriptions} subscriptions of ${customers} customers, ${os.cpus().length} cores`);
printTable("backfill", Object.keys(rows[0]), rows.map((r) => Object.values(r)));
writeResults("backfill", { subscriptions, customers, rows });
