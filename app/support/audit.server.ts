// The support audit log: every staff action and every shop record viewed, with who, when, what and from where.
// Append-only by construction: this module is the only one that touches SupportAuditEntry, and it only
// creates and reads. The database refuses UPDATE and DELETE too (triggers in the support_console migration),
// and a test checks that no code in the repository updates or deletes an entry.
//
// Requests refused before anyone signed in (a sign-in form with a bad token, a sign-in while locked) are not
// entries: anyone can send them, so they are counted per address, kind and minute (SupportRefusalCount).
import { isUniqueViolation, type Database } from "~/db.server";
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

/** Refusals of signed-out clients, counted instead of audited one by one. */
export type RefusalKind = "csrf.rejected" | "sign_in.locked";

/** How long the per-minute refusal counts are kept (they hold client addresses). */
export const REFUSAL_RETENTION_DAYS = 90;

function minuteOf(at: Date): Date {
  return new Date(Math.floor(at.getTime() / 60_000) * 60_000);
}

/** Counts one refused anonymous request in its address's row for this minute and kind. */
export async function recordRefusal(db: Database, ip: string | null, kind: RefusalKind, now = new Date()): Promise<void> {
  const id = { ip: (ip ?? "unknown").slice(0, 64), kind, minute: minuteOf(now) };
  const upsert = () =>
    db.supportRefusalCount.upsert({ where: { ip_kind_minute: id }, create: { ...id, count: 1 }, update: { count: { increment: 1 } } });
  try {
    await upsert();
  } catch (error) {
    // Two first refusals of a minute at once: one creates the row, the other counts in it.
    if (!isUniqueViolation(error)) throw error;
    await upsert();
  }
  log.warn("support console refused a signed-out request", { kind, ip });
}

/** Marks this minute's counts of `ip`: more refusals came and were answered 429 without being counted. */
export async function markRefusalsThrottled(db: Database, ip: string | null, now = new Date()): Promise<void> {
  await db.supportRefusalCount.updateMany({ where: { ip: (ip ?? "unknown").slice(0, 64), minute: minuteOf(now) }, data: { throttled: true } });
  log.warn("support console throttles a client's refused requests", { ip });
}

export interface RefusalCountView {
  minute: string;
  ip: string;
  kind: string;
  count: number;
  throttled: boolean;
}

export async function listRefusals(db: Database, limit = 50): Promise<RefusalCountView[]> {
  const rows = await db.supportRefusalCount.findMany({ orderBy: [{ minute: "desc" }, { count: "desc" }], take: Math.min(limit, 500) });
  return rows.map((row) => ({ minute: row.minute.toISOString(), ip: row.ip, kind: row.kind, count: row.count, throttled: row.throttled }));
}

/** Forgets refusal counts older than the retention period (run with the other support housekeeping). */
export async function pruneRefusals(db: Database, now = new Date()): Promise<number> {
  const { count } = await db.supportRefusalCount.deleteMany({ where: { minute: { lt: new Date(now.getTime() - REFUSAL_RETENTION_DAYS * 86_400_000) } } });
  return count;
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
