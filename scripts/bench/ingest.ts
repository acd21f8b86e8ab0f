// npm run bench:ingest — how many signed Loop webhooks the production build accepts per second.
//
// For each database (SQLite, PostgreSQL): a fresh migrated database, the Loop stand-in, shops connected with
// their Loop API tokens (so the app holds each subscription's sealed signing secret), then the production
// build (`node build/server.js`, PROCESS_ROLE=web by default) under load from a generator in another process:
// keep-alive connections at rising concurrency, each sending signed webhooks with distinct ids back to back.
// Then the same load against the floor (lib/floor-server.ts: bare node:http, same signature check, same
// durable insert with the same driver). Prints accepted events/s, acknowledgement latency, errors, the app's
// peak RSS and CPU per event, and app/floor; checks that every 2xx is a stored row.
//
// Flags: see USAGE below (`npm run bench:ingest -- --help`).
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startLoopStandIn } from "../../sandbox/loop/server";
import { disconnectDatabase } from "../../app/db.server";
import { ensureBuild, serverEnv, startApp, type RunningApp } from "./lib/app";
import { createBenchDatabase, type DatabaseKind } from "./lib/databases";
import { benchEnvironment, benchFlags, databaseKindsFlag, describeMachine, machineInfo } from "./lib/environment";
import { runLoad } from "./lib/load";
import type { LoadResult, WebhookTemplate } from "./lib/load-generator";
import { MemorySampler, readCpuSeconds, round, sqliteCommitLatencyMs, summarize } from "./lib/measure";
import { topFunctions } from "./lib/profile";
import { printTable, RESULTS_DIR, writeResults, type Cell } from "./lib/report";
import { connectLoopShops, pointAppAtDatabase, pointAppAtStandIns, webhookTemplates, type LoopSecrets } from "./lib/shops";

const USAGE = `usage: npm run bench:ingest -- [flags]
  --db sqlite,postgres  --levels 1,16,64,256  --duration 10 (s per level)  --warmup 2 (s)
  --shops 2  --role web|all  --no-build  --no-floor  --cpu-prof (profiles into bench-results/profiles/)
  --node-args "<flags for the app's node>"  --floor-synchronous FULL|NORMAL (the SQLite floor's synchronous pragma)`;
const flags = benchFlags(USAGE, {
  db: "string",
  levels: "string",
  duration: "string",
  warmup: "string",
  shops: "string",
  role: "string",
  "no-build": "boolean",
  "no-floor": "boolean",
  "cpu-prof": "boolean",
  "node-args": "string",
  "floor-synchronous": "string",
});
const kinds = databaseKindsFlag(flags.db);
const levels = (flags.levels ?? "1,16,64,256").split(",").map(Number);
const durationMs = Number(flags.duration ?? 10) * 1000;
const warmupMs = Number(flags.warmup ?? 2) * 1000;
const shopCount = Number(flags.shops ?? 2);
const role = flags.role ?? "web";
const profile = flags["cpu-prof"] === "true";
const runFloor = flags["no-floor"] !== "true";
const here = path.dirname(fileURLToPath(import.meta.url));

type Target = "app" | "floor-batch" | "floor-single";

interface LevelResult {
  target: Target;
  database: DatabaseKind;
  connections: number;
  acceptedPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
  statuses: Record<string, number>;
  peakRssMiB: number;
  cpuMsPerEvent: number;
}

const appEnv = benchEnvironment();
ensureBuild({ skip: flags["no-build"] === "true" });
const machine = machineInfo();
const conditions = { loadAverage: os.loadavg().map((l) => round(l, 2)), sqliteCommitMs: round(await sqliteCommitLatencyMs(), 3) };
console.log(`machine: ${describeMachine(machine)}`);
console.log(`load average ${conditions.loadAverage.join(" ")}; one durable SQLite commit takes ${conditions.sqliteCommitMs} ms here now`);

