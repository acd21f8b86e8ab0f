import { describe, expect, it } from "vitest";
import { databaseKinds, withTestDatabase } from "../../tests/support/databases";
import { replayEvent, replayFailedInRange } from "./replay.server";

describe.each(databaseKinds)("replay (%s)", (kind) => {
  const database = withTestDatabase(kind);
  let n = 0;
  const failed = (shopDomain: string, receivedAt: Date, status = "failed") =>
    database.db.event.create({
      data: {
        shopDomain,
        dedupeKey: `r${++n}`,
        loopWebhookId: `r${n}`,
        topic: "order/upcoming",
        eventType: "order_upcoming",
        status,
        reason: status === "failed" ? "postscript_unavailable" : null,
        occurredAt: receivedAt,
        receivedAt,
        payload: "{}",
        firstAttemptAt: new Date(receivedAt.getTime() + 1000),
        attemptCount: 7,
      },
    });

  it("queues a failed event again with a fresh retry window, and only for its own shop", async () => {
    const event = await failed("a.myshopify.com", new Date("2026-11-20T10:00:00Z"));
    expect(await replayEvent(database.db, "b.myshopify.com", event.id)).toBe(false);
    const now = new Date("2026-11-25T09:00:00Z");
    expect(await replayEvent(database.db, "a.myshopify.com", event.id, now)).toBe(true);
    const after = await database.db.event.findUniqueOrThrow({ where: { id: event.id } });
    expect(after).toMatchObject({ status: "pending", reason: null, reasonDetail: "Replayed", attemptCount: 7 });
    expect(after.nextAttemptAt).toEqual(now);
    expect(after.firstAttemptAt).toEqual(now);
    expect(await replayEvent(database.db, "a.myshopify.com", event.id)).toBe(false);
  });

  it("replays every failed event of a time range and nothing else", async () => {
    const shop = "range.myshopify.com";
    const inside = [await failed(shop, new Date("2026-11-21T00:00:00Z")), await failed(shop, new Date("2026-11-21T23:59:59Z"))];
    const outside = await failed(shop, new Date("2026-11-22T00:00:00Z"));
    const delivered = await failed(shop, new Date("2026-11-21T12:00:00Z"), "delivered");
    const count = await replayFailedInRange(database.db, shop, { from: new Date("2026-11-21T00:00:00Z"), to: new Date("2026-11-22T00:00:00Z") });
    expect(count).toBe(2);
    const statuses = await database.db.event.findMany({ where: { id: { in: [...inside.map((e) => e.id), outside.id, delivered.id] } }, orderBy: { receivedAt: "asc" } });
    expect(statuses.map((e) => e.status)).toEqual(["pending", "delivered", "pending", "failed"]);
  });
});
