// The Integration Overview: what happened to the shop's events over a period, compared with the period
// before, and what went wrong. Counts come from the hourly rollups (app/statistics/rollups.server.ts), never
// from scanning raw events; the only raw-event reads are on the (shopDomain, status, nextAttemptAt, reason,
// firstAttemptAt) index: events still waiting to be mapped (status "received", not in the rollups yet) and the
// events waiting now per cause (readWaitingGroups).
//
// Figures, for events RECEIVED in the period (see period.ts for the boundaries):
//   received   mapped events (rollups) + events still in status "received"
//   delivered, skipped, failed   events in that final state now
//   waiting    received − delivered − skipped − failed: pending (retrying), paused, or not yet mapped
//   success rate   delivered ÷ (delivered + failed); skipped events were not meant to be sent; null if none
//   median time from Loop to Postscript   from the latency histogram: the bucket holding the middle delivery
import { subscriberSyncFigures, type SubscriberSyncFigures } from "./subscriber-sync.server";
import type { LoopConnectionStatus } from "~/connections/loop.server";
import { postscriptConnectionView, type PostscriptConnectionView } from "~/connections/postscript.server";
import { loopConnectionStatus } from "~/connections/loop.server";
import type { Database } from "~/db.server";
import { readShopSettings, type ShopSettingsView } from "~/settings/shop-settings.server";
import type { ShopTimeZone } from "~/shopify/time-zone";
import { shopTimeZone } from "~/shopify/time-zone.server";
import { EVENT_TYPES } from "~/events/catalogue";
import { reasonInfo, type ReasonAction, type ReasonInfo } from "~/events/reasons";
import { hourlyGaps, readSettledDays, runsWithin, type Span } from "./days.server";
import { readWaitingGroups, type WaitingGroup } from "./health.server";
import { LATENCY_BUCKETS_MS } from "./rollups.server";
import { formatBucketLabel, formatDateRange, formatDateTime, formatTime } from "./format";
import {
  dayStart,
  formatOffset,
  HOUR_MS,
  hasPartHourOffset,
  PERIOD_PRESETS,
  readPeriodParams,
  resolvePeriod,
  timeZoneOffsetMs,
  type PeriodKey,
  type ResolvedPeriod,
} from "./period";
import { OVERVIEW_PAGES } from "./pages";

export interface Totals {
  received: number;
  delivered: number;
  skipped: number;
  failed: number;
  waiting: number;
}

export interface LatencyBand {
  /** The median delivery took more than lowerMs and at most upperMs (upperMs null: more than a day). */
  lowerMs: number;
  upperMs: number | null;
  /**
   * The median as one number: placed inside its bucket by how far into the bucket's deliveries the middle one
   * falls (linear interpolation, as histogram medians are read); lowerMs for the open last bucket.
   */
  medianMs: number;
}

export interface ChartBucket extends Omit<Totals, "received"> {
  label: string;
  start: string;
}

export interface TypeRow extends Totals {
  type: string;
  description: string;
  enabled: boolean;
  lastSeenAt: string | null;
  lastSeenLabel: string | null;
  /** The event log filtered to this type and period. */
  logUrl: string;
}

export interface ErrorGroup extends ReasonInfo {
  code: string;
  count: number;
  lastAt: string | null;
  lastLabel: string | null;
  /** True for events waiting now (paused, or retrying), whatever the period. */
  current: boolean;
  /** For events still retrying: when the soonest of them is tried again. */
  nextAttemptLabel: string | null;
  logUrl: string;
  actionUrl: string | null;
}

export type ConnectionStatus = "connected" | "action_needed" | "disconnected" | "not_set_up";

