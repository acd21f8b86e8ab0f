// Keeps each customer's loop_… properties on their Postscript subscriber up to date, for shops that switched
// syncing on. It takes the customers whose properties changed (SubscriberSync rows that are due), finds the
// subscriber once (by phone, then email; the id is remembered), and PATCHes only the properties whose value
// differs from what Postscript last accepted. It never creates a subscriber: a customer who is not one is
// recorded as such and looked up again much later, not retried in a loop.
//
// Every request draws on the key's budget, which the key's event senders share, and only on capacity they do
// not want (takeSpareCapacity): events are time-sensitive, properties can wait. Failures follow the events'
// rules: 429, 5xx and timeouts wait with backoff; 401/403 marks the connection like an event does, and the
// rows wait until the merchant reconnects.
import { getSql, type Database } from "~/db.server";
import { changedProperties, readSentProperties, subscriberProperties } from "~/events/subscriber-properties";
import type { Clock } from "~/jobs/clock";
import { retryDelayMs } from "~/jobs/backoff";
import { log } from "~/logging/logger.server";
import type { PostscriptFailure, PostscriptResult, PostscriptSubscriber, SubscriberContact } from "~/postscript/client.server";
import type { SubscriberPropertyValue } from "~/postscript/protocol";
import { postscriptRateKey } from "~/postscript/rate-key.server";
import { takeSpareCapacity, type KeyBudgets } from "./key-budgets.server";
import type { DeliveryPolicy } from "./policy";
import { customerSubscriptions } from "./subscriber-state.server";
import type { DeliveryHold, PostscriptCredentials } from "./worker.server";

export interface SubscriberClient {
  findSubscriber(contact: SubscriberContact): Promise<PostscriptResult<PostscriptSubscriber | null>>;
  updateSubscriberProperties(id: string, properties: Record<string, SubscriberPropertyValue>): Promise<PostscriptResult<{ id: string }>>;
}

export interface PropertySyncDependencies {
  db: Database;
  clock: Clock;
  policy: DeliveryPolicy;
  /** The delivery worker's key budgets (the same object), so properties and events share one pace per key. */
  budgets: KeyBudgets;
  random: () => number;
  /** How long before a customer who was not a subscriber is looked up again. */
  recheckMs: number;
  /** A client whose every request first awaits `beforeRequest` (the key's spare capacity). */
  clientFor(credentials: PostscriptCredentials, beforeRequest: () => Promise<(() => void) | null>): SubscriberClient;
  credentialsFor(shop: string): Promise<PostscriptCredentials | DeliveryHold>;
  onKeyRejected(shop: string, message: string): Promise<void>;
}

export type SyncStatus = "pending" | "synced" | "not_subscriber" | "retrying" | "failed";

interface SyncRow {
  shopDomain: string;
  customerKey: string;
  contactEmail: string | null;
  contactPhone: string | null;
  subscriberId: string | null;
  syncStatus: string;
  sentProperties: string;
  changedAt: Date | null;
  syncAttempts: number;
  markedAt: Date;
}

const ROWS_PER_PASS = 100;

