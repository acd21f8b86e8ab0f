// What operators can do to a shop from the console, each behind a confirmation step that says exactly what
// will happen, and each written to the audit log (and, where it changes the shop's setup, to the shop's
// configuration history): replay one failed event or every failed event of a period, hold or release the
// shop's deliveries, ask Postscript to verify the stored key again.
import { recordChange } from "~/connections/history.server";
import { verifyPostscript } from "~/connections/postscript.server";
import type { Database } from "~/db.server";
import { holdDeliveries, releaseDeliveries, deliveryHoldState } from "~/delivery/holds.server";
import { replayEvent, replayFailedInRange } from "~/delivery/replay.server";
import { log } from "~/logging/logger.server";
import { ownAuditEntry, recordAudit, type AuditAction, type AuditClient } from "./audit.server";
import type { Staff } from "./auth.server";
import { failedInPeriod } from "./record.server";

export const OPERATOR_INTENTS = ["replay-one", "replay-failed", "hold", "release", "reverify"] as const;
export type OperatorIntent = (typeof OPERATOR_INTENTS)[number];

export function isOperatorIntent(value: unknown): value is OperatorIntent {
  return typeof value === "string" && (OPERATOR_INTENTS as readonly string[]).includes(value);
}

export const AUDIT_ACTION: Record<OperatorIntent, AuditAction> = {
  "replay-one": "events.replay_one",
  "replay-failed": "events.replay_failed",
  hold: "deliveries.hold",
  release: "deliveries.release",
  reverify: "postscript.reverify",
};

export interface Confirmation {
  intent: OperatorIntent;
  title: string;
  body: string;
  confirmLabel: string;
  destructive: boolean;
  /** Hidden fields the confirming form posts back. */
  fields: Record<string, string>;
  /** False when there is nothing to do (the form is not offered). */
  possible: boolean;
}

/** What the confirmation step shows for `intent`, from the current state of the shop. */
export async function confirmationFor(db: Database, domain: string, intent: OperatorIntent, search: URLSearchParams, now = new Date()): Promise<Confirmation | null> {
  switch (intent) {
    case "replay-one": {
      const eventId = search.get("event") ?? "";
      const event = eventId ? await db.event.findFirst({ where: { id: eventId, shopDomain: domain }, select: { id: true, status: true, eventType: true, reason: true } }) : null;
      if (!event) return null;
      const failed = event.status === "failed";
      return {
        intent,
        title: "Replay this event?",
        body: failed
          ? `The ${event.eventType ?? "unmapped"} event ${event.id} (failed: ${event.reason ?? "unknown reason"}) is queued again and goes through the pipeline like a new one.`
          : `Only failed events can be replayed; this one is ${event.status}.`,
        confirmLabel: "Replay event",
        destructive: false,
        fields: { event: event.id },
        possible: failed,
      };
    }
    case "replay-failed": {
      const { count, start, end, period } = await failedInPeriod(db, domain, search, now);
      return {
        intent,
        title: `Replay ${count} failed event${count === 1 ? "" : "s"}?`,
        body: count
          ? `Every event received ${period.label.toLowerCase()} (${period.startLabel} – ${period.endLabel}, ${period.timeZone}) that failed is queued again: ${count} now.`
          : `No event received ${period.label.toLowerCase()} has failed; there is nothing to replay.`,
        confirmLabel: `Replay ${count} event${count === 1 ? "" : "s"}`,
        destructive: false,
        fields: { from: start.toISOString(), to: end.toISOString() },
        possible: count > 0,
      };
    }
    case "hold": {
      const hold = await deliveryHoldState(db, domain);
      return {
        intent,
        title: "Hold this shop's deliveries?",
        body: hold.held
          ? `Deliveries are already held (since ${hold.since}, by ${hold.by ?? "support"}).`
          : "Nothing is sent to Postscript for this shop until the hold is released. Events keep arriving and wait (nothing is dropped); the merchant's overview says deliveries are on hold by support.",
        confirmLabel: "Hold deliveries",
        destructive: true,
        fields: {},
        possible: !hold.held,
      };
    }
    case "release": {
      const hold = await deliveryHoldState(db, domain);
      const waiting = await db.event.count({ where: { shopDomain: domain, status: "paused", reason: "held_by_support" } });
      return {
        intent,
        title: "Release the hold on deliveries?",
        body: hold.held
          ? `Deliveries resume: the ${waiting} event${waiting === 1 ? "" : "s"} waiting because of the hold ${waiting === 1 ? "is" : "are"} sent in order, at the usual pace.`
          : "Deliveries are not held.",
        confirmLabel: "Release hold",
        destructive: false,
        fields: {},
        possible: hold.held,
      };
    }
    case "reverify": {
      const row = await db.postscriptConnection.findUnique({ where: { shopDomain: domain }, select: { keyCiphertext: true, status: true } });
      const hasKey = Boolean(row?.keyCiphertext);
      return {
        intent,
        title: "Verify the Postscript key again?",
        body: hasKey
          ? "The stored key is checked with Postscript now. Accepted: the connection is (again) connected. Rejected: it turns to Action needed, and the merchant is asked to replace the key."
          : "There is no stored Postscript key for this shop.",
        confirmLabel: "Verify key",
        destructive: false,
        fields: {},
        possible: hasKey,
      };
    }
  }
}

