// The rollups must always equal a recount of the raw events, whatever sequence of state changes happened.
import { describe, expect, it } from "vitest";
import { databaseKinds, withTestDatabase } from "../../tests/support/databases";
import type { Database } from "~/db.server";
import { transition, type EventStatus, type ReasonCode } from "~/delivery/transitions.server";
import { hourStart, latencyBucket } from "./rollups.server";

const SHOP = "rollups.myshopify.com";
const TYPES = ["order_upcoming", "subscription_created", "payment_attempt_failed"];
const REASONS: ReasonCode[] = ["stale", "disabled", "postscript_rejected", "no_identifier"];

/** A seeded PRNG (mulberry32) so a failing sequence can be replayed. */
function prng(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function recount(db: Database) {
  const events = await db.event.findMany({ where: { shopDomain: SHOP } });
  const byType = new Map<string, { received: number; delivered: number; skipped: number; failed: number }>();
  const reasons = new Map<string, number>();
  const latency = new Map<string, number>();
  for (const e of events) {
    if (e.status === "received") continue;
    const key = `${hourStart(e.receivedAt).toISOString()}|${e.eventType ?? "unknown"}`;
    const row = byType.get(key) ?? { received: 0, delivered: 0, skipped: 0, failed: 0 };
    row.received++;
    if (e.status === "delivered" || e.status === "skipped" || e.status === "failed") row[e.status]++;
    byType.set(key, row);
    if ((e.status === "skipped" || e.status === "failed") && e.reason) {
      const r = `${hourStart(e.receivedAt).toISOString()}|${e.reason}`;
      reasons.set(r, (reasons.get(r) ?? 0) + 1);
    }
    if (e.status === "delivered" && e.deliveredAt) {
      const l = `${hourStart(e.receivedAt).toISOString()}|${latencyBucket(e.deliveredAt.getTime() - e.occurredAt.getTime())}`;
      latency.set(l, (latency.get(l) ?? 0) + 1);
    }
  }
  return { byType, reasons, latency };
}

async function rollups(db: Database) {
  const byType = new Map<string, { received: number; delivered: number; skipped: number; failed: number }>();
  for (const r of await db.eventRollup.findMany({ where: { shopDomain: SHOP } })) {
    if (r.received || r.delivered || r.skipped || r.failed) {
      byType.set(`${r.hourStart.toISOString()}|${r.eventType}`, { received: r.received, delivered: r.delivered, skipped: r.skipped, failed: r.failed });
    }
  }
  const reasons = new Map<string, number>();
  for (const r of await db.reasonRollup.findMany({ where: { shopDomain: SHOP } })) if (r.count) reasons.set(`${r.hourStart.toISOString()}|${r.reason}`, r.count);
  const latency = new Map<string, number>();
  for (const r of await db.latencyRollup.findMany({ where: { shopDomain: SHOP } })) latency.set(`${r.hourStart.toISOString()}|${r.bucketMs}`, r.count);
  return { byType, reasons, latency };
}

describe.each(databaseKinds)("statistics rollups (%s)", (kind) => {
  const database = withTestDatabase(kind);

  it("equal a recount of the raw events after random state changes", async () => {
    const random = prng(20261125);
    const pick = <T,>(list: readonly T[]) => list[Math.floor(random() * list.length)];
    const base = Date.UTC(2026, 10, 20, 0, 0, 0);
    const ids: string[] = [];
    for (let i = 0; i < 120; i++) {
      const receivedAt = new Date(base + Math.floor(random() * 6) * 3_600_000 + Math.floor(random() * 3_600_000));
      const event = await database.db.event.create({
        data: {
          shopDomain: SHOP,
          dedupeKey: `e${i}`,
          loopWebhookId: `e${i}`,
          topic: "order/upcoming",
          status: "received",
          occurredAt: new Date(receivedAt.getTime() - Math.floor(random() * 5000)),
          receivedAt,
          payload: "{}",
        },
      });
      ids.push(event.id);
    }
    const moves: Record<string, EventStatus[]> = {
      received: ["pending", "skipped", "failed"],
      pending: ["delivered", "failed", "paused", "pending", "skipped"],
      paused: ["pending"],
      failed: ["pending"],
      skipped: [],
      delivered: [],
    };
    for (let step = 0; step < 600; step++) {
      const event = await database.db.event.findUniqueOrThrow({ where: { id: pick(ids) } });
      const options = moves[event.status];
      if (!options.length) continue;
      const to = pick(options);
      const reason = to === "skipped" || to === "failed" ? pick(REASONS) : null;
      const ok = await transition(database.db, event, {
        status: to,
        reason,
        ...(event.status === "received" ? { eventType: pick(TYPES) } : {}),
        ...(to === "delivered" ? { deliveredAt: new Date(event.occurredAt.getTime() + Math.floor(random() * 120_000)) } : {}),
      });
      expect(ok).toBe(true);
    }
    const [expected, actual] = [await recount(database.db), await rollups(database.db)];
    expect(actual.byType).toEqual(expected.byType);
    expect(actual.reasons).toEqual(expected.reasons);
    expect(actual.latency).toEqual(expected.latency);
    expect(expected.byType.size).toBeGreaterThan(6);
  });

  it("changes nothing when the event is no longer in the state the caller saw", async () => {
    const event = await database.db.event.create({
      data: { shopDomain: SHOP, dedupeKey: "stale-snapshot", loopWebhookId: "x", topic: "order/upcoming", status: "pending", occurredAt: new Date(), payload: "{}", eventType: "order_upcoming" },
    });
    expect(await transition(database.db, event, { status: "delivered", deliveredAt: new Date() })).toBe(true);
    expect(await transition(database.db, event, { status: "failed", reason: "postscript_rejected" })).toBe(false);
    expect((await database.db.event.findUniqueOrThrow({ where: { id: event.id } })).status).toBe("delivered");
  });
});
