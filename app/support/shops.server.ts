// The support console's shop list and search: every shop with its connection states and recent failures,
// the shops with problems first. Search finds a shop by (part of) its domain, (part of) its Postscript shop
// name, or a Loop subscription id seen in its events.
import { sql } from "kysely";
import { getSql, type Database } from "~/db.server";

export const RECENT_DAYS = 7;
export const MAX_LISTED = 200;

export type Problem = "postscript_action_needed" | "loop_action_needed" | "deliveries_held" | "recent_failures" | "events_waiting" | "not_connected";

export interface ShopRow {
  domain: string;
  installedAt: string | null;
  uninstalledAt: string | null;
  postscript: { status: string; shopName: string | null };
  loop: { status: string; mode: string | null };
  held: boolean;
  failedRecent: number;
  pausedNow: number;
  problems: Problem[];
  /** Why the search matched, when searching. */
  matched: string[];
}

export interface ShopList {
  query: string;
  rows: ShopRow[];
  total: number;
  truncated: boolean;
}

const PROBLEM_WEIGHT: Record<Problem, number> = {
  postscript_action_needed: 1000,
  loop_action_needed: 1000,
  deliveries_held: 500,
  events_waiting: 200,
  recent_failures: 100,
  not_connected: 10,
};

function likePattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Domains matching `query`, with what matched. */
async function searchDomains(db: Database, query: string): Promise<Map<string, string[]>> {
  const q = query.trim();
  const found = new Map<string, string[]>();
  const add = (domain: string, why: string) => found.set(domain, [...(found.get(domain) ?? []), why]);
  const lower = q.toLowerCase();
  const [byDomain, byName, bySubscription] = await Promise.all([
    // Domains are stored in lower case.
    db.shop.findMany({ where: { domain: { contains: lower } }, select: { domain: true }, take: MAX_LISTED }),
    // Case-insensitive on both databases (Prisma's `mode` exists on PostgreSQL only). The builder has no
    // LIKE … ESCAPE, and without it SQLite takes the backslash of an escaped % or _ literally.
    getSql(db)
      .db.selectFrom("PostscriptConnection")
      .select("shopDomain")
      .where((eb) => sql<boolean>`${eb.fn("lower", ["postscriptShopName"])} LIKE ${likePattern(q)} ESCAPE '\\'`)
      .limit(MAX_LISTED)
      .execute(),
    /^[A-Za-z0-9_:/.-]{1,100}$/.test(q)
      ? db.event.findMany({ where: { subscriptionKey: q }, select: { shopDomain: true }, distinct: ["shopDomain"], take: MAX_LISTED })
      : Promise.resolve([]),
  ]);
  for (const row of byDomain) add(row.domain, "domain");
  for (const row of byName) add(row.shopDomain, "Postscript shop name");
  for (const row of bySubscription) add(row.shopDomain, "Loop subscription id");
  return found;
}

export async function listShops(db: Database, query: string, now = new Date()): Promise<ShopList> {
  const q = query.trim().slice(0, 200);
  const matches = q ? await searchDomains(db, q) : null;
  const domainFilter = matches ? { in: [...matches.keys()] } : undefined;
  const since = new Date(now.getTime() - RECENT_DAYS * 24 * 3_600_000);

  const [shops, postscript, loop, settings, failures, paused] = await Promise.all([
    db.shop.findMany({ where: domainFilter ? { domain: domainFilter } : {}, select: { domain: true, installedAt: true, uninstalledAt: true } }),
    db.postscriptConnection.findMany({
      where: domainFilter ? { shopDomain: domainFilter } : {},
      select: { shopDomain: true, status: true, postscriptShopName: true },
    }),
    db.loopConnection.findMany({ where: domainFilter ? { shopDomain: domainFilter } : {}, select: { shopDomain: true, status: true, mode: true } }),
    db.shopSettings.findMany({
      where: { deliveriesPausedAt: { not: null }, ...(domainFilter ? { shopDomain: domainFilter } : {}) },
      select: { shopDomain: true },
    }),
    db.eventRollup.groupBy({
      by: ["shopDomain"],
      where: { hourStart: { gte: since }, failed: { gt: 0 }, ...(domainFilter ? { shopDomain: domainFilter } : {}) },
      _sum: { failed: true },
    }),
    db.event.groupBy({ by: ["shopDomain"], where: { status: "paused", ...(domainFilter ? { shopDomain: domainFilter } : {}) }, _count: { _all: true } }),
  ]);

  const byDomain = new Map<string, ShopRow>();
  const row = (domain: string): ShopRow => {
    let existing = byDomain.get(domain);
    if (!existing) {
      existing = {
        domain,
        installedAt: null,
        uninstalledAt: null,
        postscript: { status: "not_connected", shopName: null },
        loop: { status: "not_connected", mode: null },
        held: false,
        failedRecent: 0,
        pausedNow: 0,
        problems: [],
        matched: matches?.get(domain) ?? [],
      };
      byDomain.set(domain, existing);
    }
    return existing;
  };
  for (const shop of shops) Object.assign(row(shop.domain), { installedAt: shop.installedAt.toISOString(), uninstalledAt: shop.uninstalledAt?.toISOString() ?? null });
  for (const p of postscript) row(p.shopDomain).postscript = { status: p.status, shopName: p.postscriptShopName };
  for (const l of loop) row(l.shopDomain).loop = { status: l.status, mode: l.mode };
  for (const s of settings) row(s.shopDomain).held = true;
  for (const f of failures) row(f.shopDomain).failedRecent = f._sum.failed ?? 0;
  for (const p of paused) row(p.shopDomain).pausedNow = p._count._all;
  // A search hit with no record anywhere else still shows (e.g. only events remain).
  for (const domain of matches?.keys() ?? []) row(domain);

  const rows = [...byDomain.values()];
  for (const r of rows) {
    const problems: Problem[] = [];
    if (r.postscript.status === "action_needed") problems.push("postscript_action_needed");
    if (r.loop.status === "action_needed") problems.push("loop_action_needed");
    if (r.held) problems.push("deliveries_held");
    if (r.pausedNow > 0) problems.push("events_waiting");
    if (r.failedRecent > 0) problems.push("recent_failures");
    if (!r.uninstalledAt && (r.postscript.status !== "connected" || r.loop.status !== "connected") && !problems.length) problems.push("not_connected");
    r.problems = problems;
  }
  const score = (r: ShopRow) => (r.uninstalledAt ? -1 : r.problems.reduce((sum, p) => sum + PROBLEM_WEIGHT[p], 0));
  rows.sort((a, b) => score(b) - score(a) || b.failedRecent - a.failedRecent || b.pausedNow - a.pausedNow || a.domain.localeCompare(b.domain));
  return { query: q, rows: rows.slice(0, MAX_LISTED), total: rows.length, truncated: rows.length > MAX_LISTED };
}

export async function shopExists(db: Database, domain: string): Promise<boolean> {
  const [shop, postscript, loop, event] = await Promise.all([
    db.shop.findUnique({ where: { domain }, select: { domain: true } }),
    db.postscriptConnection.findUnique({ where: { shopDomain: domain }, select: { id: true } }),
    db.loopConnection.findUnique({ where: { shopDomain: domain }, select: { id: true } }),
    db.event.findFirst({ where: { shopDomain: domain }, select: { id: true } }),
  ]);
  return Boolean(shop || postscript || loop || event);
}