export interface ActionOutcome {
  ok: boolean;
  message: string;
  auditId?: string;
}

function dateField(form: FormData, name: string): Date | null {
  const raw = form.get(name);
  if (typeof raw !== "string") return null;
  const date = new Date(raw);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** Runs a confirmed operator action and audits it (success or not). */
export async function runOperatorAction(
  db: Database,
  staff: Staff,
  domain: string,
  intent: OperatorIntent,
  form: FormData,
  client: AuditClient,
): Promise<ActionOutcome> {
  let outcome: { ok: boolean; changed: boolean; message: string; details: Record<string, string | number | boolean | null> };
  switch (intent) {
    case "replay-one": {
      const eventId = String(form.get("event") ?? "");
      const replayed = eventId ? await replayEvent(db, domain, eventId) : false;
      outcome = {
        ok: replayed,
        changed: replayed,
        message: replayed ? "The event is queued again." : "The event was not replayed: it is not a failed event of this shop (any more).",
        details: { eventId: eventId.slice(0, 40) },
      };
      break;
    }
    case "replay-failed": {
      const from = dateField(form, "from");
      const to = dateField(form, "to");
      if (!from || !to || from >= to) {
        outcome = { ok: false, changed: false, message: "The period to replay is missing or invalid.", details: {} };
        break;
      }
      const count = await replayFailedInRange(db, domain, { from, to });
      outcome = {
        ok: true,
        changed: count > 0,
        message: count ? `${count} failed event${count === 1 ? " is" : "s are"} queued again.` : "No failed events were left to replay.",
        details: { from: from.toISOString(), to: to.toISOString(), replayed: count },
      };
      break;
    }
    case "hold": {
      const changed = await holdDeliveries(db, domain, staff.email);
      outcome = { ok: true, changed, message: changed ? "Deliveries are on hold. Events wait until the hold is released." : "Deliveries were already on hold.", details: {} };
      break;
    }
    case "release": {
      const changed = await releaseDeliveries(db, domain, staff.email);
      outcome = { ok: true, changed, message: changed ? "The hold is released; waiting events are sent again." : "Deliveries were not on hold.", details: {} };
      break;
    }
    case "reverify": {
      const before = await db.postscriptConnection.findUnique({ where: { shopDomain: domain }, select: { status: true } });
      const result = await verifyPostscript(db, domain);
      const after = await db.postscriptConnection.findUnique({ where: { shopDomain: domain }, select: { status: true } });
      if (before) {
        await recordChange(db, domain, "support", "support.postscript_verify_requested", {
          staff: staff.email,
          accepted: result.ok,
          previousStatus: before.status,
          status: after?.status ?? null,
        });
      }
      outcome = { ok: result.ok, changed: true, message: result.message, details: { accepted: result.ok, previousStatus: before?.status ?? null, status: after?.status ?? null } };
      break;
    }
  }
  const auditId = await recordAudit(db, {
    user: { id: staff.userId, email: staff.email },
    action: AUDIT_ACTION[intent],
    outcome: outcome.ok ? (outcome.changed ? "success" : "no_change") : "failure",
    shopDomain: domain,
    details: { ...outcome.details, message: outcome.message },
    client,
  });
  log.info("support action", { action: AUDIT_ACTION[intent], shop: domain, staff: staff.email, ok: outcome.ok });
  return { ok: outcome.ok, message: outcome.message, auditId };
}

/** The result of an action, read back from its audit entry (only by the member of staff who ran it, for that shop). */
export async function actionResult(db: Database, staff: Staff, domain: string, auditId: string | null): Promise<{ ok: boolean; message: string } | null> {
  if (!auditId || !/^[a-z0-9]{10,40}$/.test(auditId)) return null;
  const entry = await ownAuditEntry(db, auditId, staff.userId, domain);
  if (!entry || !Object.values(AUDIT_ACTION).includes(entry.action as AuditAction)) return null;
  let message = "";
  try {
    message = String((JSON.parse(entry.details) as { message?: unknown }).message ?? "");
  } catch {
    message = "";
  }
  return { ok: entry.outcome !== "failure", message };
}

/** Records an action that was refused before it ran (not confirmed, bad input). */
export async function auditRefusedAction(db: Database, staff: Staff, domain: string, intent: OperatorIntent, why: string, client: AuditClient) {
  await recordAudit(db, { user: { id: staff.userId, email: staff.email }, action: AUDIT_ACTION[intent], outcome: "rejected", shopDomain: domain, details: { why }, client });
}
