// The delivery worker as the running app uses it: the real database, clock, configuration, Postscript
// client, connections (credentials, Action needed), shop settings and Shopify customer lookups.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { getConfig } from "~/config/env.server";
import { markPostscriptKeyRejected, postscriptCredentials } from "~/connections/postscript.server";
import { getDatabase, type Database } from "~/db.server";
import { createUnusedFieldLog } from "~/events/unused-field-log.server";
import { keepAliveFetch } from "~/http/keep-alive-fetch.server";
import { PostscriptClient } from "~/postscript/client.server";
import { readShopSettings } from "~/settings/shop-settings.server";
import { fetchCustomer, generateActivationUrl } from "~/shopify/customers.server";
import { systemClock } from "~/jobs/clock";
import { deliveryPolicyFromConfig } from "./policy";
import { prepareEvent, type ShopDeliverySettings } from "./prepare.server";
import { staleCheck } from "./stale-check.server";
import { createKeyBudgets } from "./key-budgets.server";
import { createPropertySyncWorker } from "./property-sync.server";
import { createDeliveryWorker, type DeliveryHold, type PostscriptCredentials } from "./worker.server";

const SETTINGS_TTL_MS = 5_000;

/** Shop settings read at most every few seconds per shop while a batch is prepared. */
function cachedSettings(db: Database) {
  const cache = new Map<string, { at: number; value: ShopDeliverySettings }>();
  return async (shop: string): Promise<ShopDeliverySettings> => {
    const hit = cache.get(shop);
    if (hit && Date.now() - hit.at < SETTINGS_TTL_MS) return hit.value;
    const settings = await readShopSettings(db, shop);
    const value = { paymentRetryCount: settings.paymentRetryCount, disabledTypes: new Set<string>(settings.disabledEventTypes) };
    cache.set(shop, { at: Date.now(), value });
    return value;
  };
}

/** The key to send with, or why the shop's deliveries wait. */
export async function deliveryCredentials(db: Database, shop: string): Promise<PostscriptCredentials | DeliveryHold> {
  const settings = await db.shopSettings.findUnique({ where: { shopDomain: shop }, select: { deliveriesPausedAt: true } });
  if (settings?.deliveriesPausedAt) {
    return { hold: "held_by_support", detail: "Deliveries are on hold by our support team; nothing is lost" };
  }
  const credentials = await postscriptCredentials(db, shop);
  return credentials ?? { hold: "not_connected", detail: "Waiting for a working Postscript connection" };
}

/**
 * The delivery worker and the subscriber property sync as the running app uses them. They share the key
 * budgets (one pace and one lease per Postscript key), so property updates only ever use what events leave.
 */
export function createAppDeliveryWorkers(db: Database = getDatabase()) {
  const config = getConfig();
  // One keep-alive connection pool for every shop's requests to Postscript (see app/http/keep-alive-fetch).
  const postscriptFetch = keepAliveFetch();
  const settingsFor = cachedSettings(db);
  const admin = { timeoutMs: config.POSTSCRIPT_TIMEOUT_MS };
  const unusedFields = createUnusedFieldLog(db);
  const policy = deliveryPolicyFromConfig();
  const workerId = `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
  const budgets = createKeyBudgets(db, systemClock, policy, workerId);
  const clientFor = (credentials: PostscriptCredentials, beforeRequest?: () => Promise<(() => void) | null>) =>
    new PostscriptClient({
      baseUrl: config.POSTSCRIPT_API_URL,
      apiKey: credentials.apiKey,
      partnerKey: credentials.partnerKey,
      timeoutMs: config.POSTSCRIPT_TIMEOUT_MS,
      fetch: postscriptFetch,
      beforeRequest,
    });
  const credentialsFor = (shop: string) => deliveryCredentials(db, shop);
  const onKeyRejected = (shop: string, message: string) => markPostscriptKeyRejected(db, shop, message);
  const propertySync = createPropertySyncWorker({
    db,
    clock: systemClock,
    policy,
    budgets,
    random: Math.random,
    recheckMs: config.PROPERTY_SYNC_RECHECK_MS,
    clientFor,
    credentialsFor,
    onKeyRejected,
  });
  const worker = createDeliveryWorker({
    db,
    clock: systemClock,
    policy,
    workerId,
    budgets,
    random: Math.random,
    senderFor: (credentials) => clientFor(credentials),
    credentialsFor,
    onKeyRejected,
    prepare: (event) =>
      prepareEvent(
        {
          db,
          now: () => new Date(),
          settingsFor,
          lookupCustomer: (shop, id) => fetchCustomer(admin, shop, id),
          activationUrl: (shop, id) => generateActivationUrl(admin, shop, id),
          unusedFields,
          propertyChangeDelayMs: config.PROPERTY_SYNC_DELAY_MS,
        },
        event,
      ),
    staleReason: async (event, now) => staleCheck(db, event, now, (await settingsFor(event.shopDomain)).paymentRetryCount),
  });
  const delivery = {
    ...worker,
    async run(signal: AbortSignal) {
      await worker.run(signal);
      await unusedFields.flush(); // the sightings of the last minute
    },
  };
  return { delivery, propertySync };
}
