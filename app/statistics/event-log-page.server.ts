// What the event log page and the event detail page need, in one call each (the routes stay thin).
import type { Database } from "~/db.server";
import { getConfig } from "~/config/env.server";
import { LOG_REASON_CODES, reasonInfo } from "~/events/reasons";
import { formatDateRange, formatDateTime } from "./format";
import { getEventDetail, listEvents, readLogQuery, TYPE_CHOICES, type EventDetail, type LogPage, type Outcome } from "./event-log.server";
import type { PeriodValue } from "./period";
import { statisticsTimeZone } from "./time-zone.server";

/** What the event log page shows. */
export interface EventLogData {
  page: LogPage;
  filters: { type: string | null; outcome: Outcome | null; reason: string | null; q: string | null };
  period: PeriodValue & { problem: string | null };
  timeZone: { name: string; known: boolean };
  typeChoices: { value: string; label: string; description: string }[];
  reasonChoices: { value: string; label: string }[];
  /** Events older than `days` are deleted (their counts stay in the overview); the period reaches before that. */
  retention: { days: number; cutoffLabel: string; reachesPastCutoff: boolean };
}

export async function loadEventLog(db: Database, shopDomain: string, search: URLSearchParams, now = new Date()): Promise<EventLogData> {
  const zone = await statisticsTimeZone(db, shopDomain);
  const query = readLogQuery("merchant", search, zone.name, now);
  const page = await listEvents(db, shopDomain, query);
  const { period, filters } = query;
  return {
    page,
    filters: { type: filters.type ?? null, outcome: filters.outcome ?? null, reason: filters.reason ?? null, q: filters.q ?? null },
    period: {
      key: period.key,
      fromDate: period.fromDate,
      toDate: period.toDate,
      today: period.today,
      range: period.fromDate && period.toDate ? formatDateRange(period.fromDate, period.toDate) : null,
      problem: period.problem,
    },
    timeZone: zone,
    typeChoices: TYPE_CHOICES,
    reasonChoices: LOG_REASON_CODES.map((code) => ({ value: code, label: reasonInfo(code).title })),
    retention: retentionNotice(period.start, zone.name, now),
  };
}

/**
 * Raw events are kept EVENT_RETENTION_DAYS; the overview's hourly figures much longer. A period that reaches
 * back past the cutoff shows figures in the overview but fewer rows here: say so instead of looking broken.
 */
function retentionNotice(periodStart: Date | null, timeZone: string, now: Date): EventLogData["retention"] {
  const days = getConfig().EVENT_RETENTION_DAYS;
  const cutoff = new Date(now.getTime() - days * 86_400_000);
  return { days, cutoffLabel: formatDateTime(timeZone, cutoff)!, reachesPastCutoff: periodStart === null || periodStart < cutoff };
}

const backSchema = /^\?[^#]{0,2000}$/;

export async function loadEventDetail(db: Database, shopDomain: string, id: string, search: URLSearchParams): Promise<{ event: EventDetail | null; backUrl: string }> {
  const zone = await statisticsTimeZone(db, shopDomain);
  const back = search.get("back");
  const backSearch = back && backSchema.test(back) ? new URLSearchParams(back) : new URLSearchParams();
  backSearch.delete("id_token");
  const backQuery = backSearch.toString();
  return { event: await getEventDetail(db, shopDomain, id, "merchant", zone.name), backUrl: `/app/events${backQuery ? `?${backQuery}` : ""}` };
}
