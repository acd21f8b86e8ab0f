/**
 * In-memory state of the Postscript stand-in: shops, keys, partners, subscribers, accepted events and the
 * request log. No I/O; the server owns one Store and tests reach it through `handle.state`.
 */
import { randomBytes } from "node:crypto";
import {
  GENERATED_KEY_HEX_LENGTH,
  MAX_SUBSCRIBER_PROPERTIES,
  PRIVATE_KEY_RE,
  SUBSCRIBERS_PAGE_SIZE,
  emailKey,
  formatOccurredAt,
  isPartnerKey,
  phoneKey,
  type CustomEventInput,
  type SubscriberPatchInput,
  type SubscriberPropertyValue,
  type SubscriberSortField,
  type SubscriberWire,
} from "../../app/postscript/protocol";

// ---------------------------------------------------------------------------------------------------------
// Seed types
// ---------------------------------------------------------------------------------------------------------

export interface SeedSubscriber {
  id?: string;
  email?: string | null;
  phone_number?: string | null;
  shopify_customer_id?: number | null;
  properties?: Record<string, SubscriberPropertyValue>;
  tags?: string[];
  can_send?: { promotional?: boolean; transactional?: boolean };
  created_at?: string;
}
export interface SeedShop {
  id?: string;
  name: string;
  /** Private key; generated (`sk_` + 32 hex) when absent. */
  key?: string;
  /** Public counterpart; derived from the key when absent. */
  publicKey?: string;
  subscribers?: SeedSubscriber[];
}
export interface SeedPartner {
  id?: string;
  name: string;
  key: string;
}
export interface SeedData {
  shops: SeedShop[];
  partners?: SeedPartner[];
}

// ---------------------------------------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------------------------------------

export interface Shop {
  id: string;
  name: string;
  key: string;
  publicKey: string;
}
export interface Partner {
  id: string;
  name: string;
  key: string;
}
interface StoredSubscriber extends SubscriberWire {
  shopId: string;
}

export interface EventRecord {
  event_id: string;
  seq: number;
  shop_id: string;
  shop_name: string;
  via: "shop" | "partner";
  partner_id: string | null;
  /** Documented: the UI shows "[Partner/Shop Name] - <type>" (partner name when sent with a partner key). */
  display_type: string;
  type: string;
  subscriber_id: string | null;
  phone: string | null;
  email: string | null;
  external_id: string | null;
  properties: Record<string, string | boolean | number>;
  /** As sent, or the receive time in the documented format when absent (documented default = receive time). */
  occurred_at: string;
  received_at: string;
  /** Stand-in only: the subscriber the event would match. Postscript matches ASYNCHRONOUSLY and tells the
   * caller nothing (documented); this field is visible only through the control API. */
  matched_subscriber_id: string | null;
}

export interface RequestRecord {
  seq: number;
  /** Epoch ms when the request arrived. */
  time: number;
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  /** Lower-cased header names; Authorization and X-Postscript-Shop-Token masked to the last 4 chars. */
  headers: Record<string, string>;
  /** Parsed JSON body, the raw text when it was not JSON, or null when empty. */
  body: unknown;
  /** Status sent, or null while pending / when never answered (timeout fault). */
  status: number | null;
  outcome: "pending" | "answered" | "timeout" | "client_closed";
  shop_id: string | null;
  shop_name: string | null;
  partner_id: string | null;
  fault: "error" | "timeout" | "malformed" | "revoked" | null;
  latency_ms: number;
  duration_ms: number | null;
}

export interface SubscriberQuery {
  phone_number__eq?: string;
  phone_number__in?: string[];
  email__eq?: string;
  email__in?: string[];
  shopify_customer_id__eq?: string;
  page: number;
  sort?: { field: SubscriberSortField; dir: "asc" | "desc" };
}

export type PatchResult =
  | { ok: true; subscriber: SubscriberWire }
  | { ok: false; reason: "not_found" }
  | { ok: false; reason: "too_many_properties"; count: number };

// ---------------------------------------------------------------------------------------------------------

function hex(n: number): string {
  return randomBytes(Math.ceil(n / 2)).toString("hex").slice(0, n);
}

export function generatePrivateKey(): string {
  return `sk_${hex(GENERATED_KEY_HEX_LENGTH)}`;
}

