// The event log: the shop's raw events, newest first, filtered and paged with a keyset cursor on
// (receivedAt, id) — never OFFSET, so page 1 000 costs what page 1 costs — plus one event in detail and the
// filtered log as a streamed CSV. Every query is scoped by the shop, and each filter is served by an index:
//   no filter / time range / outcome / reason   (shopDomain, receivedAt)
//   type                                         (shopDomain, eventType, receivedAt)
//   search                                       (shopDomain, customerEmail | customerPhone | subscriptionKey | loopOrderId)
import type { Prisma } from "@prisma/client";
import { z } from "zod";
import type { Database } from "~/db.server";
import { EVENT_TYPES, isEventType } from "~/events/catalogue";
import { formatDateTimeSeconds } from "./format";
import { maskedJson, maskEmail, maskPhone } from "./masking";
import { readPeriodParams, resolvePeriod, type PeriodKey } from "./period";
import { reasonInfo, REASON_CODES } from "./reasons";

export const LOG_PAGE_SIZE = 50;
export const CSV_PAGE_SIZE = 1_000;

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

/** The log's filters as they appear in the URL; anything unreadable is ignored. */
export const logFiltersSchema = z.object({
  type: z
    .string()
    .refine((t) => isEventType(t) || t === "unknown")
    .optional()
    .catch(undefined),
  outcome: z.enum(["delivered", "skipped", "failed", "waiting"]).optional().catch(undefined),
  reason: z.enum(REASON_CODES).optional().catch(undefined),
  q: optionalText,
  after: cursorSchema.optional().catch(undefined),
  before: cursorSchema.optional().catch(undefined),
});
export type LogFilters = z.infer<typeof logFiltersSchema>;

export interface LogQuery {
  filters: LogFilters;
  timeZone: string;
  period: { key: PeriodKey; fromDate: string | null; toDate: string | null; start: Date | null; end: Date | null; problem: string | null; today: string };
}

/** Reads the log's filters and period from the URL (the period resolves exactly as the overview's does). */
export function readLogQuery(search: URLSearchParams, timeZone: string, now = new Date()): LogQuery {
  const filters = logFiltersSchema.parse(Object.fromEntries([...search.entries()].filter(([key]) => key in logFiltersSchema.shape)));
  const period = resolvePeriod(readPeriodParams(search), timeZone, now, { fallback: "all", allowAll: true, withBuckets: false });
  return { filters, timeZone, period };
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
  if (filters.outcome) where.status = { in: [...OUTCOMES[filters.outcome].statuses] };
  if (filters.reason) {
    where.reason = filters.reason;
    // A reason is an error when the event ended with it (as the overview counts it); a retrying event keeps
    // the reason of its last attempt, and shows under the "waiting" outcome instead.
    if (!filters.outcome) where.status = { in: ["skipped", "failed"] };
  }
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
  isTest: true,
  customerEmail: true,
  customerPhone: true,
  subscriptionKey: true,
  loopOrderId: true,
  attemptCount: true,
} satisfies Prisma.EventSelect;

export interface LogRow {
  id: string;
  receivedAt: string;
  receivedLabel: string;
  type: string;
  typeKnown: boolean;
  outcome: Outcome;
  status: string;
  reason: string | null;
  reasonTitle: string | null;
  isTest: boolean;
  customer: string | null;
  subscriptionKey: string | null;
  loopOrderId: string | null;
  attempts: number;
}

export interface LogPage {
  rows: LogRow[];
  hasNext: boolean;
  hasPrevious: boolean;
  nextCursor: string | null;
  previousCursor: string | null;
}

/** One page of the log, newest first. `after` pages to older events, `before` back to newer ones. */
export async function listEvents(db: Database, shopDomain: string, query: LogQuery, pageSize = LOG_PAGE_SIZE): Promise<LogPage> {
  const base = logWhere(shopDomain, query);
  const { after, before } = query.filters;
  const backwards = !after && Boolean(before);
  const cursor = after ?? before;
  const where: Prisma.EventWhereInput = cursor ? { AND: [base, keyset(cursor, backwards ? "before" : "after")] } : base;
  const order = backwards ? "asc" : "desc";
  const found = await db.event.findMany({
    where,
    orderBy: [{ receivedAt: order }, { id: order }],
    take: pageSize + 1,
    select: listSelect,
  });
  const more = found.length > pageSize;
  const page = found.slice(0, pageSize);
  if (backwards) page.reverse();
  const rows = page.map((event) => logRow(event, query.timeZone));
  return {
    rows,
    hasNext: backwards ? true : more,
    hasPrevious: backwards ? more : Boolean(after),
    nextCursor: page.length ? encodeCursor(page[page.length - 1]) : null,
    previousCursor: page.length ? encodeCursor(page[0]) : null,
  };
}

