// One shop's data for the browser tests that visit every merchant page (accessibility, phone width): Loop and
// Postscript connected 40 days ago, and 12 events over the last two and a half days of every kind a page
// shows differently: delivered, failed because Postscript refused or could not be reached, and skipped; the
// customers' long email addresses test wrapping on a phone. Seeded through the real state changes, so the
// statistics are the ones the pipeline keeps.
import type { Event } from "@prisma/client";
import type { Database } from "~/db.server";
import { seedEvent, type SeedEvent } from "~/statistics/seed.testutil";
import { DEMO_SHOP } from "./demo-app";

const HOUR = 3_600_000;

export interface MerchantData {
  /** Delivered, newest first: a new subscription (the first event) and a payment failure with one retry left. */
  subscriptionCreated: Event;
  paymentFailed: Event;
  events: Event[];
}

function shape(i: number): Pick<SeedEvent, "type" | "outcome" | "reason"> {
  if (i === 5) return { type: "order_upcoming", outcome: "failed", reason: "postscript_unavailable" };
  if (i === 6) return { type: "order_skipped", outcome: "skipped", reason: "disabled" };
  if (i % 5 === 4) return { type: i % 2 ? "payment_attempt_failed_last_retry_left" : "subscription_created", outcome: "failed", reason: "postscript_rejected" };
  return { type: i % 2 ? "payment_attempt_failed_last_retry_left" : "subscription_created", outcome: "delivered" };
}

export async function seedMerchantData(db: Database, now = Date.now()): Promise<MerchantData> {
  const connectedAt = new Date(now - 40 * 24 * HOUR);
  await db.postscriptConnection.create({ data: { shopDomain: DEMO_SHOP, status: "connected", keyLastFour: "9f3a", postscriptShopName: "Demo Coffee Co", connectedAt } });
  await db.loopConnection.create({ data: { shopDomain: DEMO_SHOP, status: "connected", mode: "api", connectedAt } });
  const events: Event[] = [];
  for (let i = 0; i < 12; i++) {
    events.push(
      await seedEvent(db, {
        shop: DEMO_SHOP,
        receivedAt: new Date(now - i * 5 * HOUR - 60_000),
        ...shape(i),
        email: `customer.with.a.long.address${i}@example.com`,
        subscriptionKey: String(880_000 + i),
        loopOrderId: String(5_550_000 + i),
      }),
    );
  }
  return { subscriptionCreated: events[0], paymentFailed: events[1], events };
}
