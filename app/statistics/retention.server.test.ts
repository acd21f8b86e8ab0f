import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { databaseKinds, withTestDatabase } from "../../tests/support/databases";
import { pruneExpired, retentionWorker } from "./retention.server";
import { waitFor } from "../../tests/support/wait";

describe.each(databaseKinds)("retention (%s)", (kind) => {
  const database = withTestDatabase(kind);

  it("prunes final events and their attempts past the retention period, keeps open ones and rollups", async () => {
    const now = new Date("2026-11-25T00:00:00Z");
    const old = new Date("2026-08-01T00:00:00Z");
    const recent = new Date("2026-11-20T00:00:00Z");
    let n = 0;
    const make = (receivedAt: Date, status: string) =>
      database.db.event.create({
        data: { shopDomain: "keep.myshopify.com", dedupeKey: `k${++n}`, loopWebhookId: `k${n}`, topic: "order/upcoming", status, occurredAt: receivedAt, receivedAt, payload: "{}" },
      });
    const oldDelivered = await make(old, "delivered");
    await database.db.deliveryAttempt.create({ data: { eventId: oldDelivered.id, startedAt: old, durationMs: 20, httpStatus: 202, outcome: "delivered" } });
    const oldPending = await make(old, "pending");
    const recentFailed = await make(recent, "failed");
    await database.db.eventRollup.create({ data: { shopDomain: "keep.myshopify.com", hourStart: old, eventType: "order_upcoming", received: 1, delivered: 1 } });
    await database.db.eventRollup.create({ data: { shopDomain: "keep.myshopify.com", hourStart: new Date("2023-01-01T00:00:00Z"), eventType: "order_upcoming", received: 1 } });
    const field = (path: string, lastSeenAt: Date) =>
      database.db.unusedLoopField.create({ data: { shopDomain: "keep.myshopify.com", topic: "order/upcoming", path, firstSeenAt: old, lastSeenAt, count: 1 } });
    await field("stockStatus", old);
    await field("nextChargeAt", recent);

    const pruned = await pruneExpired(database.db, { eventRetentionDays: 90, rollupRetentionDays: 730 }, now);
    expect(pruned).toEqual({ events: 1, rollups: 1, unusedFields: 1 });
    expect((await database.db.unusedLoopField.findMany()).map((f) => f.path)).toEqual(["nextChargeAt"]);
    const left = await database.db.event.findMany({ orderBy: { receivedAt: "asc" } });
    expect(left.map((e) => e.id)).toEqual([oldPending.id, recentFailed.id]);
    expect(await database.db.deliveryAttempt.count({ where: { eventId: oldDelivered.id } })).toBe(0);
    expect(await database.db.eventRollup.count()).toBe(1);
  });

  it("leaves no abort listener behind on its signal, however many rounds it has waited", async () => {
    let rounds = 0;
    // Rounds 1 ms apart instead of an hour; each round takes the database once.
    const worker = retentionWorker(() => {
      rounds++;
      return database.db;
    }, { eventRetentionDays: 90, rollupRetentionDays: 730 }, 1);
    const controller = new AbortController();
    const running = worker.run(controller.signal);
    await waitFor("20 rounds", () => rounds >= 20, 10_000, 2);
    const listeners = getEventListeners(controller.signal, "abort").length;
    controller.abort();
    await running;
    expect(listeners).toBeLessThanOrEqual(1);
  });
});
