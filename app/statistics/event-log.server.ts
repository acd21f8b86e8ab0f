// The event log: the shop's raw events, newest first, filtered and paged with a keyset cursor on
// (receivedAt, id) — never OFFSET, so page 1 000 costs what page 1 costs — plus one event in detail and the
// filtered log as a streamed CSV. Every query is scoped by the shop. The merchant's event log and the support
// console both read it: the same filters, pages and rows, shown as the viewer may see them (VIEWERS below).
//
// How a page is read, so that each filter is served by an index on both databases. SQLite has no table
// statistics here (nothing runs ANALYZE), and without them its planner prefers the index that gives the
// ORDER BY for free — (shopDomain, receivedAt) — even when a filter's index would find the rows at once. So:
//   no filter, period, a dense outcome   ordered scan of (shopDomain, receivedAt)
//   a type (± period, outcome)           ordered scan of (shopDomain, eventType, receivedAt); the ORDER BY names
//                                        eventType too (one value, so the order is the same) to match the index
//   a search (email, phone, Loop subscription or order id)
//                                        "candidates": each identifier's own index, without ORDER BY, gives the
//                                        (id, receivedAt) of the few matching events; the other filters, the
//                                        order and the cursor are applied to that short list, then one page of
//                                        rows is read by id
//   a reason                             candidates from the hours the reason rollups name, when they are few
//                                        (none: nothing is read at all)
//   waiting, a status, or failed/skipped/a reason when there are few such events (counted on the covering
//   (shopDomain, status, nextAttemptAt) index)   candidates from the status index, as above
// A candidate list is used only up to MAX_CANDIDATES events; beyond that the ordered scan is the better plan.
import type { Prisma } from "@prisma/client";
import { z } from "zod";
import type { Database } from "~/db.server";
import { EVENT_TYPES, eventTypeLabel, isEventType } from "~/events/catalogue";
import { FLOW_SOURCE_LABEL, isFlowTopic } from "~/events/flow-action";
import { LOG_REASON_CODES, REASON_CODES, inPlainWords, reasonInfo, reasonTitle, type Audience } from "~/events/reasons";
import { EVENT_STATUSES } from "~/events/statuses";
import { redactCredentials } from "~/secrets/redaction";
import { formatDateTimeCompact, formatDateTimeSeconds } from "./format";
import { maskedJson, maskEmail, maskPhone, maskPortalTokens } from "./masking";
import { readPeriodParams, resolvePeriod, type PeriodKey, type ResolveOptions } from "./period";

export const LOG_PAGE_SIZE = 50;
export const CSV_PAGE_SIZE = 1_000;

/** Who is reading the log: the shop's merchant, or support staff of the app. */
export type Viewer = Audience;

/**
 * What each viewer is shown. Both see customers' emails and phones partly masked (./masking.ts) and never a
 * portal link's session token. Free text that may quote a request (a reason's detail, an attempt's message)
 * loses credential-shaped text for both; support staff, who work for the app and not for the shop, also lose
 * long opaque tokens (the merchant keeps them: they are the ids a merchant matches against Postscript or Loop;
 * the merchant reads HTTP status codes in words),
 * never see the Loop payload or the Postscript request, and get the last attempt in each row, to diagnose
 * deliveries from the list. Reasons are titled in each viewer's words.
 */
const VIEWERS = {
  merchant: {
    freeText: (text: string) => inPlainWords(redactCredentials(maskPortalTokens(text), { opaqueTokens: false })),
    showsRequests: true,
    lastAttemptInRows: false,
    // The log opens on every event the shop still has; a period narrows it.
    period: { fallback: "all", allowAll: true } satisfies ResolveOptions,
  },
  support: {
    freeText: (text: string) => redactCredentials(maskPortalTokens(text)),
    showsRequests: false,
    lastAttemptInRows: true,
    // The console's presets, as on the shop's record (the statistics' default period).
    period: { fallback: "7d" } satisfies ResolveOptions,
  },
} as const;