export function publicKeyFor(privateKey: string): string {
  return `pk_${privateKey.slice(3)}`;
}

const SEED_EPOCH = Date.UTC(2024, 0, 1);

export class Store {
  shops = new Map<string, Shop>();
  partners = new Map<string, Partner>();
  private shopByKey = new Map<string, Shop>();
  private partnerByKey = new Map<string, Partner>();
  private subscribers = new Map<string, StoredSubscriber>();
  events: EventRecord[] = [];
  requests: RequestRecord[] = [];
  private requestSeq = 0;
  private eventSeq = 0;
  private psIdSeq = 1000;
  private eventsByExternalId = new Map<string, EventRecord>();

  constructor(
    private seed: SeedData,
    private readonly maxLoggedRequests = 10_000,
  ) {
    this.load(seed);
  }

  /** Back to the seed: shops, partners, subscribers; events and request log emptied; sequence numbers restart. */
  reset(seed: SeedData = this.seed): void {
    this.seed = seed;
    this.shops.clear();
    this.partners.clear();
    this.shopByKey.clear();
    this.partnerByKey.clear();
    this.subscribers.clear();
    this.events = [];
    this.requests = [];
    this.eventsByExternalId.clear();
    this.requestSeq = 0;
    this.eventSeq = 0;
    this.psIdSeq = 1000;
    this.load(seed);
  }

  private load(seed: SeedData): void {
    for (const p of seed.partners ?? []) this.addPartner(p);
    for (const s of seed.shops) this.addShop(s);
  }

  // --- shops & partners --------------------------------------------------------------------------------

  addPartner(p: SeedPartner): Partner {
    if (!isPartnerKey(p.key)) throw new StoreError(`partner key must start with sk_partner_: ${p.key}`);
    if (this.partnerByKey.has(p.key) || this.shopByKey.has(p.key)) throw new StoreError("key already in use");
    const partner: Partner = { id: p.id ?? `partner_${hex(12)}`, name: p.name, key: p.key };
    this.partners.set(partner.id, partner);
    this.partnerByKey.set(partner.key, partner);
    return partner;
  }

  addShop(s: SeedShop): { shop: Shop; subscribers: SubscriberWire[] } {
    if (!s.name || typeof s.name !== "string") throw new StoreError("shop name is required");
    const key = s.key ?? generatePrivateKey();
    if (!PRIVATE_KEY_RE.test(key) || isPartnerKey(key)) {
      throw new StoreError("shop key must look like sk_<letters, digits, _> and must not be a partner key");
    }
    if (this.shopByKey.has(key) || this.partnerByKey.has(key)) throw new StoreError("key already in use");
    const id = s.id ?? `shop_${hex(12)}`;
    if (this.shops.has(id)) throw new StoreError(`shop id already in use: ${id}`);
    const shop: Shop = { id, name: s.name, key, publicKey: s.publicKey ?? publicKeyFor(key) };
    this.shops.set(shop.id, shop);
    this.shopByKey.set(shop.key, shop);
    const subscribers = (s.subscribers ?? []).map((sub, i) => this.addSubscriber(shop.id, sub, i));
    return { shop, subscribers };
  }

  shopByPrivateKey(key: string): Shop | undefined {
    return this.shopByKey.get(key);
  }

  partnerByPrivateKey(key: string): Partner | undefined {
    return this.partnerByKey.get(key);
  }

  /** Finds a shop by id, exact name, or private key. */
  findShop(ref: string): Shop | undefined {
    return this.shops.get(ref) ?? this.shopByKey.get(ref) ?? [...this.shops.values()].find((s) => s.name === ref);
  }

  // --- subscribers -------------------------------------------------------------------------------------

  addSubscriber(shopId: string, s: SeedSubscriber, index = 0): SubscriberWire {
    const id = s.id ?? `s_${hex(16)}`;
    if (this.subscribers.has(id)) throw new StoreError(`subscriber id already in use: ${id}`);
    const created = s.created_at ?? new Date(SEED_EPOCH + index * 60_000).toISOString();
    const sub: StoredSubscriber = {
      shopId,
      id,
      email: s.email ?? null,
      phone_number: s.phone_number ?? null,
      shopify_customer_id: s.shopify_customer_id ?? null,
      ps_id: ++this.psIdSeq,
      properties: { ...(s.properties ?? {}) },
      tags: [...(s.tags ?? [])],
      subscriptions: {
        promotional: { can_send: s.can_send?.promotional ?? true },
        transactional: { can_send: s.can_send?.transactional ?? true },
      },
      data: {},
      created_at: created,
      updated_at: created,
    };
    this.subscribers.set(id, sub);
    return toWire(sub);
  }

