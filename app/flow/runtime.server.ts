// The Flow trigger worker as the running app uses it: the real database, clock, configuration and Admin API.
import { getConfig } from "~/config/env.server";
import { getDatabase, type Database } from "~/db.server";
import { systemClock } from "~/jobs/clock";
import { receiveFlowTrigger } from "~/shopify/flow-triggers.server";
import { flowTriggerWorker } from "./triggers.server";

/** The app's page at `path` inside the shop's Shopify admin (admin opens embedded apps by their client id). */
export function adminAppLink(apiKey: string, shop: string, path: string): string {
  return `https://${shop}/admin/apps/${apiKey}${path}`;
}

export function createAppFlowTriggerWorker(db: Database = getDatabase()) {
  const config = getConfig();
  return flowTriggerWorker(
    {
      db,
      clock: systemClock,
      random: Math.random,
      backoff: { backoffBaseMs: config.DELIVERY_BACKOFF_BASE_MS, backoffMaxMs: config.DELIVERY_BACKOFF_MAX_MS },
      quietMs: config.FLOW_INCIDENT_QUIET_MINUTES * 60_000,
      onlyWhenUsed: config.FLOW_TRIGGERS_ONLY_WHEN_USED,
      adminLink: (shop, path) => adminAppLink(config.SHOPIFY_API_KEY, shop, path),
      send: (shop, trigger, payload) => receiveFlowTrigger({ timeoutMs: 10_000 }, shop, trigger, payload),
    },
    config.FLOW_TRIGGER_POLL_INTERVAL_MS,
  );
}
