// How delivery retries, paces and orders, in one place (values from configuration).
import { getConfig } from "~/config/env.server";
import type { RateLimitScope } from "~/postscript/rate-key.server";

export interface DeliveryPolicy {
  /** Requests per key in any one-second window at Postscript (request-budget.ts). */
  requestsPerSecond: number;
  /** How late after its sending a request is assumed to reach Postscript, at most, when its answer is slower. */
  arrivalMarginMs: number;
  /** What shares one budget with a partner key: each partner+shop pair ("token") or the partner ("partner"). */
  rateLimitScope: RateLimitScope;
  /** Exponential backoff: base * 2^(attempt-1), capped, with jitter. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** After this long since the first attempt, a retryable failure becomes final. */
  retryWindowMs: number;
  /** A later event of a subscription waits for an earlier one that is retrying, at most this long. */
  orderingMaxWaitMs: number;
  /** A worker's hold on a shop; renewed while it delivers. */
  leaseMs: number;
  pollIntervalMs: number;
  batchSize: number;
  /** Requests in flight at once for one shop (the key's budget still sets the pace). */
  maxInFlightPerShop: number;
  /**
   * Shops one worker delivers at once. A worker keeps the shops it took while their events keep coming, so
   * without a bound the first worker to poll can take every shop and leave the others idle.
   */
  maxShopsPerWorker: number;
}

export function deliveryPolicyFromConfig(): DeliveryPolicy {
  const c = getConfig();
  return {
    requestsPerSecond: c.POSTSCRIPT_RATE_LIMIT_PER_SECOND,
    arrivalMarginMs: c.POSTSCRIPT_ARRIVAL_MARGIN_MS,
    rateLimitScope: c.POSTSCRIPT_RATE_LIMIT_SCOPE,
    backoffBaseMs: c.DELIVERY_BACKOFF_BASE_MS,
    backoffMaxMs: c.DELIVERY_BACKOFF_MAX_MS,
    retryWindowMs: c.DELIVERY_RETRY_WINDOW_MS,
    orderingMaxWaitMs: c.DELIVERY_ORDERING_MAX_WAIT_MS,
    leaseMs: c.DELIVERY_LEASE_MS,
    pollIntervalMs: c.DELIVERY_POLL_INTERVAL_MS,
    batchSize: 100,
    maxInFlightPerShop: 4,
    maxShopsPerWorker: c.DELIVERY_MAX_SHOPS_PER_WORKER,
  };
}
