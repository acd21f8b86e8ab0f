// The query builder and Prisma must see the same rows: a value written by one reads back identically through
// the other, on every test database. Also: a transaction of conditional groups, and SQLite's lock wait.
import BetterSqlite3 from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { databaseKinds, withTestDatabase } from "../../tests/support/databases";
import { getSql } from "~/db.server";
import { sqliteFilePath } from "./url";
import { DatabaseBusyError, openSql } from "./sql.server";

const AT = new Date("2026-11-20T10:00:00.123Z");

describe.each(databaseKinds)("query builder (%s)", (kind) => {
  const database = withTestDatabase(kind);

  it("writes dates and booleans that Prisma reads back identically, and reads what Prisma wrote", async () => {
    const sql = getSql(database.db);
    await sql.db
      .insertInto("Event")
      .values({ id: "rt-1", shopDomain: "rt.myshopify.com", dedupeKey: "rt-1", loopWebhookId: "rt-1", topic: "order/upcoming", status: "received", isTest: true, occurredAt: AT, receivedAt: AT, nextAttemptAt: AT, payload: "{}", updatedAt: AT })
      .execute();
    const viaPrisma = await database.db.event.findUniqueOrThrow({ where: { id: "rt-1" } });
    expect(viaPrisma).toMatchObject({ isTest: true, occurredAt: AT, receivedAt: AT, nextAttemptAt: AT, updatedAt: AT, firstAttemptAt: null });
    // Prisma's own comparisons find the row by those dates (the stored text or timestamp is what Prisma writes).
    expect(await database.db.event.count({ where: { id: "rt-1", nextAttemptAt: { lte: AT, gte: AT } } })).toBe(1);

    const later = new Date(AT.getTime() + 1);
    await database.db.event.create({
      data: { id: "rt-2", shopDomain: "rt.myshopify.com", dedupeKey: "rt-2", loopWebhookId: "rt-2", topic: "order/upcoming", status: "received", occurredAt: later, payload: "{}" },
    });
    const rows = await sql.db.selectFrom("Event").select(["id", "isTest", "occurredAt", "firstAttemptAt"]).where("shopDomain", "=", "rt.myshopify.com").orderBy("id").execute();
    expect(rows).toEqual([
      { id: "rt-1", isTest: true, occurredAt: AT, firstAttemptAt: null },
      { id: "rt-2", isTest: false, occurredAt: later, firstAttemptAt: null },
    ]);
    // The query builder's comparisons find Prisma's rows by date, to the millisecond.
    const after = await sql.db.selectFrom("Event").select("id").where("shopDomain", "=", "rt.myshopify.com").where("occurredAt", ">", AT).execute();
    expect(after).toEqual([{ id: "rt-2" }]);
  });

  it("runs conditional groups in one transaction: a group's rest only when its first statement changed a row", async () => {
    const sql = getSql(database.db);
    await database.db.deliveryLease.createMany({ data: [{ shopDomain: "g-a", owner: "x", expiresAt: AT }, { shopDomain: "g-b", owner: "x", expiresAt: AT }] });
    const claim = (shop: string, from: string, to: string) => sql.db.updateTable("DeliveryLease").set({ owner: to }).where("shopDomain", "=", shop).where("owner", "=", from).compile();
    const mark = (shop: string) => sql.db.insertInto("DeliveryKeyLease").values({ fingerprint: shop, owner: "marked", expiresAt: AT }).compile();
    expect(await sql.runGroups([{ first: claim("g-a", "x", "y"), then: [mark("g-a")] }, { first: claim("g-b", "nobody", "y"), then: [mark("g-b")] }])).toEqual([true, false]);
    expect((await database.db.deliveryKeyLease.findMany()).map((l) => l.fingerprint)).toEqual(["g-a"]);
    // A failing statement rolls the whole transaction back.
    await expect(sql.runGroups([{ first: claim("g-b", "x", "z"), then: [mark("g-a")] }])).rejects.toThrow();
    expect((await database.db.deliveryLease.findUniqueOrThrow({ where: { shopDomain: "g-b" } })).owner).toBe("x");
  });
});

describe.runIf(databaseKinds.includes("sqlite"))("query builder on SQLite, with the database locked", () => {
  const database = withTestDatabase("sqlite");

  it("waits for another connection's write lock without blocking the event loop, then gives up at the deadline", async () => {
    const sql = openSql(database.url, { lockWaitMs: 100 });
    const other = new BetterSqlite3(sqliteFilePath(database.url));
    other.prepare("BEGIN IMMEDIATE").run(); // holds the write lock, as an open Prisma transaction would
    const insert = (shop: string) => sql.db.insertInto("DeliveryLease").values({ shopDomain: shop, owner: "o", expiresAt: AT });
    await expect(insert("locked-1").execute()).rejects.toThrow(DatabaseBusyError);

    const pending = sql.execute(insert("locked-2"), { deadline: Date.now() + 10_000 });
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 5);
    await expect.poll(() => ticks).toBeGreaterThan(10); // the event loop keeps turning while the insert waits
    other.prepare("COMMIT").run();
    other.close();
    clearInterval(ticker);
    expect((await pending).numAffectedRows).toBe(1n);
    expect(await database.db.deliveryLease.count({ where: { shopDomain: { startsWith: "locked-" } } })).toBe(1);
    await sql.close();
  });

  it("rejects when the database file cannot be opened", async () => {
    const sql = openSql("file:/nonexistent-dir/app.sqlite");
    await expect(sql.db.selectFrom("Shop").select("domain").execute()).rejects.toThrow();
    await sql.close();
  });
});