export interface OverviewData {
  /** dayStartsAt: local time a statistics day starts ("12:00 AM", or "11:30 PM" in Asia/Kolkata; see period.ts). */
  timeZone: { name: string; known: boolean; offset: string; partHour: boolean; dayStartsAt: string };
  period: {
    key: PeriodKey;
    label: string;
    range: string;
    fromDate: string;
    toDate: string;
    start: string;
    end: string;
    previousStart: string;
    previousEnd: string;
    granularity: "hour" | "day";
    today: string;
    problem: string | null;
  };
  /** False until the shop's first event: the overview shows what to do next instead. */
  hasEvents: boolean;
  postscript: { status: ConnectionStatus; actionNeededReason: string | null; since: string | null };
  loop: { status: ConnectionStatus };
  deliveriesHeldSince: string | null;
  waitingNow: { paused: number; retrying: number; unmapped: number };
  summary: {
    current: Totals;
    previous: Totals;
    successRate: { current: number | null; previous: number | null };
    medianLatency: { current: LatencyBand | null; previous: LatencyBand | null };
  };
  chart: ChartBucket[];
  types: TypeRow[];
  errors: ErrorGroup[];
  /** The event log for this period, and its failed events (the replay action acts on the same range). */
  logUrl: string;
  failedLogUrl: string;
  /** What the replay action needs (the period's bounds, as the server resolved them). */
  replay: { from: string; to: string; failed: number };
  /** Subscriber properties in Postscript, as they stand now; null while the shop has the sync switched off. */
  subscribers: SubscriberSyncFigures | null;
}


export function zeroTotals(): Totals {
  return { received: 0, delivered: 0, skipped: 0, failed: 0, waiting: 0 };
}

/**
 * What the overview needs about the shop besides its events. The pages that show the overview have read these
 * already (the connection and the settings are on the same page), so they pass them instead of the overview
 * reading the same rows again.
 */
export interface OverviewContext {
  timeZone: ShopTimeZone;
  postscript: Pick<PostscriptConnectionView, "status" | "actionNeededReason" | "actionNeededAt" | "disconnectedAt">;
  loopStatus: LoopConnectionStatus;
  settings: Pick<ShopSettingsView, "disabledEventTypes" | "deliveriesPausedAt" | "propertySyncEnabled">;
  /** The shop's waiting events, when the page has read them already for the health line. */
  waiting?: WaitingGroup[];
}

/** The overview's context read on its own, for a caller with no page that has read the shop's rows (a benchmark, a test). */
export async function readOverviewContext(db: Database, shopDomain: string): Promise<OverviewContext> {
  const [timeZone, postscript, loopStatus, settings] = await Promise.all([
    shopTimeZone(db, shopDomain),
    postscriptConnectionView(db, shopDomain),
    loopConnectionStatus(db, shopDomain),
    readShopSettings(db, shopDomain),
  ]);
  return { timeZone, postscript, loopStatus, settings };
}

