// Dates, durations and numbers as merchants read them. Dates are formatted on the server in the shop's time
// zone and sent as text, so the page reads the same wherever the merchant is and hydration always matches.
import { HOUR_MS, type Bucket } from "./period";

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string, options: Intl.DateTimeFormatOptions) {
  const key = `${timeZone}|${JSON.stringify(options)}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", { timeZone, ...options });
    formatters.set(key, f);
  }
  return f;
}

/** "Nov 25, 2026, 10:20 AM" in the shop's time zone. */
export function formatDateTime(timeZone: string, date: Date | string | null | undefined): string | null {
  if (!date) return null;
  return formatter(timeZone, { dateStyle: "medium", timeStyle: "short" }).format(new Date(date));
}

/** "Nov 25, 2026, 10:20:05 AM", for the event log where seconds matter. */
export function formatDateTimeSeconds(timeZone: string, date: Date | string | null | undefined): string | null {
  if (!date) return null;
  return formatter(timeZone, { dateStyle: "medium", timeStyle: "medium" }).format(new Date(date));
}

/** "11:30 PM" in the shop's time zone. */
export function formatTime(timeZone: string, date: Date): string {
  return formatter(timeZone, { hour: "numeric", minute: "2-digit" }).format(date);
}

/** "Nov 25, 4:29:09 AM" — the year only when it is not the current one (lists, where width matters). */
export function formatDateTimeCompact(timeZone: string, date: Date, now: Date): string {
  const sameYear = formatter(timeZone, { year: "numeric" }).format(date) === formatter(timeZone, { year: "numeric" }).format(now);
  return formatter(timeZone, { month: "short", day: "numeric", ...(sameYear ? {} : { year: "numeric" }), hour: "numeric", minute: "2-digit", second: "2-digit" }).format(date);
}

/** A local date (YYYY-MM-DD) as "Nov 25, 2026" (or "Nov 25" with withYear false). */
export function formatLocalDate(date: string, withYear = true): string {
  const [y, m, d] = date.split("-").map(Number);
  return formatter("UTC", withYear ? { month: "short", day: "numeric", year: "numeric" } : { month: "short", day: "numeric" }).format(
    new Date(Date.UTC(y, m - 1, d)),
  );
}

export function formatDateRange(from: string, to: string): string {
  if (from === to) return formatLocalDate(from);
  const sameYear = from.slice(0, 4) === to.slice(0, 4);
  return `${formatLocalDate(from, !sameYear)} – ${formatLocalDate(to)}`;
}

/** Chart labels: "Nov 25" for a day, "Nov 25, 3 PM" (or "3:30 PM" in a half-hour zone) for an hour. */
export function formatBucketLabel(timeZone: string, granularity: "hour" | "day", bucket: Bucket): string {
  if (granularity === "day") return formatLocalDate(bucket.date, false);
  const minutes = !bucket.date.endsWith(":00");
  const time = formatter(timeZone, minutes ? { hour: "numeric", minute: "2-digit" } : { hour: "numeric" }).format(bucket.start);
  return `${formatLocalDate(bucket.date.slice(0, 10), false)}, ${time}`;
}

/** A duration in the largest unit that keeps it readable: "250 ms", "1.5 s", "5 min", "6 h", "1 day". */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${trim(ms / 1_000)} s`;
  if (ms < HOUR_MS) return `${trim(ms / 60_000)} min`;
  if (ms < 24 * HOUR_MS) return `${trim(ms / HOUR_MS)} h`;
  const days = ms / (24 * HOUR_MS);
  return `${trim(days)} ${days === 1 ? "day" : "days"}`;
}

/**
 * A median delivery time as one number, the same in the merchant's overview and the support console: "0.4 s",
 * "12.5 s", "3 min"; "over 1 day" when the middle delivery is in the histogram's open last bucket.
 */
export function formatMedianLatency(band: { medianMs: number; upperMs: number | null } | null): string {
  if (!band) return "—";
  if (band.upperMs === null) return `over ${formatDuration(band.medianMs)}`;
  if (band.medianMs < 60_000) return `${(band.medianMs / 1_000).toFixed(1)} s`;
  return formatDuration(band.medianMs);
}

function trim(n: number) {
  return Number.isInteger(n) ? String(n) : n.toFixed(1).replace(/\.0$/, "");
}

export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

export function formatPercent(ratio: number | null): string {
  if (ratio === null) return "—";
  const percent = ratio * 100;
  if (percent === 100 || percent === 0) return `${percent}%`;
  return `${percent >= 99.9 || percent < 0.1 ? percent.toFixed(2) : percent.toFixed(1)}%`;
}
