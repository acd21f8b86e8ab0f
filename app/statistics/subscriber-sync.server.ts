// How the shop's subscriber properties stand in Postscript, for the Integration Overview and the support
// console: customers synced, not subscribers, failed and waiting, the problems grouped by cause with what to
// do, and (for support only) the customers' rows with their contact details masked. These are the current
// state of each customer, not counts over a period: a customer is counted once, however often they changed.
import type { Database } from "~/db.server";
import { readSentProperties } from "~/events/subscriber-properties";
import { formatDateTime } from "./format";
import { maskEmail, maskPhone } from "./masking";

export interface SyncProblem {
  kind: string;
  title: string;
  todo: string;
  /** Postscript's own words, when it gave some (they never hold a secret). */
  detail: string | null;
  count: number;
  lastAtLabel: string | null;
}

export interface SubscriberSyncFigures {
  enabled: boolean;
  synced: number;
  notSubscribers: number;
  failed: number;
  /** Changed and not sent yet, or retrying. */
  waiting: number;
  problems: SyncProblem[];
}

const PROBLEM_WORDS: Record<string, { title: string; todo: string }> = {
  rate_limited: {
    title: "Postscript asked the app to slow down",
    todo: "Nothing: the updates are tried again shortly. Another app using the same Postscript key may be sending a lot.",
  },
  unavailable: { title: "Postscript could not be reached", todo: "Nothing: the updates are tried again with growing pauses." },
  timeout: { title: "Postscript did not answer in time", todo: "Nothing: the updates are tried again with growing pauses." },
  malformed_response: { title: "Postscript answered in an unexpected way", todo: "Nothing for now; contact support if this stays." },
  unauthorized: { title: "Postscript rejected the API key", todo: "Replace the key in Settings. The updates wait and go out once Postscript accepts a key." },
  rejected: {
    title: "Postscript refused the update",
    todo: "Check the subscriber in Postscript (a subscriber can have at most 50 custom properties). The update is tried again when the customer's subscriptions change.",
  },
  no_contact: {
    title: "No email or phone to find the customer by",
    todo: "Nothing: Loop sent neither for these customers. They are looked for again when Loop sends one.",
  },
};

function problemWords(kind: string) {
  return PROBLEM_WORDS[kind] ?? { title: "The update did not go through", todo: "Contact support if this stays." };
}

export async function subscriberSyncFigures(db: Database, shopDomain: string, enabled: boolean, timeZone: string): Promise<SubscriberSyncFigures> {
  const [byStatus, problems] = await Promise.all([
    db.subscriberSync.groupBy({ by: ["syncStatus"], where: { shopDomain }, _count: { _all: true } }),
    db.subscriberSync.groupBy({
      by: ["errorKind", "errorDetail"],
      where: { shopDomain, errorKind: { not: null }, syncStatus: { in: ["failed", "retrying", "not_subscriber", "pending"] } },
      _count: { _all: true },
      _max: { markedAt: true },
    }),
  ]);
  const count = (...statuses: string[]) => byStatus.filter((row) => statuses.includes(row.syncStatus)).reduce((sum, row) => sum + row._count._all, 0);
  return {
    enabled,
    synced: count("synced"),
    notSubscribers: count("not_subscriber"),
    failed: count("failed"),
    waiting: count("pending", "retrying"),
    problems: problems
      .map((row) => ({
        kind: row.errorKind!,
        ...problemWords(row.errorKind!),
        detail: row.errorKind === "rejected" ? row.errorDetail : null,
        count: row._count._all,
        lastAtLabel: formatDateTime(timeZone, row._max.markedAt),
      }))
      .sort((a, b) => b.count - a.count || a.kind.localeCompare(b.kind)),
  };
}

export interface SubscriberSyncRow {
  customer: string;
  email: string | null;
  phone: string | null;
  subscriberId: string | null;
  status: string;
  sentProperties: number;
  syncedAt: string | null;
  dueAt: string | null;
  problem: string | null;
}

/** The shop's customers as support sees them: masked contact details, never the properties' values. */
export async function subscriberSyncRows(db: Database, shopDomain: string, limit = 50): Promise<SubscriberSyncRow[]> {
  const rows = await db.subscriberSync.findMany({ where: { shopDomain }, orderBy: { markedAt: "desc" }, take: limit });
  return rows.map((row) => ({
    customer: row.customerKey.startsWith("loop:") || row.customerKey.startsWith("shopify:") ? row.customerKey : "by contact",
    email: maskEmail(row.contactEmail),
    phone: maskPhone(row.contactPhone),
    subscriberId: row.subscriberId,
    status: row.syncStatus,
    sentProperties: Object.keys(readSentProperties(row.sentProperties)).length,
    syncedAt: row.syncedAt?.toISOString() ?? null,
    dueAt: row.dueAt?.toISOString() ?? null,
    problem: row.errorKind ? problemWords(row.errorKind).title : null,
  }));
}