/** Everything the Integration Overview shows, as plain serialisable data. */
export async function loadOverview(db: Database, shopDomain: string, context: OverviewContext, searchParams: URLSearchParams, now = new Date()): Promise<OverviewData> {
  const { timeZone: zone, postscript, settings } = context;
  const period = resolvePeriod(readPeriodParams(searchParams), zone.name, now, { withBuckets: true });
  const start = period.start!;
  const end = period.end!;
  const previousStart = period.previousStart!;
  const sums = { received: true, delivered: true, skipped: true, failed: true } as const;
  // Long periods read the days already added up (days.server.ts) as one row per day, and hours for the rest;
  // up to two weeks the hours cost less than the extra reads.
  const days = end.getTime() - start.getTime() > 14 * 24 * HOUR_MS ? await readSettledDays(db, shopDomain, zone.name, previousStart, end) : [];
  const inPeriod = split(start, end, days);
  const inPrevious = split(previousStart, start, days);
  // One read per span (normally one of hours and one of days): SQLite reads each as a range of the primary key.
  const hours = <T>(spans: Span[], read: (where: { shopDomain: string; hourStart: { gte: Date; lt: Date } }) => Promise<T[]>) =>
    Promise.all(spans.map((span) => read({ shopDomain, hourStart: { gte: span.start, lt: span.end } }))).then((parts) => parts.flat());
  const daily = <T>(spans: Span[], read: (where: { shopDomain: string; dayStart: { gte: Date; lt: Date } }) => Promise<T[]>) =>
    Promise.all(spans.map((span) => read({ shopDomain, dayStart: { gte: span.start, lt: span.end } }))).then((parts) => parts.flat());

  const [
    byHour,
    byDay,
    hourTypes,
    dayTypes,
    previousHours,
    previousDays,
    hourReasons,
    dayReasons,
    hourLatency,
    dayLatency,
    previousHourLatency,
    previousDayLatency,
    unmapped,
    waitingGroups,
    anyRollup,
    anyEvent,
    subscribers,
  ] = await Promise.all([
    hours(inPeriod.hours, (where) => db.eventRollup.groupBy({ by: ["hourStart"], where, _sum: sums })),
    daily(inPeriod.days, (where) => db.eventRollupDay.groupBy({ by: ["dayStart"], where, _sum: sums })),
    hours(inPeriod.hours, (where) => db.eventRollup.groupBy({ by: ["eventType"], where, _sum: sums, _max: { lastSeenAt: true } })),
    daily(inPeriod.days, (where) => db.eventRollupDay.groupBy({ by: ["eventType"], where, _sum: sums, _max: { lastSeenAt: true } })),
    hours(inPrevious.hours, (where) => db.eventRollup.aggregate({ where, _sum: sums }).then((row) => [row])),
    daily(inPrevious.days, (where) => db.eventRollupDay.aggregate({ where, _sum: sums }).then((row) => [row])),
    hours(inPeriod.hours, (where) => db.reasonRollup.groupBy({ by: ["reason"], where, _sum: { count: true }, _max: { lastAt: true } })),
    daily(inPeriod.days, (where) => db.reasonRollupDay.groupBy({ by: ["reason"], where, _sum: { count: true }, _max: { lastAt: true } })),
    hours(inPeriod.hours, (where) => db.latencyRollup.groupBy({ by: ["bucketMs"], where, _sum: { count: true } })),
    daily(inPeriod.days, (where) => db.latencyRollupDay.groupBy({ by: ["bucketMs"], where, _sum: { count: true } })),
    hours(inPrevious.hours, (where) => db.latencyRollup.groupBy({ by: ["bucketMs"], where, _sum: { count: true } })),
    daily(inPrevious.days, (where) => db.latencyRollupDay.groupBy({ by: ["bucketMs"], where, _sum: { count: true } })),
    // Not yet mapped, so not in the rollups: read live on the (shopDomain, status, nextAttemptAt) index — normally a
    // handful of rows. No receivedAt condition and no ORDER BY/LIMIT here: either would let SQLite's planner
    // (without statistics) walk the (shopDomain, receivedAt) index through every event of the period instead.
    db.event.findMany({ where: { shopDomain, status: "received" }, select: { receivedAt: true } }),
    // Events waiting now, whatever the period: paused (a rejected key, no connection, a support hold) and pending
    // after a failed attempt (retrying), per cause, with the soonest next attempt.
    context.waiting ?? readWaitingGroups(db, shopDomain),
    db.eventRollup.findFirst({ where: { shopDomain }, select: { hourStart: true } }),
    db.event.findFirst({ where: { shopDomain }, select: { id: true } }),
    settings.propertySyncEnabled ? subscriberSyncFigures(db, shopDomain, true, zone.name) : null,
  ]);

  // Unmapped events, per chart bucket and per period.
  const unmappedCurrent: number[] = [];
  let unmappedPrevious = 0;
  for (const { receivedAt } of unmapped) {
    if (receivedAt >= previousStart && receivedAt < start) unmappedPrevious++;
    else if (receivedAt >= start && receivedAt < end) unmappedCurrent.push(receivedAt.getTime());
  }

  const chart = period.buckets.map((bucket) => ({
    label: formatBucketLabel(zone.name, period.granularity, bucket),
    start: bucket.start.toISOString(),
    delivered: 0,
    skipped: 0,
    failed: 0,
    waiting: 0,
  }));
  const bucketStarts = period.buckets.map((b) => b.start.getTime());
  const bucketOf = (ms: number) => {
    // The last bucket whose start is at or before ms (buckets are contiguous and sorted).
    let lo = 0;
    let hi = bucketStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (bucketStarts[mid] <= ms) lo = mid;
      else hi = mid - 1;
    }
    return chart[lo];
  };
  const current = zeroTotals();
  const counted = [...byHour.map((row) => ({ at: row.hourStart, _sum: row._sum })), ...byDay.map((row) => ({ at: row.dayStart, _sum: row._sum }))];
  for (const row of counted) {
    const s = sumsOf(row._sum);
    const bucket = bucketOf(row.at.getTime());
    bucket.delivered += s.delivered;
    bucket.skipped += s.skipped;
    bucket.failed += s.failed;
    bucket.waiting += s.received - s.delivered - s.skipped - s.failed;
    addTotals(current, s);
  }
  for (const ms of unmappedCurrent) bucketOf(ms).waiting++;
  current.received += unmappedCurrent.length;
  current.waiting = current.received - current.delivered - current.skipped - current.failed;

  const previous = zeroTotals();
  for (const part of [...previousHours, ...previousDays]) addTotals(previous, sumsOf(part._sum));
  previous.received += unmappedPrevious;
  previous.waiting = previous.received - previous.delivered - previous.skipped - previous.failed;

  const periodQuery = periodParams(period);
  const logUrl = (extra: Record<string, string> = {}) => `/app/events?${new URLSearchParams({ ...periodQuery, ...extra }).toString()}`;

  const disabled = new Set<string>(settings.disabledEventTypes);
  const typeSums = new Map<string, Totals & { lastSeenAt: Date | null }>();
  for (const row of [...hourTypes, ...dayTypes]) {
    const sum = typeSums.get(row.eventType) ?? { ...zeroTotals(), lastSeenAt: null };
    addTotals(sum, sumsOf(row._sum));
    sum.lastSeenAt = latest(sum.lastSeenAt, row._max.lastSeenAt);
    typeSums.set(row.eventType, sum);
  }
  const types: { type: string; description: string }[] = EVENT_TYPES.map(({ type, description }) => ({ type, description }));
  if (typeSums.has("unknown")) types.push({ type: "unknown", description: "Events that could not be read (no event type)" });
  const typeRows = types.map(({ type, description }): TypeRow => {
    const row = typeSums.get(type);
    const totals = row ? { ...row, waiting: row.received - row.delivered - row.skipped - row.failed } : zeroTotals();
    return {
      type,
      description,
      received: totals.received,
      delivered: totals.delivered,
      skipped: totals.skipped,
      failed: totals.failed,
      waiting: totals.waiting,
      enabled: type === "unknown" || !disabled.has(type),
      lastSeenAt: row?.lastSeenAt?.toISOString() ?? null,
      lastSeenLabel: formatDateTime(zone.name, row?.lastSeenAt ?? null),
      logUrl: logUrl({ type }),
    };
  });

  const postscriptStatus = connectionStatus(postscript.status);
  const errors: ErrorGroup[] = [];
  const paused = waitingGroups.filter((row) => row.status === "paused").reduce((sum, row) => sum + row.count, 0);
  const heldBySupport = waitingGroups.find((row) => row.status === "paused" && row.reason === "held_by_support")?.count ?? 0;
  const waitingUrl = logUrl({ outcome: "waiting", period: "all" });
  if (paused - heldBySupport > 0) {
    const code = postscriptStatus === "action_needed" ? "key_rejected" : "not_connected";
    const since = postscriptStatus === "action_needed" ? postscript.actionNeededAt : postscript.disconnectedAt;
    errors.push(errorGroup(code, paused - heldBySupport, since ? new Date(since) : null, true, zone.name, waitingUrl));
  }
  if (heldBySupport > 0) {
    const since = settings.deliveriesPausedAt ? new Date(settings.deliveriesPausedAt) : null;
    errors.push(errorGroup("held_by_support", heldBySupport, since, true, zone.name, waitingUrl));
  }
  // Events still retrying after Postscript errors: not final, so they are worded as waiting, with the next try.
  for (const row of waitingGroups) {
    if (row.status !== "pending" || !row.reason) continue;
    const group = errorGroup(row.reason, row.count, row.oldestFirstAttemptAt, true, zone.name, waitingUrl);
    errors.push({ ...group, ...retryingWords(group), outcome: "waiting", nextAttemptLabel: formatDateTime(zone.name, row.soonestNextAttemptAt) });
  }
  const reasons = new Map<string, { count: number; lastAt: Date | null }>();
  for (const row of [...hourReasons, ...dayReasons]) {
    const sum = reasons.get(row.reason) ?? { count: 0, lastAt: null };
    sum.count += row._sum.count ?? 0;
    sum.lastAt = latest(sum.lastAt, row._max.lastAt);
    reasons.set(row.reason, sum);
  }
  for (const [reason, { count, lastAt }] of reasons) {
    if (count <= 0) continue;
    errors.push(errorGroup(reason, count, lastAt, false, zone.name, logUrl({ reason })));
  }
  const order = { waiting: 0, failed: 1, skipped: 2 } as const;
  errors.sort((a, b) => Number(b.current) - Number(a.current) || order[a.outcome] - order[b.outcome] || b.count - a.count || a.code.localeCompare(b.code));

  return {
    timeZone: {
      name: zone.name,
      known: zone.known,
      offset: formatOffset(timeZoneOffsetMs(zone.name, now.getTime())),
      partHour: hasPartHourOffset(zone.name, now.getTime()),
      dayStartsAt: formatTime(zone.name, new Date(dayStart(zone.name, period.today))),
    },
    period: {
      key: period.key,
      label: PERIOD_PRESETS.find((p) => p.id === period.key)?.label ?? "Custom",
      range: formatDateRange(period.fromDate!, period.toDate!),
      fromDate: period.fromDate!,
      toDate: period.toDate!,
      start: start.toISOString(),
      end: end.toISOString(),
      previousStart: previousStart.toISOString(),
      previousEnd: start.toISOString(),
      granularity: period.granularity,
      today: period.today,
      problem: period.problem,
    },
    hasEvents: Boolean(anyRollup || anyEvent),
    postscript: {
      status: postscriptStatus,
      actionNeededReason: postscript.actionNeededReason,
      since: formatDateTime(zone.name, postscriptStatus === "action_needed" ? postscript.actionNeededAt : postscript.disconnectedAt),
    },
    loop: { status: connectionStatus(context.loopStatus) },
    deliveriesHeldSince: formatDateTime(zone.name, settings.deliveriesPausedAt),
    waitingNow: { paused, retrying: waitingGroups.filter((row) => row.status === "pending" && row.reason).reduce((sum, row) => sum + row.count, 0), unmapped: unmappedCurrent.length },
    summary: {
      current,
      previous,
      successRate: { current: successRate(current), previous: successRate(previous) },
      medianLatency: { current: medianBand([...hourLatency, ...dayLatency]), previous: medianBand([...previousHourLatency, ...previousDayLatency]) },
    },
    chart,
    types: typeRows,
    errors,
    logUrl: logUrl(),
    failedLogUrl: logUrl({ outcome: "failed" }),
    replay: { from: start.toISOString(), to: end.toISOString(), failed: current.failed },
    subscribers,
  };
}