function freeText(viewer: Viewer, text: string | null): string | null {
  return text === null ? null : VIEWERS[viewer].freeText(text);
}

export const OUTCOMES = {
  delivered: { label: "Delivered", statuses: ["delivered"] },
  skipped: { label: "Skipped", statuses: ["skipped"] },
  failed: { label: "Failed", statuses: ["failed"] },
  waiting: { label: "Waiting", statuses: ["received", "pending", "paused"] },
} as const;
export type Outcome = keyof typeof OUTCOMES;

export function outcomeOf(status: string): Outcome {
  if (status === "delivered" || status === "skipped" || status === "failed") return status;
  return "waiting";
}

const CURSOR_RE = /^(\d{1,15})\.([A-Za-z0-9_-]{1,64})$/;
interface Cursor {
  receivedAt: Date;
  id: string;
}

export function encodeCursor(event: { receivedAt: Date; id: string }): string {
  return `${event.receivedAt.getTime()}.${event.id}`;
}

const cursorSchema = z
  .string()
  .regex(CURSOR_RE)
  .transform((value): Cursor => {
    const [, ms, id] = CURSOR_RE.exec(value)!;
    return { receivedAt: new Date(Number(ms)), id };
  });

const optionalText = z
  .string()
  .trim()
  .max(200)
  .transform((s) => s || undefined)
  .optional()
  .catch(undefined);

/** The log's filters as they appear in the URL (the same for every viewer); anything unreadable is ignored. */
export const logFiltersSchema = z.object({
  type: z
    .string()
    .refine((t) => isEventType(t) || t === "unknown")
    .optional()
    .catch(undefined),
  outcome: z.enum(["delivered", "skipped", "failed", "waiting"]).optional().catch(undefined),
  /** One exact status (the support console's filter); with an outcome, only when the outcome holds it. */
  status: z.enum(EVENT_STATUSES).optional().catch(undefined),
  reason: z
    .enum(REASON_CODES)
    .refine((code) => LOG_REASON_CODES.includes(code))
    .optional().catch(undefined),
  q: optionalText,
  after: cursorSchema.optional().catch(undefined),
  before: cursorSchema.optional().catch(undefined),
});
export type LogFilters = z.infer<typeof logFiltersSchema>;

export interface LogQuery {
  viewer: Viewer;
  filters: LogFilters;
  timeZone: string;
  now: Date;
  period: { key: PeriodKey; fromDate: string | null; toDate: string | null; start: Date | null; end: Date | null; problem: string | null; today: string };
}

/**
 * Reads the log's filters and period from the URL, for one viewer. The period resolves exactly as the
 * viewer's statistics do (the overview's periods), with the viewer's default.
 */
export function readLogQuery(viewer: Viewer, search: URLSearchParams, timeZone: string, now = new Date()): LogQuery {
  const filters = logFiltersSchema.parse(Object.fromEntries([...search.entries()].filter(([key]) => key in logFiltersSchema.shape)));
  const period = resolvePeriod(readPeriodParams(search), timeZone, now, { ...VIEWERS[viewer].period, withBuckets: false });
  return { viewer, filters, timeZone, period, now };
}

/** What a search text may be: an email, a phone number, a Loop subscription id or a Loop order id. */
export function searchCondition(text: string): Prisma.EventWhereInput {
  const q = text.trim();
  if (q.includes("@")) return { customerEmail: { in: [...new Set([q, q.toLowerCase()])] } };
  const conditions: Prisma.EventWhereInput[] = [{ subscriptionKey: q }, { loopOrderId: q }];
  const compact = q.replace(/[\s().-]/g, "");
  if (/^\+?\d{6,15}$/.test(compact)) {
    const digits = compact.replace(/^\+/, "");
    const phones = compact.startsWith("+") ? [compact] : [`+${digits}`, ...(digits.length === 10 ? [`+1${digits}`] : [])];
    conditions.push({ customerPhone: { in: phones } });
  }
  return { OR: conditions };
}

