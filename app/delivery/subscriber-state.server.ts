// Each customer's Loop subscriptions as last seen, kept from the events the worker prepares, and the mark that
// their Postscript properties need sending. The worker prepares one shop's events one after the other under
// the shop's lease, so a read followed by a write here never races another writer of the same rows.
import type { CompiledQuery, Selectable } from "kysely";
import { getSql, type Database } from "~/db.server";
import type { Tables } from "~/db/sql.server";
import {
  applyFact,
  readProductTitles,
  describesDifferently,
  type StoredSubscription,
  type SubscriptionFact,
  type SubscriptionState,
} from "~/events/subscriber-properties";

interface Contact {
  email: string | null;
  phone: string | null;
}

/** The state columns as the database gives them. */
type StateRow = Pick<Selectable<Tables["LoopSubscriptionState"]>, (typeof STATE_COLUMNS)[number]>;

const STATE_COLUMNS = [
  "customerKey",
  "subscriptionStatus",
  "nextOrderOn",
  "productTitles",
  "valueMinor",
  "currencyCode",
  "cancelledOn",
  "cancellationReason",
  "portalLink",
  "lastEventType",
  "lastEventAt",
  "stateAsOf",
] as const;

/** stateAsOf of a subscription known only from order or card webhooks (no complete description yet). */
const NEVER = new Date(0);

function selectStates(db: Database, shopDomain: string) {
  return getSql(db).db.selectFrom("LoopSubscriptionState").select(STATE_COLUMNS).where("shopDomain", "=", shopDomain);
}

function storedSubscription(row: StateRow): StoredSubscription {
  return {
    customerKey: row.customerKey,
    status: row.subscriptionStatus,
    nextOrderOn: row.nextOrderOn,
    productTitles: readProductTitles(row.productTitles),
    valueMinor: row.valueMinor,
    currencyCode: row.currencyCode,
    cancelledOn: row.cancelledOn,
    cancellationReason: row.cancellationReason,
    portalLink: row.portalLink,
    lastEventType: row.lastEventType,
    lastEventAt: row.lastEventAt,
    stateAsOf: row.stateAsOf.getTime() === NEVER.getTime() ? null : row.stateAsOf,
  };
}


/**
 * Records what one webhook says about its subscription. When that changes the customer's properties, the
 * customer's sync row is marked: due `coalesceMs` after the first change not yet sent (later changes in that
 * window ride along), or left at a later time already set (a retry delay, a not-a-subscriber re-check).
 */
export async function recordSubscriptionFact(db: Database, shopDomain: string, fact: SubscriptionFact, now: Date, coalesceMs: number): Promise<boolean> {
  const plan = await planSubscriptionFacts(db, shopDomain, [fact], now, coalesceMs, { yieldToOthers: false });
  for (const write of plan.writes) await getSql(db).execute(write);
  return plan.changedCustomers.size > 0;
}

export interface FactPlan {
  /** The statements that record the facts, in order, for the caller to run (alone or inside its transaction). */
  writes: CompiledQuery[];
  /** Customers whose properties the facts change (their sync rows are marked by `writes`). */
  changedCustomers: Set<string>;
  /** Customers the facts describe, changed or not. */
  customers: Set<string>;
}

/**
 * What recording several facts writes, read in one query and returned as statements rather than run, so a
 * caller can commit them together with its own progress (the backfill saves its next page with them).
 * `yieldToOthers` (the backfill, which runs beside the event worker without its lease): an update applies only
 * while the row is as it was read, and an insert only while there is none, so a webhook recorded in between
 * wins. Without it (the event worker, the one writer under the shop's lease) the webhook's row is written
 * whatever a backfill wrote meanwhile.
 */
