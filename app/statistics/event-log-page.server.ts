// What the event log page and the event detail page need, in one call each (the routes stay thin).
import type { EventLogData } from "~/components/events/EventLog";
import type { Database } from "~/db.server";
import { formatDateRange } from "./format";
import { getEventDetail, listEvents, readLogQuery, TYPE_CHOICES, type EventDetail } from "./event-log.server";
import { REASON_CODES, reasonInfo } from "./reasons";
import { statisticsTimeZone } from "./time-zone.server";

/** Shopify admin's `host` parameter for the shop (base64 of admin.shopify.com/store/<name>). */
export function adminHost(shopDomain: string): string {
  return Buffer.from(`admin.shopify.com/store/${shopDomain.replace(/\.myshopify\.com$/, "")}`).toString("base64");
}

export async function loadEventLog(db: Database, shopDomain: string, search: URLSearchParams, now = new Date()): Promise<EventLogData> {
  const zone = await statisticsTimeZone(db, shopDomain);
  const query = readLogQuery(search, zone.name, now);
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
    reasonChoices: REASON_CODES.map((code) => ({ value: code, label: reasonInfo(code).title })),
    download: { shop: shopDomain, host: adminHost(shopDomain) },
  };
}

const backSchema = /^\?[^#]{0,2000}$/;

export async function loadEventDetail(db: Database, shopDomain: string, id: string, search: URLSearchParams): Promise<{ event: EventDetail | null; backUrl: string }> {
  const zone = await statisticsTimeZone(db, shopDomain);
  const back = search.get("back");
  const backSearch = back && backSchema.test(back) ? new URLSearchParams(back) : new URLSearchParams();
  backSearch.delete("id_token");
  const backQuery = backSearch.toString();
  return { event: await getEventDetail(db, shopDomain, id, zone.name), backUrl: `/app/events${backQuery ? `?${backQuery}` : ""}` };
}
