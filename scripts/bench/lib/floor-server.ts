// The floor for bench:ingest: the least a server can do for one Loop webhook and keep the app's promise.
// A bare node:http server that checks the same headers and body limit, verifies X-Loop-Signature (HMAC-SHA256,
// base64 or hex, constant-time compare) against the shop's secrets (held in memory: the floor does not look
// them up), parses the JSON, and stores the event durably with the same driver as the app (better-sqlite3 or
// pg, prepared statements) before answering 202 — 200 for a redelivery. Two ways to insert:
//   FLOOR_MODE=single  one INSERT per request, autocommit: one commit (disk flush) per event
//   FLOOR_MODE=batch   group commit: the requests waiting while the previous INSERT runs go into the next
//                      one (a multi-row INSERT … ON CONFLICT DO NOTHING RETURNING), as the app does
// Run as a child process; configured by environment: DATABASE_URL, FLOOR_SECRETS (JSON {"shop|topic": [secret]}),
// FLOOR_MODE, FLOOR_SQLITE_SYNCHRONOUS (FULL or NORMAL, as the app uses), FLOOR_POOL_SIZE.
// Prints "floor listening <port>".
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import http from "node:http";

const url = process.env.DATABASE_URL!;
const secrets = new Map<string, string[]>(Object.entries(JSON.parse(process.env.FLOOR_SECRETS ?? "{}") as Record<string, string[]>));
const MAX_BODY = 262_144;

type Row = unknown[];
/** Inserts rows in one statement; resolves with which of them were inserted (false: a duplicate). */
type InsertMany = (rows: Row[]) => Promise<boolean[]>;

let counter = 0;
const idPrefix = randomBytes(4).toString("hex");
function newId(): string {
  counter = (counter + 1) % 1_679_616;
  return `c${Date.now().toString(36)}${counter.toString(36).padStart(4, "0")}${idPrefix}`;
}

const COLUMNS = `"id","shopDomain","dedupeKey","loopWebhookId","topic","status","isTest","occurredAt","receivedAt","nextAttemptAt","attemptCount","payload","updatedAt"`;
const PER_ROW = 13;

async function sqliteInsert(): Promise<InsertMany> {
  const { default: Database } = await import("better-sqlite3");
  const db = new Database(url.replace(/^file:/, ""));
  db.pragma("journal_mode = WAL");
  db.pragma("busy_timeout = 10000");
  db.pragma(`synchronous = ${process.env.FLOOR_SQLITE_SYNCHRONOUS ?? "FULL"}`);
  const statements = new Map<number, ReturnType<typeof db.prepare>>();
  const iso = (d: Date) => d.toISOString().replace("Z", "+00:00");
  return async (rows) => {
    let statement = statements.get(rows.length);
    if (!statement) {
      const tuple = `(${Array(PER_ROW).fill("?").join(",")})`;
      statement = db.prepare(`INSERT INTO "Event" (${COLUMNS}) VALUES ${Array(rows.length).fill(tuple).join(",")} ON CONFLICT DO NOTHING RETURNING "id"`);
      statements.set(rows.length, statement);
    }
    const params = rows.flat().map((v) => (v instanceof Date ? iso(v) : typeof v === "boolean" ? Number(v) : v));
    const inserted = new Set((statement.all(params) as { id: string }[]).map((r) => r.id));
    return rows.map((row) => inserted.has(row[0] as string));
  };
}

async function postgresInsert(): Promise<InsertMany> {
  const { default: pg } = await import("pg");
  const pool = new pg.Pool({ connectionString: url, max: Number(process.env.FLOOR_POOL_SIZE ?? 10) });
  const texts = new Map<number, string>();
  return async (rows) => {
    let text = texts.get(rows.length);
    if (!text) {
      let n = 0;
      const tuples = rows.map(() => `(${Array.from({ length: PER_ROW }, () => `$${++n}`).join(",")})`);
      text = `INSERT INTO "Event" (${COLUMNS}) VALUES ${tuples.join(",")} ON CONFLICT DO NOTHING RETURNING "id"`;
      texts.set(rows.length, text);
    }
    const result = await pool.query<{ id: string }>({ name: `insert-events-${rows.length}`, text, values: rows.flat() });
    const inserted = new Set(result.rows.map((r) => r.id));
    return rows.map((row) => inserted.has(row[0] as string));
  };
}

