// The delivery worker: finds shops with due events, takes each shop's lease, and runs one sender per shop.
// A sender maps newly received events, then sends due ones to Postscript in the order they occurred per
// subscription, paced by a request budget per key (request-budget.ts), retrying what can be retried and
// recording every attempt.
// Postscript's rate limit is per key, and one key may serve several shops: their senders share the key's
// budget (first come, first served, so one busy shop cannot starve another) and send only while this worker
// holds the key's lease as well (key-budgets.server.ts).
import type { Event } from "@prisma/client";
import type { Database } from "~/db.server";
import type { CustomEventInput } from "~/postscript/protocol";
import type { PostscriptResult } from "~/postscript/client.server";
import { postscriptRateKey } from "~/postscript/rate-key.server";
import { log } from "~/logging/logger.server";
import type { Clock } from "~/jobs/clock";
import { startHeartbeat } from "~/jobs/heartbeats";
import { leasesHeld } from "~/metrics/metrics.server";
import { dueShopDomains } from "./due-shops.server";
import { createKeyBudgets, type KeyBudget, type KeyBudgets } from "./key-budgets.server";
import { acquireLease, releaseLease } from "./leases.server";
import { retryDelayMs } from "~/jobs/backoff";
import type { DeliveryPolicy } from "./policy";
import type { RequestBudget } from "./request-budget";
import { OPEN_STATUSES, transition, type ReasonCode } from "./transitions.server";

export interface PostscriptCredentials {
  apiKey: string;
  partnerKey?: string;
}

/** Why a shop's deliveries wait instead of going out (events stay, as "paused"). */
export interface DeliveryHold {
  hold: "not_connected" | "held_by_support";
  detail: string;
}

export interface EventSender {
  sendEvent(event: CustomEventInput): Promise<PostscriptResult<{ eventIds: string[] }>>;
}

export interface DeliveryDependencies {
  db: Database;
  clock: Clock;
  policy: DeliveryPolicy;
  workerId: string;
  random: () => number;
  senderFor(credentials: PostscriptCredentials): EventSender;
  /** The shop's key when its deliveries may go out, or why they wait (not connected, held by support). */
  credentialsFor(shop: string): Promise<PostscriptCredentials | DeliveryHold>;
  /** Postscript answered 401/403: the connection needs the merchant (Action needed). */
  onKeyRejected(shop: string, message: string): Promise<void>;
  /** Turns a received event into a pending one (or skips/fails it with a reason). */
  prepare(event: Event): Promise<void>;
  /** Why this event should not be sent any more (its moment has passed), or null. */
  staleReason(event: Event, now: Date): Promise<string | null>;
  /** The key budgets to send on, when other work of this process (property sync) shares them; else its own. */
  budgets?: KeyBudgets;
}

/** A shop's deliveries under way. A rejected key stops the rest; a failure (a bug, the database) is raised. */
interface ShopDeliveries {
  /** By event id. */
  inFlight: Map<string, Promise<void>>;
  /** Events whose delivery ended since the last read of due events began: that read may still show them pending. */
  endedSinceRead: Set<string>;
  keyRejected: boolean;
  failures: unknown[];
}

export interface DeliveryWorker {
  name: string;
  run(signal: AbortSignal): Promise<void>;
  /** One pass over every due shop, to completion (tests and benchmarks). */
  drainOnce(signal?: AbortSignal): Promise<void>;
}

const RESUME_CHECK_EVERY_MS = 2_000;
const OUT_OF_ORDER_NOTE = "Sent before an earlier event of the same subscription, which is still being retried";

