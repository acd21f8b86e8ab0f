// Batched state changes on the driver must write exactly what the Prisma path writes (event, attempt, rollups),
// answer false for an event no longer in the expected state, and keep concurrent changes apart.
import type { Event } from "@prisma/client";
import { describe, expect, it } from "vitest";
import { databaseKinds, withTestDatabase } from "../../tests/support/databases";
import type { Database } from "~/db.server";
import { combineGroup, driverFor } from "~/db/driver.server";
import { dueShopDomains } from "./due-shops.server";
import { planStatements, rollupStatement } from "./transition-batch.server";
import { transition, type EventStatus, type ReasonCode } from "./transitions.server";

const HOUR = new Date("2026-11-25T08:00:00.000Z");

/** The same client under another identity, which has no driver: transition() takes its Prisma path. */
function withoutDriver(db: Database): Database {
  const proxy = new Proxy(db, {
    get: (target, key) => {
      const value = Reflect.get(target, key);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  expect(driverFor(proxy)).toBeNull();
  return proxy;
}

async function newEvent(db: Database, shop: string, key: string, overrides: Partial<Event> = {}) {
  return db.event.create({
    data: {
      shopDomain: shop,
      dedupeKey: key,
      loopWebhookId: key,
      topic: "order/upcoming",
      status: "received",
      occurredAt: new Date(HOUR.getTime() + 60_000),
      receivedAt: new Date(HOUR.getTime() + 120_000),
      payload: "{}",
      ...overrides,
    },
  });
}

type Step = { status: EventStatus; reason?: ReasonCode | null; attempt?: boolean; deliveredAt?: Date; eventType?: string };
const STEPS: Step[] = [
  { status: "pending", eventType: "order_upcoming" },
  { status: "pending", reason: "postscript_unavailable", attempt: true },
  { status: "failed", reason: "postscript_unavailable", attempt: true },
  { status: "pending", reason: null },
  { status: "skipped", reason: "stale" },
  { status: "pending", reason: null },
  { status: "delivered", reason: null, attempt: true, deliveredAt: new Date(HOUR.getTime() + 180_000) },
];

describe.each(databaseKinds)("batched state changes (%s)", (kind) => {
  const database = withTestDatabase(kind);

  async function walk(db: Database, viaPrisma: boolean, shop: string) {
    let event = await newEvent(database.db, shop, `walk-${viaPrisma}`);
    for (const step of STEPS) {
      const change = {
        status: step.status,
        reason: step.reason,
        reasonDetail: step.reason ? `because ${step.reason}` : null,
        nextAttemptAt: new Date(HOUR.getTime() + 3_600_000),
        ...(step.eventType ? { eventType: step.eventType, request: "{\"type\":\"order_upcoming\"}", subscriptionKey: "sub-1", customerEmail: "a@example.com" } : {}),
        ...(step.deliveredAt ? { deliveredAt: step.deliveredAt, postscriptEventId: "evt_1" } : {}),
        ...(step.attempt ? { firstAttemptAt: HOUR, attempt: { startedAt: HOUR, durationMs: 21, httpStatus: step.status === "delivered" ? 202 : 503, outcome: step.status === "delivered" ? ("delivered" as const) : ("retry" as const), errorClass: null, message: "m" } } : {}),
      };
      const ok = await transition(viaPrisma ? withoutDriver(db) : db, event, change);
      expect(ok).toBe(true);
      event = await database.db.event.findUniqueOrThrow({ where: { id: event.id } });
    }
    return event;
  }

  it("writes the same event, attempts and rollups as the Prisma path", async () => {
    const db = database.db;
    expect(driverFor(db)).not.toBeNull();
    const batched = await walk(db, false, "batched.myshopify.com");
    const prisma = await walk(db, true, "prisma.myshopify.com");
    const strip = (e: Event) => ({ ...e, id: undefined, shopDomain: undefined, dedupeKey: undefined, loopWebhookId: undefined, updatedAt: undefined });
    expect(strip(batched)).toEqual(strip(prisma));
    const attempts = async (eventId: string) =>
      (await db.deliveryAttempt.findMany({ where: { eventId }, orderBy: { startedAt: "asc" } })).map(({ id: _id, eventId: _e, ...rest }) => rest);
    expect(await attempts(batched.id)).toEqual(await attempts(prisma.id));
    const rollups = async (shopDomain: string) => ({
      events: (await db.eventRollup.findMany({ where: { shopDomain }, orderBy: { eventType: "asc" } })).map(({ shopDomain: _s, lastSeenAt: _l, ...r }) => r),
      reasons: (await db.reasonRollup.findMany({ where: { shopDomain }, orderBy: { reason: "asc" } })).map(({ shopDomain: _s, lastAt: _l, ...r }) => r),
      latency: (await db.latencyRollup.findMany({ where: { shopDomain } })).map(({ shopDomain: _s, ...r }) => r),
    });
    expect(await rollups("batched.myshopify.com")).toEqual(await rollups("prisma.myshopify.com"));
    expect((await rollups("batched.myshopify.com")).events).toEqual([{ hourStart: HOUR, eventType: "order_upcoming", received: 1, delivered: 1, skipped: 0, failed: 0 }]);
  });

  it("answers false and writes nothing when the event is no longer in the expected state", async () => {
    const event = await newEvent(database.db, "stale-state.myshopify.com", "ss-1", { status: "pending", eventType: "order_upcoming" });
    expect(await transition(database.db, event, { status: "delivered", deliveredAt: new Date(), attempt: { startedAt: new Date(), durationMs: 1, httpStatus: 202, outcome: "delivered" } })).toBe(true);
    // The same change again from the old snapshot: the event is delivered now.
    expect(await transition(database.db, event, { status: "failed", reason: "postscript_rejected", attempt: { startedAt: new Date(), durationMs: 1, httpStatus: 400, outcome: "failed" } })).toBe(false);
    expect(await database.db.deliveryAttempt.count({ where: { eventId: event.id } })).toBe(1);
    expect(await database.db.reasonRollup.count({ where: { shopDomain: "stale-state.myshopify.com" } })).toBe(0);
  });

  it("keeps many concurrent changes apart; of two changes from the same state, exactly one wins", async () => {
    const shop = "concurrent.myshopify.com";
    const events = await Promise.all(Array.from({ length: 150 }, (_, i) => newEvent(database.db, shop, `c-${i}`, { status: "pending", eventType: "order_upcoming" })));
    const results = await Promise.all(
      events.flatMap((event) => [
        transition(database.db, event, { status: "delivered", deliveredAt: new Date(), attempt: { startedAt: new Date(), durationMs: 5, httpStatus: 202, outcome: "delivered" } }),
        transition(database.db, event, { status: "failed", reason: "postscript_rejected", attempt: { startedAt: new Date(), durationMs: 5, httpStatus: 400, outcome: "failed" } }),
      ]),
    );
    for (let i = 0; i < events.length; i++) expect([results[2 * i], results[2 * i + 1]].filter(Boolean)).toHaveLength(1);
    expect(await database.db.deliveryAttempt.count({ where: { event: { shopDomain: shop } } })).toBe(150);
    const final = await database.db.event.groupBy({ by: ["status"], where: { shopDomain: shop }, _count: true });
    const rollup = await database.db.eventRollup.findMany({ where: { shopDomain: shop } });
    const count = (status: string) => final.find((f) => f.status === status)?._count ?? 0;
    expect(rollup.reduce((a, r) => a + r.delivered, 0)).toBe(count("delivered"));
    expect(rollup.reduce((a, r) => a + r.failed, 0)).toBe(count("failed"));
  });

  it("finds the shops with due events (received or pending, due now) by index", async () => {
    const now = new Date();
    const past = new Date(now.getTime() - 1000);
    const future = new Date(now.getTime() + 60_000);
    await newEvent(database.db, "due-a.myshopify.com", "d-1", { status: "received", nextAttemptAt: past });
    await newEvent(database.db, "due-b.myshopify.com", "d-2", { status: "pending", nextAttemptAt: past });
    await newEvent(database.db, "due-b.myshopify.com", "d-3", { status: "pending", nextAttemptAt: past });
    await newEvent(database.db, "due-c.myshopify.com", "d-4", { status: "pending", nextAttemptAt: future });
    await newEvent(database.db, "due-d.myshopify.com", "d-5", { status: "paused", nextAttemptAt: past });
    await newEvent(database.db, "due-e.myshopify.com", "d-6", { status: "delivered", nextAttemptAt: past });
    const due = async () => (await dueShopDomains(database.db, now, "this-worker")).filter((s) => s.startsWith("due-")).sort();
    expect(await due()).toEqual(["due-a.myshopify.com", "due-b.myshopify.com"]);

    // A shop another worker is delivering is left to it; this worker's own lease or an expired one is not.
    await database.db.deliveryLease.create({ data: { shopDomain: "due-a.myshopify.com", owner: "other-worker", expiresAt: future } });
    await database.db.deliveryLease.create({ data: { shopDomain: "due-b.myshopify.com", owner: "this-worker", expiresAt: future } });
    expect(await due()).toEqual(["due-b.myshopify.com"]);
    await database.db.deliveryLease.update({ where: { shopDomain: "due-a.myshopify.com" }, data: { expiresAt: past } });
    expect(await due()).toEqual(["due-a.myshopify.com", "due-b.myshopify.com"]);
  });
});

describe("statements for rollups and groups", () => {
  it("translates the rollup upserts and updates, and refuses shapes it does not know", () => {
    const upsert = rollupStatement(
      { model: "eventRollup", method: "upsert", args: { where: { shopDomain_hourStart_eventType: { shopDomain: "s", hourStart: HOUR, eventType: "t" } }, create: { shopDomain: "s", hourStart: HOUR, eventType: "t", delivered: 1 }, update: { delivered: { increment: 1 }, lastSeenAt: HOUR } } },
      "postgres",
    );
    expect(upsert.sql).toBe(
      'INSERT INTO "EventRollup" ("shopDomain","hourStart","eventType","delivered") VALUES (?,?,?,?) ON CONFLICT ("shopDomain","hourStart","eventType") DO UPDATE SET "delivered" = "EventRollup"."delivered" + ?, "lastSeenAt" = ?',
    );
    expect(upsert.params).toEqual(["s", HOUR, "t", 1, 1, HOUR]);
    const decrement = rollupStatement({ model: "reasonRollup", method: "updateMany", args: { where: { shopDomain: "s", reason: "stale" }, data: { count: { decrement: 1 } } } }, "sqlite");
    expect(decrement).toEqual({ sql: 'UPDATE "ReasonRollup" SET "count" = "count" - ? WHERE "shopDomain" = ? AND "reason" = ?', params: [1, "s", "stale"] });
    expect(() => rollupStatement({ model: "eventRollup", method: "updateMany", args: { where: { shopDomain: { in: ["a"] } }, data: { count: 1 } } }, "sqlite")).toThrow();
    expect(() => rollupStatement({ model: "eventRollup", method: "updateMany", args: { where: { shopDomain: "a" }, data: { count: { multiply: 2 } } } }, "sqlite")).toThrow();
  });

  it("makes one PostgreSQL statement of a change unless two of its statements touch one table", () => {
    const group = planStatements(
      {
        eventId: "e1",
        fromStatus: "pending",
        fields: { status: "delivered", deliveredAt: HOUR },
        attempt: { startedAt: HOUR, durationMs: 3, httpStatus: 202, outcome: "delivered" },
        rollups: { shopDomain: "s", receivedAt: HOUR, occurredAt: HOUR, eventType: "order_upcoming", from: "pending", to: "delivered", deliveredAt: HOUR, at: HOUR },
      },
      HOUR,
      "postgres",
    );
    const combined = combineGroup(group)!;
    expect(combined.sql).toMatch(/^WITH u AS \(UPDATE "Event" SET .* RETURNING 1\), s0 AS \(INSERT INTO "DeliveryAttempt" .* SELECT \?,\?,\?,\?,\?,\?,\?,\? FROM u\), s1 AS \(INSERT INTO "EventRollup" .* FROM u ON CONFLICT .*\), s2 AS \(INSERT INTO "LatencyRollup" .*\) SELECT count\(\*\) AS "changed" FROM u$/);
    expect(combined.params).toEqual([group.first.params, ...group.then.map((s) => s.params)].flat());
    const twice = planStatements(
      { eventId: "e2", fromStatus: "failed", fields: { status: "skipped", reason: "stale" }, rollups: { shopDomain: "s", receivedAt: HOUR, occurredAt: HOUR, eventType: "t", from: "failed", to: "skipped", reason: "stale", previousReason: "stale", at: HOUR } },
      HOUR,
      "postgres",
    );
    expect(twice.then.filter((s) => s.sql.includes('"ReasonRollup"'))).toHaveLength(2);
    expect(combineGroup(twice)).toBeNull();
  });
});