  getSubscriber(shopId: string, id: string): SubscriberWire | undefined {
    const s = this.subscribers.get(id);
    return s && s.shopId === shopId ? toWire(s) : undefined;
  }

  subscribersOf(shopId: string): SubscriberWire[] {
    return [...this.subscribers.values()].filter((s) => s.shopId === shopId).map(toWire);
  }

  listSubscribers(shopId: string, q: SubscriberQuery): { page: number; total_pages: number; subscribers: SubscriberWire[] } {
    let list = [...this.subscribers.values()].filter((s) => s.shopId === shopId);
    const phones = [...(q.phone_number__eq !== undefined ? [q.phone_number__eq] : []), ...(q.phone_number__in ?? [])];
    if (q.phone_number__eq !== undefined || q.phone_number__in !== undefined) {
      const keys = new Set(phones.map(phoneKey).filter((k) => k !== ""));
      list = list.filter((s) => s.phone_number !== null && keys.has(phoneKey(s.phone_number)));
    }
    if (q.email__eq !== undefined || q.email__in !== undefined) {
      const keys = new Set([...(q.email__eq !== undefined ? [q.email__eq] : []), ...(q.email__in ?? [])].map(emailKey));
      list = list.filter((s) => s.email !== null && keys.has(emailKey(s.email)));
    }
    if (q.shopify_customer_id__eq !== undefined) {
      list = list.filter((s) => s.shopify_customer_id !== null && String(s.shopify_customer_id) === q.shopify_customer_id__eq);
    }
    const sort = q.sort ?? { field: "created_at", dir: "asc" };
    list.sort((a, b) => {
      const av = a[sort.field];
      const bv = b[sort.field];
      const c = av === bv ? 0 : av === null ? -1 : bv === null ? 1 : av < bv ? -1 : 1;
      return (sort.dir === "asc" ? c : -c) || (a.ps_id - b.ps_id);
    });
    // Assumed: total_pages is at least 1 even for an empty result.
    const total_pages = Math.max(1, Math.ceil(list.length / SUBSCRIBERS_PAGE_SIZE));
    const start = (q.page - 1) * SUBSCRIBERS_PAGE_SIZE;
    return { page: q.page, total_pages, subscribers: list.slice(start, start + SUBSCRIBERS_PAGE_SIZE).map(toWire) };
  }

  patchSubscriber(shopId: string, id: string, patch: SubscriberPatchInput, mode: "merge" | "replace"): PatchResult {
    const s = this.subscribers.get(id);
    if (!s || s.shopId !== shopId) return { ok: false, reason: "not_found" };
    let properties = s.properties;
    if (patch.properties !== undefined) {
      properties = mode === "merge" ? { ...s.properties, ...patch.properties } : { ...patch.properties };
      const count = Object.keys(properties).length;
      // Documented: "Subscribers can have up to 50 custom properties." Checked after merging; atomic.
      if (count > MAX_SUBSCRIBER_PROPERTIES) return { ok: false, reason: "too_many_properties", count };
    }
    s.properties = properties;
    // Documented: tags are "additive, so whatever you include here will be added to the existing tags".
    if (patch.tags) for (const t of patch.tags) if (!s.tags.includes(t)) s.tags.push(t);
    // Documented: email is updated only "if none previously existed on the subscriber or we haven't linked a
    // Shopify customer to them yet"; otherwise silently ignored.
    if (patch.email !== undefined && (s.email === null || s.shopify_customer_id === null)) s.email = patch.email;
    s.updated_at = new Date().toISOString();
    return { ok: true, subscriber: toWire(s) };
  }

  // --- events ------------------------------------------------------------------------------------------

  findEventByExternalId(shopId: string, externalId: string): EventRecord | undefined {
    return this.eventsByExternalId.get(`${shopId}\u0000${externalId}`);
  }

