// npm run bench:delivery — how fast the worker drains a backlog, and whether it stays within Postscript's limit.
//
// For each database: 50 shops (created at the Postscript stand-in with POST /__sandbox/shops and connected with
// connectPostscript) with 1,000 events each waiting in the outbox ("pending", requests prepared by the app's
// mapping). Then the production build (PROCESS_ROLE=all, default delivery settings) drains them against the
// stand-in enforcing 15 requests/s per key with 20 ms added latency. Prints the time to drain against the
// ideal (1,000 / 15 s per shop, shops in parallel) and the share of the key's budget that is (ideal / drain),
// events/s, 429s received, the most requests of a key in any one second at the stand-in (by arrival), per-shop
// fairness (slowest shop's finish against the fastest's), the worker's peak RSS and whether every event arrived
// exactly once (external_ids at the stand-in); then each target, met or missed.
// A second mode lifts the rate limit (stand-in and app) to show the worker's maximum events/s. A third,
// "shared", connects several shops with one Postscript key (a merchant with two stores on one account), plus
// some shops with a key each, and shows that the key's requests stay within its 15 per second: requests per
// second per key, the most in any one-second window (by arrival at the stand-in) and 429s.
//
// Flags: see USAGE below (`npm run bench:delivery -- --help`).
import { mkdirSync, readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startPostscriptStandIn, type PostscriptStandIn } from "../../sandbox/postscript/server";
import { disconnectDatabase, type Database } from "../../app/db.server";
import { ensureBuild, serverEnv, startApp, type RunningApp } from "./lib/app";
import { createBenchDatabase, type DatabaseKind } from "./lib/databases";
import { benchEnvironment, benchFlags, databaseKindsFlag, describeMachine, machineInfo } from "./lib/environment";
import { MemorySampler, percentile, readCpuSeconds, round } from "./lib/measure";
import { topFunctions } from "./lib/profile";
import { printTable, RESULTS_DIR, writeResults, type Cell } from "./lib/report";
import { insertEvents, pendingEvents } from "./lib/seed";
import { connectPostscriptShop, pointAppAtDatabase, pointAppAtStandIns, type PostscriptShop } from "./lib/shops";

const USAGE = `usage: npm run bench:delivery -- [flags]
  --db sqlite,postgres  --shops 50  --events 1000  --latency 20 (ms)  --mode limited,unlimited,shared
  --unlimited-events 400 (per shop in the unlimited mode)  --no-build  --cpu-prof
  --shared-shops 2 (on one key)  --shared-solo 2 (more shops, a key each)  --shared-events 300 (per shop)
  --workers 1 (processes delivering: one PROCESS_ROLE=all, the others PROCESS_ROLE=worker, as when scaling out)
  --rate <app POSTSCRIPT_RATE_LIMIT_PER_SECOND> --margin <app POSTSCRIPT_ARRIVAL_MARGIN_MS> (defaults: the app's)
  --app-env NAME=value,…  --node-args "<flags for the app's node>"  --show-output <text> (print the app's
  log lines containing it, e.g. with --node-args "--require ./loop-lag.cjs")`;
const flags = benchFlags(USAGE, {
  db: "string",
  shops: "string",
  events: "string",
  latency: "string",
  mode: "string",
  "unlimited-events": "string",
  "shared-shops": "string",
  "shared-solo": "string",
  "shared-events": "string",
  "no-build": "boolean",
  "cpu-prof": "boolean",
  workers: "string",
  rate: "string",
  margin: "string",
  "app-env": "string",
  "node-args": "string",
  "show-output": "string",
});
const kinds = databaseKindsFlag(flags.db);
const shopsFlag = Number(flags.shops ?? 50);
const perShop = Number(flags.events ?? 1000);
const latencyMs = Number(flags.latency ?? 20);
type Mode = "limited" | "unlimited" | "shared";
const modes = (flags.mode ?? "limited,unlimited,shared").split(",") as Mode[];
const sharedShops = Number(flags["shared-shops"] ?? 2);
const sharedSolo = Number(flags["shared-solo"] ?? 2);
const sharedPerShop = Number(flags["shared-events"] ?? 300);
const unlimitedPerShop = Number(flags["unlimited-events"] ?? 400);
const profile = flags["cpu-prof"] === "true";
const workerCount = Number(flags.workers ?? 1);
const POSTSCRIPT_LIMIT = 15;

