// From a stored Loop webhook to a ready-to-send Postscript Custom Event: map it (app/events), apply the shop's
// choices (disabled types), complete the customer's identifiers when Loop sent neither email nor phone (from
// Shopify's customer record, else from earlier events of the same subscription), and derive customer_activation for a new subscription whose customer has no active account yet.
// A payment failure whose payload has no retry counter is classified by the earlier failures of its order.
// Every outcome is visible: pending (ready), skipped or failed with a reason. Events a Shopify Flow workflow
// asked for go through here too (prepareFlowEvent, at the end).
import type { Event } from "@prisma/client";
import type { Database } from "~/db.server";
import { isUniqueViolation } from "~/db.server";
import { flowCustomEvent, flowEventPayloadSchema, isFlowTopic } from "~/events/flow-action";
import { customerActivationMapped, mapLoopWebhook, missingIdentifierReason, withIdentifiers, type MapResult, type MappedEvent } from "~/events/mapping";
import type { UnusedFieldLog } from "~/events/unused-field-log.server";
import { unusedFieldPaths } from "~/events/unused-fields";
import type { AdminResult, ShopifyCustomer } from "~/shopify/customers.server";
import { earlierPaymentFailures } from "./payment-failures.server";
import { recordSubscriptionFact } from "./subscriber-state.server";
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
  /** How long after a customer's first unsent change their Postscript properties are sent (changes in between ride along). */
  propertyChangeDelayMs: number;
}

/** How long a new event may wait for Shopify (throttled or down) before it goes out without that help. */
export const SHOPIFY_LOOKUP_PATIENCE_MS = 30 * 60_000;

// A failed token refresh may be Shopify's token endpoint being down, so it is retried like one; once patience
// runs out it counts as lost access, which the merchant sees (shopify_access_lost) and can fix.
const TRANSIENT = new Set(["throttled", "unavailable", "refresh_failed"]);
const ACCESS_LOST = new Set(["access_lost", "refresh_failed"]);

export async function prepareEvent(deps: PrepareDependencies, event: Event): Promise<void> {
  const { db } = deps;
  if (isFlowTopic(event.topic)) return prepareFlowEvent(deps, event);
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
  const map = (paymentFailuresBefore: number | null): MapResult =>
    mapLoopWebhook({
      topic: event.topic,
      payload: body,
      webhookId: event.loopWebhookId,
      occurredAt: event.occurredAt,
      settings: { paymentRetryCount: settings.paymentRetryCount },
      paymentFailuresBefore,
    });
  let result = map(null);
  // "assumed-first" means the payload had no retry counter: count the order's earlier failures instead.
  if (result.kind === "event" && result.facts.retriesFrom === "assumed-first" && result.facts.orderId) {
    result = map(await earlierPaymentFailures(db, event, result.facts.orderId));
  }
  if (result.kind === "invalid") {
    await transition(db, event, { status: "failed", reason: "invalid_payload", reasonDetail: result.issues.join("; ").slice(0, 2000) });
    return;
  }
  if (result.kind === "ignored") {
    if (result.subscription) await recordSubscriptionFact(db, event.shopDomain, result.subscription, deps.now(), deps.propertyChangeDelayMs);
    await transition(db, event, { status: "skipped", reason: "ignored", reasonDetail: result.reason, subscriptionKey: result.subscriptionKey });
    return;
  }

  let mapped: MappedEvent = result;
  const patient = deps.now().getTime() - event.receivedAt.getTime() < SHOPIFY_LOOKUP_PATIENCE_MS;
  let customer: ShopifyCustomer | null = null;
  /** Why Shopify could not be asked at all (the app had no working access to the shop). */
  let accessLost: string | null = null;
  const needsShopify = mapped.shopifyCustomerId && (mapped.needsCustomerLookup || mapped.type === "subscription_created");
  if (needsShopify) {
    const lookup = await deps.lookupCustomer(event.shopDomain, mapped.shopifyCustomerId!);
    if (!lookup.ok && TRANSIENT.has(lookup.kind) && patient) {
      await retryLater(db, event, deps.now(), lookup.retryAfterMs);
      return;
    }
    if (lookup.ok) customer = lookup.value;
    else if (ACCESS_LOST.has(lookup.kind)) accessLost = lookup.message;
  }
  if (mapped.needsCustomerLookup && customer) mapped = withIdentifiers(mapped, { email: customer.email, phone: customer.phone });
  if (!mapped.identifiers.email && !mapped.identifiers.phone && mapped.subscriptionKey) {
    // Some payloads (flow/completed) name only the subscription: its earlier events tell who the customer is.
    const known = await subscriptionContact(db, event.shopDomain, mapped.subscriptionKey);
    if (known) mapped = withIdentifiers(mapped, known);
  }

  if (result.subscription) {
    // With the contact as completed above (Shopify, earlier events), so the customer can be found in Postscript.
    const contact = { email: mapped.identifiers.email ?? null, phone: mapped.identifiers.phone ?? null };
    await recordSubscriptionFact(db, event.shopDomain, { ...result.subscription, contact }, deps.now(), deps.propertyChangeDelayMs);
  }

  const fields = {
    eventType: mapped.type,
    subscriptionKey: mapped.subscriptionKey,
    loopOrderId: mapped.facts.orderId ?? null,
    customerEmail: mapped.identifiers.email ?? null,
    customerPhone: mapped.identifiers.phone ?? null,
    request: JSON.stringify(mapped.event),
    typeDecision: mapped.typeDecision,
  };
  if (settings.disabledTypes.has(mapped.type)) {
    await transition(db, event, { ...fields, status: "skipped", reason: "disabled", reasonDetail: `${mapped.type} is switched off in Settings` });
  } else if (!mapped.identifiers.email && !mapped.identifiers.phone && accessLost) {
    await transition(db, event, {
      ...fields,
      status: "skipped",
      reason: "shopify_access_lost",
      reasonDetail: `Loop sent no email or phone for this customer, and Shopify could not be asked: ${accessLost}`,
    });
  } else if (!mapped.identifiers.email && !mapped.identifiers.phone) {
    await transition(db, event, {
      ...fields,
      status: "skipped",
      reason: "no_identifier",
      reasonDetail: `${missingIdentifierReason(mapped)}, and neither Shopify nor earlier events of the subscription have ${mapped.unusableIdentifiers.length ? "a usable one" : "one"}`,
    });
  } else {
    await transition(db, event, { ...fields, status: "pending", nextAttemptAt: deps.now() });
  }

  if (mapped.type === "subscription_created" && customer) {
    await deriveCustomerActivation(deps, event, mapped, customer, settings);
  } else if (mapped.type === "subscription_created" && accessLost && !settings.disabledTypes.has("customer_activation")) {
    await recordUncheckedActivation(deps, event, mapped, accessLost);
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
  const row = await createDerivedActivation(deps, source);
  if (!row) return;
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
    await transition(deps.db, row, { ...fields, status: "skipped", reason: "no_identifier", reasonDetail: `${missingIdentifierReason(activation)}, and Shopify has ${activation.unusableIdentifiers.length ? "no usable one" : "none"} either` });
  } else {
    await transition(deps.db, row, {
      ...fields,
      status: "pending",
      nextAttemptAt: deps.now(),
      reasonDetail: url.ok ? null : `Sent without an activation link: ${url.message}`,
    });
  }
}

