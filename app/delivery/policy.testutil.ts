// The delivery policy the worker tests run with: the app's defaults, but a 50 ms poll and a one-hour retry
// window, so a virtual clock gets through retries and polls quickly.
import type { DeliveryPolicy } from "./policy";

export const TEST_DELIVERY_POLICY: DeliveryPolicy = {
  requestsPerSecond: 15,
  arrivalMarginMs: 1_000,
  rateLimitScope: "token",
  backoffBaseMs: 2_000,
  backoffMaxMs: 600_000,
  retryWindowMs: 3_600_000,
  orderingMaxWaitMs: 900_000,
  leaseMs: 30_000,
  pollIntervalMs: 50,
  batchSize: 100,
  maxInFlightPerShop: 4,
  maxShopsPerWorker: 1_000,
};