export function createPropertySyncWorker(deps: PropertySyncDependencies) {
  const { db, clock, policy } = deps;
  const sql = getSql(db);
  const running = new Map<string, Promise<void>>();

  /** Shops that switched syncing on and have customers due. */
  async function dueShops(now: Date): Promise<string[]> {
    const rows = await sql.execute(
      sql.db
        .selectFrom("SubscriberSync")
        .innerJoin("ShopSettings", "ShopSettings.shopDomain", "SubscriberSync.shopDomain")
        .select("SubscriberSync.shopDomain")
        .distinct()
        .where("ShopSettings.propertySyncEnabled", "=", true)
        .where("SubscriberSync.dueAt", "<=", now)
        .limit(policy.maxShopsPerWorker),
    );
    return rows.rows.map((r) => r.shopDomain);
  }

  function startShops(shops: string[], signal: AbortSignal) {
    for (const shop of shops) {
      if (running.has(shop)) continue;
      const run = syncShop(shop, signal)
        .catch((error) => log.error("property sync: shop failed", { shop, error }))
        .finally(() => running.delete(shop));
      running.set(shop, run);
    }
  }

  async function syncShop(shop: string, signal: AbortSignal) {
    const credentials = await deps.credentialsFor(shop);
    if ("hold" in credentials) return; // the rows stay due until the shop's deliveries may go out again
    const budget = await deps.budgets.join(postscriptRateKey(credentials, policy.rateLimitScope));
    if (!budget) return; // another worker holds the key: it syncs these customers
    try {
      const client = deps.clientFor(credentials, () => takeSpareCapacity(budget, clock, signal));
      while (!signal.aborted) {
        const rows = (
          await sql.execute(
            sql.db
              .selectFrom("SubscriberSync")
              .select(["shopDomain", "customerKey", "contactEmail", "contactPhone", "subscriberId", "syncStatus", "sentProperties", "changedAt", "syncAttempts", "markedAt"])
              .where("shopDomain", "=", shop)
              .where("dueAt", "<=", new Date(clock.now()))
              .orderBy("dueAt")
              .limit(ROWS_PER_PASS),
          )
        ).rows as SyncRow[];
        if (rows.length === 0) return;
        for (const row of rows) {
          if (signal.aborted || !(await budget.renew())) return;
          if ((await syncCustomer(row, client, (ms) => budget.budget.rateLimited(ms))) === "key_rejected") return;
        }
      }
    } finally {
      await budget.leave().catch(() => undefined);
    }
  }

  async function syncCustomer(row: SyncRow, client: SubscriberClient, pauseKey: (ms: number) => void): Promise<"done" | "key_rejected"> {
    const states = await customerSubscriptions(db, row.shopDomain, row.customerKey);
    const sent = readSentProperties(row.sentProperties);
    const changed = changedProperties(subscriberProperties(states), sent);
    if (Object.keys(changed).length === 0 && row.subscriberId) {
      await finish(row, { syncStatus: "synced" });
      return "done";
    }
    let subscriberId = row.subscriberId;
    if (!subscriberId) {
      if (!row.contactEmail && !row.contactPhone) {
        // Nothing to look with: a later event that names the customer's email or phone marks the row again.
        await finish(row, { syncStatus: "not_subscriber", errorKind: "no_contact", errorDetail: "Loop sent no email or phone for this customer" });
        return "done";
      }
      const found = await client.findSubscriber({ email: row.contactEmail, phone: row.contactPhone });
      if (!found.ok) return failed(row, found.failure, pauseKey);
      if (found.value === null) {
        await update(row, { syncStatus: "not_subscriber", lookedUpAt: now(), dueAt: new Date(clock.now() + deps.recheckMs), syncAttempts: 0, errorKind: null, errorDetail: null });
        return "done";
      }
      subscriberId = found.value.id;
      await update(row, { subscriberId, lookedUpAt: now() });
    }
    const patched = await client.updateSubscriberProperties(subscriberId, changed as Record<string, SubscriberPropertyValue>);
    if (!patched.ok && patched.failure.status === 404) {
      // The subscriber was deleted in Postscript: look the customer up again, and send the whole set to the
      // subscriber found then (nothing sent before is on it), after a pause that grows if Postscript keeps
      // finding a subscriber it then says does not exist.
      const attempts = row.syncAttempts + 1;
      const dueAt = new Date(clock.now() + retryDelayMs(attempts, policy, deps.random));
      await update(row, { subscriberId: null, sentProperties: "{}", syncStatus: "pending", syncAttempts: attempts, dueAt });
      return "done";
    }
    // A 2xx with an undocumented body still means Postscript took the update.
    if (!patched.ok && patched.failure.kind !== "malformed_response") return failed({ ...row, subscriberId }, patched.failure, pauseKey);
    await finish(row, { syncStatus: "synced", sentProperties: JSON.stringify({ ...sent, ...changed }), syncedAt: now() });
    return "done";
  }

  async function failed(row: SyncRow, failure: PostscriptFailure, pauseKey: (ms: number) => void): Promise<"done" | "key_rejected"> {
    const error = { errorKind: failure.kind, errorDetail: failure.message.slice(0, 500) };
    if (failure.kind === "unauthorized") {
      // Like an event: the connection needs the merchant; the row stays due and goes once they reconnect.
      await deps.onKeyRejected(row.shopDomain, failure.message);
      await update(row, error);
      return "key_rejected";
    }
    if (failure.kind === "rejected") {
      // Postscript refused the update itself (for example the subscriber's 50-property limit): not retried
      // until the customer's properties change again.
      await finish(row, { syncStatus: "failed", ...error });
      return "done";
    }
    if (failure.kind === "rate_limited") pauseKey(failure.retryAfterMs ?? 1_000);
    const attempts = row.syncAttempts + 1;
    const retryAt = clock.now() + retryDelayMs(attempts, policy, deps.random, failure.retryAfterMs);
    const since = row.changedAt?.getTime() ?? clock.now();
    if (retryAt - since > policy.retryWindowMs) {
      await finish(row, { syncStatus: "failed", syncAttempts: attempts, ...error });
    } else {
      await update(row, { syncStatus: "retrying", syncAttempts: attempts, dueAt: new Date(retryAt), ...error });
    }
    return "done";
  }

  const now = () => new Date(clock.now());

  type Changes = Partial<{
    subscriberId: string | null;
    syncStatus: SyncStatus;
    sentProperties: string;
    dueAt: Date | null;
    syncAttempts: number;
    lookedUpAt: Date;
    syncedAt: Date;
    errorKind: string | null;
    errorDetail: string | null;
  }>;

  async function update(row: SyncRow, changes: Changes) {
    await sql.execute(sql.db.updateTable("SubscriberSync").set(changes).where("shopDomain", "=", row.shopDomain).where("customerKey", "=", row.customerKey));
  }

  /**
   * The row is done until its customer changes again. A change marked while it was being synced (markedAt
   * moved) keeps the row due, so that change is sent on the next pass rather than lost.
   */
  async function finish(row: SyncRow, changes: Changes) {
    const outcome = { syncAttempts: 0, errorKind: null, errorDetail: null, ...changes };
    await sql.execute(
      sql.db
        .updateTable("SubscriberSync")
        .set((eb) => ({
          ...outcome,
          dueAt: eb.case().when("markedAt", "=", row.markedAt).then(null).else(eb.ref("dueAt")).end(),
          changedAt: eb.case().when("markedAt", "=", row.markedAt).then(null).else(eb.ref("changedAt")).end(),
        }))
        .where("shopDomain", "=", row.shopDomain)
        .where("customerKey", "=", row.customerKey),
    );
  }

  return {
    name: "property-sync",
    async run(signal: AbortSignal) {
      while (!signal.aborted) {
        try {
          startShops(await dueShops(now()), signal);
        } catch (error) {
          log.error("property sync: could not look for due customers", { error });
        }
        await clock.sleep(policy.pollIntervalMs, signal);
      }
      await Promise.allSettled(running.values());
    },
    /** One pass over every shop with customers due now, to completion (tests and benchmarks). */
    async drainOnce(signal = new AbortController().signal) {
      startShops(await dueShops(now()), signal);
      await Promise.allSettled(running.values());
    },
  };
}

export type PropertySyncWorker = ReturnType<typeof createPropertySyncWorker>;