/** The filters as a Prisma condition (without the page cursor). Always scoped by the shop. */
export function logWhere(shopDomain: string, query: LogQuery): Prisma.EventWhereInput {
  const { filters, period } = query;
  const and: Prisma.EventWhereInput[] = [];
  const where: Prisma.EventWhereInput = { shopDomain };
  if (filters.type) where.eventType = filters.type === "unknown" ? null : filters.type;
  const statuses = statusesOf(filters);
  if (statuses) where.status = { in: statuses };
  if (filters.reason) where.reason = filters.reason;
  if (period.start && period.end) where.receivedAt = { gte: period.start, lt: period.end };
  if (filters.q) and.push(searchCondition(filters.q));
  if (and.length) where.AND = and;
  return where;
}

/** Events strictly older (direction "after") or newer ("before") than the cursor, in (receivedAt, id) order. */
function keyset(cursor: Cursor, direction: "after" | "before"): Prisma.EventWhereInput {
  return direction === "after"
    ? { AND: [{ receivedAt: { lte: cursor.receivedAt } }, { OR: [{ receivedAt: { lt: cursor.receivedAt } }, { id: { lt: cursor.id } }] }] }
    : { AND: [{ receivedAt: { gte: cursor.receivedAt } }, { OR: [{ receivedAt: { gt: cursor.receivedAt } }, { id: { gt: cursor.id } }] }] };
}

const listSelect = {
  id: true,
  receivedAt: true,
  occurredAt: true,
  eventType: true,
  topic: true,
  status: true,
  reason: true,
  reasonDetail: true,
  isTest: true,
  customerEmail: true,
  customerPhone: true,
  subscriptionKey: true,
  loopOrderId: true,
  attemptCount: true,
  deliveredAt: true,
  nextAttemptAt: true,
} satisfies Prisma.EventSelect;

const attemptSelect = { id: true, startedAt: true, durationMs: true, httpStatus: true, outcome: true, errorClass: true, message: true } satisfies Prisma.DeliveryAttemptSelect;

/** Rows with their last attempt, for a viewer who sees it in the list. */
const listWithLastAttemptSelect = {
  ...listSelect,
  attempts: { orderBy: [{ startedAt: "desc" }, { id: "desc" }], take: 1, select: attemptSelect },
} satisfies Prisma.EventSelect;

type ListedEvent = Prisma.EventGetPayload<{ select: typeof listSelect }> & { attempts?: AttemptRow[] };
type AttemptRow = Prisma.DeliveryAttemptGetPayload<{ select: typeof attemptSelect }>;

export interface AttemptView {
  id: string;
  startedAt: string;
  startedLabel: string;
  durationMs: number;
  httpStatus: number | null;
  outcome: string;
  errorClass: string | null;
  /** Free text, redacted for the viewer. */
  message: string | null;
}

/** One event in the list, as its viewer may see it. */
export interface LogRow {
  id: string;
  receivedAt: string;
  receivedLabel: string;
  occurredAt: string;
  /** The Postscript event type, or "unknown" when the event could not be read. */
  type: string;
  /** The type's friendly name, null when the type is unknown. */
  typeLabel: string | null;
  typeKnown: boolean;
  topic: string;
  outcome: Outcome;
  status: string;
  reason: string | null;
  /** The reason in the viewer's words. */
  reasonTitle: string | null;
  /** Free text, redacted for the viewer. */
  reasonDetail: string | null;
  isTest: boolean;
  /** The customer's email and phone, masked. */
  email: string | null;
  phone: string | null;
  subscriptionKey: string | null;
  loopOrderId: string | null;
  attempts: number;
  /** Where the event came from: Loop Subscriptions, or a merchant's Shopify Flow workflow. */
  source: string;
  deliveredAt: string | null;
  /** When the next attempt is due, while the event waits to be sent. */
  nextAttemptAt: string | null;
  /** The latest attempt, for viewers who see it in the list (support); absent otherwise. */
  lastAttempt?: AttemptView | null;
}

