// Shopify Flow triggers: the app tells the merchant's workflows when the Postscript connection needs action,
// when Loop events could not be delivered, and when deliveries are back to normal. A background worker of its
// own looks for incidents in what delivery has already recorded (the connection's state, the reason rollups)
// and sends what it found with flowTriggerReceive, so delivery never waits for Shopify Flow.
//
// Once per incident: an incident is a row in FlowTriggerFiring keyed by (shop, trigger, incidentKey), so however
// many events it concerns (a revoked key with 5,000 waiting events), and however many workers look, it is sent
// once. The key rejection is one incident per time the connection went to Action needed; undelivered events
// are one incident per reason until none of that reason has come for FLOW_INCIDENT_QUIET_MINUTES.
import { isUniqueViolation, type Database } from "~/db.server";
import { recordChange } from "~/connections/history.server";
import { mapLoopWebhook } from "~/events/mapping";
import { reasonInfo, type ReasonCode } from "~/events/reasons";
import { retryDelayMs, type Backoff } from "~/jobs/backoff";
import type { BackgroundWorker } from "~/jobs/background-worker";
import type { Clock } from "~/jobs/clock";
import { log } from "~/logging/logger.server";
import type { AdminResult } from "~/shopify/admin.server";
import { TRIGGER_HANDLES, TRIGGER_NAMES, type TriggerHandle } from "./triggers";

/** Reasons an event ends undelivered that the merchant can act on (the others are by design or self-healing). */
export const ACTIONABLE_REASONS: readonly ReasonCode[] = ["postscript_rejected", "postscript_unavailable", "rate_limited", "invalid_payload", "no_identifier"];

const OPEN_STATUSES = ["received", "pending", "paused"];
const CONNECTION = "connection";
/** A trigger Shopify keeps refusing for reasons that may pass (throttled, down) is given up after this long. */
const GIVE_UP_AFTER_MS = 24 * 60 * 60_000;
/** How long a worker has to send a trigger it claimed before another may take it. */
const CLAIM_MS = 60_000;

export interface FlowTriggerDependencies {
  db: Database;
  clock: Clock;
  random: () => number;
  backoff: Backoff;
  /** Undelivered events of one reason belong to the same incident until none has come for this long. */
  quietMs: number;
  /** Whether a trigger goes only to shops whose enabled workflows use it (Flow's lifecycle callback says so). */
  onlyWhenUsed: boolean;
  /** The app's page at `path` in the shop's Shopify admin (links in the payloads). */
  adminLink(shop: string, path: string): string;
  send(shop: string, trigger: TriggerHandle, payload: Record<string, unknown>): Promise<AdminResult<true>>;
}

// ---------------------------------------------------------------------------------------------------------
// Finding incidents
// ---------------------------------------------------------------------------------------------------------

/** The shops to look at, and which triggers each uses. */
async function shopsToWatch(deps: FlowTriggerDependencies): Promise<Map<string, Set<string>>> {
  const { db } = deps;
  const watched = new Map<string, Set<string>>();
  if (deps.onlyWhenUsed) {
    const used = await db.flowTriggerUsage.findMany({ where: { hasEnabledFlow: true }, select: { shopDomain: true, trigger: true } });
    for (const { shopDomain, trigger } of used) watched.set(shopDomain, (watched.get(shopDomain) ?? new Set()).add(trigger));
  } else {
    const shops = await db.postscriptConnection.findMany({ select: { shopDomain: true } });
    for (const { shopDomain } of shops) watched.set(shopDomain, new Set(TRIGGER_HANDLES));
  }
  // A connection incident under way is followed to its end even if the shop stopped using the trigger since:
  // whether "back to normal" is sent is decided by its own use.
  const open = await db.flowTriggerFiring.findMany({ where: { trigger: "postscript-needs-action", resolvedAt: null }, select: { shopDomain: true } });
  for (const { shopDomain } of open) if (!watched.has(shopDomain)) watched.set(shopDomain, new Set());
  return watched;
}

/** Records an incident once (a second worker, or a second look, finds it recorded); true when it is new. */
async function recordIncident(
  deps: FlowTriggerDependencies,
  shop: string,
  uses: Set<string>,
  trigger: TriggerHandle,
  incident: { key: string; group: string; payload: () => Promise<Record<string, unknown>>; events?: number; seenAt: Date },
): Promise<boolean> {
  const existing = await deps.db.flowTriggerFiring.findUnique({ where: { shopDomain_trigger_incidentKey: { shopDomain: shop, trigger, incidentKey: incident.key } }, select: { id: true } });
  if (existing) return false;
  // Made only for a new incident: an incident under way is seen again on every pass.
  const payload = await incident.payload();
  try {
    await deps.db.flowTriggerFiring.create({
      data: {
        shopDomain: shop,
        trigger,
        incidentKey: incident.key,
        incidentGroup: incident.group,
        payload: JSON.stringify(payload),
        status: uses.has(trigger) ? "pending" : "not_used",
        events: incident.events ?? 1,
        lastSeenAt: incident.seenAt,
        nextAttemptAt: new Date(deps.clock.now()),
      },
    });
    return true;
  } catch (error) {
    // Another worker recorded it between the look and the insert.
    if (isUniqueViolation(error)) return false;
    throw error;
  }
}

