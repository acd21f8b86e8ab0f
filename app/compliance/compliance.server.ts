// What the three mandatory privacy webhooks do to this app's data. Each request is recorded with its
// outcome (ComplianceRequest), so support can show that it was honoured and when.
import { z } from "zod";
import type { Database } from "~/db.server";
import { log } from "~/logging/logger.server";
import { owners as defaultOwners } from "./owners.server";
import type { CustomerRef, PersonalDataOwner } from "./personal-data.server";

// Payload shapes: https://shopify.dev/docs/apps/build/privacy-law-compliance
const customerPayload = z.object({
  shop_domain: z.string(),
  customer: z.object({
    id: z.union([z.number(), z.string()]).optional().nullable(),
    email: z.string().optional().nullable(),
    phone: z.string().optional().nullable(),
  }),
  orders_requested: z.array(z.union([z.number(), z.string()])).optional(),
  orders_to_redact: z.array(z.union([z.number(), z.string()])).optional(),
  data_request: z.object({ id: z.union([z.number(), z.string()]) }).optional(),
});

function customerRef(payload: z.infer<typeof customerPayload>): CustomerRef {
  const { id, email, phone } = payload.customer;
  return {
    id: id === null || id === undefined ? undefined : String(id),
    email: email || undefined,
    phone: phone || undefined,
  };
}

interface ComplianceInput {
  db: Database;
  shop: string;
  webhookId?: string;
  payload: unknown;
  owners?: PersonalDataOwner[];
}

/** Returns false when the same webhook was already handled (Shopify may deliver a webhook more than once). */
async function startRequest(db: Database, topic: string, shop: string, webhookId?: string, customerId?: string) {
  if (webhookId) {
    const existing = await db.complianceRequest.findUnique({ where: { webhookId } });
    if (existing?.completedAt) return null;
    if (existing) return existing.id;
  }
  const row = await db.complianceRequest.create({ data: { topic, shopDomain: shop, webhookId, customerId } });
  return row.id;
}

async function finish(db: Database, id: string, result: unknown) {
  await db.complianceRequest.update({ where: { id }, data: { completedAt: new Date(), result: JSON.stringify(result) } });
}

export async function handleCustomerDataRequest({ db, shop, webhookId, payload, owners = defaultOwners }: ComplianceInput) {
  const parsed = customerPayload.parse(payload);
  const customer = customerRef(parsed);
  const id = await startRequest(db, "customers/data_request", shop, webhookId, customer.id);
  if (!id) return;
  const data: Record<string, unknown[]> = {};
  for (const owner of owners) data[owner.name] = await owner.exportCustomer(db, shop, customer);
  await finish(db, id, { dataRequestId: parsed.data_request?.id ?? null, data });
  log.info("customers/data_request recorded", { shop, request: id });
}

export async function handleCustomerRedact({ db, shop, webhookId, payload, owners = defaultOwners }: ComplianceInput) {
  const customer = customerRef(customerPayload.parse(payload));
  const id = await startRequest(db, "customers/redact", shop, webhookId, customer.id);
  if (!id) return;
  const removed: Record<string, number> = {};
  for (const owner of owners) removed[owner.name] = await owner.redactCustomer(db, shop, customer);
  await finish(db, id, { removed });
  log.info("customers/redact done", { shop, request: id, removed });
}

export async function handleShopRedact({ db, shop, webhookId, owners = defaultOwners }: ComplianceInput) {
  const id = await startRequest(db, "shop/redact", shop, webhookId);
  if (!id) return;
  const removed: Record<string, number> = {};
  for (const owner of owners) removed[owner.name] = await owner.redactShop(db, shop);
  await finish(db, id, { removed });
  log.info("shop/redact done", { shop, request: id, removed });
}