/** A stretch of the overview as the runs of added-up days inside it and the spans of hours around them. */
function split(start: Date, end: Date, days: Span[]) {
  const runs = runsWithin(days, start, end);
  return { hours: hourlyGaps(start, end, runs), days: runs };
}

function latest(a: Date | null, b: Date | null): Date | null {
  return !a || (b && b > a) ? b : a;
}

/** The URL parameters that name a resolved period (the event log resolves them to the same bounds). */
export function periodParams(period: Pick<ResolvedPeriod, "key" | "fromDate" | "toDate">): Record<string, string> {
  if (period.key === "custom" && period.fromDate && period.toDate) return { period: "custom", from: period.fromDate, to: period.toDate };
  return { period: period.key };
}

function errorGroup(code: string, count: number, lastAt: Date | null, current: boolean, timeZone: string, logUrl: string): ErrorGroup {
  const info = reasonInfo(code);
  return {
    ...info,
    code,
    count,
    lastAt: lastAt?.toISOString() ?? null,
    lastLabel: formatDateTime(timeZone, lastAt),
    current,
    nextAttemptLabel: null,
    logUrl,
    actionUrl: actionUrl(code, info.action),
  };
}

/** A retrying cause in words that do not sound final: the events are tried again by themselves. */
function retryingWords(group: ErrorGroup): Pick<ErrorGroup, "title" | "meaning" | "todo" | "action" | "actionUrl"> {
  const limited = group.code === "rate_limited";
  return {
    title: limited ? "Retrying: Postscript asked to slow down" : `Retrying: ${group.title}`,
    meaning: limited
      ? "Postscript answered that too many events were sent at once. These events are sent again automatically, at the pace Postscript accepts."
      : group.code === "postscript_unavailable"
        ? "Postscript could not be reached, or answered with a server error. These events are tried again automatically, for up to the retry window (normally 24 hours)."
        : "The last attempt did not go through. These events are tried again automatically.",
    todo: "Nothing yet: they are sent as soon as Postscript answers. Only events still failing at the end of the retry window are listed as failed, and can be replayed.",
    action: "view",
    actionUrl: null,
  };
}

