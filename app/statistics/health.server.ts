// The live state of a shop's deliveries in one sentence, with the facts behind it: when the last event came in
// and went out, the share of the last 24 hours' finished events that were delivered, and what the events still
// waiting are waiting for (retries after Postscript errors, a rejected key, a support hold). The Integrations
// page and the Postscript page show it, so "Connected" never hides a Postscript that is failing.
//
// Reads are bounded by the indexes: open events on (shopDomain, status, nextAttemptAt, reason, firstAttemptAt)
// alone (readWaitingGroups), the newest event on
// (shopDomain, receivedAt), the newest delivery through the hourly rollups (the newest hour with a delivery,
// then only that hour's events), and the 24 h success rate from the rollups.
import { z } from "zod";
import { postscriptConnectionView } from "~/connections/postscript.server";
import type { Database } from "~/db.server";
import type { ReasonCode } from "~/events/reasons";
import { readShopSettings } from "~/settings/shop-settings.server";
import { shopTimeZone } from "~/shopify/time-zone.server";
import { formatDateTime, formatTime } from "./format";
import { HOUR_MS } from "./period";

export type HealthState = "no_events" | "working" | "sending" | "retrying" | "rate_limited" | "key_rejected" | "held" | "not_connected";

export interface RetryingCause {
  reason: ReasonCode;
  count: number;
  /** The first attempt of the oldest event still retrying for this cause. */
  since: string | null;
  sinceLabel: string | null;
  nextAttemptAt: string | null;
  nextAttemptLabel: string | null;
}

export interface DeliveryHealth {
  state: HealthState;
  tone: "success" | "info" | "warning" | "critical";
  /** "Postscript is not answering — retrying since 1:47 PM, 12 events waiting." */
  sentence: string;
  lastReceivedLabel: string | null;
  lastDeliveredLabel: string | null;
  /** Delivered ÷ (delivered + failed) over the events that finished in the last 24 hours; null when none did. */
  successRate24h: number | null;
  waiting: number;
  retrying: RetryingCause[];
}

export interface HealthContext {
  timeZone: string;
  postscriptStatus: string | null;
  actionNeededAt: Date | string | null;
  deliveriesPausedAt: Date | string | null;
  /** The shop's waiting events, when the page has read them already for the overview. */
  waiting?: WaitingGroup[];
}

/** Events not final yet, per status and cause. */
export interface WaitingGroup {
  status: "received" | "pending" | "paused";
  /** Null for events not tried yet (or paused without a recorded cause). */
  reason: string | null;
  count: number;
  oldestFirstAttemptAt: Date | null;
  soonestNextAttemptAt: Date | null;
}

/**
 * The shop's waiting events (not yet mapped, pending or retrying, paused) per status and cause. The index on
 * (shopDomain, status, nextAttemptAt, reason, firstAttemptAt) holds every column read, so a backlog of tens of
 * thousands of events is counted from the index without reading one row.
 */