  recordEvent(args: {
    shop: Shop;
    partner: Partner | null;
    input: CustomEventInput;
    receivedAt: number;
  }): EventRecord {
    const { shop, partner, input, receivedAt } = args;
    const ev: EventRecord = {
      event_id: `evt_${hex(24)}`,
      seq: ++this.eventSeq,
      shop_id: shop.id,
      shop_name: shop.name,
      via: partner ? "partner" : "shop",
      partner_id: partner?.id ?? null,
      display_type: `[${partner ? partner.name : shop.name}] - ${input.type}`,
      type: input.type,
      subscriber_id: input.subscriber_id ?? null,
      phone: input.phone ?? null,
      email: input.email ?? null,
      external_id: input.external_id ?? null,
      properties: { ...(input.properties ?? {}) },
      occurred_at: input.occurred_at ?? formatOccurredAt(receivedAt),
      received_at: new Date(receivedAt).toISOString(),
      matched_subscriber_id: this.matchSubscriber(shop.id, input),
    };
    this.events.push(ev);
    if (ev.external_id !== null && !this.findEventByExternalId(shop.id, ev.external_id)) {
      this.eventsByExternalId.set(`${shop.id}\u0000${ev.external_id}`, ev);
    }
    return ev;
  }

  /** Documented match order: subscriber_id, else phone (unique per shop), else email (most recent
   * opted-in subscriber when several share it). */
  private matchSubscriber(shopId: string, input: CustomEventInput): string | null {
    const mine = [...this.subscribers.values()].filter((s) => s.shopId === shopId);
    if (input.subscriber_id) {
      const s = mine.find((x) => x.id === input.subscriber_id);
      if (s) return s.id;
    }
    if (input.phone && phoneKey(input.phone) !== "") {
      const s = mine.find((x) => x.phone_number !== null && phoneKey(x.phone_number) === phoneKey(input.phone!));
      if (s) return s.id;
    }
    if (input.email) {
      const candidates = mine
        .filter((x) => x.email !== null && emailKey(x.email) === emailKey(input.email!))
        .sort((a, b) => {
          const ao = a.subscriptions.promotional.can_send || a.subscriptions.transactional.can_send ? 1 : 0;
          const bo = b.subscriptions.promotional.can_send || b.subscriptions.transactional.can_send ? 1 : 0;
          return bo - ao || (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : 0);
        });
      if (candidates[0]) return candidates[0].id;
    }
    return null;
  }

  eventsFor(filter: { shop?: string; type?: string }): EventRecord[] {
    let list = this.events;
    if (filter.shop !== undefined) {
      const shop = this.findShop(filter.shop);
      list = shop ? list.filter((e) => e.shop_id === shop.id) : [];
    }
    if (filter.type !== undefined) list = list.filter((e) => e.type === filter.type);
    return list;
  }

  // --- request log -------------------------------------------------------------------------------------

  logRequest(r: Omit<RequestRecord, "seq">): RequestRecord {
    const rec: RequestRecord = { seq: ++this.requestSeq, ...r };
    this.requests.push(rec);
    if (this.requests.length > this.maxLoggedRequests) this.requests.splice(0, this.requests.length - this.maxLoggedRequests);
    return rec;
  }

  requestsFor(filter: { since?: number; path?: string; method?: string }): RequestRecord[] {
    return this.requests.filter(
      (r) =>
        (filter.since === undefined || r.seq > filter.since) &&
        (filter.path === undefined ||
          (filter.path.endsWith("*") ? r.path.startsWith(filter.path.slice(0, -1)) : r.path === filter.path)) &&
        (filter.method === undefined || r.method === filter.method.toUpperCase()),
    );
  }

  /** Empties the log; sequence numbers keep increasing so `since` cursors stay valid. */
  clearRequests(): number {
    const n = this.requests.length;
    this.requests = [];
    return n;
  }
}

export class StoreError extends Error {}

function toWire(s: StoredSubscriber): SubscriberWire {
  return {
    id: s.id,
    email: s.email,
    phone_number: s.phone_number,
    shopify_customer_id: s.shopify_customer_id,
    ps_id: s.ps_id,
    properties: structuredClone(s.properties),
    tags: [...s.tags],
    subscriptions: structuredClone(s.subscriptions),
    data: structuredClone(s.data),
    created_at: s.created_at,
    updated_at: s.updated_at,
  };
}
