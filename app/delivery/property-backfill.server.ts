// Backfill of each customer's subscription state from Loop's subscription list, for a shop that switched
// property syncing on: customers who subscribed before the app was installed get their loop_… properties
// without waiting for a webhook. The backfill only turns the list into SubscriptionFacts; the property sync
// worker then sends what changed, on the key's spare capacity. It never creates events, so it triggers no
// Postscript flow.
//
// One PropertyBackfill row per shop is the job. A worker claims it, reads one page, and commits the page's
// facts together with the next page number (one transaction, conditional on the job still running under its
// claim): a process killed mid-way resumes at the first page not committed, and a cancel stops the job from
// writing anything further. Loop's per-store rate is kept by pausing between pages; a 429 waits as long as
// its Retry-After asks, other transient failures back off, and a refusal (bad token, missing scope, wrong
// path) ends the job with a message the merchant can act on.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { getConfig } from "~/config/env.server";
import { loopClientFor, tryOpenToken } from "~/connections/loop.server";
import { getDatabase, getSql, type Database } from "~/db.server";
import { listedSubscriptionFact } from "~/events/mapping";
import type { SubscriptionFact } from "~/events/subscriber-properties";
import type { BackgroundWorker } from "~/jobs/background-worker";
import { retryDelayMs } from "~/jobs/backoff";
import { systemClock, type Clock } from "~/jobs/clock";
import { log } from "~/logging/logger.server";
import type { LoopClient, LoopFailureKind } from "~/loop/client.server";
import { LOOP_REQUESTS_PER_SECOND } from "~/loop/protocol";
import { planSubscriptionFacts } from "./subscriber-state.server";

export type BackfillStatus = "running" | "done" | "cancelled" | "failed";

export interface BackfillPolicy {
  listPath: string;
  pageSize: number;
  /** Pause between two pages, keeping the backfill under Loop's per-store rate. */
  pageIntervalMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Transient failures in a row (5xx, timeouts, unreadable answers) before the job gives up. */
  maxAttempts: number;
  /** A worker's claim, renewed with each page: longer than one request to Loop can take. */
  claimMs: number;
  pollIntervalMs: number;
  /** The sync rows' coalescing delay (the same as for webhooks). */
  coalesceMs: number;
}

export function backfillPolicyFromConfig(): BackfillPolicy {
  const config = getConfig();
  return {
    listPath: config.LOOP_SUBSCRIPTION_LIST_PATH,
    pageSize: config.LOOP_SUBSCRIPTION_PAGE_SIZE,
    pageIntervalMs: Math.ceil(1000 / LOOP_REQUESTS_PER_SECOND),
    backoffBaseMs: 2_000,
    backoffMaxMs: 300_000,
    maxAttempts: 8,
    claimMs: 2 * config.LOOP_TIMEOUT_MS + 5_000,
    pollIntervalMs: 1_000,
    coalesceMs: config.PROPERTY_SYNC_DELAY_MS,
  };
}

export interface BackfillDependencies {
  db: Database;
  clock: Clock;
  policy: BackfillPolicy;
  workerId: string;
  random: () => number;
  /** The shop's Loop client (its stored token), or null when the shop has no usable token. */
  clientFor(shop: string): Promise<Pick<LoopClient, "listSubscriptions"> | null>;
}

/** Loop failures worth asking again later; any other refusal will not change by asking again. */
const TRANSIENT: ReadonlySet<LoopFailureKind> = new Set(["rate_limited", "unavailable", "timeout", "malformed_response"]);

const REFUSALS: Partial<Record<LoopFailureKind, string>> = {
  unauthorized: "Loop no longer accepts the saved Loop token. Connect Loop again, then start the backfill again.",
  forbidden: "The Loop token may not read subscriptions. Give it the subscriptions read permission in Loop, then start the backfill again.",
  not_found: "Loop has no subscription list at the configured address.",
};

/** The app's backfill worker, reading the shop's stored Loop token. */
export function createAppBackfillWorker(db: Database = getDatabase()): BackgroundWorker {
  return backfillWorker({
    db,
    clock: systemClock,
    policy: backfillPolicyFromConfig(),
    workerId: `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`,
    random: Math.random,
    clientFor: async (shop) => {
      const connection = await db.loopConnection.findUnique({ where: { shopDomain: shop } });
      const token = connection?.tokenCiphertext ? tryOpenToken(shop, connection) : null;
      return token ? loopClientFor(token) : null;
    },
  });
}

export function backfillWorker(deps: BackfillDependencies): BackgroundWorker {
  return {
    name: "property-backfill",
    async run(signal) {
      while (!signal.aborted) {
        try {
          await runDueBackfills(deps, signal);
        } catch (error) {
          log.error("property backfill: round failed", { error });
        }
        await deps.clock.sleep(deps.policy.pollIntervalMs, signal);
      }
    },
  };
}

