// Records, per shop, topic and field path, that Loop sent something the app does not read (UnusedLoopField):
// field names the mapping skipped (unused-fields.ts), and whole webhooks of topics the app does not consume
// (path ""). Support sees them on the shop's record.
//
// It runs for every event the worker prepares (1,000+ a second), so it does not write per event: a path this
// process has not written yet is written at once (a new Loop field shows the moment it arrives), and after that
// the sightings are added up in memory and written at most once per `writeEveryMs` per path, with the count
// they add up to. flush() writes what is left (on shutdown).
import type { PersonalDataOwner } from "~/compliance/personal-data.server";
import { isUniqueViolation, type Database } from "~/db.server";
import { log } from "~/logging/logger.server";

export interface UnusedFieldLogOptions {
  /** How often a path already written is written again with its new sightings. */
  writeEveryMs?: number;
  /** A shop holds at most this many rows; beyond it new paths are not recorded (Loop's field names are few). */
  maxPathsPerShop?: number;
  /** Paths tracked in memory; the oldest is forgotten beyond it (with its sightings not yet written). */
  maxTracked?: number;
  now?: () => number;
}

export interface UnusedFieldLog {
  /** Notes one webhook's unused paths; never throws (bookkeeping must not stop an event). */
  note(shopDomain: string, topic: string, paths: readonly string[]): Promise<void>;
  /** Writes every sighting not written yet. */
  flush(): Promise<void>;
}

/** The path recorded for a webhook whose whole topic the app does not consume. */
export const WHOLE_TOPIC_PATH = "";

export const UNUSED_FIELD_WRITE_EVERY_MS = 60_000;
const DONE = Promise.resolve();
export const MAX_UNUSED_PATHS_PER_SHOP = 500;
const MAX_TOPIC_LENGTH = 100;

interface Tracked {
  shopDomain: string;
  topic: string;
  path: string;
  pending: number;
  firstPendingAt: number;
  lastSeenAt: number;
  writtenAt: number | null;
  writing: boolean;
}

export function createUnusedFieldLog(db: Database, options: UnusedFieldLogOptions = {}): UnusedFieldLog {
  const writeEveryMs = options.writeEveryMs ?? UNUSED_FIELD_WRITE_EVERY_MS;
  const maxPathsPerShop = options.maxPathsPerShop ?? MAX_UNUSED_PATHS_PER_SHOP;
  const maxTracked = options.maxTracked ?? 10_000;
  const now = options.now ?? Date.now;
  // Per shop and topic, then per path: one key built per webhook, not one per path.
  const groups = new Map<string, Map<string, Tracked>>();
  let trackedCount = 0;
  let sweptAt = now();

  function groupOf(shopDomain: string, topic: string): Map<string, Tracked> {
    const key = `${shopDomain}\n${topic}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = new Map()));
    return group;
  }

  function track(group: Map<string, Tracked>, shopDomain: string, topic: string, path: string): Tracked {
    let entry = group.get(path);
    if (!entry) {
      if (trackedCount >= maxTracked) forgetOldest();
      entry = { shopDomain, topic, path, pending: 0, firstPendingAt: 0, lastSeenAt: 0, writtenAt: null, writing: false };
      group.set(path, entry);
      trackedCount += 1;
    }
    return entry;
  }

  function forgetOldest() {
    const [key, group] = groups.entries().next().value!;
    group.delete(group.keys().next().value!);
    trackedCount -= 1;
    if (group.size === 0) groups.delete(key);
  }

  function* allTracked(): Iterable<Tracked> {
    for (const group of groups.values()) yield* group.values();
  }

  async function addTo(entry: Tracked, count: number, firstSeenAt: Date, lastSeenAt: Date): Promise<void> {
    const where = { shopDomain: entry.shopDomain, topic: entry.topic, path: entry.path };
    const bump = () => db.unusedLoopField.updateMany({ where, data: { count: { increment: count }, lastSeenAt } });
    if ((await bump()).count > 0) return;
    if ((await db.unusedLoopField.count({ where: { shopDomain: entry.shopDomain } })) >= maxPathsPerShop) return;
    try {
      await db.unusedLoopField.create({ data: { ...where, firstSeenAt, lastSeenAt, count } });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      await bump(); // another process created it a moment ago
    }
  }

  async function write(entry: Tracked): Promise<void> {
    const count = entry.pending;
    const first = entry.firstPendingAt;
    entry.pending = 0;
    entry.writing = true;
    try {
      await addTo(entry, count, new Date(first), new Date(entry.lastSeenAt));
      entry.writtenAt = now();
    } catch (error) {
      // Kept for the next try; the event being prepared goes on regardless.
      if (entry.pending === 0) entry.firstPendingAt = first;
      entry.pending += count;
      log.warn("could not record unused Loop fields", { shop: entry.shopDomain, topic: entry.topic, error });
    } finally {
      entry.writing = false;
    }
  }

  return {
    note(shopDomain, topic, paths) {
      if (paths.length === 0) return DONE;
      const at = now();
      const writes: Promise<void>[] = [];
      const shortTopic = topic.length > MAX_TOPIC_LENGTH ? topic.slice(0, MAX_TOPIC_LENGTH) : topic;
      const group = groupOf(shopDomain, shortTopic);
      for (const path of paths) {
        const entry = track(group, shopDomain, shortTopic, path);
        if (entry.pending === 0) entry.firstPendingAt = at;
        entry.pending += 1;
        entry.lastSeenAt = at;
        const due = entry.writtenAt === null || at - entry.writtenAt >= writeEveryMs;
        if (due && !entry.writing) writes.push(write(entry));
      }
      // Sightings of paths that stopped arriving would otherwise wait for shutdown.
      if (at - sweptAt >= writeEveryMs) {
        sweptAt = at;
        for (const entry of allTracked()) {
          if (entry.pending > 0 && !entry.writing && entry.writtenAt !== null && at - entry.writtenAt >= writeEveryMs) writes.push(write(entry));
        }
      }
      return writes.length ? Promise.all(writes).then(() => undefined) : DONE;
    },
    async flush() {
      await Promise.all([...allTracked()].filter((e) => e.pending > 0 && !e.writing).map(write));
    },
  };
}

export interface UnusedFieldView {
  topic: string;
  /** "" for a whole webhook of a topic the app does not consume. */
  path: string;
  firstSeenAt: string;
  lastSeenAt: string;
  count: number;
}

/** A shop's records, most recently seen first (what the support console shows). */
export async function unusedLoopFields(db: Database, shopDomain: string, limit = 200): Promise<UnusedFieldView[]> {
  const rows = await db.unusedLoopField.findMany({
    where: { shopDomain },
    orderBy: [{ lastSeenAt: "desc" }, { topic: "asc" }, { path: "asc" }],
    take: limit,
  });
  return rows.map((r) => ({
    topic: r.topic,
    path: r.path,
    firstSeenAt: r.firstSeenAt.toISOString(),
    lastSeenAt: r.lastSeenAt.toISOString(),
    count: r.count,
  }));
}

/** Field names and counts, no customer data: they go with the shop only (shop/redact). */
export const unusedFieldRecords: PersonalDataOwner = {
  name: "Loop field names the app does not read",
  exportCustomer: async () => [],
  redactCustomer: async () => 0,
  async redactShop(db, shop) {
    return (await db.unusedLoopField.deleteMany({ where: { shopDomain: shop } })).count;
  },
};