const appEnv = benchEnvironment();
ensureBuild({ skip: flags["no-build"] === "true" });
const machine = machineInfo();
console.log(`machine: ${describeMachine(machine)}; load average ${os.loadavg().map((l) => round(l, 2)).join(" ")}`);

interface KeyResult {
  /** The stand-in's name for the token (its shop id), and the app shops connected with it. */
  bucket: string;
  shops: number;
  requests: number;
  rateLimited: number;
  perSecond: number;
  maxInAnyWindow: number;
}

interface RunResult {
  database: DatabaseKind;
  mode: Mode;
  workers: number;
  shops: number;
  eventsPerShop: number;
  events: number;
  appRate: string;
  standInLimit: number;
  drainSeconds: number;
  idealSeconds: number | null;
  drainOverIdeal: number | null;
  /** The share of the busiest key's 15 requests per second the drain used: ideal / drain. */
  budgetUsePercent: number | null;
  eventsPerSecond: number;
  requests: number;
  rateLimited: number;
  rateLimitedPercent: number;
  otherErrors: number;
  deliveredAtStandIn: number;
  distinctExternalIds: number;
  sentTwice: number;
  missing: number;
  notDelivered: number;
  fastestShopSeconds: number;
  slowestShopSeconds: number;
  fairness: number;
  peakRssMiB: number;
  cpuMsPerEvent: number;
  /** CPU of this process (the Postscript stand-in and the progress polling), ms per event. */
  benchCpuMsPerEvent: number;
  /** How long the stand-in took to answer an event request (20 ms of it is the configured latency). */
  standInP50Ms: number;
  standInP99Ms: number;
  /** Per Postscript key, by the stand-in's count of arrivals. */
  keys: KeyResult[];
  maxInAnyWindow: number;
  loadAverage: number[];
}

