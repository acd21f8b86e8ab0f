// Removing the app's webhooks from Loop after app/uninstalled, as a job that survives a restart (the
// LoopWebhookRemoval table; the schema says why). The uninstall schedules it in the transaction that erases the
// connection's token; a background worker in any worker process carries it out: one request to Loop at a time
// (Loop's rate limit is per store), progress saved after each, Loop's 429/5xx/timeouts retried with backoff
// until the job's time is up. The row, and the sealed token in it, go when the job ends; the outcome stays in
// the shop's configuration history.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { z } from "zod";
import { getConfig } from "~/config/env.server";
import { getDatabase, getSql, type Database } from "~/db.server";
import { systemClock, type Clock } from "~/jobs/clock";
import { retryDelayMs } from "~/jobs/backoff";
import { log } from "~/logging/logger.server";
import type { LoopClient, LoopFailureKind } from "~/loop/client.server";
import { openSecret, sealSecret } from "~/secrets/secrets.server";
import type { BackgroundWorker } from "~/jobs/background-worker";
import { recordChange } from "./history.server";
import { loopClientFor, tryOpenToken } from "./loop.server";
import { loopWebhookRemovalTokenContext } from "./secret-contexts";

const webhookRefs = z.array(z.object({ topic: z.string(), loopWebhookId: z.string(), reason: z.string().optional() }));
type WebhookRef = z.infer<typeof webhookRefs>[number];

/** Loop failures worth another try later; any other refusal will not change by asking again. */
const RETRYABLE: ReadonlySet<LoopFailureKind> = new Set(["rate_limited", "unavailable", "timeout", "malformed_response"]);

export interface RemovalPolicy {
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** From the uninstall to giving up. */
  windowMs: number;
  /** A worker's claim on a job, renewed after each request to Loop: longer than one request can take. */
  claimMs: number;
  pollIntervalMs: number;
}

export function removalPolicyFromConfig(): RemovalPolicy {
  const config = getConfig();
  return {
    backoffBaseMs: 5_000,
    backoffMaxMs: 600_000,
    windowMs: config.LOOP_WEBHOOK_REMOVAL_WINDOW_MS,
    claimMs: 2 * config.LOOP_TIMEOUT_MS,
    pollIntervalMs: 2_000,
  };
}

type SchedulingClient = Pick<Database, "loopConnection" | "loopWebhook" | "loopWebhookRemoval" | "configurationChange">;

/**
 * Writes the removal job for the app's webhooks at Loop (api mode only: the merchant made manual webhooks and
 * removes them in Loop admin). Runs inside the uninstall's transaction, before the connection's token is
 * erased: the job keeps its own sealed copy. False when there is nothing the app can remove.
 */
export async function scheduleLoopWebhookRemoval(
  tx: SchedulingClient,
  shopDomain: string,
  { now = new Date(), windowMs = getConfig().LOOP_WEBHOOK_REMOVAL_WINDOW_MS } = {},
): Promise<boolean> {
  const connection = await tx.loopConnection.findUnique({ where: { shopDomain } });
  if (!connection || connection.mode !== "api" || !connection.tokenCiphertext) return false;
  const rows = await tx.loopWebhook.findMany({ where: { shopDomain, loopWebhookId: { not: null } }, select: { topic: true, loopWebhookId: true } });
  if (rows.length === 0) return false;
  const pending: WebhookRef[] = rows.map((row) => ({ topic: row.topic, loopWebhookId: row.loopWebhookId! }));
  const token = tryOpenToken(shopDomain, connection);
  if (!token) {
    await recordOutcome(tx, shopDomain, { removed: 0, notRemoved: pending, attempts: 0, gaveUpReason: "the stored Loop token could not be opened" });
    return false;
  }
  const sealed = sealSecret(token, loopWebhookRemovalTokenContext(shopDomain));
  await tx.loopWebhookRemoval.create({
    data: {
      shopDomain,
      tokenCiphertext: sealed.ciphertext,
      tokenKeyId: sealed.keyId,
      pending: JSON.stringify(pending),
      nextAttemptAt: now,
      giveUpAt: new Date(now.getTime() + windowMs),
    },
  });
  return true;
}