export async function readWaitingGroups(db: Database, shopDomain: string): Promise<WaitingGroup[]> {
  const rows = await db.event.groupBy({
    by: ["status", "reason"],
    where: { shopDomain, status: { in: ["received", "pending", "paused"] } },
    _count: { _all: true },
    _min: { firstAttemptAt: true, nextAttemptAt: true },
  });
  return rows.map((row) => ({
    status: row.status as WaitingGroup["status"],
    reason: row.reason,
    count: row._count._all,
    oldestFirstAttemptAt: row._min.firstAttemptAt,
    soonestNextAttemptAt: row._min.nextAttemptAt,
  }));
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;

/** "1:47 PM" when within the last day, else "Nov 25, 2026, 1:47 PM": a time alone reads as today. */
export function shortWhen(timeZone: string, date: Date | string | null | undefined, now: Date): string | null {
  if (!date) return null;
  const at = new Date(date);
  return Math.abs(now.getTime() - at.getTime()) < 20 * HOUR_MS ? formatTime(timeZone, at) : formatDateTime(timeZone, at);
}

/** The health for a page that has not read the shop's connection and settings (the stored zone: no Shopify call). */
export async function readDeliveryHealth(db: Database, shopDomain: string, now = new Date()): Promise<DeliveryHealth> {
  const [zone, connection, settings] = await Promise.all([shopTimeZone(db, shopDomain), postscriptConnectionView(db, shopDomain), readShopSettings(db, shopDomain)]);
  return deliveryHealth(db, shopDomain, { timeZone: zone.name, postscriptStatus: connection.status, actionNeededAt: connection.actionNeededAt, deliveriesPausedAt: settings.deliveriesPausedAt }, now);
}

export async function deliveryHealth(db: Database, shopDomain: string, context: HealthContext, now = new Date()): Promise<DeliveryHealth> {
  const zone = context.timeZone;
  const dayAgo = new Date(Math.floor((now.getTime() - 24 * HOUR_MS) / HOUR_MS) * HOUR_MS);
  const [open, newest, lastDeliveredHour, day, hold] = await Promise.all([
    context.waiting ?? readWaitingGroups(db, shopDomain),
    db.event.findFirst({ where: { shopDomain }, orderBy: { receivedAt: "desc" }, select: { receivedAt: true } }),
    db.eventRollup.findFirst({ where: { shopDomain, delivered: { gt: 0 } }, orderBy: { hourStart: "desc" }, select: { hourStart: true } }),
    db.eventRollup.aggregate({ where: { shopDomain, hourStart: { gte: dayAgo } }, _sum: { delivered: true, failed: true } }),
    context.deliveriesPausedAt
      ? db.configurationChange.findFirst({ where: { shopDomain, action: "support.deliveries_held" }, orderBy: { createdAt: "desc" }, select: { details: true } })
      : null,
  ]);
  const lastDelivered = lastDeliveredHour
    ? await db.event.aggregate({
        where: { shopDomain, status: "delivered", receivedAt: { gte: lastDeliveredHour.hourStart, lt: new Date(lastDeliveredHour.hourStart.getTime() + HOUR_MS) } },
        _max: { deliveredAt: true },
      })
    : null;

  const waiting = open.reduce((sum, row) => sum + row.count, 0);
  const paused = open.filter((row) => row.status === "paused").reduce((sum, row) => sum + row.count, 0);
  const retrying: RetryingCause[] = open
    .filter((row) => row.status === "pending" && row.reason)
    .map((row) => ({
      reason: row.reason as ReasonCode,
      count: row.count,
      since: row.oldestFirstAttemptAt?.toISOString() ?? null,
      sinceLabel: shortWhen(zone, row.oldestFirstAttemptAt, now),
      nextAttemptAt: row.soonestNextAttemptAt?.toISOString() ?? null,
      nextAttemptLabel: shortWhen(zone, row.soonestNextAttemptAt, now),
    }))
    .sort((a, b) => b.count - a.count);
  const delivered = day._sum.delivered ?? 0;
  const finished = delivered + (day._sum.failed ?? 0);
  const events = plural(waiting, "event");

  let state: HealthState;
  let tone: DeliveryHealth["tone"];
  let sentence: string;
  const connected = context.postscriptStatus === "connected" || context.postscriptStatus === "action_needed";
  const retry = retrying[0];
  if (!connected) {
    state = "not_connected";
    tone = waiting > 0 ? "warning" : "info";
    sentence = waiting > 0 ? `Postscript is not connected — ${events} waiting to be sent once it is.` : "Postscript is not connected yet.";
  } else if (context.postscriptStatus === "action_needed") {
    state = "key_rejected";
    tone = "critical";
    const since = shortWhen(zone, context.actionNeededAt, now);
    sentence = `Postscript rejected the API key${since ? ` at ${since}` : ""} — ${waiting > 0 ? `${events} waiting` : "new events wait"} until the key is replaced.`;
  } else if (context.deliveriesPausedAt) {
    state = "held";
    tone = "warning";
    const note = holdNote(hold?.details);
    sentence = `Deliveries are on hold by support since ${shortWhen(zone, context.deliveriesPausedAt, now)}${note ? ` (“${note}”)` : ""} — ${waiting > 0 ? `${events} waiting` : "new events wait"}; nothing is lost.`;
  } else if (retry && (retry.reason === "postscript_unavailable" || retry.reason === "rate_limited")) {
    state = retry.reason === "rate_limited" ? "rate_limited" : "retrying";
    tone = "critical";
    const problem = retry.reason === "rate_limited" ? "Postscript is asking this app to slow down" : "Postscript is not answering";
    sentence = `${problem} — retrying since ${retry.sinceLabel ?? "recently"}, ${events} waiting.${retry.nextAttemptLabel ? ` Next attempt at ${retry.nextAttemptLabel}.` : ""}`;
  } else if (waiting - paused > 0) {
    state = "sending";
    tone = "info";
    sentence = `Working — ${events} on ${waiting === 1 ? "its" : "their"} way to Postscript.`;
  } else if (newest) {
    state = "working";
    tone = "success";
    sentence = "Working — every event received so far has been handled.";
  } else {
    state = "no_events";
    tone = "info";
    sentence = "No events from Loop yet.";
  }

  return {
    state,
    tone,
    sentence,
    lastReceivedLabel: shortWhen(zone, newest?.receivedAt, now),
    lastDeliveredLabel: shortWhen(zone, lastDelivered?._max.deliveredAt, now),
    successRate24h: finished === 0 ? null : delivered / finished,
    waiting,
    retrying,
  };
}

const holdDetails = z.object({ note: z.string().nullish() });

/** The note support wrote when holding the shop's deliveries (the history entry's details are JSON). */
function holdNote(details: string | undefined): string | null {
  if (!details) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(details);
  } catch {
    return null;
  }
  const note = holdDetails.safeParse(parsed);
  return note.success && note.data.note?.trim() ? note.data.note.trim() : null;
}
