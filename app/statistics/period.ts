// The time period of the Integration Overview and the event log, in the shop's time zone, kept in the URL
// (?period=7d, or ?period=custom&from=2026-11-01&to=2026-11-07) so a view can be shared and reloaded.
// Pure (no database, no Node APIs): the browser imports the presets and labels too.
//
// Periods and hours. Statistics are kept per UTC hour (app/statistics/rollups.server.ts), so every period
// boundary is a whole UTC hour. A day in the shop's time zone starts at local midnight; where that is not a
// whole UTC hour (India +5:30, Nepal +5:45, Newfoundland −3:30, parts of Australia), the boundary moves to the
// NEAREST whole UTC hour, and a tie (a :30 offset) goes to the earlier hour. So in Asia/Kolkata a "day" of
// statistics runs from 23:30 to 23:30 local time, and the event log uses the very same boundaries, so its
// counts always agree with the overview's. Days on which clocks change have 23 or 25 hours.
//
// Presets end with the current hour (it is included, so today's events show at once); "last 24 hours" is the
// 24 hours up to the end of the current hour, "last N days" starts at the beginning of the day N−1 days ago.
// A custom range is whole days, from and to inclusive, cut at the end of the current hour. The previous
// period, for comparisons, is the stretch of the same length that ends where the period starts.
import { z } from "zod";

export const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export const PERIOD_PRESETS = [
  { id: "24h", label: "Last 24 hours", days: 1 },
  { id: "7d", label: "Last 7 days", days: 7 },
  { id: "30d", label: "Last 30 days", days: 30 },
  { id: "90d", label: "Last 90 days", days: 90 },
] as const;
export type PeriodPreset = (typeof PERIOD_PRESETS)[number]["id"];
export type PeriodKey = PeriodPreset | "custom" | "all";

/** A resolved period as a page shows and edits it (the period picker). */
export interface PeriodValue {
  key: PeriodKey;
  fromDate: string | null;
  toDate: string | null;
  /** The shop's date today. */
  today: string;
  /** What the button shows, e.g. "Nov 19 – Nov 25, 2026". */
  range: string | null;
}

export const DEFAULT_OVERVIEW_PERIOD: PeriodPreset = "7d";
/** The longest custom range, and how far back it may start (the rollups are kept for 730 days by default). */
export const MAX_CUSTOM_DAYS = 366;
export const MAX_HISTORY_DAYS = 730;
/** Ranges up to this long are shown by the hour; longer ones by the day. */
const HOURLY_UP_TO_MS = 3 * DAY_MS;

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const isoDate = z
  .string()
  .regex(DATE_RE)
  .refine((s) => {
    const [y, m, d] = s.split("-").map(Number);
    const date = new Date(Date.UTC(y, m - 1, d));
    return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
  });

/** The period as it appears in the URL. Anything unreadable is dropped here and reported by resolvePeriod. */
export const periodParamsSchema = z.object({
  period: z.enum(["24h", "7d", "30d", "90d", "custom", "all"]).optional().catch(undefined),
  from: isoDate.optional().catch(undefined),
  to: isoDate.optional().catch(undefined),
});
export type PeriodParams = z.infer<typeof periodParamsSchema>;

export function readPeriodParams(search: URLSearchParams): PeriodParams & { raw: Record<string, string | null> } {
  const raw = { period: search.get("period"), from: search.get("from"), to: search.get("to") };
  const parsed = periodParamsSchema.parse({ period: raw.period ?? undefined, from: raw.from ?? undefined, to: raw.to ?? undefined });
  return { ...parsed, raw };
}

// ---------------------------------------------------------------------------------------------------------
// Time zones (Intl only: no library, works the same in Node and the browser)
// ---------------------------------------------------------------------------------------------------------

const partsFormatters = new Map<string, Intl.DateTimeFormat>();
function partsFormatter(timeZone: string) {
  let formatter = partsFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    partsFormatters.set(timeZone, formatter);
  }
  return formatter;
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallClock(timeZone: string, ms: number): WallClock {
  const values: Record<string, number> = {};
  for (const part of partsFormatter(timeZone).formatToParts(new Date(ms))) {
    if (part.type !== "literal") values[part.type] = Number(part.value);
  }
  return { year: values.year, month: values.month, day: values.day, hour: values.hour % 24, minute: values.minute, second: values.second };
}

