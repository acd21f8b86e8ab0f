// npm run bench:overview — how long the Integration Overview's loader and the event log's first page take on a
// big database: one shop with 1 000 000 events over 90 days among 5 000 000 events of other shops, with the
// rollups built from those events by SQL aggregation (as the pipeline would have kept them); 90% delivered, 5%
// skipped, 3% failed, and of the last day's events 2% still pending (half of them retrying). Runs on SQLite,
// and on PostgreSQL when BENCH_POSTGRES_URL or TEST_POSTGRES_URL names a server where it may create a database
// (it creates its own and drops it afterwards). Prints median and p95 server time per scenario and writes the
// results as JSON under bench-results/ (git-ignored). Run by hand; never part of `npm test`.
//
//   npm run bench:overview -- [--events 1000000] [--others 5000000] [--days 90] [--runs 50]
//                              [--only sqlite|postgres] [--explain] [--keep] [--reuse]
//
// --explain prints the query plan of every query one overview load and one first log page run (EXPLAIN QUERY
// PLAN on SQLite, EXPLAIN ANALYZE on PostgreSQL). --keep keeps the seeded databases (fixed names) and --reuse
// measures them again without seeding. --covering-indexes measures with covering indexes on the three rollup
// tables (created in the bench's own databases only; without the flag they are dropped again): the indexes
// proposed to make the rollup reads index-only.
import { usageError } from "../lib/cli";
import { benchEnvironment, benchFlags } from "./lib/environment";
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import BetterSqlite3 from "better-sqlite3";
import pg from "pg";
import type * as PrismaModule from "@prisma/client";
import type { PrismaClient } from "@prisma/client";
import { closeDatabaseClient, createDatabaseClient } from "../../app/db.server";
import { applyMigrations } from "../../app/db/migrations.server";
import { EVENT_TYPES } from "../../app/events/catalogue";
import { listEvents, readLogQuery } from "../../app/statistics/event-log.server";
import { loadOverview, readOverviewContext } from "../../app/statistics/overview.server";
import { addDays, localDate } from "../../app/statistics/period";
import { LATENCY_BUCKETS_MS } from "../../app/statistics/rollups.server";
import { addUpSettledDays } from "../../app/statistics/days.server";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const require = createRequire(import.meta.url);

// ---------------------------------------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------------------------------------

const USAGE = `usage: npm run bench:overview -- [--events 1000000] [--others 5000000] [--days 90] [--runs 50]
                             [--only sqlite|postgres] [--explain] [--keep] [--reuse] [--covering-indexes]`;
const flags = benchFlags(USAGE, {
  events: "string",
  others: "string",
  days: "string",
  runs: "string",
  only: "string",
  explain: "boolean",
  keep: "boolean",
  reuse: "boolean",
  "covering-indexes": "boolean",
});

function option(name: string, fallback: number): number {
  if (flags[name] === undefined) return fallback;
  const value = Number(flags[name].replace(/_/g, ""));
  if (!Number.isFinite(value) || value < 0) usageError(`--${name} needs a number`, USAGE);
  return value;
}
const flag = (name: string) => flags[name] === "true";
const only = flags.only ?? null;

const EVENTS = option("events", 1_000_000);
const OTHERS = option("others", 5_000_000);
const DAYS = option("days", 90);
const RUNS = option("runs", 50);
const EXPLAIN = flag("explain");
const KEEP = flag("keep") || flag("reuse");
const REUSE = flag("reuse");
const COVERING = flag("covering-indexes");
const PER_OTHER_SHOP = 10_000;
const SHOP = "bench-shop.myshopify.com";
const POSTGRES_ADMIN = process.env.BENCH_POSTGRES_URL ?? process.env.TEST_POSTGRES_URL ?? null;

// ---------------------------------------------------------------------------------------------------------
// Deterministic data
// ---------------------------------------------------------------------------------------------------------