const waitingEvents = (db: Database, shop: string) => db.event.count({ where: { shopDomain: shop, status: { in: OPEN_STATUSES } } });

/** "Postscript connection needs action" when the key was rejected; "Deliveries back to normal" when it works again. */
async function connectionIncidents(deps: FlowTriggerDependencies, shop: string, uses: Set<string>) {
  const { db } = deps;
  const now = new Date(deps.clock.now());
  const connection = await db.postscriptConnection.findUnique({ where: { shopDomain: shop }, select: { status: true, actionNeededAt: true, actionNeededReason: true } });
  const settingsUrl = deps.adminLink(shop, "/app/integrations/postscript?tab=settings");
  if (connection?.status === "action_needed" && connection.actionNeededAt) {
    await recordIncident(deps, shop, uses, "postscript-needs-action", {
      key: `action_needed:${connection.actionNeededAt.toISOString()}`,
      group: CONNECTION,
      seenAt: now,
      payload: async () => ({
        reason: (connection.actionNeededReason ?? reasonInfo("key_rejected").title).replace(/\s+/g, " ").slice(0, 250),
        events_waiting: await waitingEvents(db, shop),
        settings_url: settingsUrl,
      }),
    });
    return;
  }
  const open = await db.flowTriggerFiring.findMany({ where: { shopDomain: shop, trigger: "postscript-needs-action", resolvedAt: null } });
  for (const incident of open) {
    const closed = await db.flowTriggerFiring.updateMany({ where: { id: incident.id, resolvedAt: null }, data: { resolvedAt: now } });
    // Disconnected by the merchant is an end, but not "back to normal".
    if (closed.count !== 1 || connection?.status !== "connected") continue;
    await recordIncident(deps, shop, uses, "deliveries-back-to-normal", {
      key: incident.incidentKey,
      group: CONNECTION,
      seenAt: now,
      payload: async () => ({ events_waiting: await waitingEvents(db, shop), settings_url: settingsUrl }),
    });
  }
}