function logRow(event: Prisma.EventGetPayload<{ select: typeof listSelect }>, timeZone: string): LogRow {
  return {
    id: event.id,
    receivedAt: event.receivedAt.toISOString(),
    receivedLabel: formatDateTimeSeconds(timeZone, event.receivedAt)!,
    type: event.eventType ?? "unknown",
    typeKnown: isEventType(event.eventType),
    outcome: outcomeOf(event.status),
    status: event.status,
    reason: event.reason,
    reasonTitle: event.reason ? reasonInfo(event.reason).title : null,
    isTest: event.isTest,
    customer: event.customerEmail ? maskEmail(event.customerEmail) : event.customerPhone ? maskPhone(event.customerPhone) : null,
    subscriptionKey: event.subscriptionKey,
    loopOrderId: event.loopOrderId,
    attempts: event.attemptCount,
  };
}

// ---------------------------------------------------------------------------------------------------------
// One event
// ---------------------------------------------------------------------------------------------------------

export interface EventDetail extends LogRow {
  topic: string;
  occurredLabel: string;
  deliveredLabel: string | null;
  reasonDetail: string | null;
  reasonMeaning: string | null;
  postscriptEventId: string | null;
  loopWebhookId: string;
  payload: string | null;
  request: string | null;
  attempts: number;
  attemptList: {
    id: string;
    startedAt: string;
    startedLabel: string;
    durationMs: number;
    httpStatus: number | null;
    outcome: string;
    errorClass: string | null;
    message: string | null;
  }[];
  canReplay: boolean;
}

/** One event of the shop with its attempts; phones and emails masked. Null when the shop has no such event. */
export async function getEventDetail(db: Database, shopDomain: string, id: string, timeZone: string): Promise<EventDetail | null> {
  const event = await db.event.findFirst({
    where: { id, shopDomain },
    include: { attempts: { orderBy: { startedAt: "asc" } } },
  });
  if (!event) return null;
  return {
    ...logRow(event, timeZone),
    topic: event.topic,
    occurredLabel: formatDateTimeSeconds(timeZone, event.occurredAt)!,
    deliveredLabel: formatDateTimeSeconds(timeZone, event.deliveredAt),
    reasonDetail: event.reasonDetail,
    reasonMeaning: event.reason ? reasonInfo(event.reason).meaning : null,
    postscriptEventId: event.postscriptEventId,
    loopWebhookId: event.loopWebhookId,
    payload: maskedJson(event.payload),
    request: maskedJson(event.request),
    attemptList: event.attempts.map((a) => ({
      id: a.id,
      startedAt: a.startedAt.toISOString(),
      startedLabel: formatDateTimeSeconds(timeZone, a.startedAt)!,
      durationMs: a.durationMs,
      httpStatus: a.httpStatus,
      outcome: a.outcome,
      errorClass: a.errorClass,
      message: a.message,
    })),
    canReplay: event.status === "failed",
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
 * the stream: memory stays at one page whatever the size, and a slow download only slows its own reads.
 */
export function exportEventsCsv(db: Database, shopDomain: string, query: LogQuery, pageSize = CSV_PAGE_SIZE): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const base = logWhere(shopDomain, query);
  let cursor: Cursor | null = null;
  let headerSent = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!headerSent) {
          headerSent = true;
          controller.enqueue(encoder.encode(`\uFEFF${csvLine(CSV_COLUMNS.map(([name]) => name))}`));
          return;
        }
        const page: CsvEvent[] = await db.event.findMany({
          where: cursor ? { AND: [base, keyset(cursor, "after")] } : base,
          orderBy: [{ receivedAt: "desc" }, { id: "desc" }],
          take: pageSize,
          select: csvSelect,
        });
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
