/** The states of an event (app/delivery/transitions.server.ts), for the event log's filter. */
export const EVENT_STATUSES = ["received", "pending", "paused", "delivered", "skipped", "failed"] as const;

// Reason codes of skipped, failed and waiting events (app/delivery/transitions.server.ts) as support reads
// them: a short title and whether the events can be replayed. Plain data, shared with the browser.

export interface SupportReason {
  title: string;
  outcome: "failed" | "skipped" | "waiting";
}

export const SUPPORT_REASONS: Record<string, SupportReason> = {
  key_rejected: { title: "Postscript rejected the API key", outcome: "waiting" },
  not_connected: { title: "Postscript not connected", outcome: "waiting" },
  held_by_support: { title: "Deliveries held by support", outcome: "waiting" },
  rate_limited: { title: "Rate limited by Postscript", outcome: "failed" },
  postscript_unavailable: { title: "Postscript unavailable", outcome: "failed" },
  postscript_rejected: { title: "Postscript refused the event", outcome: "failed" },
  invalid_payload: { title: "Loop payload could not be read", outcome: "failed" },
  no_identifier: { title: "No email or phone for the customer", outcome: "skipped" },
  shopify_access_lost: { title: "No access to Shopify (token not renewed)", outcome: "skipped" },
  stale: { title: "Too old or superseded when sent", outcome: "skipped" },
  disabled: { title: "Event type turned off by the merchant", outcome: "skipped" },
  ignored: { title: "Loop topic not sent to Postscript", outcome: "skipped" },
};

export function supportReason(code: string | null | undefined): SupportReason {
  if (!code) return { title: "—", outcome: "failed" };
  return SUPPORT_REASONS[code] ?? { title: code, outcome: "failed" };
}
