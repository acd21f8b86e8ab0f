// The ingestion's group commit: what it writes (exactly what Prisma would), how it batches, and what happens
// to a batch when the database refuses it, on every test database.
import BetterSqlite3 from "better-sqlite3";
import { describe, expect, it, vi } from "vitest";
import { databaseKinds, withTestDatabase } from "../../tests/support/databases";
import { waitFor } from "../../tests/support/wait";
import { getSql } from "~/db.server";
import { openSql } from "~/db/sql.server";
import { sqliteFilePath } from "~/db/url";
import { eventInsert, type EventInsert, type InsertRow } from "./event-insert.server";
import { createEventWriter, newEventId, type NewEventRow } from "./event-writer.server";

const SHOP = "writer.myshopify.com";

function row(webhookId: string, overrides: Partial<NewEventRow> = {}): NewEventRow {
  return {
    shopDomain: SHOP,
    webhookId,
    topic: "order/upcoming",
    occurredAt: new Date("2026-11-20T10:00:00.123Z"),
    receivedAt: new Date("2026-11-25T08:00:00.456Z"),
    payload: JSON.stringify({ payload: { id: 1, note: "ünïcode ✓ 'quotes' \"double\" \\ backslash" }, metaData: { myshopifyDomain: SHOP } }),
    bodyHash: `hash-of-${webhookId}`,
    ...overrides,
  };
}

describe.each(databaseKinds)("event writer (%s)", (kind) => {
  const database = withTestDatabase(kind);
  const open = (): EventInsert => eventInsert(getSql(database.db));

  it("stores rows exactly as Prisma reads and queries them: dates, defaults, status", async () => {
    const insert = open();
    const writer = createEventWriter(insert);
    const stored = await writer.write(row("w-exact"));
    await writer.close();
    expect(stored).toMatchObject({ duplicate: false });
    const event = await database.db.event.findUniqueOrThrow({ where: { id: stored.id! } });
    expect(event).toMatchObject({
      shopDomain: SHOP,
      dedupeKey: "w-exact",
      loopWebhookId: "w-exact",
      topic: "order/upcoming",
      status: "received",
      isTest: false,
      attemptCount: 0,
      eventType: null,
      request: null,
      payload: row("w-exact").payload,
    });
    expect(event.occurredAt.toISOString()).toBe("2026-11-20T10:00:00.123Z");
    expect(event.receivedAt.toISOString()).toBe("2026-11-25T08:00:00.456Z");
    expect(event.nextAttemptAt.toISOString()).toBe("2026-11-25T08:00:00.456Z");
    expect(event.updatedAt.toISOString()).toBe("2026-11-25T08:00:00.456Z");
    // The worker's queries compare these dates: the row must be found by them.
    const due = await database.db.event.findMany({
      where: { id: stored.id!, status: { in: ["received", "pending"] }, nextAttemptAt: { lte: new Date("2026-11-25T08:00:00.456Z") } },
    });
    expect(due).toHaveLength(1);
    expect(await database.db.event.count({ where: { id: stored.id!, nextAttemptAt: { lt: new Date("2026-11-25T08:00:00.456Z") } } })).toBe(0);
  });

  it("gathers concurrent writes into few statements, and tells each request whether its row was new", async () => {
    const insert = open();
    const calls: number[] = [];
    const counting: EventInsert = { insert: (rows) => (calls.push(rows.length), insert.insert(rows)), close: () => insert.close() };
    const writer = createEventWriter(counting, { maxBatch: 50 });
    const ids = Array.from({ length: 120 }, (_, i) => `w-batch-${i}`);
    const first = await Promise.all(ids.map((id) => writer.write(row(id))));
    expect(first.every((r) => !r.duplicate && r.id)).toBe(true);
    expect(calls.reduce((a, b) => a + b, 0)).toBe(120);
    expect(calls.length).toBeLessThanOrEqual(4); // 50 + 50 + 20 (+1 when a write landed a turn later)
    expect(Math.max(...calls)).toBe(50);

    // Redeliveries, one of them twice in the same batch, next to a new one: one new row, the rest duplicates.
    const again = await Promise.all([writer.write(row("w-batch-1")), writer.write(row("w-batch-new")), writer.write(row("w-batch-new")), writer.write(row("w-batch-2"))]);
    expect(again.map((r) => r.duplicate)).toEqual([true, false, true, true]);
    await writer.close();
    expect(await database.db.event.count({ where: { dedupeKey: { startsWith: "w-batch-" } } })).toBe(121);
  });

  it("answers every row of a refused batch on its own: one bad row does not fail the others", async () => {
    const insert = open();
    const failing: EventInsert = {
      insert: async (rows) => {
        if (rows.some((r) => r.webhookId === "w-poison")) throw Object.assign(new Error("refused"), { code: kind === "sqlite" ? "SQLITE_CONSTRAINT_CHECK" : "23514" });
        return insert.insert(rows);
      },
      close: () => insert.close(),
    };
    const writer = createEventWriter(failing);
    const results = await Promise.allSettled(["w-ok-1", "w-poison", "w-ok-2"].map((id) => writer.write(row(id))));
    await writer.close();
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(await database.db.event.count({ where: { dedupeKey: { in: ["w-ok-1", "w-ok-2", "w-poison"] } } })).toBe(2);
  });

  it("fails a whole batch at once when the database is locked or down (no row-by-row retries that multiply the wait)", async () => {
    const calls: number[] = [];
    const down: EventInsert = {
      insert: async (rows) => {
        calls.push(rows.length);
        throw Object.assign(new Error("database is locked"), { code: kind === "sqlite" ? "SQLITE_BUSY" : "57P01" });
      },
      close: async () => undefined,
    };
    const writer = createEventWriter(down);
    const results = await Promise.allSettled(["w-d1", "w-d2", "w-d3"].map((id) => writer.write(row(id))));
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected", "rejected"]);
    expect(calls).toEqual([3]);
  });

  it("rejects (so the request is answered 503) when the database cannot be reached", async () => {
    const sql = openSql(kind === "sqlite" ? "file:/nonexistent-dir/app.sqlite" : "postgresql://postgres@127.0.0.1:1/none");
    const writer = createEventWriter(eventInsert(sql));
    await expect(writer.write(row("w-down"))).rejects.toThrow();
    await writer.close().catch(() => undefined);
    await sql.close();
  }, 15_000);
});