/** Works on every due backfill of a shop with syncing on that no live worker holds; returns how many it took. */
export async function runDueBackfills(deps: BackfillDependencies, signal?: AbortSignal): Promise<number> {
  const sql = getSql(deps.db);
  const now = new Date(deps.clock.now());
  const due = await sql.execute(
    sql.db
      .selectFrom("PropertyBackfill")
      .innerJoin("ShopSettings", "ShopSettings.shopDomain", "PropertyBackfill.shopDomain")
      .select("PropertyBackfill.shopDomain")
      .where("PropertyBackfill.status", "=", "running")
      .where("PropertyBackfill.nextAttemptAt", "<=", now)
      .where("ShopSettings.propertySyncEnabled", "=", true)
      .where((eb) => eb.or([eb("PropertyBackfill.claimExpiresAt", "is", null), eb("PropertyBackfill.claimExpiresAt", "<", now)]))
      .limit(20),
  );
  let taken = 0;
  for (const { shopDomain } of due.rows) {
    if (signal?.aborted) break;
    if (!(await claim(deps, shopDomain))) continue; // another worker was quicker
    taken++;
    await carryOut(deps, shopDomain, signal);
  }
  return taken;
}

async function claim(deps: BackfillDependencies, shopDomain: string): Promise<boolean> {
  const sql = getSql(deps.db);
  const now = new Date(deps.clock.now());
  const claimed = await sql.execute(
    sql.db
      .updateTable("PropertyBackfill")
      .set({ claimedBy: deps.workerId, claimExpiresAt: new Date(now.getTime() + deps.policy.claimMs) })
      .where("shopDomain", "=", shopDomain)
      .where("status", "=", "running")
      .where("nextAttemptAt", "<=", now)
      .where((eb) => eb.or([eb("claimExpiresAt", "is", null), eb("claimExpiresAt", "<", now)])),
  );
  return claimed.numAffectedRows === 1n;
}

/** The job as this worker holds it (only while it still runs under this worker's claim). */
function held(deps: BackfillDependencies, shopDomain: string) {
  return getSql(deps.db)
    .db.updateTable("PropertyBackfill")
    .where("shopDomain", "=", shopDomain)
    .where("status", "=", "running")
    .where("claimedBy", "=", deps.workerId);
}

async function carryOut(deps: BackfillDependencies, shopDomain: string, signal?: AbortSignal): Promise<void> {
  const { db, policy, clock } = deps;
  const sql = getSql(db);
  const client = await deps.clientFor(shopDomain);
  if (!client) {
    await sql.execute(held(deps, shopDomain).set(ended("failed", clock, "The app has no working Loop token for this shop. Connect Loop with a token, then start the backfill again.")));
    return;
  }
  for (;;) {
    const job = await db.propertyBackfill.findUnique({ where: { shopDomain } });
    if (!job || job.status !== "running" || job.claimedBy !== deps.workerId) return;
    if (signal?.aborted) {
      // Shutting down: hand the job to the next worker at once instead of leaving it claimed.
      await sql.execute(held(deps, shopDomain).set({ claimedBy: null, claimExpiresAt: null }));
      return;
    }
    const page = job.nextPage;
    const result = await client.listSubscriptions(page, { path: policy.listPath, pageSize: policy.pageSize });
    const readAt = new Date(clock.now());
    if (!result.ok) {
      const { kind, message, retryAfterMs } = result.failure;
      const attempts = job.attempts + 1;
      if (!TRANSIENT.has(kind) || (kind !== "rate_limited" && attempts >= policy.maxAttempts)) {
        const reason = REFUSALS[kind] ?? `Loop did not give the subscriptions (${message}).`;
        log.warn("property backfill: stopped", { shop: shopDomain, page, kind, message });
        await sql.execute(held(deps, shopDomain).set({ ...ended("failed", clock, reason), attempts }));
        return;
      }
      // Loop's 429 says how long to wait; it does not count towards giving up.
      const waitMs = kind === "rate_limited" && retryAfterMs !== undefined ? retryAfterMs : retryDelayMs(attempts, policy, deps.random, retryAfterMs);
      await sql.execute(
        held(deps, shopDomain).set({
          attempts: kind === "rate_limited" ? job.attempts : attempts,
          error: message,
          nextAttemptAt: new Date(readAt.getTime() + waitMs),
          claimedBy: null,
          claimExpiresAt: null,
        }),
      );
      log.info("property backfill: Loop asked to wait", { shop: shopDomain, page, kind, waitMs });
      return;
    }

    const facts: SubscriptionFact[] = [];
    let unreadable = 0;
    for (const subscription of result.value.subscriptions) {
      const read = listedSubscriptionFact(subscription, shopDomain, readAt);
      if (read.ok) facts.push(read.fact);
      else unreadable++;
    }
    if (unreadable > 0) log.warn("property backfill: subscriptions Loop listed that could not be read", { shop: shopDomain, page, unreadable });
    const plan = await planSubscriptionFacts(db, shopDomain, facts, readAt, policy.coalesceMs, { yieldToOthers: true });
    const finished = !result.value.hasNextPage || result.value.subscriptions.length === 0;
    const progress = held(deps, shopDomain)
      .where("nextPage", "=", page)
      .set((eb) => ({
        nextPage: page + 1,
        pages: eb("pages", "+", 1),
        subscriptionsRead: eb("subscriptionsRead", "+", result.value.subscriptions.length),
        subscriptionsTotal: result.value.total,
        attempts: 0,
        error: null,
        claimExpiresAt: new Date(readAt.getTime() + policy.claimMs),
        ...(finished ? ended("done", clock, null) : {}),
      }))
      .compile();
    // The customers queued so far, counted after the page's marks are in (same transaction).
    const count = sql.db
      .updateTable("PropertyBackfill")
      .set((eb) => ({
        customers: eb
          .selectFrom("SubscriberSync")
          .select((sub) => sub.fn.countAll<number>().as("n"))
          .where("SubscriberSync.shopDomain", "=", shopDomain)
          .where("SubscriberSync.markedAt", ">=", job.startedAt),
      }))
      .where("shopDomain", "=", shopDomain)
      .compile();
    const [saved] = await sql.runGroups([{ first: progress, then: [...plan.writes, count] }]);
    // Nothing saved: the merchant cancelled, or another worker took the job over; the page's facts went with it.
    if (!saved || finished) return;
    await clock.sleep(policy.pageIntervalMs, signal);
  }
}