/** Local time minus UTC at `ms`, in ms (e.g. +19 800 000 for Asia/Kolkata). */
export function timeZoneOffsetMs(timeZone: string, ms: number): number {
  const wall = wallClock(timeZone, ms);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** The shop's calendar date (YYYY-MM-DD) at `ms`. */
export function localDate(timeZone: string, ms: number): string {
  const wall = wallClock(timeZone, ms);
  return `${wall.year}-${pad(wall.month)}-${pad(wall.day)}`;
}

/** The instant local midnight starts `date` (the first instant of the day when a clock change skips midnight). */
export function zonedMidnight(timeZone: string, date: string): number {
  const [y, m, d] = date.split("-").map(Number);
  const wall = Date.UTC(y, m - 1, d);
  const first = wall - timeZoneOffsetMs(timeZone, wall);
  const second = wall - timeZoneOffsetMs(timeZone, first);
  if (first === second) return first;
  // The offset changes near midnight: take the candidate that really is this day's midnight, else (midnight
  // does not exist that day) the earlier instant on the day.
  const candidates = [first, second].sort((a, b) => a - b);
  for (const candidate of candidates) if (localDate(timeZone, candidate) === date && wallClock(timeZone, candidate).hour === 0) return candidate;
  return candidates.find((c) => localDate(timeZone, c) === date) ?? second;
}

/** The nearest whole UTC hour; a tie (exactly :30) goes to the earlier hour. */
export function snapToHour(ms: number): number {
  return Math.ceil(ms / HOUR_MS - 0.5) * HOUR_MS;
}

/** Where the statistics day `date` starts in the shop's time zone: its midnight, snapped to a UTC hour. */
export function dayStart(timeZone: string, date: string): number {
  return snapToHour(zonedMidnight(timeZone, date));
}

export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

export function daysBetween(from: string, to: string): number {
  const parse = (s: string) => {
    const [y, m, d] = s.split("-").map(Number);
    return Date.UTC(y, m - 1, d);
  };
  return Math.round((parse(to) - parse(from)) / DAY_MS);
}

/** The statistics day (see the boundary rule above) that contains the whole UTC hour starting at `hourStart`. */
export function statisticsDay(timeZone: string, hourStart: number): string {
  let date = localDate(timeZone, hourStart + HOUR_MS / 2);
  // The half-hour probe is exact for the boundary rule; these loops only guard against unusual zones.
  while (dayStart(timeZone, date) > hourStart) date = addDays(date, -1);
  while (dayStart(timeZone, addDays(date, 1)) <= hourStart) date = addDays(date, 1);
  return date;
}

/** Whether the zone's day boundaries are moved (offset not a whole number of hours at `ms`). */
export function hasPartHourOffset(timeZone: string, ms: number): boolean {
  return timeZoneOffsetMs(timeZone, ms) % HOUR_MS !== 0;
}

export function formatOffset(offsetMs: number): string {
  const sign = offsetMs < 0 ? "−" : "+";
  const minutes = Math.abs(offsetMs) / 60_000;
  return `UTC${sign}${Math.floor(minutes / 60)}${minutes % 60 ? `:${pad(minutes % 60)}` : ""}`;
}

function pad(n: number) {
  return String(n).padStart(2, "0");
}

// ---------------------------------------------------------------------------------------------------------
// Resolving a period
// ---------------------------------------------------------------------------------------------------------

export interface Bucket {
  start: Date;
  end: Date;
  /** Local date (day buckets) or local date and time (hour buckets), for labels. */
  date: string;
}

export interface ResolvedPeriod {
  key: PeriodKey;
  /** The shop's time zone used (UTC when the shop's is unknown). */
  timeZone: string;
  /** First and last local day of the period (inclusive); null for "all". */
  fromDate: string | null;
  toDate: string | null;
  /** [start, end) as whole UTC hours; null for "all" (no bound). */
  start: Date | null;
  end: Date | null;
  previousStart: Date | null;
  previousEnd: Date | null;
  granularity: "hour" | "day";
  buckets: Bucket[];
  /** The shop's date today (statistics day that holds the current hour). */
  today: string;
  /** Set when the URL asked for something that could not be shown, and what is shown instead. */
  problem: string | null;
}

export interface ResolveOptions {
  /** The period when the URL names none. */
  fallback?: PeriodKey;
  /** Whether "all" (no time bound, the event log) is allowed. */
  allowAll?: boolean;
  /** Build the chart buckets (the overview does; the event log does not need them). */
  withBuckets?: boolean;
}

export function resolvePeriod(params: PeriodParams, timeZone: string, now: Date, options: ResolveOptions = {}): ResolvedPeriod {
  const fallback = options.fallback ?? DEFAULT_OVERVIEW_PERIOD;
  const currentHour = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
  const periodEnd = currentHour + HOUR_MS;
  const today = statisticsDay(timeZone, currentHour);
  let problem: string | null = null;
  let key: PeriodKey = params.period ?? fallback;
  if (key === "all" && !options.allowAll) {
    key = fallback;
    problem = "This view needs a time period";
  }

  let start: number | null = null;
  let end: number | null = null;
  let fromDate: string | null = null;
  let toDate: string | null = null;

  if (key === "custom") {
    const check = checkCustomRange(params.from, params.to, today);
    if (check) {
      problem = check;
      key = fallback === "custom" ? DEFAULT_OVERVIEW_PERIOD : fallback;
    } else {
      fromDate = params.from!;
      toDate = params.to!;
      start = dayStart(timeZone, fromDate);
      end = Math.min(dayStart(timeZone, addDays(toDate, 1)), periodEnd);
    }
  }
  if (key === "24h") {
    end = periodEnd;
    start = end - 24 * HOUR_MS;
    fromDate = statisticsDay(timeZone, start);
    toDate = today;
  } else if (key === "7d" || key === "30d" || key === "90d") {
    const days = PERIOD_PRESETS.find((p) => p.id === key)!.days;
    fromDate = addDays(today, -(days - 1));
    toDate = today;
    start = dayStart(timeZone, fromDate);
    end = periodEnd;
  }

  if (start === null || end === null) {
    return { key: "all", timeZone, fromDate: null, toDate: null, start: null, end: null, previousStart: null, previousEnd: null, granularity: "day", buckets: [], today, problem };
  }
  const length = end - start;
  const granularity = length <= HOURLY_UP_TO_MS ? "hour" : "day";
  return {
    key,
    timeZone,
    fromDate,
    toDate,
    start: new Date(start),
    end: new Date(end),
    previousStart: new Date(start - length),
    previousEnd: new Date(start),
    granularity,
    buckets: options.withBuckets === false ? [] : buckets(timeZone, start, end, granularity),
    today,
    problem,
  };
}

function checkCustomRange(from: string | undefined, to: string | undefined, today: string): string | null {
  if (!from || !to) return "The custom period needs a start and an end date";
  if (daysBetween(from, to) < 0) return "The custom period ends before it starts";
  if (daysBetween(from, to) + 1 > MAX_CUSTOM_DAYS) return `A custom period can be at most ${MAX_CUSTOM_DAYS} days long`;
  if (daysBetween(today, from) > 0) return "The custom period starts in the future";
  if (daysBetween(from, today) > MAX_HISTORY_DAYS) return `Statistics go back ${MAX_HISTORY_DAYS} days`;
  return null;
}

function buckets(timeZone: string, start: number, end: number, granularity: "hour" | "day"): Bucket[] {
  const result: Bucket[] = [];
  if (granularity === "hour") {
    for (let t = start; t < end; t += HOUR_MS) {
      const wall = wallClock(timeZone, t);
      result.push({ start: new Date(t), end: new Date(t + HOUR_MS), date: `${localDate(timeZone, t)}T${pad(wall.hour)}:${pad(wall.minute)}` });
    }
    return result;
  }
  let date = statisticsDay(timeZone, start);
  let bucketStart = start;
  while (bucketStart < end) {
    const next = addDays(date, 1);
    const bucketEnd = Math.min(dayStart(timeZone, next), end);
    result.push({ start: new Date(bucketStart), end: new Date(bucketEnd), date });
    bucketStart = bucketEnd;
    date = next;
  }
  return result;
}

/** The URL search for a period (the other parameters of `base` are kept; id_token never is). */
export function periodSearch(base: URLSearchParams, period: { key: PeriodKey; from?: string | null; to?: string | null }): URLSearchParams {
  const next = new URLSearchParams(base);
  next.delete("id_token");
  next.set("period", period.key);
  if (period.key === "custom" && period.from && period.to) {
    next.set("from", period.from);
    next.set("to", period.to);
  } else {
    next.delete("from");
    next.delete("to");
  }
  return next;
}