describe.runIf(databaseKinds.includes("sqlite"))("event writer on SQLite, with the database locked", () => {
  const database = withTestDatabase("sqlite");

  it("waits for another connection's write lock without blocking the event loop", async () => {
    const other = new BetterSqlite3(sqliteFilePath(database.url));
    other.prepare("BEGIN IMMEDIATE").run(); // holds the write lock, as an open Prisma transaction would
    const writer = createEventWriter(eventInsert(getSql(database.db)));
    const pending = writer.write(row("w-locked"));
    let settled = false;
    void pending.finally(() => (settled = true)).catch(() => undefined);
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 5);
    // The event loop keeps turning while the insert waits: a wait that blocked it would let no tick run until it
    // had given up (settled, with the lock still held).
    await waitFor("the event loop to turn while the insert waits", () => ticks > 10, 10_000, 10);
    expect(settled).toBe(false);
    other.prepare("COMMIT").run();
    other.close();
    clearInterval(ticker);
    expect(await pending).toMatchObject({ duplicate: false });
    await writer.close();
  });

  it("counts a webhook's wait from when it was queued, those queued behind a blocked write included", async () => {
    const other = new BetterSqlite3(sqliteFilePath(database.url));
    other.prepare("BEGIN IMMEDIATE").run();
    const insert = eventInsert(getSql(database.db));
    // The deadline each batch is given for the lock, beside the webhooks it holds.
    const batches: { ids: string[]; deadline: number | undefined }[] = [];
    const watched: EventInsert = {
      insert: (rows, deadline) => (batches.push({ ids: rows.map((r) => r.webhookId), deadline }), insert.insert(rows, deadline)),
      close: () => insert.close(),
    };
    const writer = createEventWriter(watched, { maxWaitMs: 300 });
    const write = (id: string) => writer.write(row(id)).then(() => "stored", () => "refused");
    const queuedAt = (ids: string[]) => {
      const from = Date.now();
      const results = ids.map(write);
      return { results, from, to: Date.now() };
    };
    const first = queuedAt(["w-q-0"]);
    await waitFor("the first write to meet the lock", () => batches.length === 1, 10_000, 10);
    const queued = queuedAt(Array.from({ length: 5 }, (_, i) => `w-q-${i + 1}`));
    expect(await Promise.all([...first.results, ...queued.results])).toEqual(Array(6).fill("refused"));
    // The second batch began only when the first gave up, yet its deadline runs from when its webhooks were queued.
    expect(batches.map((b) => b.ids)).toEqual([["w-q-0"], ["w-q-1", "w-q-2", "w-q-3", "w-q-4", "w-q-5"]]);
    for (const [batch, { from, to }] of [[batches[0], first], [batches[1], queued]] as const) {
      expect(batch.deadline).toBeGreaterThanOrEqual(from + 300);
      expect(batch.deadline).toBeLessThanOrEqual(to + 300);
    }
    other.prepare("ROLLBACK").run();
    other.close();
    await writer.close();
  });

  it("gives up with an error after the lock wait (the request gets 503, Loop retries)", async () => {
    const other = new BetterSqlite3(sqliteFilePath(database.url));
    other.prepare("BEGIN IMMEDIATE").run();
    const writer = createEventWriter(eventInsert(getSql(database.db), { lockWaitMs: 100 }));
    await expect(writer.write(row("w-too-long"))).rejects.toThrow(/locked/);
    other.prepare("ROLLBACK").run();
    other.close();
    await writer.close();
  });
});

describe("event ids", () => {
  it("are unique, cuid-shaped and ordered by time between milliseconds", () => {
    const ids = Array.from({ length: 20_000 }, () => newEventId());
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids.slice(0, 50)) expect(id).toMatch(/^c[0-9a-z]{24}$/);
    vi.useFakeTimers({ now: Date.now() + 5 });
    const later = newEventId();
    vi.useRealTimers();
    expect(later.slice(0, 9) > ids[0].slice(0, 9)).toBe(true);
  });

  it("keep what the writer was given", async () => {
    const seen: InsertRow[] = [];
    const writer = createEventWriter({ insert: async (rows) => (seen.push(...rows), new Set(rows.map((r) => r.id))), close: async () => undefined });
    const result = await writer.write(row("w-id"));
    expect(seen[0]).toMatchObject({ ...row("w-id"), id: result.id });
  });
});