/** Flow's customer reference (the numeric customer id) when the Loop event names the Shopify customer. */
function shopifyCustomerId(event: { topic: string; payload: string; loopWebhookId: string; occurredAt: Date }): number | null {
  try {
    const mapped = mapLoopWebhook({ topic: event.topic, payload: JSON.parse(event.payload), webhookId: event.loopWebhookId, occurredAt: event.occurredAt, settings: { paymentRetryCount: 3 }, paymentFailuresBefore: null });
    const id = mapped.kind === "event" ? mapped.shopifyCustomerId?.replace(/^gid:\/\/shopify\/Customer\//, "") : null;
    return id && /^\d+$/.test(id) ? Number(id) : null;
  } catch {
    return null;
  }
}

/** "Loop event could not be delivered to Postscript": one incident per reason until a quiet spell. */
async function undeliveredIncidents(deps: FlowTriggerDependencies, shop: string, uses: Set<string>) {
  const { db } = deps;
  const now = deps.clock.now();
  const since = new Date(now - deps.quietMs);
  // The reason rollups say, per hour, how many events ended with each reason and when the last one did.
  const recent = await db.reasonRollup.groupBy({
    by: ["reason"],
    where: { shopDomain: shop, reason: { in: [...ACTIONABLE_REASONS] }, lastAt: { gte: since } },
    _max: { lastAt: true },
  });
  for (const { reason, _max } of recent) {
    const lastAt = _max.lastAt!;
    const current = await db.flowTriggerFiring.findFirst({
      where: { shopDomain: shop, trigger: "loop-event-not-delivered", incidentGroup: reason },
      orderBy: { lastSeenAt: "desc" },
    });
    if (current && lastAt.getTime() - current.lastSeenAt.getTime() <= deps.quietMs) {
      if (lastAt > current.lastSeenAt) {
        await db.flowTriggerFiring.update({ where: { id: current.id }, data: { lastSeenAt: lastAt, events: Math.max(current.events, await endedSince(db, shop, reason, current.createdAt)) } });
      }
      continue;
    }
    const event = await db.event.findFirst({
      where: { shopDomain: shop, status: { in: ["failed", "skipped"] }, reason },
      orderBy: { receivedAt: "desc" },
      select: { id: true, eventType: true, subscriptionKey: true, reasonDetail: true, topic: true, payload: true, loopWebhookId: true, occurredAt: true },
    });
    if (!event) continue; // pruned already
    const affected = await endedSince(db, shop, reason, since);
    const customerId = shopifyCustomerId(event);
    const info = reasonInfo(reason);
    await recordIncident(deps, shop, uses, "loop-event-not-delivered", {
      key: `${reason}:${event.id}`,
      group: reason,
      seenAt: lastAt,
      events: affected,
      payload: async () => ({
        ...(customerId ? { customer_id: customerId } : {}),
        event_type: event.eventType ?? "unknown",
        loop_subscription_id: event.subscriptionKey ?? "",
        reason: `${info.title}: ${event.reasonDetail ?? info.meaning}`.replace(/\s+/g, " ").slice(0, 250),
        events_affected: affected,
        event_url: deps.adminLink(shop, `/app/events/${event.id}`),
      }),
    });
  }
}

/**
 * About how many events ended with `reason` since `since`, from the rollups: their rows are per hour the event
 * was received (an event failing after a day's retries is counted in an old row), so the rows touched since
 * then are added up; that may include a few earlier events of the same hours. At least one.
 */
async function endedSince(db: Database, shop: string, reason: string, since: Date): Promise<number> {
  const counted = await db.reasonRollup.aggregate({ where: { shopDomain: shop, reason, lastAt: { gte: since } }, _sum: { count: true } });
  return Math.max(1, counted._sum.count ?? 0);
}

export async function findIncidents(deps: FlowTriggerDependencies): Promise<void> {
  for (const [shop, uses] of await shopsToWatch(deps)) {
    try {
      await connectionIncidents(deps, shop, uses);
      await undeliveredIncidents(deps, shop, uses);
    } catch (error) {
      log.error("flow triggers: could not look for incidents", { shop, error });
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Sending them
// ---------------------------------------------------------------------------------------------------------

const RETRYABLE = new Set(["throttled", "unavailable", "refresh_failed"]);

async function stillUsed(deps: FlowTriggerDependencies, shop: string, trigger: string): Promise<boolean> {
  if (!deps.onlyWhenUsed) return true;
  const usage = await deps.db.flowTriggerUsage.findUnique({ where: { shopDomain_trigger: { shopDomain: shop, trigger } }, select: { hasEnabledFlow: true } });
  return usage?.hasEnabledFlow === true;
}

/** Sends the triggers that are due; each is claimed first, so two workers never send one twice. */
export async function sendDueTriggers(deps: FlowTriggerDependencies, signal?: AbortSignal): Promise<number> {
  const { db } = deps;
  const now = new Date(deps.clock.now());
  const due = await db.flowTriggerFiring.findMany({ where: { status: "pending", nextAttemptAt: { lte: now } }, orderBy: { nextAttemptAt: "asc" }, take: 50 });
  let sent = 0;
  for (const firing of due) {
    if (signal?.aborted) break;
    const claimed = await db.flowTriggerFiring.updateMany({
      where: { id: firing.id, status: "pending", nextAttemptAt: firing.nextAttemptAt },
      data: { nextAttemptAt: new Date(now.getTime() + CLAIM_MS) },
    });
    if (claimed.count !== 1) continue;
    const trigger = firing.trigger as TriggerHandle;
    if (!(await stillUsed(deps, firing.shopDomain, trigger))) {
      await db.flowTriggerFiring.update({ where: { id: firing.id }, data: { status: "not_used" } });
      continue;
    }
    const result = await deps.send(firing.shopDomain, trigger, JSON.parse(firing.payload) as Record<string, unknown>);
    const attempts = firing.attempts + 1;
    const details = { trigger: TRIGGER_NAMES[trigger], incident: firing.incidentKey };
    if (result.ok) {
      await db.$transaction(async (tx) => {
        await tx.flowTriggerFiring.update({ where: { id: firing.id }, data: { status: "sent", sentAt: new Date(deps.clock.now()), attempts, lastError: null } });
        await recordChange(tx, firing.shopDomain, "system", "flow.trigger_sent", details);
      });
      sent++;
      continue;
    }
    const givingUp = !RETRYABLE.has(result.kind) || deps.clock.now() - firing.createdAt.getTime() > GIVE_UP_AFTER_MS;
    // Shopify's messages name fields and values of the payload, never the shop's token.
    log.warn("flow trigger not sent", { shop: firing.shopDomain, trigger, kind: result.kind, detail: result.message, attempts, givingUp });
    if (givingUp) {
      await db.$transaction(async (tx) => {
        await tx.flowTriggerFiring.update({ where: { id: firing.id }, data: { status: "failed", attempts, lastError: result.message } });
        await recordChange(tx, firing.shopDomain, "system", "flow.trigger_failed", { ...details, error: result.message });
      });
    } else {
      const delay = retryDelayMs(attempts, deps.backoff, deps.random, result.retryAfterMs);
      await db.flowTriggerFiring.update({ where: { id: firing.id }, data: { attempts, lastError: result.message, nextAttemptAt: new Date(deps.clock.now() + delay) } });
    }
  }
  return sent;
}

export function flowTriggerWorker(deps: FlowTriggerDependencies, pollMs: number): BackgroundWorker & { runOnce(): Promise<void> } {
  const runOnce = async (signal?: AbortSignal) => {
    await findIncidents(deps);
    await sendDueTriggers(deps, signal);
  };
  return {
    name: "flow-triggers",
    runOnce,
    async run(signal) {
      while (!signal.aborted) {
        try {
          await runOnce(signal);
        } catch (error) {
          log.error("flow triggers: pass failed", { error });
        }
        await deps.clock.sleep(pollMs, signal);
      }
    },
  };
}