function prng(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TYPE_WEIGHTS: [string, number][] = EVENT_TYPES.map((e) => [
  e.type,
  e.type === "order_upcoming" || e.type === "order_processed" ? 20 : e.type.startsWith("subscription_") ? 4 : 2,
]);
const TOTAL_WEIGHT = TYPE_WEIGHTS.reduce((sum, [, w]) => sum + w, 0);
const TOPIC = new Map<string, string>(EVENT_TYPES.map((e) => [e.type, e.loopTopic ?? "customer/activation"]));
const SKIP_REASONS = ["stale", "stale", "disabled", "no_identifier", "ignored"];
const FAIL_REASONS = ["postscript_unavailable", "postscript_unavailable", "postscript_rejected", "rate_limited", "invalid_payload"];
const CUSTOMERS = 50_000;

interface Row {
  id: string;
  shopDomain: string;
  dedupeKey: string;
  topic: string;
  eventType: string | null;
  status: string;
  reason: string | null;
  reasonDetail: string | null;
  subscriptionKey: string | null;
  loopOrderId: string | null;
  customerEmail: string | null;
  customerPhone: string | null;
  occurredAt: number;
  receivedAt: number;
  nextAttemptAt: number;
  attemptCount: number;
  firstAttemptAt: number | null;
  deliveredAt: number | null;
  payload: string;
  request: string | null;
  postscriptEventId: string | null;
  updatedAt: number;
}

/** Event number `i` of `shop` (seed), received in [now − days, now). */
function makeRow(random: () => number, shop: string, shopIndex: number, i: number, now: number): Row {
  const receivedAt = now - 1 - Math.floor(random() * DAYS * 86_400_000);
  const occurredAt = receivedAt - Math.floor(random() * 3_000);
  let pick = random() * TOTAL_WEIGHT;
  let type = TYPE_WEIGHTS[0][0];
  for (const [t, w] of TYPE_WEIGHTS) {
    pick -= w;
    if (pick <= 0) {
      type = t;
      break;
    }
  }
  const r = random();
  const recent = now - receivedAt < 30 * 60_000;
  // An event is retried for at most a day (the retry window) before it fails, so only the last day's events can
  // still be pending; half of those are retrying after Postscript did not answer.
  const retryable = now - receivedAt < 86_400_000;
  let status = r < 0.9 ? "delivered" : r < 0.95 ? "skipped" : r < 0.98 ? "failed" : retryable ? "pending" : "delivered";
  if (recent && random() < 0.5) status = "received";
  const retrying = status === "pending" && i % 2 === 0;
  const reason =
    status === "skipped" ? SKIP_REASONS[Math.floor(random() * SKIP_REASONS.length)] : status === "failed" ? FAIL_REASONS[Math.floor(random() * FAIL_REASONS.length)] : retrying ? "postscript_unavailable" : null;
  const customer = Math.floor(random() * CUSTOMERS);
  const email = random() < 0.9 ? `customer${customer}@example.com` : null;
  const phone = random() < 0.8 ? `+1${2010000000 + customer}` : null;
  const subscription = String(100_000 + customer);
  const order = type.startsWith("order_") || type.startsWith("payment_") ? String(5_000_000 + shopIndex * 10_000_000 + i) : null;
  const latency = Math.round(250 * Math.exp(random() * 5));
  const mapped = status !== "received";
  const id = `c${shopIndex.toString(36).padStart(3, "0")}${i.toString(36).padStart(7, "0")}${Math.floor(random() * 36 ** 8).toString(36).padStart(8, "0")}`;
  const payload = JSON.stringify({
    payload: {
      id: Number(subscription),
      status: "ACTIVE",
      customer: { id: customer, shopifyId: 7_400_000_000 + customer, email, phone, firstName: "Customer", lastName: String(customer) },
      ...(order ? { order: { id: Number(order), shopifyOrderNumber: 1000 + i } } : {}),
    },
    metaData: { myshopifyDomain: shop },
  });
  return {
    id,
    shopDomain: shop,
    dedupeKey: `wh_${shopIndex}_${i}`,
    topic: TOPIC.get(type) ?? "order/upcoming",
    eventType: mapped ? type : null,
    status,
    reason,
    reasonDetail: reason ? `bench ${reason}` : null,
    subscriptionKey: mapped ? subscription : null,
    loopOrderId: mapped ? order : null,
    customerEmail: mapped ? email : null,
    customerPhone: mapped ? phone : null,
    occurredAt,
    receivedAt,
    nextAttemptAt: retrying ? now + 60_000 : receivedAt + (status === "pending" ? 60_000 : 0),
    attemptCount: status === "delivered" || status === "failed" || retrying ? 1 : 0,
    firstAttemptAt: status === "delivered" || status === "failed" || retrying ? receivedAt + 200 : null,
    deliveredAt: status === "delivered" ? occurredAt + latency : null,
    payload,
    request: mapped ? JSON.stringify({ type, email, phone, occurred_at: new Date(occurredAt).toISOString(), external_id: `loop:wh_${shopIndex}_${i}` }) : null,
    postscriptEventId: status === "delivered" ? `ps_${shopIndex}_${i}` : null,
    updatedAt: status === "delivered" ? occurredAt + latency : receivedAt + 1_000,
  };
}

/** Every event to seed, shop by shop, in batches. */
function* batches(now: number, size: number): Generator<Row[]> {
  const shops: { shop: string; index: number; count: number }[] = [{ shop: SHOP, index: 0, count: EVENTS }];
  const otherShops = Math.ceil(OTHERS / PER_OTHER_SHOP);
  for (let s = 0; s < otherShops; s++) shops.push({ shop: `other-${s}.myshopify.com`, index: s + 1, count: Math.min(PER_OTHER_SHOP, OTHERS - s * PER_OTHER_SHOP) });
  // Interleave shops in blocks, as real traffic would, so the target shop's rows are spread through the table.
  const random = prng(20261125);
  const cursors = shops.map(() => 0);
  let batch: Row[] = [];
  for (let remaining = EVENTS + OTHERS; remaining > 0; ) {
    for (let s = 0; s < shops.length; s++) {
      const take = Math.min(s === 0 ? 200 : 20, shops[s].count - cursors[s]);
      for (let k = 0; k < take; k++) {
        batch.push(makeRow(random, shops[s].shop, shops[s].index, cursors[s]++, now));
        remaining--;
        if (batch.length === size) {
          yield batch;
          batch = [];
        }
      }
    }
  }
  if (batch.length) yield batch;
}

const COLUMNS = [
  "id", "shopDomain", "dedupeKey", "loopWebhookId", "topic", "eventType", "status", "reason", "reasonDetail", "isTest",
  "subscriptionKey", "loopOrderId", "customerEmail", "customerPhone", "occurredAt", "receivedAt", "nextAttemptAt",
  "attemptCount", "firstAttemptAt", "deliveredAt", "payload", "request", "postscriptEventId", "updatedAt",
] as const;
const DATE_COLUMNS = new Set(["occurredAt", "receivedAt", "nextAttemptAt", "firstAttemptAt", "deliveredAt", "updatedAt"]);

function values(row: Row, date: (ms: number) => string, isTest: unknown): unknown[] {
  return COLUMNS.map((c) => {
    if (c === "loopWebhookId") return row.dedupeKey;
    if (c === "isTest") return isTest;
    const v = row[c as keyof Row];
    if (DATE_COLUMNS.has(c)) return v === null ? null : date(v as number);
    return v;
  });
}

const sqliteDate = (ms: number) => new Date(ms).toISOString().replace("Z", "+00:00");
const postgresDate = (ms: number) => new Date(ms).toISOString().replace("T", " ").replace("Z", "");

function latencyCase(ms: string) {
  return `CASE ${LATENCY_BUCKETS_MS.slice(0, -1).map((b) => `WHEN ${ms} <= ${b} THEN ${b}`).join(" ")} ELSE ${LATENCY_BUCKETS_MS[LATENCY_BUCKETS_MS.length - 1]} END`;
}

function progress(label: string, done: number, total: number, started: number) {
  const rate = Math.round(done / ((Date.now() - started) / 1000));
  process.stdout.write(`\r  ${label}: ${done.toLocaleString("en-US")} / ${total.toLocaleString("en-US")} rows (${rate.toLocaleString("en-US")}/s)   `);
}

// ---------------------------------------------------------------------------------------------------------
// Seeding
// ---------------------------------------------------------------------------------------------------------

async function seedSqlite(file: string, now: number) {
  for (const extra of ["", "-wal", "-shm"]) rmSync(file + extra, { force: true });
  await applyMigrations(`file:${file}`, root);
  const db = new BetterSqlite3(file);
  db.pragma("journal_mode = OFF");
  db.pragma("synchronous = OFF");
  db.pragma("cache_size = -400000");
  // Bulk load without the secondary indexes, then build them once (same definitions as the migrations).
  const indexes = db.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'Event' AND sql IS NOT NULL`).all() as { name: string; sql: string }[];
  for (const index of indexes) db.exec(`DROP INDEX "${index.name}"`);
  const insert = db.prepare(`INSERT INTO "Event" (${COLUMNS.map((c) => `"${c}"`).join(",")}) VALUES (${COLUMNS.map(() => "?").join(",")})`);
  const insertMany = db.transaction((rows: Row[]) => {
    for (const row of rows) insert.run(values(row, sqliteDate, 0));
  });
  const started = Date.now();
  let done = 0;
  for (const batch of batches(now, 50_000)) {
    insertMany(batch);
    done += batch.length;
    progress("SQLite events", done, EVENTS + OTHERS, started);
  }
  process.stdout.write("\n  SQLite: building indexes…\n");
  for (const index of indexes) db.exec(index.sql);
  process.stdout.write("  SQLite: aggregating rollups…\n");
  const hour = `substr("receivedAt", 1, 13) || ':00:00.000+00:00'`;
  db.exec(`INSERT INTO "EventRollup" ("shopDomain","hourStart","eventType","received","delivered","skipped","failed","lastSeenAt")
    SELECT "shopDomain", ${hour}, COALESCE("eventType", 'unknown'), COUNT(*), SUM("status" = 'delivered'), SUM("status" = 'skipped'), SUM("status" = 'failed'), MAX("occurredAt")
    FROM "Event" WHERE "status" <> 'received' GROUP BY 1, 2, 3`);
  db.exec(`INSERT INTO "ReasonRollup" ("shopDomain","hourStart","reason","count","lastAt")
    SELECT "shopDomain", ${hour}, "reason", COUNT(*), MAX("updatedAt") FROM "Event"
    WHERE "status" IN ('skipped', 'failed') AND "reason" IS NOT NULL GROUP BY 1, 2, 3`);
  const ms = `(julianday("deliveredAt") - julianday("occurredAt")) * 86400000.0`;
  db.exec(`INSERT INTO "LatencyRollup" ("shopDomain","hourStart","bucketMs","count")
    SELECT "shopDomain", ${hour}, ${latencyCase(ms)}, COUNT(*) FROM "Event" WHERE "status" = 'delivered' GROUP BY 1, 2, 3`);
  db.pragma("journal_mode = WAL");
  db.close();
}

async function seedPostgres(url: string, now: number) {
  await applyMigrations(url, root);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const indexes = (await client.query(`SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'Event' AND indexname <> 'Event_pkey'`)).rows as { indexname: string; indexdef: string }[];
    for (const index of indexes) await client.query(`DROP INDEX "${index.indexname}"`);
    const types = COLUMNS.map((c) => (DATE_COLUMNS.has(c) ? "timestamp(3)[]" : c === "isTest" ? "boolean[]" : c === "attemptCount" ? "int[]" : "text[]"));
    const sql = `INSERT INTO "Event" (${COLUMNS.map((c) => `"${c}"`).join(",")}) SELECT * FROM unnest(${types.map((t, i) => `$${i + 1}::${t}`).join(",")})`;
    const started = Date.now();
    let done = 0;
    for (const batch of batches(now, 10_000)) {
      const columns: unknown[][] = COLUMNS.map(() => []);
      for (const row of batch) values(row, postgresDate, false).forEach((v, i) => columns[i].push(v));
      await client.query(sql, columns);
      done += batch.length;
      progress("PostgreSQL events", done, EVENTS + OTHERS, started);
    }
    process.stdout.write("\n  PostgreSQL: building indexes…\n");
    await client.query("SET maintenance_work_mem = '1GB'");
    for (const index of indexes) await client.query(index.indexdef);
    process.stdout.write("  PostgreSQL: aggregating rollups…\n");
    const hour = `date_trunc('hour', "receivedAt")`;
    await client.query(`INSERT INTO "EventRollup" ("shopDomain","hourStart","eventType","received","delivered","skipped","failed","lastSeenAt")
      SELECT "shopDomain", ${hour}, COALESCE("eventType", 'unknown'), COUNT(*), COUNT(*) FILTER (WHERE "status" = 'delivered'),
        COUNT(*) FILTER (WHERE "status" = 'skipped'), COUNT(*) FILTER (WHERE "status" = 'failed'), MAX("occurredAt")
      FROM "Event" WHERE "status" <> 'received' GROUP BY 1, 2, 3`);
    await client.query(`INSERT INTO "ReasonRollup" ("shopDomain","hourStart","reason","count","lastAt")
      SELECT "shopDomain", ${hour}, "reason", COUNT(*), MAX("updatedAt") FROM "Event"
      WHERE "status" IN ('skipped', 'failed') AND "reason" IS NOT NULL GROUP BY 1, 2, 3`);
    const ms = `EXTRACT(EPOCH FROM ("deliveredAt" - "occurredAt")) * 1000`;
    await client.query(`INSERT INTO "LatencyRollup" ("shopDomain","hourStart","bucketMs","count")
      SELECT "shopDomain", ${hour}, ${latencyCase(ms)}, COUNT(*) FROM "Event" WHERE "status" = 'delivered' GROUP BY 1, 2, 3`);
    // Autovacuum would analyse tables this size soon after loading; do it now so the plans are the settled ones.
    await client.query(`VACUUM ANALYZE "Event"`);
    await client.query(`VACUUM ANALYZE "EventRollup"`);
    await client.query(`VACUUM ANALYZE "ReasonRollup"`);
    await client.query(`VACUUM ANALYZE "LatencyRollup"`);
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------------------------------------------------
// Measuring
// ---------------------------------------------------------------------------------------------------------

interface CapturedQuery {
  query: string;
  params: string;
}

function client(url: string, captured: CapturedQuery[] | null): PrismaClient {
  const log = { log: captured ? [{ emit: "event" as const, level: "query" as const }] : [] };
  let prisma: PrismaClient;
  if (url.startsWith("postgres")) {
    const { PrismaPg } = require("@prisma/adapter-pg");
    const { PrismaClient: PostgresClient } = require(".prisma/client-postgres") as typeof PrismaModule;
    prisma = new PostgresClient({ adapter: new PrismaPg({ connectionString: url, max: 10 }), ...log });
  } else {
    const { PrismaBetterSQLite3 } = require("@prisma/adapter-better-sqlite3");
    const { PrismaClient: SqliteClient } = require("@prisma/client") as typeof PrismaModule;
    prisma = new SqliteClient({ adapter: new PrismaBetterSQLite3({ url: url.replace(/^file:/, ""), timeout: 10_000 }), ...log });
  }
  if (captured) (prisma as unknown as { $on(e: "query", f: (q: CapturedQuery) => void): void }).$on("query", (q) => captured.push({ query: q.query, params: q.params }));
  return prisma;
}

interface Scenario {
  name: string;
  run(db: PrismaClient, now: Date): Promise<unknown>;
}

function scenarios(): Scenario[] {
  const overview = (search: string): Scenario => ({ name: `overview ${search}`, run: async (db, now) => loadOverview(db, SHOP, await readOverviewContext(db, SHOP), new URLSearchParams(search), now) });
  const log = (search: string): Scenario => ({
    name: `log first page${search ? ` ${search}` : ""}`,
    run: (db, now) => listEvents(db, SHOP, readLogQuery("merchant", new URLSearchParams(search), "America/New_York", now)),
  });
  /** The page after `pages` pages (its cursor found once, then reused): keyset pages cost the same at any depth. */
  const deepPage = (pages: number): Scenario => {
    let cursor: string | null = null;
    return {
      name: `log page ${pages + 1} (keyset cursor)`,
      async run(db, now) {
        if (cursor === null) {
          let page = await listEvents(db, SHOP, readLogQuery("merchant", new URLSearchParams(), "America/New_York", now));
          for (let i = 1; i < pages; i++) page = await listEvents(db, SHOP, readLogQuery("merchant", new URLSearchParams({ after: page.nextCursor! }), "America/New_York", now));
          cursor = page.nextCursor!;
        }
        return listEvents(db, SHOP, readLogQuery("merchant", new URLSearchParams({ after: cursor }), "America/New_York", now));
      },
    };
  };
  return [
    overview("period=24h"),
    overview("period=7d"),
    overview("period=30d"),
    overview("period=90d"),
    log(""),
    log("period=30d"),
    log("type=order_upcoming"),
    log("outcome=failed"),
    log("outcome=waiting"),
    log("reason=invalid_payload"),
    // A reason no event has (the reason rollups say so at once), and a rare reason in a short period (only the
    // hours the rollups name are read). A frequent reason is read along (shopDomain, receivedAt).
    log("reason=not_connected"),
    log("period=24h&reason=postscript_rejected"),
    log("period=7d&outcome=failed&type=order_processed"),
    deepPage(20),
    log("q=customer4242@example.com"),
    log("q=2010004242"),
  ];
}

function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** The proposed covering indexes on the rollup tables: created with --covering-indexes, dropped without. */
const COVERING_INDEXES = {
  sqlite: [
    `CREATE INDEX IF NOT EXISTS "bench_EventRollup_covering" ON "EventRollup" ("shopDomain", "hourStart", "eventType", "received", "delivered", "skipped", "failed", "lastSeenAt")`,
    `CREATE INDEX IF NOT EXISTS "bench_ReasonRollup_covering" ON "ReasonRollup" ("shopDomain", "hourStart", "reason", "count", "lastAt")`,
    `CREATE INDEX IF NOT EXISTS "bench_LatencyRollup_covering" ON "LatencyRollup" ("shopDomain", "hourStart", "bucketMs", "count")`,
  ],
  postgres: [
    `CREATE INDEX IF NOT EXISTS "bench_EventRollup_covering" ON "EventRollup" ("shopDomain", "hourStart") INCLUDE ("eventType", "received", "delivered", "skipped", "failed", "lastSeenAt")`,
    `CREATE INDEX IF NOT EXISTS "bench_ReasonRollup_covering" ON "ReasonRollup" ("shopDomain", "hourStart") INCLUDE ("reason", "count", "lastAt")`,
    `CREATE INDEX IF NOT EXISTS "bench_LatencyRollup_covering" ON "LatencyRollup" ("shopDomain", "hourStart") INCLUDE ("bucketMs", "count")`,
    `VACUUM ANALYZE "EventRollup"`,
    `VACUUM ANALYZE "ReasonRollup"`,
    `VACUUM ANALYZE "LatencyRollup"`,
  ],
  drop: ["bench_EventRollup_covering", "bench_ReasonRollup_covering", "bench_LatencyRollup_covering"].map((name) => `DROP INDEX IF EXISTS "${name}"`),
};

async function coveringIndexes(kind: string, url: string) {
  const statements = COVERING ? COVERING_INDEXES[kind as "sqlite" | "postgres"] : COVERING_INDEXES.drop;
  if (kind === "sqlite") {
    const sqlite = new BetterSqlite3(url.replace(/^file:/, ""));
    for (const sql of statements) sqlite.exec(sql);
    sqlite.close();
    return;
  }
  const pgClient = new pg.Client({ connectionString: url });
  await pgClient.connect();
  for (const sql of statements) await pgClient.query(sql);
  await pgClient.end();
}

async function measure(kind: string, url: string, now: Date) {
  // A kept database may predate the app's latest migrations.
  await applyMigrations(url, root);
  await coveringIndexes(kind, url);
  if (COVERING) console.log(`  ${kind}: with covering indexes on the rollup tables`);
  const db = client(url, null);
  await db.shop.upsert({ where: { domain: SHOP }, create: { domain: SHOP, ianaTimezone: "America/New_York" }, update: { ianaTimezone: "America/New_York" } });
  await db.postscriptConnection.upsert({ where: { shopDomain: SHOP }, create: { shopDomain: SHOP, status: "connected" }, update: {} });
  // A running app's worker adds up each day once it has settled; here that is done before measuring.
  const app = createDatabaseClient(url);
  const t0 = performance.now();
  const days = await addUpSettledDays(app, SHOP, now, 10_000);
  await closeDatabaseClient(app);
  console.log(`  ${kind}: ${days} settled days added up in ${Math.round(performance.now() - t0)} ms`);
  // Self-check: over the whole period the overview must count exactly the seeded events.
  const today = localDate("America/New_York", now.getTime());
  const all = new URLSearchParams({ period: "custom", from: addDays(today, -DAYS - 1), to: today });
  const check = await loadOverview(db, SHOP, await readOverviewContext(db, SHOP), all, now);
  if (DAYS <= 365 && check.summary.current.received !== EVENTS) throw new Error(`${kind}: overview counted ${check.summary.current.received} events, seeded ${EVENTS}`);
  const results: { scenario: string; medianMs: number; p95Ms: number; minMs: number; maxMs: number; runs: number }[] = [];
  for (const scenario of scenarios()) {
    for (let i = 0; i < 3; i++) await scenario.run(db, now);
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      await scenario.run(db, now);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const r = { scenario: scenario.name, medianMs: round(percentile(times, 50)), p95Ms: round(percentile(times, 95)), minMs: round(times[0]), maxMs: round(times[times.length - 1]), runs: RUNS };
    results.push(r);
    console.log(`  ${kind.padEnd(10)} ${scenario.name.padEnd(56)} median ${String(r.medianMs).padStart(7)} ms   p95 ${String(r.p95Ms).padStart(7)} ms`);
  }
  await db.$disconnect();
  if (EXPLAIN) await explain(kind, url, now);
  return results;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

async function explain(kind: string, url: string, now: Date) {
  for (const scenario of scenarios()) {
    const captured: CapturedQuery[] = [];
    const db = client(url, captured);
    await scenario.run(db, now);
    await db.$disconnect();
    console.log(`\n=== ${kind}: ${scenario.name} — ${captured.length} queries`);
    for (const q of captured) {
      const params = JSON.parse(q.params) as unknown[];
      console.log(`\n${q.query}\n  params ${JSON.stringify(params).slice(0, 300)}`);
      if (kind === "sqlite") {
        const sqlite = new BetterSqlite3(url.replace(/^file:/, ""), { readonly: true });
        const plan = sqlite.prepare(`EXPLAIN QUERY PLAN ${q.query}`).all(...params.map((p) => (typeof p === "boolean" ? Number(p) : p))) as { detail: string }[];
        console.log(plan.map((p) => `  → ${p.detail}`).join("\n"));
        sqlite.close();
      } else {
        const pgClient = new pg.Client({ connectionString: url });
        await pgClient.connect();
        const plan = await pgClient.query(`EXPLAIN (ANALYZE, COSTS OFF, TIMING ON, SUMMARY ON) ${q.query}`, params);
        console.log(plan.rows.map((r) => `  → ${r["QUERY PLAN"]}`).join("\n"));
        await pgClient.end();
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------------------

function machine() {
  const cpus = os.cpus();
  let postgresVersion: string | null = null;
  if (POSTGRES_ADMIN) {
    try {
      postgresVersion = execFileSync("psql", [POSTGRES_ADMIN, "-Atc", "show server_version"], { encoding: "utf8" }).trim();
    } catch {
      postgresVersion = "unknown";
    }
  }
  const sqlite = new BetterSqlite3(":memory:");
  const sqliteVersion = (sqlite.prepare("select sqlite_version() v").get() as { v: string }).v;
  sqlite.close();
  return { cpu: cpus[0]?.model ?? "unknown", cores: cpus.length, memoryGb: Math.round(os.totalmem() / 2 ** 30), platform: `${os.type()} ${os.release()}`, node: process.version, sqlite: sqliteVersion, postgres: postgresVersion };
}

async function main() {
  // The overview reads the shop's connection views, which validate the app configuration.
  benchEnvironment();
  const now = new Date();
  const info = machine();
  console.log(`bench:overview — ${EVENTS.toLocaleString("en-US")} events for ${SHOP} over ${DAYS} days, ${OTHERS.toLocaleString("en-US")} of other shops, ${RUNS} runs per scenario`);
  console.log(`machine: ${info.cpu}, ${info.cores} cores, ${info.memoryGb} GB, ${info.platform}, Node ${info.node}, SQLite ${info.sqlite}${info.postgres ? `, PostgreSQL ${info.postgres}` : ""}`);
  const output: Record<string, unknown> = { startedAt: now.toISOString(), options: { events: EVENTS, others: OTHERS, days: DAYS, runs: RUNS, coveringIndexes: COVERING }, machine: info, results: {} };
  const results = output.results as Record<string, unknown>;

  if (!only || only === "sqlite") {
    const file = KEEP ? path.join(os.tmpdir(), "lp-bench-overview.sqlite") : path.join(os.tmpdir(), `lp-bench-${process.pid}.sqlite`);
    if (!(REUSE && existsSync(file))) {
      const t0 = Date.now();
      console.log(`\nSQLite: seeding ${file}`);
      await seedSqlite(file, now.getTime());
      console.log(`  seeded in ${Math.round((Date.now() - t0) / 1000)} s`);
    }
    try {
      results.sqlite = await measure("sqlite", `file:${file}`, now);
    } finally {
      if (!KEEP) for (const extra of ["", "-wal", "-shm"]) rmSync(file + extra, { force: true });
    }
  }
  if ((!only || only === "postgres") && POSTGRES_ADMIN) {
    const name = KEEP ? "lp_bench_overview" : `lp_bench_${process.pid}`;
    const admin = new pg.Client({ connectionString: POSTGRES_ADMIN });
    await admin.connect();
    const exists = (await admin.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [name])).rowCount;
    const url = new URL(POSTGRES_ADMIN);
    url.pathname = `/${name}`;
    try {
      if (!(REUSE && exists)) {
        await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await admin.query(`CREATE DATABASE "${name}"`);
        const t0 = Date.now();
        console.log(`\nPostgreSQL: seeding database ${name}`);
        await seedPostgres(url.toString(), now.getTime());
        console.log(`  seeded in ${Math.round((Date.now() - t0) / 1000)} s`);
      }
      results.postgres = await measure("postgres", url.toString(), now);
    } finally {
      if (!KEEP) await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    }
  } else if (!only || only === "postgres") {
    console.log("\nPostgreSQL: SKIPPED (set BENCH_POSTGRES_URL or TEST_POSTGRES_URL)");
  }

  mkdirSync(path.join(root, "bench-results"), { recursive: true });
  const file = path.join(root, "bench-results", `overview-${now.toISOString().replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, `${JSON.stringify(output, null, 2)}\n`);
  console.log(`\nresults: ${path.relative(root, file)}`);
}

await main();