async function measureLevels(target: Target, database: DatabaseKind, url: string, pid: number, templates: WebhookTemplate[], runId: string) {
  const results: LevelResult[] = [];
  let acceptedTotal = 0;
  for (const connections of levels) {
    const memory = new MemorySampler(pid, 50);
    const cpuBefore = readCpuSeconds(pid);
    const load: LoadResult = await runLoad({ url, connections, durationMs, warmupMs, idPrefix: `${runId}-${target}-${connections}`, templates });
    const cpuAfter = readCpuSeconds(pid);
    memory.stop();
    const latency = summarize(load.latenciesMs);
    const errors = load.networkErrors + Object.values(load.statuses).reduce((a, b) => a + b, 0);
    acceptedTotal += load.acceptedTotal;
    const result: LevelResult = {
      target,
      database,
      connections,
      acceptedPerSecond: Math.round(load.accepted / (durationMs / 1000)),
      p50Ms: round(latency.p50, 2),
      p99Ms: round(latency.p99, 2),
      maxMs: round(latency.max, 1),
      errors,
      statuses: load.statuses,
      peakRssMiB: round(memory.peakMiB),
      cpuMsPerEvent: round(((cpuAfter - cpuBefore) * 1000) / Math.max(1, load.acceptedTotal), 3),
    };
    console.log(
      `  ${target.padEnd(12)} ${database.padEnd(8)} c=${String(connections).padStart(3)}  ${result.acceptedPerSecond} ev/s  p50 ${result.p50Ms} ms  p99 ${result.p99Ms} ms  max ${result.maxMs} ms  errors ${errors}  peak RSS ${result.peakRssMiB} MiB  CPU ${result.cpuMsPerEvent} ms/ev`,
    );
    results.push(result);
  }
  return { results, acceptedTotal };
}

function startFloor(databaseUrl: string, secrets: LoopSecrets, mode: "batch" | "single", synchronous: string): Promise<{ url: string; child: ChildProcess }> {
  const floorSecrets: Record<string, string[]> = {};
  for (const [shop, topics] of secrets) for (const [topic, secret] of topics) floorSecrets[`${shop}|${topic}`] = [secret];
  const child = spawn(process.execPath, ["--import", "tsx", path.join(here, "lib", "floor-server.ts")], {
    env: { ...process.env, DATABASE_URL: databaseUrl, FLOOR_SECRETS: JSON.stringify(floorSecrets), FLOOR_MODE: mode, FLOOR_SQLITE_SYNCHRONOUS: synchronous },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (chunk) => {
      out += chunk;
      const match = /floor listening (\d+)/.exec(out);
      if (match) resolve({ url: `http://127.0.0.1:${match[1]}`, child });
    });
    child.once("exit", (code) => reject(new Error(`floor server exited with ${code}`)));
  });
}