export async function planSubscriptionFacts(
  db: Database,
  shopDomain: string,
  facts: readonly SubscriptionFact[],
  now: Date,
  coalesceMs: number,
  { yieldToOthers }: { yieldToOthers: boolean },
): Promise<FactPlan> {
  const sql = getSql(db);
  const plan: FactPlan = { writes: [], changedCustomers: new Set(), customers: new Set() };
  if (facts.length === 0) return plan;
  const ids = [...new Set(facts.map((f) => f.subscriptionId))];
  const found = await sql.execute(selectStates(db, shopDomain).select(["subscriptionId", "stateUpdatedAt"]).where("subscriptionId", "in", ids));
  const known = new Map(found.rows.map((row) => [row.subscriptionId, { state: storedSubscription(row), readAt: row.stateUpdatedAt as Date | null }]));
  /** Subscriptions this plan writes (a later fact of the same subscription builds on the earlier one). */
  const written = new Map<string, StoredSubscription>();
  for (const fact of facts) {
    plan.customers.add(fact.customerKey);
    const before = known.get(fact.subscriptionId);
    const existing = written.get(fact.subscriptionId) ?? before?.state ?? null;
    const next = applyFact(existing, fact);
    if (!next) continue;
    const values = stateValues(next, now);
    if (written.has(fact.subscriptionId) || before) {
      let update = sql.db.updateTable("LoopSubscriptionState").set(values).where("shopDomain", "=", shopDomain).where("subscriptionId", "=", fact.subscriptionId);
      if (yieldToOthers && !written.has(fact.subscriptionId) && before?.readAt) update = update.where("stateUpdatedAt", "=", before.readAt);
      plan.writes.push(update.compile());
    } else {
      plan.writes.push(
        sql.db
          .insertInto("LoopSubscriptionState")
          .values({ shopDomain, subscriptionId: fact.subscriptionId, ...values })
          .onConflict((oc) => {
            const conflict = oc.columns(["shopDomain", "subscriptionId"]);
            return yieldToOthers ? conflict.doNothing() : conflict.doUpdateSet(values);
          })
          .compile(),
      );
    }
    written.set(fact.subscriptionId, next);
    const moved = existing !== null && existing.customerKey !== next.customerKey;
    if (!describesDifferently(existing as SubscriptionState | null, next) && !moved) continue;
    plan.writes.push(markChanged(db, shopDomain, next.customerKey, fact.contact, now, coalesceMs));
    plan.changedCustomers.add(next.customerKey);
    if (moved) {
      plan.writes.push(markChanged(db, shopDomain, existing.customerKey, { email: null, phone: null }, now, coalesceMs));
      plan.changedCustomers.add(existing.customerKey);
    }
  }
  return plan;
}

function stateValues(next: StoredSubscription, now: Date) {
  return {
    customerKey: next.customerKey,
    subscriptionStatus: next.status,
    nextOrderOn: next.nextOrderOn,
    productTitles: JSON.stringify(next.productTitles),
    valueMinor: next.valueMinor,
    currencyCode: next.currencyCode,
    cancelledOn: next.cancelledOn,
    cancellationReason: next.cancellationReason,
    portalLink: next.portalLink,
    lastEventType: next.lastEventType,
    lastEventAt: next.lastEventAt,
    stateAsOf: next.stateAsOf ?? NEVER,
    stateUpdatedAt: now,
  };
}

/** Marks a customer's properties as changed (creating their sync row), keeping a due time already set. */
function markChanged(db: Database, shopDomain: string, customerKey: string, contact: Contact, now: Date, coalesceMs: number): CompiledQuery {
  const sql = getSql(db);
  const dueAt = new Date(now.getTime() + coalesceMs);
  return sql.db
      .insertInto("SubscriberSync")
      .values({
        shopDomain,
        customerKey,
        contactEmail: contact.email,
        contactPhone: contact.phone,
        syncStatus: "pending",
        changedAt: now,
        dueAt,
        markedAt: now,
      })
      .onConflict((oc) =>
        oc.columns(["shopDomain", "customerKey"]).doUpdateSet((eb) => ({
          contactEmail: eb.fn.coalesce("excluded.contactEmail", "SubscriberSync.contactEmail"),
          contactPhone: eb.fn.coalesce("excluded.contactPhone", "SubscriberSync.contactPhone"),
          changedAt: eb.fn.coalesce("SubscriberSync.changedAt", "excluded.changedAt"),
          dueAt: eb.fn.coalesce("SubscriberSync.dueAt", "excluded.dueAt"),
          markedAt: eb.ref("excluded.markedAt"),
        })),
      )
      .compile();
}

/** The states of one customer's subscriptions. */
export async function customerSubscriptions(db: Database, shopDomain: string, customerKey: string): Promise<StoredSubscription[]> {
  const rows = await getSql(db).execute(selectStates(db, shopDomain).where("customerKey", "=", customerKey));
  return rows.rows.map(storedSubscription);
}
