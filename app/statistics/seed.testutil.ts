// Test data for the statistics screens, made the way the pipeline makes it: each event is stored as received
// and then moved through transition(), so the rollups are the real ones, kept by the real code.
import type { Event } from "@prisma/client";
import type { Database } from "~/db.server";
import { transition, type AttemptRecord, type ReasonCode } from "~/delivery/transitions.server";
import { EVENT_TYPES } from "~/events/catalogue";

export type SeedOutcome = "received" | "pending" | "paused" | "delivered" | "skipped" | "failed";

export interface SeedEvent {
  shop: string;
  receivedAt: Date | string;
  type?: string | null;
  outcome: SeedOutcome;
  reason?: ReasonCode;
  reasonDetail?: string;
  /** Loop occurrence → Postscript acceptance (delivered events). */
  latencyMs?: number;
  email?: string | null;
  phone?: string | null;
  subscriptionKey?: string | null;
  loopOrderId?: string | null;
  payload?: unknown;
  request?: unknown;
  /** Attempts before the final one (e.g. retries); the final attempt is added for delivered/failed/paused. */
  retries?: number;
  isTest?: boolean;
  topic?: string;
}

let counter = 0;

export async function seedEvent(db: Database, e: SeedEvent): Promise<Event> {
  const receivedAt = new Date(e.receivedAt);
  const occurredAt = new Date(receivedAt.getTime() - 2_000);
  const n = ++counter;
  const webhookId = `seed-${process.pid}-${n}-${Math.random().toString(36).slice(2, 8)}`;
  const type = e.type === undefined ? "order_upcoming" : e.type;
  const payload =
    e.payload ??
    ({
      payload: {
        id: Number(e.subscriptionKey ?? 1000 + n),
        customer: { shopifyId: 7400000001, email: e.email ?? null, phone: e.phone ?? null, firstName: "Ava" },
      },
      metaData: { myshopifyDomain: e.shop },
    } as const);
  const request =
    e.request ??
    (type
      ? { type, ...(e.email ? { email: e.email } : {}), ...(e.phone ? { phone: e.phone } : {}), occurred_at: "2026-11-20 10:00:00.000", external_id: `loop:${webhookId}`, properties: { order_id: e.loopOrderId ?? null } }
      : null);
  let event = await db.event.create({
    data: {
      shopDomain: e.shop,
      dedupeKey: webhookId,
      loopWebhookId: webhookId,
      topic: e.topic ?? EVENT_TYPES.find((t) => t.type === type)?.loopTopic ?? "order/upcoming",
      status: "received",
      occurredAt,
      receivedAt,
      nextAttemptAt: receivedAt,
      payload: JSON.stringify(payload),
      isTest: e.isTest ?? false,
    },
  });
  if (e.outcome === "received") return event;

  const mapped = {
    eventType: type,
    request: request ? JSON.stringify(request) : null,
    subscriptionKey: e.subscriptionKey ?? null,
    loopOrderId: e.loopOrderId ?? null,
    customerEmail: e.email ?? null,
    customerPhone: e.phone ?? null,
  };
  const move = async (change: Parameters<typeof transition>[2]) => {
    const ok = await transition(db, event, change);
    if (!ok) throw new Error(`seed: transition to ${change.status} refused`);
    event = await db.event.findUniqueOrThrow({ where: { id: event.id } });
  };
  // Skipped at mapping time (disabled type, unreadable payload, no identifier) goes straight from received.
  if (e.outcome === "skipped" && e.reason !== "stale") {
    await move({ status: "skipped", reason: e.reason ?? "disabled", reasonDetail: e.reasonDetail ?? null, ...mapped });
    return event;
  }
  await move({ status: "pending", ...mapped });
  const firstAttemptAt = new Date(receivedAt.getTime() + 500);
  let at = firstAttemptAt.getTime();
  for (let i = 0; i < (e.retries ?? 0); i++) {
    const attempt: AttemptRecord = { startedAt: new Date(at), durationMs: 120, httpStatus: 503, outcome: "retry", errorClass: "unavailable", message: "Postscript answered 503" };
    await move({ status: "pending", reason: "postscript_unavailable", reasonDetail: "Postscript answered 503", firstAttemptAt, nextAttemptAt: new Date(at + 60_000), attempt });
    at += 60_000;
  }
  switch (e.outcome) {
    case "pending":
      return event;
    case "delivered": {
      const deliveredAt = new Date(occurredAt.getTime() + (e.latencyMs ?? 1_500));
      await move({
        status: "delivered",
        reason: null,
        reasonDetail: null,
        deliveredAt,
        postscriptEventId: `ps_evt_${n}`,
        firstAttemptAt,
        attempt: { startedAt: new Date(Math.max(at, deliveredAt.getTime() - 180)), durationMs: 180, httpStatus: 201, outcome: "delivered" },
      });
      return event;
    }
    case "failed": {
      const reason = e.reason ?? "postscript_unavailable";
      const status = reason === "postscript_rejected" ? 422 : reason === "rate_limited" ? 429 : reason === "invalid_payload" ? null : 503;
      await move({
        status: "failed",
        reason,
        reasonDetail: e.reasonDetail ?? (status ? `Postscript answered ${status}` : "No Postscript request was prepared"),
        firstAttemptAt,
        attempt: status
          ? { startedAt: new Date(at), durationMs: 95, httpStatus: status, outcome: "failed", errorClass: reason === "postscript_rejected" ? "rejected" : reason === "rate_limited" ? "rate_limited" : "unavailable", message: e.reasonDetail ?? `Postscript answered ${status}` }
          : undefined,
      });
      return event;
    }
    case "paused":
      await move({
        status: "paused",
        reason: e.reason ?? "key_rejected",
        reasonDetail: "Postscript answered 401: the API key was rejected",
        firstAttemptAt,
        attempt: { startedAt: new Date(at), durationMs: 80, httpStatus: 401, outcome: "paused", errorClass: "unauthorized", message: "Postscript answered 401" },
      });
      return event;
    case "skipped":
      await move({ status: "skipped", reason: "stale", reasonDetail: e.reasonDetail ?? "The order was processed before the reminder could be sent" });
      return event;
  }
}

export async function seedEvents(db: Database, events: SeedEvent[]): Promise<Event[]> {
  const out: Event[] = [];
  for (const e of events) out.push(await seedEvent(db, e));
  return out;
}