async function stopChild(child: ChildProcess) {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

const all: LevelResult[] = [];
const integrity: Record<string, { acknowledged: number; stored: number }> = {};
const profiles: Record<string, unknown> = {};

for (const kind of kinds) {
  console.log(`\n== ${kind}`);
  const database = await createBenchDatabase(kind, "ingest");
  const loop = await startLoopStandIn();
  let app: RunningApp | undefined;
  try {
    pointAppAtStandIns({ loop: loop.url });
    const db = await pointAppAtDatabase(database.url);
    const secrets = await connectLoopShops(db, loop, shopCount);
    const templates = webhookTemplates(secrets, 3);
    const runId = `ingest-${Date.now().toString(36)}`;
    const profileDir = path.join(RESULTS_DIR, "profiles", `ingest-${kind}-${Date.now()}`);
    if (profile) mkdirSync(profileDir, { recursive: true });
    const spawnedAt = Date.now();
    app = await startApp(serverEnv(database.url, appEnv, { PROCESS_ROLE: role, LOG_LEVEL: "info" }), {
      nodeArgs: [...(profile ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : []), ...(flags["node-args"] ? flags["node-args"].split(" ") : [])],
    });
    // Profiles count from the first measured level on (start-up and warm-up are left out).
    const skipMs = Date.now() - spawnedAt + warmupMs;
    const appRun = await measureLevels("app", kind, app.url, app.pid, templates, runId);
    all.push(...appRun.results);
    await app.stop("SIGTERM");
    app = undefined;
    if (profile) {
      const file = readdirSync(profileDir).find((f) => f.endsWith(".cpuprofile"));
      if (file) {
        const top = topFunctions(path.join(profileDir, file), 20, skipMs);
        profiles[kind] = { file: path.join(profileDir, file), ...top };
        printTable(`CPU profile of the app (${kind}), self time, top functions`, ["function", "% of busy"], top.entries.map((e) => [e.name, e.selfPercent]));
        printTable(`CPU profile of the app (${kind}), self time by package`, ["package", "% of busy"], top.byPackage.map((e) => [e.name, e.selfPercent]));
      }
    }
    const storedByApp = await db.event.count({ where: { dedupeKey: { startsWith: `${runId}-app-` } } });
    integrity[`${kind}/app`] = { acknowledged: appRun.acceptedTotal, stored: storedByApp };

    if (runFloor) {
      const synchronous = kind === "sqlite" ? (flags["floor-synchronous"] ?? "FULL") : "";
      for (const mode of ["batch", "single"] as const) {
        const floor = await startFloor(database.url, secrets, mode, synchronous);
        try {
          const floorRun = await measureLevels(`floor-${mode}`, kind, floor.url, floor.child.pid!, templates, runId);
          all.push(...floorRun.results);
          const stored = await db.event.count({ where: { dedupeKey: { startsWith: `${runId}-floor-${mode}-` } } });
          integrity[`${kind}/floor-${mode}`] = { acknowledged: floorRun.acceptedTotal, stored };
        } finally {
          await stopChild(floor.child);
        }
      }
    }
  } finally {
    await app?.stop("SIGKILL");
    await disconnectDatabase();
    await loop.close();
    await database.drop();
  }
}

const rows: Cell[][] = [];
for (const r of all.filter((x) => x.target === "app")) {
  const floor = (mode: Target) => all.find((x) => x.target === mode && x.database === r.database && x.connections === r.connections);
  const batch = floor("floor-batch");
  const single = floor("floor-single");
  const best = Math.max(batch?.acceptedPerSecond ?? 0, single?.acceptedPerSecond ?? 0);
  rows.push([
    r.database,
    r.connections,
    r.acceptedPerSecond,
    r.p50Ms,
    r.p99Ms,
    r.maxMs,
    r.errors,
    r.peakRssMiB,
    r.cpuMsPerEvent,
    batch?.acceptedPerSecond,
    batch?.p99Ms,
    single?.acceptedPerSecond,
    best ? round(r.acceptedPerSecond / best, 2) : null,
  ]);
}
const table = printTable(
  `bench:ingest — ${describeMachine(machine)}; ${durationMs / 1000} s per level after ${warmupMs / 1000} s warm-up; app PROCESS_ROLE=${role}`,
  ["db", "conns", "accepted/s", "p50 ms", "p99 ms", "max ms", "errors", "peak RSS MiB", "app CPU ms/ev", "floor(group)/s", "floor(group) p99", "floor(1 commit/req)/s", "app/best floor"],
  rows,
);
console.log(`load average at the start ${conditions.loadAverage.join(" ")}, at the end ${os.loadavg().map((l) => round(l, 2)).join(" ")}; SQLite commit ${conditions.sqliteCommitMs} ms`);
for (const [target, counts] of Object.entries(integrity)) {
  const ok = counts.acknowledged === counts.stored;
  console.log(`${ok ? "ok  " : "FAIL"} ${target}: ${counts.acknowledged} acknowledged with 2xx, ${counts.stored} stored`);
}
writeResults("ingest", { machine, conditions, flags, levels, durationMs, warmupMs, role, results: all, integrity, profiles, table });
if (Object.values(integrity).some((c) => c.acknowledged !== c.stored)) process.exitCode = 1;