async function waitForDrain(db: Database, total: number, startedAt: number, timeoutMs: number): Promise<number> {
  let last = -1;
  let lastReport = 0;
  for (;;) {
    const open = await db.event.count({ where: { status: { in: ["received", "pending", "paused"] } } });
    const now = Date.now();
    if (open === 0) return now;
    if (now - lastReport > 10_000 || open === 0) {
      console.log(`    ${((now - startedAt) / 1000).toFixed(0)} s: ${total - open} of ${total} done`);
      lastReport = now;
    }
    if (now - startedAt > timeoutMs) throw new Error(`not drained after ${timeoutMs / 1000} s (${open} open)`);
    if (open === last) await new Promise((r) => setTimeout(r, 200));
    last = open;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function run(kind: DatabaseKind, mode: Mode): Promise<RunResult> {
  const eventsPerShop = mode === "limited" ? perShop : mode === "shared" ? sharedPerShop : unlimitedPerShop;
  const limited = mode !== "unlimited";
  const standInLimit = limited ? POSTSCRIPT_LIMIT : 100_000;
  const shopCount = mode === "shared" ? sharedShops + sharedSolo : shopsFlag;
  // Shared: the first `sharedShops` shops on one key, the rest a key each; otherwise a key per shop.
  const keyGroup = (i: number) => (mode === "shared" && i < sharedShops ? 0 : i);
  console.log(`\n== ${kind}, ${mode}: ${shopCount} shops × ${eventsPerShop} events${mode === "shared" ? ` (${sharedShops} on one key, ${sharedSolo} a key each)` : ""}`);
  const database = await createBenchDatabase(kind, "delivery");
  const ps: PostscriptStandIn = await startPostscriptStandIn({ rateLimitPerSecond: standInLimit, maxLoggedRequests: shopCount * eventsPerShop * 2 + 1000 });
  let apps: RunningApp[] = [];
  try {
    pointAppAtStandIns({ postscript: ps.url });
    const db = await pointAppAtDatabase(database.url);
    const shops: string[] = [];
    const connected: PostscriptShop[] = [];
    for (let i = 0; i < shopCount; i++) {
      const shop = `delivery-${i}.myshopify.com`;
      connected.push(await connectPostscriptShop(db, ps.url, shop, keyGroup(i) === i ? undefined : connected[keyGroup(i)]));
      shops.push(shop);
    }
    const prefix = `dl${Date.now().toString(36)}`;
    for (const shop of shops) await insertEvents(db, pendingEvents(shop, eventsPerShop, { prefix }));
    const total = shops.length * eventsPerShop;
    ps.setFaults({ latencyMs, paths: ["/api/v2/events"] });
    ps.state.clearRequests();
    ps.resetRateStats();
    console.log(`    seeded ${total} pending events`);

    const rateEnv: Record<string, string> = {};
    if (!limited) Object.assign(rateEnv, { POSTSCRIPT_RATE_LIMIT_PER_SECOND: "1000" });
    if (flags.rate) rateEnv.POSTSCRIPT_RATE_LIMIT_PER_SECOND = flags.rate;
    if (flags.margin) rateEnv.POSTSCRIPT_ARRIVAL_MARGIN_MS = flags.margin;
    if (flags["app-env"]) for (const pair of flags["app-env"].split(",")) rateEnv[pair.split("=")[0]] = pair.split("=").slice(1).join("=");
    const profileDir = path.join(RESULTS_DIR, "profiles", `delivery-${kind}-${mode}-${Date.now()}`);
    if (profile) mkdirSync(profileDir, { recursive: true });
    const spawnedAt = Date.now();
    apps = await Promise.all(
      Array.from({ length: workerCount }, (_, i) =>
        startApp(serverEnv(database.url, appEnv, { PROCESS_ROLE: i === 0 ? "all" : "worker", POSTSCRIPT_API_URL: ps.url, ...rateEnv }), {
          nodeArgs: [...(profile && i === 0 ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : []), ...(flags["node-args"] ? flags["node-args"].split(" ") : [])],
        }),
      ),
    );
    const startedAt = Date.now();
    const memories = apps.map((app) => new MemorySampler(app.pid, 200));
    const cpuOfApps = () => apps.reduce((sum, app) => sum + readCpuSeconds(app.pid), 0);
    const cpuBefore = cpuOfApps();
    const benchCpuBefore = process.cpuUsage();
    const finishedAt = await waitForDrain(db, total, startedAt, limited ? 600_000 : 900_000);
    const cpuAfter = cpuOfApps();
    const benchCpu = process.cpuUsage(benchCpuBefore);
    for (const memory of memories) memory.stop();
    await Promise.all(apps.map((app) => app.stop("SIGTERM")));
    if (flags["show-output"]) for (const app of apps) console.log(app.output().split("\n").filter((l) => l.includes(flags["show-output"])).join("\n"));
    apps = [];
    if (profile) {
      const file = readdirSync(profileDir).find((f) => f.endsWith(".cpuprofile"));
      if (file) {
        const top = topFunctions(path.join(profileDir, file), 20, startedAt - spawnedAt);
        printTable(`CPU profile of the worker (${kind}, ${mode}), self time`, ["function", "% of busy"], top.entries.map((e) => [e.name, e.selfPercent]));
        printTable(`CPU profile of the worker (${kind}, ${mode}), by package`, ["package", "% of busy"], top.byPackage.map((e) => [e.name, e.selfPercent]));
      }
    }

    // What reached Postscript, by the stand-in's own records.
    const requests = ps.state.requests.filter((r) => r.path === "/api/v2/events");
    const rateLimited = requests.filter((r) => r.status === 429).length;
    const otherErrors = requests.filter((r) => r.status !== 429 && (r.status ?? 0) >= 300).length;
    const externalIds = new Map<string, number>();
    for (const event of ps.state.events) externalIds.set(event.external_id ?? "", (externalIds.get(event.external_id ?? "") ?? 0) + 1);
    const expected = await db.event.findMany({ select: { loopWebhookId: true } });
    const missing = expected.filter((e) => !externalIds.has(`loop:${e.loopWebhookId}`)).length;
    const sentTwice = [...externalIds.values()].filter((n) => n > 1).length;
    const notDelivered = await db.event.count({ where: { status: { not: "delivered" } } });

    // Per shop: when its last event was delivered, from the app's start.
    const finishes = await db.event.groupBy({ by: ["shopDomain"], _max: { deliveredAt: true } });
    const seconds = finishes.map((f) => ((f._max.deliveredAt?.getTime() ?? finishedAt) - startedAt) / 1000);
    const drainSeconds = (finishedAt - startedAt) / 1000;
    // The busiest key sets the ideal: all of its shops' events at 15 per second.
    const ideal = limited ? (eventsPerShop * (mode === "shared" ? sharedShops : 1)) / POSTSCRIPT_LIMIT : null;
    const shopsPerKey = new Map<string, number>();
    for (const c of connected) shopsPerKey.set(`shop:${c.postscriptShopId}`, (shopsPerKey.get(`shop:${c.postscriptShopId}`) ?? 0) + 1);
    const keys: KeyResult[] = ps
      .rateStats()
      .map((k) => ({ bucket: k.bucket, shops: shopsPerKey.get(k.bucket) ?? 0, requests: k.requests, rateLimited: k.rejected, perSecond: k.perSecond, maxInAnyWindow: k.maxInAnyWindow }))
      .sort((a, b) => b.shops - a.shops || b.maxInAnyWindow - a.maxInAnyWindow);
    return {
      database: kind,
      mode,
      workers: workerCount,
      shops: shopCount,
      eventsPerShop,
      events: total,
      appRate: `${rateEnv.POSTSCRIPT_RATE_LIMIT_PER_SECOND ?? "15 (default)"}/s, margin ${rateEnv.POSTSCRIPT_ARRIVAL_MARGIN_MS ?? "1000 (default)"} ms`,
      standInLimit,
      drainSeconds: round(drainSeconds, 1),
      idealSeconds: ideal === null ? null : round(ideal, 1),
      drainOverIdeal: ideal === null ? null : round(drainSeconds / ideal, 3),
      budgetUsePercent: ideal === null ? null : round((ideal / drainSeconds) * 100, 1),
      eventsPerSecond: Math.round(total / drainSeconds),
      requests: requests.length,
      rateLimited,
      rateLimitedPercent: round((rateLimited / Math.max(1, requests.length)) * 100, 3),
      otherErrors,
      deliveredAtStandIn: ps.state.events.length,
      distinctExternalIds: externalIds.size,
      sentTwice,
      missing,
      notDelivered,
      fastestShopSeconds: round(Math.min(...seconds), 1),
      slowestShopSeconds: round(Math.max(...seconds), 1),
      fairness: round(Math.max(...seconds) / Math.max(0.001, Math.min(...seconds)), 3),
      peakRssMiB: round(Math.max(...memories.map((memory) => memory.peakMiB))),
      cpuMsPerEvent: round(((cpuAfter - cpuBefore) * 1000) / total, 2),
      benchCpuMsPerEvent: round((benchCpu.user + benchCpu.system) / 1000 / total, 2),
      standInP50Ms: round(percentile(requests.map((r) => r.duration_ms ?? 0), 50), 1),
      standInP99Ms: round(percentile(requests.map((r) => r.duration_ms ?? 0), 99), 1),
      keys,
      maxInAnyWindow: Math.max(0, ...keys.map((k) => k.maxInAnyWindow)),
      loadAverage: os.loadavg().map((l) => round(l, 2)),
    };
  } finally {
    await Promise.all(apps.map((app) => app.stop("SIGKILL")));
    await disconnectDatabase();
    await ps.close();
    await database.drop();
  }
}

const results: RunResult[] = [];
for (const mode of modes) {
  for (const kind of kinds) {
    const result = await run(kind, mode);
    results.push(result);
    console.log(`    ${JSON.stringify(result)}`);
  }
}

const rows: Cell[][] = results.map((r) => [
  r.database,
  r.mode,
  r.workers,
  r.events,
  r.appRate,
  r.drainSeconds,
  r.idealSeconds,
  r.drainOverIdeal,
  r.budgetUsePercent === null ? "—" : `${r.budgetUsePercent}%`,
  r.eventsPerSecond,
  `${r.rateLimited} (${r.rateLimitedPercent}%)`,
  r.maxInAnyWindow,
  r.otherErrors,
  `${r.fastestShopSeconds}–${r.slowestShopSeconds} s (${r.fairness}×)`,
  `${r.distinctExternalIds}/${r.events}, ${r.sentTwice} twice, ${r.missing} missing`,
  r.peakRssMiB,
  r.cpuMsPerEvent,
]);
const table = printTable(
  `bench:delivery — ${describeMachine(machine)}; Postscript stand-in: ${POSTSCRIPT_LIMIT} req/s per key (limited mode), ${latencyMs} ms latency`,
  ["db", "mode", "workers", "events", "app rate", "drain s", "ideal s", "drain/ideal", "budget use", "events/s", "429s", "max req in 1 s (a key)", "errors", "shop finish (fastest–slowest)", "delivered once", "peak RSS MiB (per process)", "CPU ms/ev (all)"],
  rows,
);
const shared = results.filter((r) => r.mode === "shared");
if (shared.length) {
  printTable(
    "bench:delivery, shared mode — per Postscript key, by arrival at the stand-in",
    ["db", "workers", "key", "shops on it", "requests", "req/s", "max req in 1 s", "429s"],
    shared.flatMap((r) => r.keys.map((k) => [r.database, r.workers, k.bucket, k.shops, k.requests, k.perSecond, k.maxInAnyWindow, k.rateLimited])),
  );
}
writeResults("delivery", { machine, flags, results, table });

// The targets: at least 97% of the busiest key's budget, fewer than 0.1% 429s, never more than 15 requests of a
// key in any one second at the receiver, a worker under 300 MB while it drains, every event delivered once.
const TARGET_BUDGET_USE_PERCENT = 97;
const TARGET_429_PERCENT = 0.1;
const TARGET_PEAK_RSS_MB = 300;
const MIB = 1_048_576 / 1_000_000;
const verdict = (met: boolean) => (met ? "met" : "MISSED");
const missedTargets: string[] = [];
for (const r of results) {
  const checks: [string, boolean][] = [[`delivered once: ${r.distinctExternalIds}/${r.events}, ${r.sentTwice} twice, ${r.missing} missing, ${r.notDelivered} not delivered`, r.missing === 0 && r.sentTwice === 0 && r.notDelivered === 0]];
  if (r.mode !== "unlimited") {
    checks.push(
      [`budget use ${r.budgetUsePercent}% (target ≥ ${TARGET_BUDGET_USE_PERCENT}%)`, r.budgetUsePercent! >= TARGET_BUDGET_USE_PERCENT],
      [`429s ${r.rateLimitedPercent}% (target < ${TARGET_429_PERCENT}%)`, r.rateLimitedPercent < TARGET_429_PERCENT],
      [`max requests of a key in any 1 s at the receiver ${r.maxInAnyWindow} (target ≤ ${POSTSCRIPT_LIMIT})`, r.maxInAnyWindow <= POSTSCRIPT_LIMIT],
    );
  }
  if (r.events >= 50_000) {
    const peakMB = round(r.peakRssMiB * MIB);
    checks.push([`peak RSS ${peakMB} MB while draining ${r.events} events (target < ${TARGET_PEAK_RSS_MB} MB)`, peakMB < TARGET_PEAK_RSS_MB]);
  }
  for (const [text, met] of checks) {
    console.log(`${r.database} ${r.mode}: ${text}: ${verdict(met)}`);
    if (!met) missedTargets.push(`${r.database} ${r.mode}: ${text}`);
  }
}
if (missedTargets.length) process.exitCode = 1;