function ended(status: Exclude<BackfillStatus, "running">, clock: Clock, error: string | null) {
  return { status, error, finishedAt: new Date(clock.now()), claimedBy: null, claimExpiresAt: null };
}

// ---------------------------------------------------------------------------------------------------------
// What the Settings tab asks for: start, cancel, progress
// ---------------------------------------------------------------------------------------------------------

export type StartOutcome = { ok: true } | { ok: false; message: string };

/**
 * Starts a backfill for the shop, or leaves the one already running. Needs syncing on (the backfill only feeds
 * the sync) and a Loop connection with a token (a manual set-up has none).
 */
export async function startBackfill(db: Database, shopDomain: string, now = new Date()): Promise<StartOutcome> {
  const settings = await db.shopSettings.findUnique({ where: { shopDomain }, select: { propertySyncEnabled: true } });
  if (!settings?.propertySyncEnabled) return { ok: false, message: "Switch subscriber property syncing on first." };
  const connection = await db.loopConnection.findUnique({ where: { shopDomain }, select: { tokenCiphertext: true } });
  if (!connection?.tokenCiphertext) return { ok: false, message: "A backfill reads subscriptions with a Loop API token. Connect Loop with a token first." };
  const fresh = { status: "running", nextPage: 1, pages: 0, subscriptionsRead: 0, subscriptionsTotal: null, customers: 0, startedAt: now, finishedAt: null, nextAttemptAt: now, attempts: 0, error: null, claimedBy: null, claimExpiresAt: null };
  // A running job stays as it is (a second click, or two tabs, must not restart it from page 1).
  await db.$transaction(async (tx) => {
    const current = await tx.propertyBackfill.findUnique({ where: { shopDomain }, select: { status: true } });
    if (current?.status === "running") return;
    await tx.propertyBackfill.upsert({ where: { shopDomain }, create: { shopDomain, ...fresh }, update: fresh });
  });
  return { ok: true };
}

/** Cancels the shop's running backfill; what it already read stays (and is synced). */
export async function cancelBackfill(db: Database, shopDomain: string, now = new Date()): Promise<boolean> {
  const cancelled = await db.propertyBackfill.updateMany({
    where: { shopDomain, status: "running" },
    data: { status: "cancelled", finishedAt: now, claimedBy: null, claimExpiresAt: null },
  });
  return cancelled.count === 1;
}

export interface BackfillProgress {
  status: BackfillStatus;
  subscriptionsRead: number;
  /** What Loop said the store has; null when it did not say. */
  subscriptionsTotal: number | null;
  customers: number;
  startedAt: string;
  finishedAt: string | null;
  /** Estimated from the pace so far; null before the first page or without a total. */
  secondsLeft: number | null;
  /** Merchant-facing: why it failed, or what it is waiting for. */
  message: string | null;
}

/** The shop's latest backfill, for the progress bar; null when it never ran one. */
export async function backfillProgress(db: Database, shopDomain: string, now = new Date()): Promise<BackfillProgress | null> {
  const job = await db.propertyBackfill.findUnique({ where: { shopDomain } });
  if (!job) return null;
  const status = job.status as BackfillStatus;
  const elapsedMs = now.getTime() - job.startedAt.getTime();
  let secondsLeft: number | null = null;
  if (status === "running" && job.subscriptionsTotal !== null && job.subscriptionsRead > 0 && elapsedMs > 0) {
    const left = Math.max(0, job.subscriptionsTotal - job.subscriptionsRead);
    secondsLeft = Math.round((left / job.subscriptionsRead) * (elapsedMs / 1000));
  }
  const waiting = status === "running" && job.error ? "Loop asked the app to slow down or did not answer; the backfill carries on by itself." : null;
  return {
    status,
    subscriptionsRead: job.subscriptionsRead,
    subscriptionsTotal: job.subscriptionsTotal,
    customers: job.customers,
    startedAt: job.startedAt.toISOString(),
    finishedAt: job.finishedAt?.toISOString() ?? null,
    secondsLeft,
    message: status === "failed" ? job.error : waiting,
  };
}