export interface RemovalWorkerDeps {
  db: Database;
  clock: Clock;
  policy: RemovalPolicy;
  /** Unique per process: a claim names the worker holding it. */
  workerId: string;
  random: () => number;
  clientFor: (token: string) => LoopClient;
}

export function createAppLoopWebhookRemovalWorker(db: Database = getDatabase()): BackgroundWorker {
  return loopWebhookRemovalWorker({
    db,
    clock: systemClock,
    policy: removalPolicyFromConfig(),
    workerId: `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`,
    random: Math.random,
    clientFor: loopClientFor,
  });
}

export function loopWebhookRemovalWorker(deps: RemovalWorkerDeps): BackgroundWorker {
  return {
    name: "loop-webhook-removal",
    async run(signal) {
      while (!signal.aborted) {
        try {
          await runDueLoopWebhookRemovals(deps, signal);
        } catch (error) {
          log.error("loop webhook removal: round failed", { error });
        }
        await deps.clock.sleep(deps.policy.pollIntervalMs, signal);
      }
    },
  };
}

/** Carries out every job that is due and not claimed by a live worker; returns how many this worker took. */
export async function runDueLoopWebhookRemovals(deps: RemovalWorkerDeps, signal?: AbortSignal): Promise<number> {
  const now = new Date(deps.clock.now());
  const due = await deps.db.loopWebhookRemoval.findMany({
    where: { nextAttemptAt: { lte: now }, OR: [{ claimExpiresAt: null }, { claimExpiresAt: { lt: now } }] },
    orderBy: { nextAttemptAt: "asc" },
    select: { id: true },
    take: 20,
  });
  let taken = 0;
  for (const { id } of due) {
    if (signal?.aborted) break;
    if (!(await claimRemoval(deps, id))) continue; // another worker was quicker
    taken++;
    await carryOut(deps, id, signal);
  }
  return taken;
}

/**
 * Takes the job for this worker when it is due and unclaimed, or its claim expired (its worker died). One
 * conditional statement, so of several workers that see the job due at once exactly one gets it.
 */
export async function claimRemoval(deps: Pick<RemovalWorkerDeps, "db" | "clock" | "policy" | "workerId">, id: string): Promise<boolean> {
  const now = new Date(deps.clock.now());
  const until = new Date(now.getTime() + deps.policy.claimMs);
  const claimed = await getSql(deps.db)
    .db.updateTable("LoopWebhookRemoval")
    .set({ claimedBy: deps.workerId, claimExpiresAt: until })
    .where("id", "=", id)
    .where("nextAttemptAt", "<=", now)
    .where((eb) => eb.or([eb("claimExpiresAt", "is", null), eb("claimExpiresAt", "<", now)]))
    .executeTakeFirst();
  return claimed.numUpdatedRows === 1n;
}

interface Progress {
  pending: WebhookRef[];
  refused: WebhookRef[];
  removed: number;
}

