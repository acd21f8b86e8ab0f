// Every feature that holds shop or customer data, for the privacy webhooks (compliance.server.ts). A feature
// that stores such data adds its PersonalDataOwner here.
import { connectionRecords } from "~/connections/personal-data.server";
import { emails, eventRecords, phones } from "~/events/personal-data.server";
import { unusedFieldRecords } from "~/events/unused-field-log.server";
import type { CustomerRef, PersonalDataOwner } from "./personal-data.server";

/** Sessions and the shop record hold no customer data; shop/redact removes them. */
const shopRecords: PersonalDataOwner = {
  name: "sessions and shop record",
  exportCustomer: async () => [],
  redactCustomer: async () => 0,
  async redactShop(db, shop) {
    const [sessions, shops] = await db.$transaction([
      db.session.deleteMany({ where: { shop } }),
      db.shop.deleteMany({ where: { domain: shop } }),
    ]);
    return sessions.count + shops.count;
  },
};

/**
 * Shopify Flow triggers: a trigger's payload may name a customer (customer_id, and the reason text can quote an
 * email or phone Postscript refused). Their records are plain rows, so they are described here rather than by
 * the Flow feature, which sits above this layer.
 */
const flowTriggerRecords: PersonalDataOwner = {
  name: "Shopify Flow triggers",
  async exportCustomer(db, shop, customer) {
    const matches = flowPayloadMatches(customer);
    if (!matches) return [];
    const rows = await db.flowTriggerFiring.findMany({ where: { shopDomain: shop, OR: matches }, orderBy: { createdAt: "asc" } });
    return rows.map((row) => ({ kind: "flow_trigger", trigger: row.trigger, status: row.status, createdAt: row.createdAt.toISOString(), payload: JSON.parse(row.payload) as unknown }));
  },
  async redactCustomer(db, shop, customer) {
    const matches = flowPayloadMatches(customer);
    if (!matches) return 0;
    const where = { shopDomain: shop, OR: matches };
    // A trigger not sent yet is not sent any more: its payload is gone.
    await db.flowTriggerFiring.updateMany({ where: { ...where, status: "pending" }, data: { status: "failed", lastError: "Removed at the customer's request" } });
    const { count } = await db.flowTriggerFiring.updateMany({ where, data: { payload: "{}" } });
    return count;
  },
  async redactShop(db, shop) {
    const [firings, usage] = await db.$transaction([db.flowTriggerFiring.deleteMany({ where: { shopDomain: shop } }), db.flowTriggerUsage.deleteMany({ where: { shopDomain: shop } })]);
    return firings.count + usage.count;
  },
};

function flowPayloadMatches(customer: CustomerRef) {
  const conditions: { payload: { contains: string } }[] = [];
  if (customer.id && /^\d+$/.test(customer.id)) conditions.push({ payload: { contains: `"customer_id":${customer.id}` } });
  if (customer.email) conditions.push({ payload: { contains: customer.email } });
  if (customer.phone) conditions.push({ payload: { contains: customer.phone } });
  // No identifier: nothing matches (an empty OR would match every row).
  return conditions.length ? conditions : null;
}

/**
 * Subscriber properties: each customer's sync row (email, phone, Postscript subscriber id, the properties
 * sent) and their subscriptions' states (products, dates, cancellation reason). Plain rows, described here as
 * the delivery feature that keeps them sits above this layer. A customer is found by their email or phone,
 * or by their Shopify customer id when Loop named no Loop customer id.
 */
const subscriberPropertyRecords: PersonalDataOwner = {
  name: "subscriber properties",
  async exportCustomer(db, shop, customer) {
    const keys = await subscriberKeys(db, shop, customer);
    if (!keys.length) return [];
    const [syncs, states] = await Promise.all([
      db.subscriberSync.findMany({ where: { shopDomain: shop, customerKey: { in: keys } } }),
      db.loopSubscriptionState.findMany({ where: { shopDomain: shop, customerKey: { in: keys } } }),
    ]);
    return [
      ...syncs.map((row) => ({ kind: "subscriber_properties", email: row.contactEmail, phone: row.contactPhone, postscriptSubscriberId: row.subscriberId, propertiesSent: JSON.parse(row.sentProperties) as unknown })),
      ...states.map((row) => ({ kind: "loop_subscription_state", subscriptionId: row.subscriptionId, status: row.subscriptionStatus, products: JSON.parse(row.productTitles) as unknown, nextOrderOn: row.nextOrderOn, cancelledOn: row.cancelledOn, cancellationReason: row.cancellationReason })),
    ];
  },
  async redactCustomer(db, shop, customer) {
    const keys = await subscriberKeys(db, shop, customer);
    if (!keys.length) return 0;
    const [syncs, states] = await db.$transaction([
      db.subscriberSync.deleteMany({ where: { shopDomain: shop, customerKey: { in: keys } } }),
      db.loopSubscriptionState.deleteMany({ where: { shopDomain: shop, customerKey: { in: keys } } }),
    ]);
    return syncs.count + states.count;
  },
  async redactShop(db, shop) {
    // The backfill's row holds only counts, but it is the shop's and goes with the rest.
    const [syncs, states, backfills] = await db.$transaction([
      db.subscriberSync.deleteMany({ where: { shopDomain: shop } }),
      db.loopSubscriptionState.deleteMany({ where: { shopDomain: shop } }),
      db.propertyBackfill.deleteMany({ where: { shopDomain: shop } }),
    ]);
    return syncs.count + states.count + backfills.count;
  },
};

async function subscriberKeys(db: Parameters<PersonalDataOwner["redactShop"]>[0], shop: string, customer: CustomerRef): Promise<string[]> {
  const matches = [
    ...(emails(customer).length ? [{ contactEmail: { in: emails(customer) } }] : []),
    ...(phones(customer).length ? [{ contactPhone: { in: phones(customer) } }] : []),
    ...(customer.id ? [{ customerKey: `shopify:${customer.id}` }] : []),
  ];
  if (!matches.length) return [];
  const rows = await db.subscriberSync.findMany({ where: { shopDomain: shop, OR: matches }, select: { customerKey: true } });
  return rows.map((row) => row.customerKey);
}

// Order matters for shop/redact: features whose rows reference the shop record come before it.
export const owners: PersonalDataOwner[] = [eventRecords, unusedFieldRecords, flowTriggerRecords, subscriberPropertyRecords, connectionRecords, shopRecords];