// A rejected key is replaced in Settings (where the key form is while the connection needs action); a missing
// connection is made in Set up.
function actionUrl(code: string, action: ReasonAction): string | null {
  if (action === "reconnect") return code === "key_rejected" ? OVERVIEW_PAGES.postscriptSettings : OVERVIEW_PAGES.postscriptSetup;
  if (action === "enable_type") return OVERVIEW_PAGES.postscriptSettings;
  return null;
}

function connectionStatus(status: string | null | undefined): ConnectionStatus {
  if (status === "connected" || status === "action_needed" || status === "disconnected") return status;
  return "not_set_up";
}

type Sums = { received: number | null; delivered: number | null; skipped: number | null; failed: number | null };
function sumsOf(sum: Sums): Totals {
  const received = sum.received ?? 0;
  const delivered = sum.delivered ?? 0;
  const skipped = sum.skipped ?? 0;
  const failed = sum.failed ?? 0;
  return { received, delivered, skipped, failed, waiting: received - delivered - skipped - failed };
}

function addTotals(into: Totals, add: Totals) {
  into.received += add.received;
  into.delivered += add.delivered;
  into.skipped += add.skipped;
  into.failed += add.failed;
  into.waiting += add.waiting;
}

function successRate(t: Totals): number | null {
  const finished = t.delivered + t.failed;
  return finished === 0 ? null : t.delivered / finished;
}

/** The histogram bucket that holds the median delivery (the ⌈n/2⌉-th fastest). */
export function medianBand(rows: { bucketMs: number; _sum: { count: number | null } }[]): LatencyBand | null {
  const counts = new Map<number, number>();
  for (const row of rows) counts.set(row.bucketMs, (counts.get(row.bucketMs) ?? 0) + (row._sum.count ?? 0));
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  if (total <= 0) return null;
  const middle = Math.ceil(total / 2);
  let seen = 0;
  let lower = 0;
  const last = LATENCY_BUCKETS_MS[LATENCY_BUCKETS_MS.length - 1];
  for (const bound of LATENCY_BUCKETS_MS) {
    const inBucket = counts.get(bound) ?? 0;
    if (seen + inBucket >= middle) {
      if (bound === last) return { lowerMs: lower, upperMs: null, medianMs: lower };
      return { lowerMs: lower, upperMs: bound, medianMs: Math.round(lower + ((bound - lower) * (middle - seen - 0.5)) / inBucket) };
    }
    seen += inBucket;
    lower = bound;
  }
  return { lowerMs: lower, upperMs: null, medianMs: lower };
}
