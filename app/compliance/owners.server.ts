// Every feature that holds shop or customer data, for the privacy webhooks (compliance.server.ts). A feature
// that stores such data adds its PersonalDataOwner here.
import { connectionRecords } from "~/connections/personal-data.server";
import { eventRecords } from "~/events/personal-data.server";
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

// Order matters for shop/redact: features whose rows reference the shop record come before it.
export const owners: PersonalDataOwner[] = [eventRecords, unusedFieldRecords, flowTriggerRecords, connectionRecords, shopRecords];
