// The process's Prometheus metrics, served by GET /metrics. Counters and histograms live in memory and are
// updated where things happen (ingestion, transitions, the delivery worker), so a scrape costs no database
// work; the few figures that only the database knows (the outbox) are gauges refreshed at most every few
// seconds by their owner. Every name is documented in docs/operations.md, with the alerts built on them.
import { createHash, timingSafeEqual } from "node:crypto";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { workerPollAges } from "~/jobs/heartbeats";

export const registry = new Registry();
// Process memory (process_resident_memory_bytes, nodejs_heap_*), CPU, and event-loop lag
// (nodejs_eventloop_lag_*), under the names Prometheus users know from every Node service.
collectDefaultMetrics({ register: registry });

const PREFIX = "loop_postscript_";

export const webhooksReceived = new Counter({
  name: `${PREFIX}webhooks_received_total`,
  help: "Loop webhook requests that reached the ingestion (every POST, whatever the answer).",
  registers: [registry],
});

export const webhooksAccepted = new Counter({
  name: `${PREFIX}webhooks_accepted_total`,
  help: "Loop webhooks answered 2xx, by result: stored (a new event), duplicate (already stored), ignored (a topic the app does not use).",
  labelNames: ["result"] as const,
  registers: [registry],
});

export const webhooksRefused = new Counter({
  name: `${PREFIX}webhooks_refused_total`,
  help: "Loop webhooks refused, by reason (bad_signature, body_too_large, created_at_too_old, database_unavailable, …).",
  labelNames: ["reason"] as const,
  registers: [registry],
});

export const deliveryAttempts = new Counter({
  name: `${PREFIX}delivery_attempts_total`,
  help: "Requests to Postscript's Custom Events API, by outcome (delivered, retry, failed, paused) and HTTP status (none: no answer).",
  labelNames: ["outcome", "http_status"] as const,
  registers: [registry],
});

export const rateLimited = new Counter({
  name: `${PREFIX}postscript_rate_limited_total`,
  help: "Postscript answers of 429 (over the key's requests per second).",
  registers: [registry],
});

export const deliveryLatency = new Histogram({
  name: `${PREFIX}delivery_latency_seconds`,
  help: "From an event's arrival (webhook stored) to Postscript's acceptance of it.",
  // From a prompt delivery (tens of milliseconds) to the end of a day of retries.
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3_600, 21_600, 86_400],
  registers: [registry],
});

export const leasesHeld = new Gauge({
  name: `${PREFIX}leases_held`,
  help: "Leases this process's delivery worker holds: shops it delivers, Postscript keys it sends with.",
  labelNames: ["worker", "kind"] as const,
  registers: [registry],
});

export const outboxEvents = new Gauge({
  name: `${PREFIX}outbox_events`,
  help: "Events not yet delivered, skipped or failed, by status (received, pending, paused).",
  labelNames: ["status"] as const,
  registers: [registry],
});

export const outboxOldestDue = new Gauge({
  name: `${PREFIX}outbox_oldest_due_seconds`,
  help: "How long the most overdue event (received or pending) has been due; 0 when none is.",
  registers: [registry],
});

export const pausedShops = new Gauge({
  name: `${PREFIX}paused_shops`,
  help: "Shops whose deliveries wait for someone, by cause: key_rejected (the merchant must reconnect Postscript), held_by_support.",
  labelNames: ["cause"] as const,
  registers: [registry],
});

export const outboxReadAt = new Gauge({
  name: `${PREFIX}outbox_read_timestamp_seconds`,
  help: "When the outbox gauges were last read from the database (Unix time); they are read at most every few seconds.",
  registers: [registry],
});

export const workerLastPoll = new Gauge({
  name: `${PREFIX}worker_last_poll_age_seconds`,
  help: "Seconds since each background worker of this process last completed a poll (/readyz fails past a few poll intervals).",
  labelNames: ["worker"] as const,
  registers: [registry],
  collect() {
    this.reset();
    for (const { worker, sinceMs } of workerPollAges()) this.set({ worker }, sinceMs / 1000);
  },
});

/** The metrics in Prometheus's text format, with its content type. */
export async function renderMetrics(): Promise<{ body: string; contentType: string }> {
  return { body: await registry.metrics(), contentType: registry.contentType };
}

/**
 * Whether an Authorization header carries the scrape token. Both sides are hashed first, so the comparison takes
 * the same time whatever the header holds (timingSafeEqual needs equal lengths; a length check would leak it).
 */
export function scrapeAuthorized(authorization: string | null, token: string): boolean {
  const presented = /^Bearer (.+)$/i.exec(authorization?.trim() ?? "")?.[1] ?? "";
  const digest = (value: string) => createHash("sha256").update(value).digest();
  return timingSafeEqual(digest(presented), digest(token)) && presented.length > 0;
}
