// What the event pipeline holds about customers, for the privacy webhooks (app/compliance): every Loop event
// keeps the webhook as Loop sent it (payload), the Postscript request made from it (request), the customer's
// email and phone, and the attempts to deliver it. The hourly rollups are counts without personal data; they
// go only with the shop (shop/redact).
//
// A customer's events are found through indexed columns: their email, their phone, then every event of the
// Loop subscriptions those events belong to (a subscription has one customer; flow_completed events, for
// one, carry no email or phone). Events that have neither an email nor a phone (not mapped yet, or without
// identifiers) are also read and matched on the Shopify customer id or the email inside the payload.
import type { Database } from "~/db.server";
import type { CustomerRef, PersonalDataOwner } from "~/compliance/personal-data.server";

const BATCH = 500;

/** The forms a customer's email may be stored in. */
export function emails(customer: CustomerRef): string[] {
  const email = customer.email?.trim();
  return email ? [...new Set([email, email.toLowerCase()])] : [];
}

/** The forms a customer's phone may be stored in. */
export function phones(customer: CustomerRef): string[] {
  const phone = customer.phone?.trim();
  if (!phone) return [];
  const compact = phone.replace(/[\s().-]/g, "");
  return [...new Set([phone, compact, compact.startsWith("+") ? compact : `+${compact}`])];
}

const CUSTOMER_ID_KEYS = new Set(["shopifyId", "shopifyCustomerId", "customerShopifyId", "shopify_customer_id"]);

/** Whether a Loop payload names this Shopify customer (by id, within a customer object or as a customer id field). */
function payloadMentions(payload: string, customer: CustomerRef): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return false;
  }
  const id = customer.id;
  const mail = customer.email?.trim().toLowerCase();
  const matchesId = (value: unknown) => id !== undefined && (typeof value === "string" || typeof value === "number") && String(value).replace(/^gid:\/\/shopify\/Customer\//, "") === id;
  // `key` is the name the value sits under: ids count inside a customer object, or under a customer id key.
  const walk = (value: unknown, key: string): boolean => {
    if (typeof value === "string" && mail && value.trim().toLowerCase() === mail) return true;
    if (Array.isArray(value)) return value.some((v) => walk(v, key));
    if (value && typeof value === "object") {
      const customerObject = /customer/i.test(key);
      return Object.entries(value as Record<string, unknown>).some(
        ([k, v]) => (CUSTOMER_ID_KEYS.has(k) && (customerObject || /customer/i.test(k)) && matchesId(v)) || walk(v, k),
      );
    }
    return false;
  };
  return walk(parsed, "");
}

