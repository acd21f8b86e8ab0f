// A shop's record as support staff see it: install facts, both connections (through the same views the
// merchant's screens use, which hold masked identifiers only), enabled event types, the statistics and error
// groups of a period, the event log with its attempts (customer email and phone partly masked) and the
// configuration history. Nothing here opens a sealed secret.
//
// The statistics and error groups are the merchant's own (the Integration Overview's loadOverview), over the
// same periods (app/statistics/period.ts) in the shop's time zone.
import { subscriberSyncFigures, subscriberSyncRows, type SubscriberSyncFigures, type SubscriberSyncRow } from "~/statistics/subscriber-sync.server";
import { recentChanges, type ChangeEntry } from "~/connections/history.server";
import { loopConnectionView, type LoopConnectionView } from "~/connections/loop.server";
import { postscriptConnectionView, type PostscriptConnectionView } from "~/connections/postscript.server";
import type { Database } from "~/db.server";
import { deliveryHoldState, type DeliveryHoldState } from "~/delivery/holds.server";
import { EVENT_TYPES } from "~/events/catalogue";
import { unusedLoopFields, type UnusedFieldView } from "~/events/unused-field-log.server";
import { readShopSettings } from "~/settings/shop-settings.server";
import { zoneOrUtc } from "~/shopify/time-zone";
import { shopTimeZone } from "~/shopify/time-zone.server";
import { listEvents, readLogQuery, type LogPage, type LogQuery } from "~/statistics/event-log.server";
import { formatDateTime } from "~/statistics/format";
import { loadOverview, type LatencyBand, type OverviewContext } from "~/statistics/overview.server";
import { PERIOD_PRESETS, readPeriodParams, resolvePeriod, type PeriodKey } from "~/statistics/period";
import { maskEmail, maskPhone } from "~/statistics/masking";
import { redactCredentials } from "~/secrets/redaction";

export interface PeriodView {
  key: PeriodKey;
  label: string;
  start: string;
  end: string;
  startLabel: string;
  endLabel: string;
  timeZone: string;
  problem: string | null;
}

export interface ShopStatistics {
  period: PeriodView & { range: string };
  totals: { received: number; delivered: number; skipped: number; failed: number; waiting: number };
  previous: { received: number; delivered: number; skipped: number; failed: number; waiting: number };
  successRate: number | null;
  previousSuccessRate: number | null;
  /** Median time from Loop to Postscript, as the histogram band that holds it. */
  medianLatency: LatencyBand | null;
  errors: { code: string; title: string; outcome: string; meaning: string; todo: string; count: number; lastAt: string | null; current: boolean }[];
  now: { paused: number; pending: number; unmapped: number };
}

export interface ShopRecord {
  domain: string;
  known: boolean;
  installedAt: string | null;
  uninstalledAt: string | null;
  scopes: string[];
  timeZone: { name: string; known: boolean };
  postscript: PostscriptConnectionView;
  loop: LoopConnectionView;
  hold: DeliveryHoldState;
  eventTypes: { type: string; description: string; enabled: boolean }[];
  paymentRetryCount: number;
  testRecipient: { email: string | null; phone: string | null };
  statistics: ShopStatistics;
  /** Loop field names (and topics) the app does not read, most recently seen first. */
  unusedLoopFields: UnusedFieldView[];
  /** Subscriber properties in Postscript: the figures the merchant sees, and the latest customers' rows (masked). */
  subscriberSync: { figures: SubscriberSyncFigures; rows: SubscriberSyncRow[] };
}


/** A period as the console shows it; the console offers bounded periods only. */
function periodView(period: LogQuery["period"], timeZone: string): PeriodView {
  const start = period.start!;
  const end = period.end!;
  return {
    key: period.key,
    label: PERIOD_PRESETS.find((p) => p.id === period.key)?.label ?? `${period.fromDate} – ${period.toDate}`,
    start: start.toISOString(),
    end: end.toISOString(),
    startLabel: formatDateTime(timeZone, start) ?? "",
    endLabel: formatDateTime(timeZone, end) ?? "",
    timeZone,
    problem: period.problem,
  };
}

function periodFor(timeZone: string, search: URLSearchParams, now: Date) {
  const period = resolvePeriod(readPeriodParams(search), timeZone, now, { fallback: "7d", withBuckets: false });
  return { start: period.start!, end: period.end!, view: periodView(period, timeZone) };
}

/**
 * The statistics and error groups exactly as the merchant's Integration Overview computes them (loadOverview,
 * app/statistics/overview.server.ts), without its links into the embedded app.
 */