export interface LogPage {
  rows: LogRow[];
  hasNext: boolean;
  hasPrevious: boolean;
  nextCursor: string | null;
  previousCursor: string | null;
}

const MAX_CANDIDATES = 5_000;
/** A reason filter reads only the hours its rollups name when they are at most this many and hold at most
 *  RARE_REASON_EVENTS such events. */
const MAX_REASON_HOURS = 24;
const RARE_REASON_EVENTS = 2 * LOG_PAGE_SIZE;
/** failed/skipped/reason filters use the status index when the shop has at most this many such events. */
const SPARSE_STATUS_LIMIT = 5_000;

interface Key {
  id: string;
  receivedAt: Date;
}
const keySelect = { id: true, receivedAt: true, eventType: true, status: true, reason: true } satisfies Prisma.EventSelect;
type KeyRow = Prisma.EventGetPayload<{ select: typeof keySelect }>;

/** How the filtered log is read (see the top of this file). */
type Plan =
  | { kind: "scan"; where: Prisma.EventWhereInput; byType: boolean }
  | { kind: "candidates"; keys: Key[] };

/** The statuses the filters allow; null when any. */
function statusesOf(filters: LogFilters): string[] | null {
  const outcome: readonly string[] | null = filters.outcome ? OUTCOMES[filters.outcome].statuses : null;
  if (filters.status) return !outcome || outcome.includes(filters.status) ? [filters.status] : [];
  if (outcome) return [...outcome];
  // A reason is an error when the event ended with it (as the overview counts it); a retrying event keeps the
  // reason of its last attempt, and shows under the "waiting" outcome (or its own status) instead.
  if (filters.reason) return ["skipped", "failed"];
  return null;
}

/** Whether a candidate row passes the filters that its own index did not apply. */
function passes(row: KeyRow, query: LogQuery): boolean {
  const { filters, period } = query;
  if (filters.type && (row.eventType ?? "unknown") !== filters.type) return false;
  const statuses = statusesOf(filters);
  if (statuses && !statuses.includes(row.status)) return false;
  if (filters.reason && row.reason !== filters.reason) return false;
  if (period.start && period.end && (row.receivedAt < period.start || row.receivedAt >= period.end)) return false;
  return true;
}

