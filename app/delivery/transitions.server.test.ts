// State changes: each writes the event, its attempt and the rollups together, answers false (writing nothing)
// for an event no longer in the expected state, and concurrent changes batched together stay apart.
import type { Event } from "@prisma/client";
import { describe, expect, it } from "vitest";
import { databaseKinds, withTestDatabase } from "../../tests/support/databases";
import { getSql, type Database } from "~/db.server";
import { dueShopDomains } from "./due-shops.server";
import { changeStatements, transition, type EventStatus, type ReasonCode } from "./transitions.server";

const HOUR = new Date("2026-11-25T08:00:00.000Z");

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

describe.each(databaseKinds)("state changes (%s)", (kind) => {
  const database = withTestDatabase(kind);

  it("writes the event, its attempts and the rollups of every step", async () => {
    const db = database.db;
    const shop = "walk.myshopify.com";
    let event = await newEvent(db, shop, "walk-1");
    for (const step of STEPS) {
      const change = {
        status: step.status,
        reason: step.reason,
        reasonDetail: step.reason ? `because ${step.reason}` : null,
        nextAttemptAt: new Date(HOUR.getTime() + 3_600_000),
        ...(step.eventType ? { eventType: step.eventType, request: '{"type":"order_upcoming"}', subscriptionKey: "sub-1", customerEmail: "a@example.com" } : {}),
        ...(step.deliveredAt ? { deliveredAt: step.deliveredAt, postscriptEventId: "evt_1" } : {}),
        ...(step.attempt ? { firstAttemptAt: HOUR, attempt: { startedAt: HOUR, durationMs: 21, httpStatus: step.status === "delivered" ? 202 : 503, outcome: step.status === "delivered" ? ("delivered" as const) : ("retry" as const), errorClass: null, message: "m" } } : {}),
      };
      expect(await transition(db, event, change)).toBe(true);
      event = await db.event.findUniqueOrThrow({ where: { id: event.id } });
    }
    expect(event).toMatchObject({
      status: "delivered",
      reason: null,
      reasonDetail: null,
      eventType: "order_upcoming",
      request: '{"type":"order_upcoming"}',
      subscriptionKey: "sub-1",
      customerEmail: "a@example.com",
      attemptCount: 3,
      firstAttemptAt: HOUR,
      deliveredAt: new Date(HOUR.getTime() + 180_000),
      postscriptEventId: "evt_1",
      nextAttemptAt: new Date(HOUR.getTime() + 3_600_000),
    });
    const attempts = await db.deliveryAttempt.findMany({ where: { eventId: event.id }, orderBy: { id: "asc" } });
    expect(attempts.map(({ id: _id, eventId: _e, ...rest }) => rest)).toEqual([
      { startedAt: HOUR, durationMs: 21, httpStatus: 503, outcome: "retry", errorClass: null, message: "m" },
      { startedAt: HOUR, durationMs: 21, httpStatus: 503, outcome: "retry", errorClass: null, message: "m" },
      { startedAt: HOUR, durationMs: 21, httpStatus: 202, outcome: "delivered", errorClass: null, message: "m" },
    ]);
    expect(await db.eventRollup.findMany({ where: { shopDomain: shop } })).toEqual([
      { shopDomain: shop, hourStart: HOUR, eventType: "order_upcoming", received: 1, delivered: 1, skipped: 0, failed: 0, lastSeenAt: new Date(HOUR.getTime() + 60_000) },
    ]);
    const reasons = await db.reasonRollup.findMany({ where: { shopDomain: shop }, orderBy: { reason: "asc" } });
    expect(reasons.map((r) => [r.reason, r.count])).toEqual([
      ["postscript_unavailable", 0],
      ["stale", 0],
    ]);
    expect(await db.latencyRollup.findMany({ where: { shopDomain: shop } })).toEqual([{ shopDomain: shop, hourStart: HOUR, bucketMs: 300_000, count: 1 }]);
  });

  it("moves the reason count when a change leaves one reason and enters another (two writes to one table)", async () => {
    const shop = "two-reasons.myshopify.com";
    const event = await newEvent(database.db, shop, "tr-1", { status: "pending", eventType: "order_upcoming" });
    expect(await transition(database.db, event, { status: "failed", reason: "postscript_rejected" })).toBe(true);
    const failed = await database.db.event.findUniqueOrThrow({ where: { id: event.id } });
    expect(await transition(database.db, failed, { status: "skipped", reason: "stale" })).toBe(true);
    const reasons = await database.db.reasonRollup.findMany({ where: { shopDomain: shop }, orderBy: { reason: "asc" } });
    expect(reasons.map((r) => [r.reason, r.count])).toEqual([
      ["postscript_rejected", 0],
      ["stale", 1],
    ]);
  });

  it("answers false and writes nothing when the event is no longer in the expected state", async () => {
    const event = await newEvent(database.db, "stale-state.myshopify.com", "ss-1", { status: "pending", eventType: "order_upcoming" });
    expect(await transition(database.db, event, { status: "delivered", deliveredAt: new Date(), attempt: { startedAt: new Date(), durationMs: 1, httpStatus: 202, outcome: "delivered" } })).toBe(true);
    // The same change again from the old snapshot: the event is delivered now.
    expect(await transition(database.db, event, { status: "failed", reason: "postscript_rejected", attempt: { startedAt: new Date(), durationMs: 1, httpStatus: 400, outcome: "failed" } })).toBe(false);
    expect(await database.db.deliveryAttempt.count({ where: { eventId: event.id } })).toBe(1);
    expect(await database.db.reasonRollup.count({ where: { shopDomain: "stale-state.myshopify.com" } })).toBe(0);
    expect((await database.db.eventRollup.findMany({ where: { shopDomain: "stale-state.myshopify.com" } })).map((r) => [r.delivered, r.failed])).toEqual([[1, 0]]);
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

  it.runIf(kind === "postgres")("makes one PostgreSQL statement of a change, unless two of its writes touch one table", () => {
    const sql = getSql(database.db);
    const event = { id: "e1", shopDomain: "s", status: "pending", receivedAt: HOUR, occurredAt: HOUR, eventType: "order_upcoming", reason: null };
    const one = changeStatements(sql, event, { status: "delivered", deliveredAt: HOUR, attempt: { startedAt: HOUR, durationMs: 3, httpStatus: 202, outcome: "delivered" } }, HOUR);
    expect(one.then).toEqual([]);
    expect(one.first.sql).toMatch(/^with "u" as \(update "Event" set .* returning "id"\), "attempt" as \(insert into "DeliveryAttempt" .* select .* from "u"\), "r0" as \(insert into "EventRollup" .* from "u" on conflict .*\), "r1" as \(insert into "LatencyRollup" .*\) select "id" from "u"$/);
    const twice = changeStatements(sql, { ...event, status: "failed", reason: "postscript_rejected" }, { status: "skipped", reason: "stale" }, HOUR);
    expect(twice.first.sql).toMatch(/^update "Event"/);
    expect(twice.then.filter((s) => s.sql.includes('"ReasonRollup"'))).toHaveLength(2);
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