export async function shopStatistics(db: Database, domain: string, context: OverviewContext, search: URLSearchParams, now = new Date()): Promise<ShopStatistics> {
  const [overview, pending] = await Promise.all([
    loadOverview(db, domain, context, search, now),
    db.event.count({ where: { shopDomain: domain, status: "pending" } }),
  ]);
  const zone = overview.timeZone.name;
  const start = new Date(overview.period.start);
  const end = new Date(overview.period.end);
  return {
    period: {
      key: overview.period.key,
      label: overview.period.label,
      range: overview.period.range,
      start: overview.period.start,
      end: overview.period.end,
      startLabel: formatDateTime(zone, start) ?? "",
      endLabel: formatDateTime(zone, end) ?? "",
      timeZone: zone,
      problem: overview.period.problem,
    },
    totals: overview.summary.current,
    previous: overview.summary.previous,
    successRate: overview.summary.successRate.current,
    previousSuccessRate: overview.summary.successRate.previous,
    medianLatency: overview.summary.medianLatency.current,
    errors: overview.errors.map((e) => ({
      code: e.code,
      title: e.title,
      outcome: e.outcome,
      meaning: e.meaning,
      todo: e.todo,
      count: e.count,
      lastAt: e.lastAt,
      current: e.current,
    })),
    now: { paused: overview.waitingNow.paused, pending, unmapped: overview.waitingNow.unmapped },
  };
}

export async function loadShopRecord(db: Database, domain: string, search: URLSearchParams, now = new Date()): Promise<ShopRecord> {
  const [shop, postscript, loop, hold, settings, unusedFields, syncRows] = await Promise.all([
    db.shop.findUnique({ where: { domain } }),
    postscriptConnectionView(db, domain),
    loopConnectionView(db, domain),
    deliveryHoldState(db, domain),
    readShopSettings(db, domain),
    unusedLoopFields(db, domain),
    subscriberSyncRows(db, domain),
  ]);
  const zone = zoneOrUtc(shop?.ianaTimezone);
  const syncFigures = await subscriberSyncFigures(db, domain, settings.propertySyncEnabled, zone.name);
  const statistics = await shopStatistics(db, domain, { timeZone: zone, postscript, loopStatus: loop.status, settings }, search, now);
  const disabled = new Set<string>(settings.disabledEventTypes);
  return {
    domain,
    known: Boolean(shop),
    installedAt: shop?.installedAt.toISOString() ?? null,
    uninstalledAt: shop?.uninstalledAt?.toISOString() ?? null,
    scopes: (shop?.scopes ?? "").split(",").map((s) => s.trim()).filter(Boolean),
    timeZone: zone,
    postscript,
    loop,
    hold,
    eventTypes: EVENT_TYPES.map((e) => ({ type: e.type, description: e.description, enabled: !disabled.has(e.type) })),
    paymentRetryCount: settings.paymentRetryCount,
    testRecipient: { email: maskEmail(settings.testEmail), phone: maskPhone(settings.testPhone) },
    statistics,
    unusedLoopFields: unusedFields,
    subscriberSync: { figures: syncFigures, rows: syncRows },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Event log: the merchant's own (app/statistics/event-log.server.ts), as support staff may see it.
// ---------------------------------------------------------------------------------------------------------

export interface ShopEventList {
  page: LogPage;
  period: PeriodView;
  filter: { status: string | null; type: string | null };
}

export async function listShopEvents(db: Database, domain: string, search: URLSearchParams, now = new Date()): Promise<ShopEventList> {
  const zone = await shopTimeZone(db, domain);
  const query = readLogQuery("support", search, zone.name, now);
  const page = await listEvents(db, domain, query);
  return { page, period: periodView(query.period, zone.name), filter: { status: query.filters.status ?? null, type: query.filters.type ?? null } };
}

/** The configuration history; an email address in a detail (a member of staff's, say) is shown as is, anything else email- or credential-shaped is masked. */
export async function shopHistory(db: Database, domain: string, limit = 100): Promise<ChangeEntry[]> {
  const changes = await recentChanges(db, domain, { limit });
  return changes.map((change) => ({
    ...change,
    details: Object.fromEntries(
      Object.entries(change.details).map(([key, value]) => {
        if (typeof value !== "string") return [key, value];
        if (key === "staff" || key === "heldBy") return [key, value];
        if (/^[^@\s]+@[^@\s]+$/.test(value)) return [key, maskEmail(value)];
        return [key, redactCredentials(value)];
      }),
    ) as ChangeEntry["details"],
  }));
}

/** Failed events in the period (what "replay all failed" would queue again). */
export async function failedInPeriod(db: Database, domain: string, search: URLSearchParams, now = new Date()) {
  const zone = await shopTimeZone(db, domain);
  const { start, end, view } = periodFor(zone.name, search, now);
  const count = await db.event.count({ where: { shopDomain: domain, status: "failed", receivedAt: { gte: start, lt: end } } });
  return { count, start, end, period: view };
}
