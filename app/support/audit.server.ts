// The support audit log: every staff action and every shop record viewed, with who, when, what and from where.
// Append-only by construction: this module is the only one that touches SupportAuditEntry, and it only
// creates and reads. The database refuses UPDATE and DELETE too (triggers in the support_console migration),
// and a test checks that no code in the repository updates or deletes an entry.
import type { Database } from "~/db.server";
import { log } from "~/logging/logger.server";

export type AuditAction =
  | "sign_in"
  | "sign_in.second_factor"
  | "sign_out"
  | "session.expired"
  | "access.denied"
  | "csrf.rejected"
  | "shops.listed"
  | "shop.viewed"
  | "shop.events_viewed"
  | "shop.history_viewed"
  | "event.viewed"
  | "audit.viewed"
  | "events.replay_one"
  | "events.replay_failed"
  | "deliveries.hold"
  | "deliveries.release"
  | "postscript.reverify"
  // Account management from the command line (npm run support:user).
  | "user.added"
  | "user.disabled"
  | "user.enabled"
  | "user.password_reset"
  | "user.role_changed"
  | "user.totp_enabled"
  | "user.totp_disabled";

export type AuditOutcome = "success" | "failure" | "denied" | "locked" | "second_factor_required" | "rejected" | "no_change";

export interface AuditClient {
  ip: string | null;
  userAgent: string | null;
}

export interface AuditInput {
  user: { id: string | null; email: string };
  action: AuditAction;
  outcome: AuditOutcome;
  shopDomain?: string | null;
  details?: Record<string, string | number | boolean | null | string[]>;
  client: AuditClient;
}

const MAX_DETAIL_TEXT = 500;

function boundedDetails(details: AuditInput["details"] = {}): string {
  const bounded = Object.fromEntries(
    Object.entries(details).map(([key, value]) => [key, typeof value === "string" ? value.slice(0, MAX_DETAIL_TEXT) : value]),
  );
  return JSON.stringify(bounded);
}

/** Writes one entry. Callers write it before (or in the same breath as) answering, so a view is never unrecorded. */
export async function recordAudit(db: Pick<Database, "supportAuditEntry">, input: AuditInput): Promise<string> {
  const entry = await db.supportAuditEntry.create({
    data: {
      userId: input.user.id,
      email: input.user.email.slice(0, 254),
      action: input.action,
      outcome: input.outcome,
      shopDomain: input.shopDomain ?? null,
      details: boundedDetails(input.details),
      ip: input.client.ip?.slice(0, 64) ?? null,
      userAgent: input.client.userAgent?.slice(0, 300) ?? null,
    },
    select: { id: true },
  });
  if (input.outcome === "denied" || input.outcome === "rejected" || input.outcome === "locked") {
    log.warn("support console refused a request", { action: input.action, outcome: input.outcome, staff: input.user.email, ip: input.client.ip });
  }
  return entry.id;
}

/** One entry written by `userId` about `shopDomain` (an action's result, shown back to whoever ran it). */
export async function ownAuditEntry(db: Database, id: string, userId: string, shopDomain: string) {
  return db.supportAuditEntry.findFirst({ where: { id, userId, shopDomain } });
}

export interface AuditEntryView {
  id: string;
  at: string;
  email: string;
  action: string;
  outcome: string;
  shopDomain: string | null;
  details: Record<string, unknown>;
  ip: string | null;
  userAgent: string | null;
}

export interface AuditFilter {
  email?: string;
  shopDomain?: string;
  action?: string;
  /** Entries older than this id's entry (keyset pagination, newest first). */
  before?: { at: Date; id: string };
  limit?: number;
}

export async function listAudit(db: Database, filter: AuditFilter = {}): Promise<{ entries: AuditEntryView[]; more: boolean }> {
  const limit = Math.min(filter.limit ?? 100, 500);
  const rows = await db.supportAuditEntry.findMany({
    where: {
      ...(filter.email ? { email: filter.email } : {}),
      ...(filter.shopDomain ? { shopDomain: filter.shopDomain } : {}),
      ...(filter.action ? { action: filter.action } : {}),
      ...(filter.before
        ? { OR: [{ at: { lt: filter.before.at } }, { at: filter.before.at, id: { lt: filter.before.id } }] }
        : {}),
    },
    orderBy: [{ at: "desc" }, { id: "desc" }],
    take: limit + 1,
  });
  return {
    more: rows.length > limit,
    entries: rows.slice(0, limit).map((row) => ({
      id: row.id,
      at: row.at.toISOString(),
      email: row.email,
      action: row.action,
      outcome: row.outcome,
      shopDomain: row.shopDomain,
      details: safeParse(row.details),
      ip: row.ip,
      userAgent: row.userAgent,
    })),
  };
}

function safeParse(json: string): Record<string, unknown> {
  try {
    const value = JSON.parse(json) as unknown;
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
