// An event as the worker finds it once prepared: mapped to order_upcoming, its Postscript request stored, due now.
import type { Event } from "@prisma/client";
import type { Database } from "~/db.server";
import type { CustomEventInput } from "~/postscript/protocol";

let seq = 0;

/** A pending event of `shop`; `fields` override any column (the request as the object to send). */
export function createPendingEvent(db: Database, shop: string, fields: Partial<Omit<Event, "request">> & { request?: CustomEventInput } = {}) {
  const { request, ...rest } = fields;
  const n = ++seq;
  return db.event.create({
    data: {
      shopDomain: shop,
      dedupeKey: `wh-${n}`,
      loopWebhookId: `wh-${n}`,
      topic: "order/upcoming",
      eventType: "order_upcoming",
      status: "pending",
      occurredAt: new Date(Date.now() - 60_000 + n),
      payload: "{}",
      request: JSON.stringify(request ?? { type: "order_upcoming", email: `c${n}@example.com`, external_id: `loop:wh-${n}` }),
      ...rest,
    },
  });
}