/** FLOOR_MODE=single: each row on its own; batch: group commit, `concurrency` statements at a time. */
function inserter(insertMany: InsertMany, mode: string, concurrency: number): (row: Row) => Promise<boolean> {
  if (mode !== "batch") return async (row) => (await insertMany([row]))[0];
  const queue: { row: Row; resolve(inserted: boolean): void; reject(error: unknown): void }[] = [];
  let writing = 0;
  let scheduled = false;
  const pump = () => {
    scheduled = false;
    while (writing < concurrency && queue.length > 0) {
      const batch = queue.splice(0, 256);
      writing++;
      insertMany(batch.map((b) => b.row))
        .then(
          (inserted) => batch.forEach((b, i) => b.resolve(inserted[i])),
          (error) => batch.forEach((b) => b.reject(error)),
        )
        .finally(() => {
          writing--;
          if (queue.length > 0 && !scheduled) {
            scheduled = true;
            setImmediate(pump);
          }
        });
    }
  };
  return (row) =>
    new Promise((resolve, reject) => {
      queue.push({ row, resolve, reject });
      if (!scheduled && writing < concurrency) {
        scheduled = true;
        setImmediate(pump);
      }
    });
}

function verify(body: Buffer, secret: string, signature: string): boolean {
  const given = Buffer.from(signature.trim(), "utf8");
  for (const encoding of ["base64", "hex"] as const) {
    const expected = Buffer.from(createHmac("sha256", secret).update(body).digest(encoding), "utf8");
    if (expected.length === given.length && timingSafeEqual(expected, given)) return true;
  }
  return false;
}

function answer(res: http.ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

async function main() {
  const sqlite = url.startsWith("file:");
  const insert = inserter(sqlite ? await sqliteInsert() : await postgresInsert(), process.env.FLOOR_MODE ?? "single", sqlite ? 1 : 4);
  const server = http.createServer((req, res) => {
    const webhookId = (req.headers["x-loop-webhook-id"] as string | undefined)?.trim();
    const topic = (req.headers["x-loop-webhook-topic"] as string | undefined)?.trim();
    const signature = req.headers["x-loop-signature"] as string | undefined;
    if (req.method !== "POST") return answer(res, 405, { error: "POST only" });
    if (!webhookId || !topic) return answer(res, 400, { error: "headers" });
    if (!signature) return answer(res, 401, { error: "signature" });
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.on("end", () => {
      if (size > MAX_BODY) return answer(res, 413, { error: "too large" });
      const body = Buffer.concat(chunks);
      const shop = new URL(req.url ?? "/", "http://floor").searchParams.get("shop") ?? "";
      const candidates = secrets.get(`${shop}|${topic}`) ?? secrets.get(`${shop}|*`) ?? [];
      if (candidates.length === 0) return answer(res, 404, { error: "unknown shop" });
      if (!candidates.some((secret) => verify(body, secret, signature))) return answer(res, 401, { error: "bad signature" });
      const text = body.toString("utf8");
      try {
        JSON.parse(text);
      } catch {
        return answer(res, 400, { error: "json" });
      }
      const now = new Date();
      const createdAt = Date.parse((req.headers["x-loop-webhook-created-at"] as string | undefined) ?? "");
      const occurredAt = Number.isNaN(createdAt) ? now : new Date(createdAt);
      const id = newId();
      insert([id, shop, webhookId, webhookId, topic, "received", false, occurredAt, now, now, 0, text, now]).then(
        (inserted) => (inserted ? answer(res, 202, { accepted: true, id }) : answer(res, 200, { accepted: true, duplicate: true })),
        () => answer(res, 503, { error: "unavailable" }),
      );
    });
  });
  server.keepAliveTimeout = 65_000;
  server.listen(0, "127.0.0.1", () => {
    const address = server.address();
    console.log(`floor listening ${typeof address === "object" && address ? address.port : 0}`);
  });
  process.on("SIGTERM", () => server.close(() => process.exit(0)));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
