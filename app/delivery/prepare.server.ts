// From a stored Loop webhook to a ready-to-send Postscript Custom Event: map it (app/events), apply the shop's
// choices (disabled types), complete the customer's identifiers when Loop sent neither email nor phone (from
// Shopify's customer record, else from earlier events of the same subscription), and derive customer_activation for a new subscription whose customer has no active account yet.
// Every outcome is visible: pending (ready), skipped or failed with a reason.
import type { Event } from "@prisma/client";
import type { Database } from "~/db.server";
import { isUniqueViolation } from "~/db.server";
import { customerActivationMapped, mapLoopWebhook, withIdentifiers, type MappedEvent } from "~/events/mapping";
import type { UnusedFieldLog } from "~/events/unused-field-log.server";
import { unusedFieldPaths } from "~/events/unused-fields";
import type { AdminResult, ShopifyCustomer } from "~/shopify/customers.server";
import { transition } from "./transitions.server";

export interface ShopDeliverySettings {
  paymentRetryCount: number;
  disabledTypes: ReadonlySet<string>;
}

export interface PrepareDependencies {
  db: Database;
  now(): Date;
  settingsFor(shop: string): Promise<ShopDeliverySettings>;
  lookupCustomer(shop: string, shopifyCustomerId: string): Promise<AdminResult<ShopifyCustomer>>;
  activationUrl(shop: string, shopifyCustomerId: string): Promise<AdminResult<string>>;
  /** Where payload fields no schema reads are noted (support sees them); absent: not noted. */
  unusedFields?: UnusedFieldLog;
}

/** How long a new event may wait for Shopify (throttled or down) before it goes out without that help. */
export const SHOPIFY_LOOKUP_PATIENCE_MS = 30 * 60_000;

const TRANSIENT = new Set(["throttled", "unavailable"]);

export async function prepareEvent(deps: PrepareDependencies, event: Event): Promise<void> {
  const { db } = deps;
  const settings = await deps.settingsFor(event.shopDomain);
  let body: unknown;
  try {
    body = JSON.parse(event.payload);
  } catch {
    body = undefined;
  }
  // Noted whatever the outcome: a renamed required field makes the payload invalid and shows up here too.
  // (An event prepared again after a busy Shopify is noted again; the counts are sightings, not webhooks.)
  await deps.unusedFields?.note(event.shopDomain, event.topic, unusedFieldPaths(event.topic, body));
  const result = mapLoopWebhook({
    topic: event.topic,
    payload: body,
    webhookId: event.loopWebhookId,
    occurredAt: event.occurredAt,
    settings: { paymentRetryCount: settings.paymentRetryCount },
  });
  if (result.kind === "invalid") {
    await transition(db, event, { status: "failed", reason: "invalid_payload", reasonDetail: result.issues.join("; ").slice(0, 2000) });
    return;
  }
  if (result.kind === "ignored") {
    await transition(db, event, { status: "skipped", reason: "ignored", reasonDetail: result.reason, subscriptionKey: result.subscriptionKey });
    return;
  }

  let mapped: MappedEvent = result;
  const patient = deps.now().getTime() - event.receivedAt.getTime() < SHOPIFY_LOOKUP_PATIENCE_MS;
  let customer: ShopifyCustomer | null = null;
  const needsShopify = mapped.shopifyCustomerId && (mapped.needsCustomerLookup || mapped.type === "subscription_created");
  if (needsShopify) {
    const lookup = await deps.lookupCustomer(event.shopDomain, mapped.shopifyCustomerId!);
    if (!lookup.ok && TRANSIENT.has(lookup.kind) && patient) {
      await retryLater(db, event, deps.now(), lookup.retryAfterMs);
      return;
    }
    if (lookup.ok) customer = lookup.value;
  }
  if (mapped.needsCustomerLookup && customer) mapped = withIdentifiers(mapped, { email: customer.email, phone: customer.phone });
  if (!mapped.identifiers.email && !mapped.identifiers.phone && mapped.subscriptionKey) {
    // Some payloads (flow/completed) name only the subscription: its earlier events tell who the customer is.
    const known = await subscriptionContact(db, event.shopDomain, mapped.subscriptionKey);
    if (known) mapped = withIdentifiers(mapped, known);
  }

  const fields = {
    eventType: mapped.type,
    subscriptionKey: mapped.subscriptionKey,
    loopOrderId: mapped.facts.orderId ?? null,
    customerEmail: mapped.identifiers.email ?? null,
    customerPhone: mapped.identifiers.phone ?? null,
    request: JSON.stringify(mapped.event),
  };
  if (settings.disabledTypes.has(mapped.type)) {
    await transition(db, event, { ...fields, status: "skipped", reason: "disabled", reasonDetail: `${mapped.type} is switched off in Settings` });
  } else if (!mapped.identifiers.email && !mapped.identifiers.phone) {
    await transition(db, event, {
      ...fields,
      status: "skipped",
      reason: "no_identifier",
      reasonDetail: "Loop sent no email or phone for this customer, and neither Shopify nor earlier events of the subscription have one",
    });
  } else {
    await transition(db, event, { ...fields, status: "pending", nextAttemptAt: deps.now() });
  }

  if (mapped.type === "subscription_created" && customer) {
    await deriveCustomerActivation(deps, event, mapped, customer, settings);
  }
}