/** Ids of the shop's events about this customer. */
export async function customerEventIds(db: Database, shopDomain: string, customer: CustomerRef): Promise<string[]> {
  const ids = new Set<string>();
  const byIdentifier = [
    ...(emails(customer).length ? [{ customerEmail: { in: emails(customer) } }] : []),
    ...(phones(customer).length ? [{ customerPhone: { in: phones(customer) } }] : []),
  ];
  const subscriptions = new Set<string>();
  for (const condition of byIdentifier) {
    const found = await db.event.findMany({ where: { shopDomain, ...condition }, select: { id: true, subscriptionKey: true } });
    for (const e of found) {
      ids.add(e.id);
      if (e.subscriptionKey) subscriptions.add(e.subscriptionKey);
    }
  }
  const keys = [...subscriptions];
  for (let i = 0; i < keys.length; i += BATCH) {
    const found = await db.event.findMany({ where: { shopDomain, subscriptionKey: { in: keys.slice(i, i + BATCH) } }, select: { id: true } });
    for (const e of found) ids.add(e.id);
  }
  // Events without identifiers (not mapped yet, or none known): match inside the payload.
  const needles = [customer.id, customer.email?.trim()].filter((n): n is string => Boolean(n));
  if (needles.length) {
    let after: string | undefined;
    for (;;) {
      const batch = await db.event.findMany({
        where: {
          shopDomain,
          customerEmail: null,
          customerPhone: null,
          OR: needles.map((n) => ({ payload: { contains: n } })),
          ...(after ? { id: { gt: after } } : {}),
        },
        select: { id: true, payload: true },
        orderBy: { id: "asc" },
        take: BATCH,
      });
      for (const e of batch) if (payloadMentions(e.payload, customer)) ids.add(e.id);
      if (batch.length < BATCH) break;
      after = batch[batch.length - 1].id;
    }
  }
  return [...ids];
}

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export const eventRecords: PersonalDataOwner = {
  name: "Loop events and their deliveries to Postscript",

  async exportCustomer(db, shop, customer) {
    const ids = await customerEventIds(db, shop, customer);
    const records: unknown[] = [];
    for (let i = 0; i < ids.length; i += BATCH) {
      const events = await db.event.findMany({
        where: { shopDomain: shop, id: { in: ids.slice(i, i + BATCH) } },
        include: { attempts: { orderBy: { startedAt: "asc" } } },
        orderBy: { receivedAt: "asc" },
      });
      for (const e of events) {
        records.push({
          id: e.id,
          eventType: e.eventType,
          loopTopic: e.topic,
          status: e.status,
          reason: e.reason,
          occurredAt: e.occurredAt.toISOString(),
          receivedAt: e.receivedAt.toISOString(),
          deliveredAt: e.deliveredAt?.toISOString() ?? null,
          customerEmail: e.customerEmail,
          customerPhone: e.customerPhone,
          loopSubscriptionId: e.subscriptionKey,
          loopOrderId: e.loopOrderId,
          loopWebhook: parseJson(e.payload),
          postscriptRequest: parseJson(e.request),
          attempts: e.attempts.map((a) => ({
            startedAt: a.startedAt.toISOString(),
            durationMs: a.durationMs,
            httpStatus: a.httpStatus,
            outcome: a.outcome,
            errorClass: a.errorClass,
            message: a.message,
          })),
        });
      }
    }
    return records;
  },

  async redactCustomer(db, shop, customer) {
    const ids = await customerEventIds(db, shop, customer);
    let removed = 0;
    for (let i = 0; i < ids.length; i += BATCH) {
      const slice = ids.slice(i, i + BATCH);
      const [attempts, events] = await db.$transaction([
        db.deliveryAttempt.deleteMany({ where: { eventId: { in: slice }, event: { shopDomain: shop } } }),
        db.event.deleteMany({ where: { shopDomain: shop, id: { in: slice } } }),
      ]);
      removed += attempts.count + events.count;
    }
    return removed;
  },

  async redactShop(db, shop) {
    let removed = 0;
    for (;;) {
      const batch = await db.event.findMany({ where: { shopDomain: shop }, select: { id: true }, take: BATCH });
      if (batch.length === 0) break;
      const slice = batch.map((e) => e.id);
      const [attempts, events] = await db.$transaction([
        db.deliveryAttempt.deleteMany({ where: { eventId: { in: slice } } }),
        db.event.deleteMany({ where: { shopDomain: shop, id: { in: slice } } }),
      ]);
      removed += attempts.count + events.count;
    }
    const others = await db.$transaction([
      db.eventRollup.deleteMany({ where: { shopDomain: shop } }),
      db.reasonRollup.deleteMany({ where: { shopDomain: shop } }),
      db.latencyRollup.deleteMany({ where: { shopDomain: shop } }),
      db.statisticsDay.deleteMany({ where: { shopDomain: shop } }),
      db.eventRollupDay.deleteMany({ where: { shopDomain: shop } }),
      db.reasonRollupDay.deleteMany({ where: { shopDomain: shop } }),
      db.latencyRollupDay.deleteMany({ where: { shopDomain: shop } }),
      db.deliveryLease.deleteMany({ where: { shopDomain: shop } }),
    ]);
    return removed + others.reduce((sum, r) => sum + r.count, 0);
  },
};