export function createDeliveryWorker(deps: DeliveryDependencies): DeliveryWorker {
  const { db, clock, policy, workerId } = deps;
  const running = new Map<string, Promise<void>>();
  const budgets = deps.budgets ?? createKeyBudgets(db, clock, policy, workerId);
  /** Events that went ahead of an earlier, still-retrying event of their subscription (noted when delivered). */
  const sentOutOfOrder = new Set<string>();
  /** Shops whose lease this worker holds right now (for the leases_held metric). */
  const shopLeases = new Set<string>();
  let lastResumeCheck = -Infinity;

  function reportLeases() {
    leasesHeld.set({ worker: workerId, kind: "shop" }, shopLeases.size);
    leasesHeld.set({ worker: workerId, kind: "key" }, budgets.held());
  }

  async function dueShops(): Promise<string[]> {
    return dueShopDomains(db, new Date(clock.now()), workerId);
  }

  /** Events paused while a shop's key was rejected go back to pending once the shop is connected again. */
  async function resumeReconnectedShops() {
    if (clock.now() - lastResumeCheck < RESUME_CHECK_EVERY_MS) return;
    lastResumeCheck = clock.now();
    const paused = await db.event.groupBy({ by: ["shopDomain"], where: { status: "paused" } });
    for (const { shopDomain } of paused) {
      if ("hold" in (await deps.credentialsFor(shopDomain))) continue;
      const resumed = await db.event.updateMany({
        where: { shopDomain, status: "paused" },
        data: { status: "pending", nextAttemptAt: new Date(clock.now()), reason: null, reasonDetail: null },
      });
      log.info("deliveries resumed", { shop: shopDomain, events: resumed.count });
    }
  }

  function startShops(shops: string[], signal: AbortSignal) {
    for (const shop of shops) {
      if (running.has(shop)) continue;
      // The rest stay due for another worker, or for this one's next poll.
      if (running.size >= policy.maxShopsPerWorker) break;
      const sender = runShop(shop, signal)
        .catch((error) => log.error("delivery: shop sender failed", { shop, error }))
        .finally(() => running.delete(shop));
      running.set(shop, sender);
    }
  }

  async function runShop(shop: string, signal: AbortSignal) {
    // The key's budget first: while another worker holds the key, this shop is left to it (no shop lease taken).
    const first = await deps.credentialsFor(shop);
    let budget: KeyBudget | null = null;
    let stopSending: (() => void) | null = null;
    if (!("hold" in first)) {
      budget = await budgets.join(postscriptRateKey(first, policy.rateLimitScope));
      if (!budget) return;
    }
    let leaseUntil = 0;
    const holdShopLease = async () => {
      const now = clock.now();
      if (leaseUntil - now > policy.leaseMs / 2) return true;
      const held = await acquireLease(db, shop, workerId, new Date(now), policy.leaseMs);
      leaseUntil = held ? now + policy.leaseMs : 0;
      if (held) shopLeases.add(shop);
      else shopLeases.delete(shop);
      return held;
    };
    const holdLease = async () => (await holdShopLease()) && (budget === null || (await budget.renew()));
    // Deliveries under way, by event id. The next batch is read while the last requests of this one are in flight
    // (they are left out of it), so the key's budget does not go unused at every batch boundary: a second in
    // which a key sends less than its 15 is lost for good.
    const deliveries: ShopDeliveries = { inFlight: new Map(), endedSinceRead: new Set(), keyRejected: false, failures: [] };
    const { inFlight } = deliveries;
    const finishInFlight = async () => {
      await Promise.allSettled(inFlight.values());
      if (deliveries.failures.length) throw deliveries.failures[0];
    };
    try {
      if (!(await holdShopLease())) return;
      while (!signal.aborted) {
        if (!(await holdLease())) return;
        const received = await db.event.findMany({
          where: { shopDomain: shop, status: "received", nextAttemptAt: { lte: new Date(clock.now()) } },
          orderBy: { receivedAt: "asc" },
          take: policy.batchSize,
        });
        for (const event of received) {
          if (signal.aborted || !(await holdLease())) return;
          await deps.prepare(event);
        }

        const credentials = await deps.credentialsFor(shop);
        if ("hold" in credentials) {
          await finishInFlight();
          await pauseShop(shop, credentials);
          return;
        }
        // The merchant may have connected another key since the last batch: send on that key's budget.
        const rateKey = postscriptRateKey(credentials, policy.rateLimitScope);
        if (budget?.fingerprint !== rateKey) {
          await finishInFlight();
          stopSending?.();
          stopSending = null;
          await budget?.leave();
          budget = await budgets.join(rateKey);
          if (!budget) return;
        }
        const now = clock.now();
        deliveries.endedSinceRead.clear();
        const due = (
          await db.event.findMany({
            where: { shopDomain: shop, status: "pending", nextAttemptAt: { lte: new Date(now) } },
            orderBy: { occurredAt: "asc" },
            take: policy.batchSize + inFlight.size,
          })
        ).filter((event) => !inFlight.has(event.id) && !deliveries.endedSinceRead.has(event.id));
        // An event in flight is still open: a later event of its subscription waits for its outcome.
        const eligible = due.length ? await inOrder(shop, due, now) : [];
        if (eligible.length === 0) {
          if (inFlight.size > 0) {
            await finishInFlight();
            continue;
          }
          if (due.length === 0 && received.length > 0) continue;
          // Nothing due, or everything due waits for an earlier event that is not due yet: a later poll.
          return;
        }
        // Events first: while this shop has deliveries to make, the key's spare capacity (property updates) waits.
        stopSending ??= budget.budget.sending();
        if (!(await startAll(shop, eligible, deps.senderFor(credentials), budget.budget, signal, holdLease, deliveries))) {
          await finishInFlight();
          return;
        }
      }
    } finally {
      // Nothing may be in flight once the lease is gone: another worker could send the same event.
      await Promise.allSettled(inFlight.values());
      stopSending?.();
      // The pace across a handoff is kept by the key's lease (released with its budget's spacing), so the
      // shop's lease can go at once.
      shopLeases.delete(shop);
      if (leaseUntil > 0) await releaseLease(db, shop, workerId, new Date(clock.now())).catch(() => undefined);
      await budget?.leave().catch(() => undefined);
    }
  }

  async function pauseShop(shop: string, hold: DeliveryHold) {
    await db.event.updateMany({
      where: { shopDomain: shop, status: "pending" },
      data: { status: "paused", reason: hold.hold, reasonDetail: hold.detail },
    });
  }

  /**
   * Per subscription, only the earliest open event may go: a later one waits while an earlier one is still
   * retrying, unless it has waited longer than the ordering bound, in which case it goes and says so.
   */
  async function inOrder(shop: string, due: Event[], now: number): Promise<Event[]> {
    const keys = [...new Set(due.map((e) => e.subscriptionKey).filter((k): k is string => k !== null))];
    const earliest = new Map<string, Date>();
    if (keys.length) {
      const groups = await db.event.groupBy({
        by: ["subscriptionKey"],
        where: { shopDomain: shop, subscriptionKey: { in: keys }, status: { in: OPEN_STATUSES } },
        _min: { occurredAt: true },
      });
      for (const g of groups) if (g.subscriptionKey && g._min.occurredAt) earliest.set(g.subscriptionKey, g._min.occurredAt);
    }
    const taken = new Set<string>();
    const eligible: Event[] = [];
    for (const event of due) {
      const key = event.subscriptionKey;
      if (key === null) {
        eligible.push(event);
        continue;
      }
      if (taken.has(key)) continue;
      const first = earliest.get(key);
      const blocked = first !== undefined && first.getTime() < event.occurredAt.getTime();
      if (blocked && now - event.receivedAt.getTime() < policy.orderingMaxWaitMs) continue;
      if (blocked) sentOutOfOrder.add(event.id);
      taken.add(key);
      eligible.push(event);
    }
    return eligible;
  }

  /**
   * Starts the events' deliveries, at most maxInFlightPerShop at once, and returns once the last has started (the
   * rest finish while the next batch is read); false when the shop's sending must stop (key rejected, lease lost,
   * a delivery failed, stopping).
   */
  async function startAll(
    shop: string,
    events: Event[],
    sender: EventSender,
    budget: RequestBudget,
    signal: AbortSignal,
    holdLease: () => Promise<boolean>,
    deliveries: ShopDeliveries,
  ): Promise<boolean> {
    const { inFlight } = deliveries;
    for (const event of events) {
      if (signal.aborted || deliveries.keyRejected || deliveries.failures.length || !(await holdLease())) return false;
      while (inFlight.size >= policy.maxInFlightPerShop) await Promise.race(inFlight.values());
      if (deliveries.keyRejected) return false;
      const tracked = deliver(shop, event, sender, budget, deliveries, signal)
        .catch((error: unknown) => void deliveries.failures.push(error))
        .finally(() => {
          inFlight.delete(event.id);
          deliveries.endedSinceRead.add(event.id);
        });
      inFlight.set(event.id, tracked);
    }
    return !deliveries.keyRejected;
  }

  async function deliver(
    shop: string,
    event: Event,
    sender: EventSender,
    budget: RequestBudget,
    state: { keyRejected: boolean },
    signal: AbortSignal,
  ): Promise<void> {
    const staleNow = new Date(clock.now());
    const stale = await deps.staleReason(event, staleNow);
    if (stale) {
      await transition(db, event, { status: "skipped", reason: "stale", reasonDetail: stale });
      return;
    }
    const request = JSON.parse(event.request ?? "null") as CustomEventInput | null;
    if (!request) {
      await transition(db, event, { status: "failed", reason: "invalid_payload", reasonDetail: "No Postscript request was prepared" });
      return;
    }
    // The slot is taken right before the request leaves, and settled when its answer is back: from then on
    // the budget knows the request had arrived.
    const slot = await budget.acquire(signal);
    if (!slot) return;
    if (state.keyRejected) return slot.settle();
    const startedAt = clock.now();
    const result = await sender.sendEvent(request).finally(() => slot.settle());
    // The attempt's end as its own measurement says, so the recorded attempt and the retry time agree exactly.
    const finishedAt = startedAt + result.durationMs;
    const firstAttemptAt = event.firstAttemptAt ?? new Date(startedAt);
    const attempt = { startedAt: new Date(startedAt), durationMs: result.durationMs, httpStatus: result.status };

    if (result.ok) {
      await transition(db, event, {
        status: "delivered",
        reason: null,
        reasonDetail: sentOutOfOrder.delete(event.id) ? OUT_OF_ORDER_NOTE : null,
        deliveredAt: new Date(finishedAt),
        postscriptEventId: result.value.eventIds[0] ?? null,
        firstAttemptAt,
        attempt: { ...attempt, outcome: "delivered" },
      });
      return;
    }

    const { failure } = result;
    const failed = { ...attempt, errorClass: failure.kind, message: failure.message };
    switch (failure.kind) {
      case "unauthorized":
        // Requests already in flight may all come back 401; tell the connection once.
        if (!state.keyRejected) {
          state.keyRejected = true;
          await deps.onKeyRejected(shop, failure.message);
        }
        await transition(db, event, {
          status: "paused",
          reason: "key_rejected",
          reasonDetail: failure.message,
          firstAttemptAt,
          attempt: { ...failed, outcome: "paused" },
        });
        return;
      case "rejected":
        await transition(db, event, {
          status: "failed",
          reason: "postscript_rejected",
          reasonDetail: failure.message,
          firstAttemptAt,
          attempt: { ...failed, outcome: "failed" },
        });
        return;
      case "malformed_response":
        // A 2xx was received: Postscript took the event. Sending it again could text the customer twice.
        await transition(db, event, {
          status: "delivered",
          deliveredAt: new Date(finishedAt),
          reasonDetail: "Postscript accepted the event but its answer was not in the documented format",
          firstAttemptAt,
          attempt: { ...failed, outcome: "delivered" },
        });
        return;
      case "rate_limited":
      case "unavailable":
      case "timeout": {
        if (failure.kind === "rate_limited") budget.rateLimited(failure.retryAfterMs);
        const delay = retryDelayMs(event.attemptCount + 1, policy, deps.random, failure.retryAfterMs);
        const reason: ReasonCode = failure.kind === "rate_limited" ? "rate_limited" : "postscript_unavailable";
        const retryAt = finishedAt + delay;
        if (retryAt - firstAttemptAt.getTime() > policy.retryWindowMs) {
          await transition(db, event, {
            status: "failed",
            reason,
            reasonDetail: `Gave up after ${event.attemptCount + 1} attempts: ${failure.message}`,
            firstAttemptAt,
            attempt: { ...failed, outcome: "failed" },
          });
        } else {
          await transition(db, event, {
            status: "pending",
            reason,
            reasonDetail: failure.message,
            nextAttemptAt: new Date(retryAt),
            firstAttemptAt,
            attempt: { ...failed, outcome: "retry" },
          });
        }
        return;
      }
    }
  }

  return {
    name: "delivery",
    async run(signal) {
      // /readyz fails when polls stop completing (a hung query, a lock): the process is then taken out of service.
      const heartbeat = startHeartbeat("delivery", policy.pollIntervalMs);
      try {
        while (!signal.aborted) {
          try {
            await resumeReconnectedShops();
            startShops(await dueShops(), signal);
            heartbeat.beat();
          } catch (error) {
            log.error("delivery: could not look for due events", { error });
          }
          reportLeases();
          await clock.sleep(policy.pollIntervalMs, signal);
        }
        await Promise.allSettled(running.values());
      } finally {
        heartbeat.stop();
        reportLeases();
      }
    },
    async drainOnce(signal = new AbortController().signal) {
      lastResumeCheck = -Infinity;
      await resumeReconnectedShops();
      startShops(await dueShops(), signal);
      await Promise.allSettled(running.values());
    },
  };
}
