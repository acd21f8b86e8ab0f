// prepareEvent as the pipeline tests run it: the real mapping and database, settings with 3 payment retries and
// every type on, and a Shopify that knows no customer (the payloads carry their own email and phone).
import type { Event } from "@prisma/client";
import type { Database } from "~/db.server";
import type { Clock } from "~/jobs/clock";
import { prepareEvent } from "./prepare.server";

export function prepareForTests(db: Database, clock: Clock, propertyChangeDelayMs = 0) {
  return (event: Event) =>
    prepareEvent(
      {
        db,
        now: () => new Date(clock.now()),
        settingsFor: async () => ({ paymentRetryCount: 3, disabledTypes: new Set<string>() }),
        lookupCustomer: async () => ({ ok: false, kind: "not_found", message: "not needed" }),
        activationUrl: async () => ({ ok: false, kind: "not_found", message: "not needed" }),
        propertyChangeDelayMs,
      },
      event,
    );
}
