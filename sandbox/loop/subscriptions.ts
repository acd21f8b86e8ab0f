// The subscriptions a stand-in store has, for Loop's subscription list (the app's backfill reads it). A store's
// catalogue is only (count, customers, seed): subscription i is generated when a page asks for it, the same
// way every time, so 20,000 subscriptions cost no memory and a test can compute what a page holds. The first
// customers are the personas (so the Shopify and Postscript stand-ins know them); the rest are numbered
// customers with an e-mail only. Customer c owns subscriptions c, c + customers, c + 2·customers, …
import type { KnownLoopTopic } from "./topics";
import { generatePayload, type LoopPayload } from "./payloads";
import { PERSONAS } from "./personas";
import { createPrng, hashSeed } from "./prng";

export interface SubscriptionCatalogue {
  count: number;
  customers: number;
  seed: string | number;
  /** Reference time of the generated dates (ms). Default: when the catalogue was set. */
  now?: number;
}

/** Status mix of a store's subscriptions (by the topic whose payload describes them). */
const STATUS_TOPICS: ReadonlyArray<readonly [KnownLoopTopic, number]> = [
  ["subscription/created", 70],
  ["subscription/paused", 10],
  ["subscription/cancelled", 15],
  ["subscription/expired", 5],
];

/** Loop ids of the generated subscriptions and of the numbered customers (clear of the personas' ids). */
export const FIRST_SUBSCRIPTION_ID = 80_000_000;
const FIRST_CUSTOMER_ID = 63_000_000;

/** The customer index that owns subscription `index`. */
export const ownerOf = (catalogue: SubscriptionCatalogue, index: number) => index % catalogue.customers;

/** E-mail of a numbered (non-persona) customer. */
export const numberedCustomerEmail = (customer: number) => `subscriber${customer}@example.com`;

/** Subscription `index` of the store, as Loop's Admin API describes a subscription. */
export function catalogueSubscription(shopDomain: string, catalogue: SubscriptionCatalogue, index: number): LoopPayload {
  const customer = ownerOf(catalogue, index);
  const topic = createPrng(hashSeed("loop-subscription-status", catalogue.seed, index)).weighted(STATUS_TOPICS);
  const persona = customer < PERSONAS.length ? PERSONAS[customer] : null;
  const { payload } = generatePayload(topic, {
    seed: `${catalogue.seed}:subscription:${index}`,
    shopDomain,
    spelling: "admin",
    now: catalogue.now,
    ...(persona ? { persona: persona.key } : {}),
  });
  payload.id = FIRST_SUBSCRIPTION_ID + index;
  payload.shopifyId = 90_000_000_000 + index;
  if (!persona) {
    payload.customer = { id: FIRST_CUSTOMER_ID + customer, shopifyId: 7_500_000_000 + customer, email: numberedCustomerEmail(customer), firstName: "Subscriber", lastName: String(customer) };
    delete payload.shippingAddress;
  }
  return payload;
}

/** One page (1-based) of the store's subscriptions, oldest first. */
export function cataloguePage(shopDomain: string, catalogue: SubscriptionCatalogue, pageNo: number, pageSize: number): LoopPayload[] {
  const from = (pageNo - 1) * pageSize;
  const to = Math.min(catalogue.count, from + pageSize);
  const page: LoopPayload[] = [];
  for (let i = from; i < to; i++) page.push(catalogueSubscription(shopDomain, catalogue, i));
  return page;
}