/** The customer_activation row derived from a subscription_created webhook, or null when it exists already. */
async function createDerivedActivation(deps: PrepareDependencies, source: Event): Promise<Event | null> {
  try {
    return await deps.db.event.create({
      data: {
        shopDomain: source.shopDomain,
        dedupeKey: `${source.loopWebhookId}:customer_activation`,
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
    if (isUniqueViolation(error)) return null; // derived already (this webhook was prepared before)
    throw error;
  }
}

/**
 * Without access to Shopify nobody can tell whether the new subscriber's account needs activating: the
 * customer_activation that may be missing is recorded as skipped with the reason, so the merchant sees it.
 */
async function recordUncheckedActivation(deps: PrepareDependencies, source: Event, created: MappedEvent, accessLost: string) {
  const row = await createDerivedActivation(deps, source);
  if (!row) return;
  await transition(deps.db, row, {
    eventType: "customer_activation",
    subscriptionKey: created.subscriptionKey,
    customerEmail: created.identifiers.email ?? null,
    customerPhone: created.identifiers.phone ?? null,
    status: "skipped",
    reason: "shopify_access_lost",
    reasonDetail: `Shopify could not be asked whether this customer's account is activated: ${accessLost}`,
  });
}

/**
 * An event a Shopify Flow workflow asked for: Flow names the customer by id, so the email and phone come from
 * Shopify's customer record (waited for while Shopify is busy, like Loop events' lookups). The event type is the
 * merchant's own, so the Settings switches for Loop event types do not apply to it.
 */
async function prepareFlowEvent(deps: PrepareDependencies, event: Event): Promise<void> {
  const { db } = deps;
  let stored;
  try {
    stored = flowEventPayloadSchema.safeParse(JSON.parse(event.payload));
  } catch {
    stored = null;
  }
  if (!stored?.success) {
    await transition(db, event, { status: "failed", reason: "invalid_payload", reasonDetail: "The stored Shopify Flow action could not be read" });
    return;
  }
  const payload = stored.data;
  const fields = { eventType: payload.eventType };
  const lookup = await deps.lookupCustomer(event.shopDomain, payload.customerId);
  const patient = deps.now().getTime() - event.receivedAt.getTime() < SHOPIFY_LOOKUP_PATIENCE_MS;
  if (!lookup.ok && TRANSIENT.has(lookup.kind) && patient) {
    await retryLater(db, event, deps.now(), lookup.retryAfterMs);
    return;
  }
  if (!lookup.ok) {
    const accessLost = ACCESS_LOST.has(lookup.kind);
    await transition(db, event, {
      ...fields,
      status: "skipped",
      reason: accessLost ? "shopify_access_lost" : "no_identifier",
      reasonDetail: `Shopify Flow named customer ${payload.customerId}, and Shopify could not say who that is: ${lookup.message}`,
    });
    return;
  }
  const request = flowCustomEvent(payload, lookup.value, event.occurredAt);
  const contact = { customerEmail: request?.email ?? null, customerPhone: request?.phone ?? null };
  if (!request) {
    await transition(db, event, {
      ...fields,
      status: "skipped",
      reason: "no_identifier",
      reasonDetail: `Shopify has no usable email or phone for customer ${payload.customerId}`,
    });
    return;
  }
  await transition(db, event, { ...fields, ...contact, request: JSON.stringify(request), status: "pending", nextAttemptAt: deps.now() });
}