async function subscriptionContact(db: Database, shopDomain: string, subscriptionKey: string) {
  const earlier = await db.event.findFirst({
    where: { shopDomain, subscriptionKey, OR: [{ customerEmail: { not: null } }, { customerPhone: { not: null } }] },
    orderBy: { occurredAt: "desc" },
    select: { customerEmail: true, customerPhone: true },
  });
  return earlier ? { email: earlier.customerEmail, phone: earlier.customerPhone } : null;
}

/** Shopify was busy: look again later (the event stays "received", so nothing else happens to it meanwhile). */
async function retryLater(db: Database, event: Event, now: Date, retryAfterMs = 5_000) {
  await db.event.updateMany({
    where: { id: event.id, status: "received" },
    data: { nextAttemptAt: new Date(now.getTime() + Math.max(1_000, retryAfterMs)) },
  });
}

async function deriveCustomerActivation(
  deps: PrepareDependencies,
  source: Event,
  created: MappedEvent,
  customer: ShopifyCustomer,
  settings: ShopDeliverySettings,
) {
  if (customer.state !== "DISABLED" && customer.state !== "INVITED") return;
  const url = await deps.activationUrl(source.shopDomain, created.shopifyCustomerId!);
  const withContact = created.needsCustomerLookup ? withIdentifiers(created, { email: customer.email, phone: customer.phone }) : created;
  const activation = customerActivationMapped(withContact, {
    state: customer.state,
    accountActivationUrl: url.ok ? url.value : null,
  });
  if (!activation) return;
  const dedupeKey = `${source.loopWebhookId}:customer_activation`;
  let row: Event;
  try {
    row = await deps.db.event.create({
      data: {
        shopDomain: source.shopDomain,
        dedupeKey,
        loopWebhookId: source.loopWebhookId,
        topic: source.topic,
        status: "received",
        occurredAt: source.occurredAt,
        receivedAt: source.receivedAt,
        nextAttemptAt: deps.now(),
        payload: source.payload,
      },
    });
  } catch (error) {
    if (isUniqueViolation(error)) return; // derived already (this webhook was prepared before)
    throw error;
  }
  const fields = {
    eventType: activation.type,
    subscriptionKey: activation.subscriptionKey,
    customerEmail: activation.identifiers.email ?? null,
    customerPhone: activation.identifiers.phone ?? null,
    request: JSON.stringify(activation.event),
  };
  if (settings.disabledTypes.has(activation.type)) {
    await transition(deps.db, row, { ...fields, status: "skipped", reason: "disabled", reasonDetail: "customer_activation is switched off in Settings" });
  } else if (!activation.identifiers.email && !activation.identifiers.phone) {
    await transition(deps.db, row, { ...fields, status: "skipped", reason: "no_identifier", reasonDetail: "No email or phone for this customer" });
  } else {
    await transition(deps.db, row, {
      ...fields,
      status: "pending",
      nextAttemptAt: deps.now(),
      reasonDetail: url.ok ? null : `Sent without an activation link: ${url.message}`,
    });
  }
}