async function carryOut(deps: RemovalWorkerDeps, id: string, signal?: AbortSignal): Promise<void> {
  const { db, workerId } = deps;
  const job = await db.loopWebhookRemoval.findUnique({ where: { id } });
  if (!job || job.claimedBy !== workerId) return;
  const progress: Progress = { pending: parseRefs(job.pending), refused: parseRefs(job.refused), removed: job.removed };
  const attempts = job.attempts + 1;

  let client: LoopClient;
  try {
    client = deps.clientFor(openSecret({ ciphertext: job.tokenCiphertext, keyId: job.tokenKeyId }, loopWebhookRemovalTokenContext(job.shopDomain)));
  } catch (error) {
    log.error("loop webhook removal: token could not be opened", { shop: job.shopDomain, error });
    await finish(deps, job, progress, attempts, "the stored Loop token could not be opened");
    return;
  }

  let retryReason: string | null = null;
  while (progress.pending.length > 0) {
    if (signal?.aborted) {
      // Shutting down: hand the rest to the next worker at once instead of leaving it claimed.
      await db.loopWebhookRemoval.updateMany({ where: { id, claimedBy: workerId }, data: { ...progressData(progress), claimedBy: null, claimExpiresAt: null } });
      return;
    }
    const webhook = progress.pending[0];
    const result = await client.unsubscribeWebhook(webhook.loopWebhookId);
    if (result.ok || result.failure.kind === "not_found") {
      progress.removed++;
      progress.pending.shift();
    } else if (RETRYABLE.has(result.failure.kind)) {
      retryReason = result.failure.message;
      break;
    } else {
      progress.refused.push({ ...webhook, reason: result.failure.message });
      progress.pending.shift();
    }
    // Progress and a renewed claim together; none written means another worker took the job over (this one
    // stalled past its claim), so this one stops.
    const claimExpiresAt = new Date(deps.clock.now() + deps.policy.claimMs);
    const saved = await db.loopWebhookRemoval.updateMany({ where: { id, claimedBy: workerId }, data: { ...progressData(progress), claimExpiresAt } });
    if (saved.count === 0) return;
  }

  if (retryReason === null) return finish(deps, job, progress, attempts, null);
  const now = deps.clock.now();
  if (now >= job.giveUpAt.getTime()) return finish(deps, job, progress, attempts, retryReason);
  const retryInMs = Math.min(retryDelayMs(attempts, deps.policy, deps.random), job.giveUpAt.getTime() - now);
  await db.loopWebhookRemoval.updateMany({
    where: { id, claimedBy: workerId },
    data: { ...progressData(progress), attempts, lastError: retryReason, nextAttemptAt: new Date(now + retryInMs), claimedBy: null, claimExpiresAt: null },
  });
  log.info("loop webhook removal: Loop failed, retrying", { shop: job.shopDomain, attempts, left: progress.pending.length, retryInMs, reason: retryReason });
}

/** Ends the job: the row (with its token) goes and the outcome is recorded, together. */
async function finish(deps: RemovalWorkerDeps, job: { id: string; shopDomain: string }, progress: Progress, attempts: number, gaveUpReason: string | null) {
  const notRemoved = [...progress.refused, ...progress.pending];
  await deps.db.$transaction(async (tx) => {
    const { count } = await tx.loopWebhookRemoval.deleteMany({ where: { id: job.id, claimedBy: deps.workerId } });
    if (count === 0) return; // taken over meanwhile: the other worker records the outcome
    await recordOutcome(tx, job.shopDomain, { removed: progress.removed, notRemoved, attempts, gaveUpReason });
  });
  const fields = { shop: job.shopDomain, removed: progress.removed, notRemoved: notRemoved.length, attempts };
  if (gaveUpReason) log.warn("loop webhook removal: gave up, webhooks left at Loop", { ...fields, reason: gaveUpReason });
  else if (notRemoved.length) log.warn("loop webhook removal: Loop refused some, webhooks left at Loop", fields);
  else log.info("loop webhook removal: done", fields);
}

async function recordOutcome(
  tx: Pick<Database, "configurationChange">,
  shopDomain: string,
  outcome: { removed: number; notRemoved: WebhookRef[]; attempts: number; gaveUpReason: string | null },
) {
  await recordChange(tx, shopDomain, "system", "loop.webhooks_removed_after_uninstall", {
    webhooksRemoved: outcome.removed,
    notRemovedWebhookIds: outcome.notRemoved.map((w) => w.loopWebhookId),
    attempts: outcome.attempts,
    gaveUp: outcome.gaveUpReason !== null,
    ...(outcome.gaveUpReason ? { reason: outcome.gaveUpReason } : {}),
  });
}

function progressData(progress: Progress) {
  return { pending: JSON.stringify(progress.pending), refused: JSON.stringify(progress.refused), removed: progress.removed };
}

function parseRefs(json: string): WebhookRef[] {
  return webhookRefs.parse(JSON.parse(json));
}
