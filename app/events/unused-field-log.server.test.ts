// The record of Loop fields the app does not read: written at once when new, then at most once a minute per
// path with the sightings added up; bounded per shop; on every test database.
import { beforeEach, describe, expect, it } from "vitest";
import { databaseKinds, withTestDatabase } from "../../tests/support/databases";
import { createUnusedFieldLog, unusedFieldRecords, unusedLoopFields } from "./unused-field-log.server";

const SHOP = "fields.myshopify.com";
const T0 = Date.parse("2026-11-25T10:00:00Z");

describe.each(databaseKinds)("unused Loop field log (%s)", (kind) => {
  const database = withTestDatabase(kind);
  beforeEach(async () => {
    await database.db.unusedLoopField.deleteMany();
  });

  const rows = () =>
    database.db.unusedLoopField.findMany({ orderBy: [{ topic: "asc" }, { path: "asc" }], select: { topic: true, path: true, count: true, firstSeenAt: true, lastSeenAt: true } });

  it("writes a new path at once, then adds up sightings and writes them at most once per interval", async () => {
    let now = T0;
    const log = createUnusedFieldLog(database.db, { writeEveryMs: 60_000, now: () => now });

    await log.note(SHOP, "order/outOfStock", ["outOfStockLines", "lines[].stockStatus"]);
    expect(await rows()).toEqual([
      { topic: "order/outOfStock", path: "lines[].stockStatus", count: 1, firstSeenAt: new Date(T0), lastSeenAt: new Date(T0) },
      { topic: "order/outOfStock", path: "outOfStockLines", count: 1, firstSeenAt: new Date(T0), lastSeenAt: new Date(T0) },
    ]);
    // 500 more webhooks within the minute: nothing written.
    for (let i = 0; i < 500; i++) {
      now = T0 + 1_000 + i * 100;
      await log.note(SHOP, "order/outOfStock", ["outOfStockLines", "lines[].stockStatus"]);
    }
    expect((await rows()).map((r) => [r.count, r.lastSeenAt])).toEqual([
      [1, new Date(T0)],
      [1, new Date(T0)],
    ]);
    // A minute after the last write: the sightings go in with the next webhook.
    now = T0 + 61_000;
    await log.note(SHOP, "order/outOfStock", ["outOfStockLines"]);
    const after = await rows();
    expect(after.map((r) => [r.path, r.count])).toEqual([
      ["lines[].stockStatus", 501], // written by the sweep: it had waited a minute too
      ["outOfStockLines", 502],
    ]);
    expect(after[1].lastSeenAt).toEqual(new Date(T0 + 61_000));
    expect(after[1].firstSeenAt).toEqual(new Date(T0));
    // flush() writes what is left (shutdown).
    now = T0 + 62_000;
    await log.note(SHOP, "order/outOfStock", ["outOfStockLines"]);
    await log.flush();
    expect((await rows()).map((r) => r.count)).toEqual([501, 503]);
  });

  it("adds to what another process wrote, and keeps each shop and topic apart", async () => {
    const one = createUnusedFieldLog(database.db);
    const two = createUnusedFieldLog(database.db);
    await Promise.all([one.note(SHOP, "order/processed", ["orderTags"]), two.note(SHOP, "order/processed", ["orderTags"])]);
    await one.note(SHOP, "order/upcoming", ["orderTags"]);
    await one.note("other.myshopify.com", "order/processed", ["orderTags"]);
    expect((await database.db.unusedLoopField.findMany({ orderBy: [{ shopDomain: "asc" }, { topic: "asc" }] })).map((r) => [r.shopDomain, r.topic, r.count])).toEqual([
      [SHOP, "order/processed", 2],
      [SHOP, "order/upcoming", 1],
      ["other.myshopify.com", "order/processed", 1],
    ]);
  });

  it("holds at most so many paths per shop, and support reads them newest first", async () => {
    let now = T0;
    const log = createUnusedFieldLog(database.db, { maxPathsPerShop: 3, now: () => now });
    for (const path of ["a", "b", "c", "d"]) {
      now += 1_000;
      await log.note(SHOP, "subscription/created", [path]);
    }
    expect((await unusedLoopFields(database.db, SHOP)).map((f) => f.path)).toEqual(["c", "b", "a"]);
  });

  it("is deleted with the shop (shop/redact), and a database error does not reach the caller", async () => {
    await createUnusedFieldLog(database.db).note(SHOP, "order/processed", ["orderTags"]);
    expect(await unusedFieldRecords.redactShop(database.db, SHOP)).toBe(1);
    expect(await database.db.unusedLoopField.count()).toBe(0);
    const broken = { unusedLoopField: { updateMany: async () => Promise.reject(new Error("database is down")) } } as never;
    await expect(createUnusedFieldLog(broken).note(SHOP, "order/processed", ["orderTags"])).resolves.toBeUndefined();
  });
});