function newestFirst(a: Key, b: Key) {
  return b.receivedAt.getTime() - a.receivedAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/** The search's conditions, one per identifier index. */
function searchConditions(text: string): Prisma.EventWhereInput[] {
  const condition = searchCondition(text);
  return condition.OR ? (condition.OR as Prisma.EventWhereInput[]) : [condition];
}

async function planLog(db: Database, shopDomain: string, query: LogQuery): Promise<Plan> {
  const { filters } = query;
  const scan: Plan = { kind: "scan", where: logWhere(shopDomain, query), byType: Boolean(filters.type) };
  let sources: Prisma.EventWhereInput[] | null = null;
  /** The reason rollups have counted the hour-range source already. */
  let counted = false;
  const statuses = statusesOf(filters);
  if (statuses?.length === 0) return { kind: "candidates", keys: [] };
  if (filters.q) {
    sources = searchConditions(filters.q).map((condition) => ({ shopDomain, ...condition }));
  } else if (filters.reason && statuses?.every((status) => status === "skipped" || status === "failed")) {
    // No index has the reason, but the reason rollups (which count the events that ended skipped or failed) say
    // in which hours such events were received: when they are few, only those hours are read (none at all:
    // nothing is read).
    sources = await reasonHourRanges(db, shopDomain, filters.reason, query);
    counted = sources !== null;
  }
  if (!sources && (!filters.type || filters.outcome === "waiting")) {
    if (statuses && (filters.outcome === "waiting" || (!statuses.includes("delivered") && !filters.type))) {
      sources = [{ shopDomain, status: { in: statuses } }];
    }
  }
  if (!sources) return scan;
  if (sources.length === 0) return { kind: "candidates", keys: [] };
  // Counted on the same indexes (index-only), so a large match costs nothing before falling back to the scan.
  const counts = counted ? sources.map(() => 1) : await Promise.all(sources.map((where) => db.event.count({ where })));
  const total = counts.reduce((a, b) => a + b, 0);
  if (!counted && total > (filters.q ? MAX_CANDIDATES : SPARSE_STATUS_LIMIT)) return scan;
  const found = new Map<string, KeyRow>();
  for (const [i, where] of sources.entries()) {
    if (counts[i] === 0) continue;
    for (const row of await db.event.findMany({ where, select: keySelect })) found.set(row.id, row);
  }
  const keys = [...found.values()].filter((row) => passes(row, query)).map(({ id, receivedAt }) => ({ id, receivedAt }));
  keys.sort(newestFirst);
  return { kind: "candidates", keys };
}

/**
 * The receivedAt ranges (whole hours, adjacent ones merged) holding the period's skipped/failed events with this
 * reason, from the reason rollups — when such events are rare. Reading those hours then beats the ordered scan,
 * which, finding less than a page, would read the whole period. Null when they are not rare (the scan finds a
 * page soon enough).
 */
async function reasonHourRanges(db: Database, shopDomain: string, reason: string, query: LogQuery): Promise<Prisma.EventWhereInput[] | null> {
  const { start, end } = query.period;
  const rows = await db.reasonRollup.findMany({
    where: { shopDomain, reason, count: { gt: 0 }, ...(start && end ? { hourStart: { gte: start, lt: end } } : {}) },
    select: { hourStart: true, count: true },
    orderBy: { hourStart: "asc" },
    take: MAX_REASON_HOURS + 1,
  });
  const events = rows.reduce((sum, row) => sum + row.count, 0);
  if (rows.length > MAX_REASON_HOURS || events > RARE_REASON_EVENTS) return null;
  const ranges: { gte: Date; lt: Date }[] = [];
  for (const { hourStart } of rows) {
    const last = ranges[ranges.length - 1];
    const hourEnd = new Date(hourStart.getTime() + 3_600_000);
    if (last && last.lt.getTime() === hourStart.getTime()) last.lt = hourEnd;
    else ranges.push({ gte: hourStart, lt: hourEnd });
  }
  if (ranges.length === 0) return [];
  // One condition: an OR of ranges that each name the shop, so each is one range of (shopDomain, receivedAt). The
  // status is checked on the rows read (passes()): in SQL, PostgreSQL would combine it with the global status index.
  return [{ OR: ranges.map((receivedAt) => ({ shopDomain, receivedAt })), reason }];
}

/** Up to `take` events after (older than) or before (newer than) the cursor, in that direction's order. */
async function readKeys<S extends Prisma.EventSelect>(
  db: Database,
  shopDomain: string,
  plan: Plan,
  cursor: Cursor | null,
  direction: "after" | "before",
  take: number,
  select: S,
): Promise<Prisma.EventGetPayload<{ select: S }>[]> {
  if (plan.kind === "scan") {
    const order: Prisma.SortOrder = direction === "after" ? "desc" : "asc";
    const orderBy: Prisma.EventOrderByWithRelationInput[] = [...(plan.byType ? [{ eventType: order }] : []), { receivedAt: order }, { id: order }];
    return db.event.findMany({
      where: cursor ? { AND: [plan.where, keyset(cursor, direction)] } : plan.where,
      orderBy,
      take,
      select,
    }) as Promise<Prisma.EventGetPayload<{ select: S }>[]>;
  }
  let keys = plan.keys;
  if (cursor) {
    keys = direction === "after" ? keys.filter((k) => newestFirst(k, cursor) > 0) : keys.filter((k) => newestFirst(k, cursor) < 0).reverse();
  }
  const wanted = keys.slice(0, take);
  if (wanted.length === 0) return [];
  // By primary key alone: with shopDomain in the condition too, SQLite's planner walks a (shopDomain, …) index
  // through all of the shop's events instead. The keys came from queries scoped by the shop, and the shop is
  // checked again here.
  const withShop: Prisma.EventSelect = { ...select, shopDomain: true };
  type Found = Prisma.EventGetPayload<{ select: S }> & { id: string; shopDomain: string };
  const rows = (await db.event.findMany({ where: { id: { in: wanted.map((k) => k.id) } }, select: withShop })) as unknown as Found[];
  const byId = new Map(rows.filter((row) => row.shopDomain === shopDomain).map((row) => [row.id, row]));
  return wanted.map((k) => byId.get(k.id)).filter((row): row is NonNullable<typeof row> => row !== undefined);
}

/** One page of the log, newest first, as the query's viewer sees it. `after` pages to older events, `before` back to newer ones. */
export async function listEvents(db: Database, shopDomain: string, query: LogQuery, pageSize = LOG_PAGE_SIZE): Promise<LogPage> {
  const { after, before } = query.filters;
  const backwards = !after && Boolean(before);
  const cursor = after ?? before ?? null;
  const plan = await planLog(db, shopDomain, query);
  const select = VIEWERS[query.viewer].lastAttemptInRows ? listWithLastAttemptSelect : listSelect;
  const found: ListedEvent[] = await readKeys(db, shopDomain, plan, cursor, backwards ? "before" : "after", pageSize + 1, select);
  const more = found.length > pageSize;
  const page = found.slice(0, pageSize);
  if (backwards) page.reverse();
  const rows = page.map((event) => logRow(event, query));
  return {
    rows,
    hasNext: backwards ? true : more,
    hasPrevious: backwards ? more : Boolean(after),
    nextCursor: page.length ? encodeCursor(page[page.length - 1]) : null,
    previousCursor: page.length ? encodeCursor(page[0]) : null,
  };
}

interface View {
  viewer: Viewer;
  timeZone: string;
  now: Date;
}

function logRow(event: ListedEvent, view: View): LogRow {
  const row: LogRow = {
    id: event.id,
    receivedAt: event.receivedAt.toISOString(),
    receivedLabel: formatDateTimeCompact(view.timeZone, event.receivedAt, view.now),
    occurredAt: event.occurredAt.toISOString(),
    type: event.eventType ?? "unknown",
    typeLabel: eventTypeLabel(event.eventType),
    typeKnown: isEventType(event.eventType),
    topic: event.topic,
    outcome: outcomeOf(event.status),
    status: event.status,
    reason: event.reason,
    reasonTitle: event.reason ? reasonTitle(event.reason, view.viewer) : null,
    reasonDetail: freeText(view.viewer, event.reasonDetail),
    isTest: event.isTest,
    email: maskEmail(event.customerEmail),
    phone: maskPhone(event.customerPhone),
    subscriptionKey: event.subscriptionKey,
    loopOrderId: event.loopOrderId,
    attempts: event.attemptCount,
    source: isFlowTopic(event.topic) ? FLOW_SOURCE_LABEL : "Loop Subscriptions",
    deliveredAt: event.deliveredAt?.toISOString() ?? null,
    nextAttemptAt: event.status === "pending" || event.status === "paused" ? event.nextAttemptAt.toISOString() : null,
  };
  if (event.attempts) row.lastAttempt = event.attempts[0] ? attemptView(event.attempts[0], view) : null;
  return row;
}

function attemptView(attempt: AttemptRow, view: View): AttemptView {
  return {
    id: attempt.id,
    startedAt: attempt.startedAt.toISOString(),
    startedLabel: formatDateTimeCompact(view.timeZone, attempt.startedAt, view.now),
    durationMs: attempt.durationMs,
    httpStatus: attempt.httpStatus,
    outcome: attempt.outcome,
    errorClass: attempt.errorClass,
    message: freeText(view.viewer, attempt.message),
  };
}

// ---------------------------------------------------------------------------------------------------------
// One event
// ---------------------------------------------------------------------------------------------------------

export interface EventDetail extends LogRow {
  /** The page's title: the type's friendly name (its name goes beside it, in the subtitle), or for an event that could not be read, its Loop topic. */
  title: string;
  /** For an event waiting to be tried again after a failed attempt: when. */
  nextAttemptLabel: string | null;
  receivedFull: string;
  occurredLabel: string;
  deliveredLabel: string | null;
  reasonMeaning: string | null;
  /** Why the event has its type, when that took a judgement (payment failures), as decided when it was prepared. */
  typeDecision: string | null;
  postscriptEventId: string | null;
  loopWebhookId: string;
  /** What Loop sent and what was sent to Postscript, masked; null for viewers who do not see them (support). */
  payload: string | null;
  request: string | null;
  /** Every attempt, oldest first. */
  attemptList: AttemptView[];
  canReplay: boolean;
}

/**
 * One event of the shop with its attempts, oldest first, as the viewer may see it. Scoped by the shop: an id of
 * another shop's event is not found (null).
 */
export async function getEventDetail(db: Database, shopDomain: string, id: string, viewer: Viewer, timeZone: string, now = new Date()): Promise<EventDetail | null> {
  const event = await db.event.findFirst({
    where: { id, shopDomain },
    select: { ...listSelect, typeDecision: true, postscriptEventId: true, loopWebhookId: true, payload: true, request: true, attempts: { orderBy: [{ startedAt: "asc" }, { id: "asc" }], select: attemptSelect } },
  });
  if (!event) return null;
  const view: View = { viewer, timeZone, now };
  const { attempts, ...fields } = event;
  const showsRequests = VIEWERS[viewer].showsRequests;
  const row = logRow(fields, view);
  return {
    ...row,
    title: row.typeLabel ?? (row.typeKnown ? row.type : `Loop ${event.topic} (could not be read)`),
    nextAttemptLabel: event.status === "pending" && event.attemptCount > 0 ? formatDateTimeSeconds(timeZone, event.nextAttemptAt) : null,
    receivedFull: formatDateTimeSeconds(timeZone, event.receivedAt)!,
    occurredLabel: formatDateTimeSeconds(timeZone, event.occurredAt)!,
    deliveredLabel: formatDateTimeSeconds(timeZone, event.deliveredAt),
    reasonMeaning: event.reason ? reasonInfo(event.reason).meaning : null,
    typeDecision: event.typeDecision,
    postscriptEventId: event.postscriptEventId,
    loopWebhookId: event.loopWebhookId,
    payload: showsRequests ? maskedJson(event.payload) : null,
    request: showsRequests ? maskedJson(event.request) : null,
    attemptList: attempts.map((attempt) => attemptView(attempt, view)),
    // Data Loop sent that could not be read fails the same way every time: replaying it cannot help.
    canReplay: event.status === "failed" && event.reason !== "invalid_payload",
  };
}

// ---------------------------------------------------------------------------------------------------------
// CSV export
// ---------------------------------------------------------------------------------------------------------

const csvSelect = {
  ...listSelect,
  deliveredAt: true,
  reasonDetail: true,
  postscriptEventId: true,
  loopWebhookId: true,
} satisfies Prisma.EventSelect;
type CsvEvent = Prisma.EventGetPayload<{ select: typeof csvSelect }>;

const CSV_COLUMNS: [string, (e: CsvEvent, timeZone: string) => unknown][] = [
  ["event_id", (e) => e.id],
  ["received_at_utc", (e) => e.receivedAt.toISOString()],
  ["received_at_local", (e, tz) => formatDateTimeSeconds(tz, e.receivedAt)],
  ["occurred_at_utc", (e) => e.occurredAt.toISOString()],
  ["event_type", (e) => e.eventType ?? "unknown"],
  ["loop_topic", (e) => e.topic],
  ["outcome", (e) => outcomeOf(e.status)],
  ["status", (e) => e.status],
  ["reason", (e) => e.reason],
  ["reason_detail", (e) => e.reasonDetail],
  ["attempts", (e) => e.attemptCount],
  ["delivered_at_utc", (e) => e.deliveredAt?.toISOString()],
  ["postscript_event_id", (e) => e.postscriptEventId],
  ["test", (e) => (e.isTest ? "yes" : "no")],
  ["customer_email", (e) => e.customerEmail],
  ["customer_phone", (e) => e.customerPhone],
  ["loop_subscription_id", (e) => e.subscriptionKey],
  ["loop_order_id", (e) => e.loopOrderId],
  ["loop_webhook_id", (e) => e.loopWebhookId],
];

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break, quotes doubled. A field a
 * spreadsheet would run as a formula (=, @, tab or carriage return first; + or - first unless it is a plain
 * number such as a phone number) gets a leading apostrophe.
 */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return "";
  let text = String(value);
  if (/^[=@\t\r]/.test(text) || (/^[+-]/.test(text) && !/^[+-]?\d[\d\s().]*$/.test(text))) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(values: unknown[]): string {
  return `${values.map(csvField).join(",")}\r\n`;
}

/**
 * The filtered log as CSV, newest first, read from the database one keyset page at a time as the client reads
 * the stream: memory stays at one page whatever the size, and a slow download only slows its own reads. It is
 * the merchant's own data, unmasked (customers' emails and phones in full), so only the merchant gets it.
 */
export function exportEventsCsv(db: Database, shopDomain: string, query: LogQuery, pageSize = CSV_PAGE_SIZE): ReadableStream<Uint8Array> {
  if (query.viewer !== "merchant") throw new Error("Only the merchant exports the event log: the export is not masked.");
  const encoder = new TextEncoder();
  let plan: Plan | null = null;
  let cursor: Cursor | null = null;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!plan) {
          plan = await planLog(db, shopDomain, { ...query, filters: { ...query.filters, after: undefined, before: undefined } });
          controller.enqueue(encoder.encode(`\uFEFF${csvLine(CSV_COLUMNS.map(([name]) => name))}`));
          return;
        }
        const page: CsvEvent[] = await readKeys(db, shopDomain, plan, cursor, "after", pageSize, csvSelect);
        if (page.length) {
          controller.enqueue(encoder.encode(page.map((e) => csvLine(CSV_COLUMNS.map(([, get]) => get(e, query.timeZone)))).join("")));
          cursor = { receivedAt: page[page.length - 1].receivedAt, id: page[page.length - 1].id };
        }
        if (page.length < pageSize) controller.close();
      },
    },
    { highWaterMark: 1 },
  );
}

export function csvFileName(shopDomain: string, query: LogQuery): string {
  const store = shopDomain.replace(/\.myshopify\.com$/, "");
  const range = query.period.fromDate && query.period.toDate ? `${query.period.fromDate}_${query.period.toDate}` : "all";
  return `loop-postscript-events-${store}-${range}.csv`.replace(/[^A-Za-z0-9._-]/g, "-");
}

/** The event types a filter can choose from, with the catalogue's descriptions. */
export const TYPE_CHOICES = [
  ...EVENT_TYPES.map((e) => ({ value: e.type as string, label: e.type, description: e.description as string })),
  { value: "unknown", label: "unknown", description: "Events that could not be read" },
];
