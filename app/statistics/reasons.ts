// Why events were skipped, failed or are waiting, in the merchant's words: what happened and what to do.
// Keyed by the pipeline's ReasonCode (app/delivery/transitions.server.ts). Plain data, shared with the browser.

export const REASON_CODES = [
  "key_rejected",
  "not_connected",
  "rate_limited",
  "postscript_unavailable",
  "postscript_rejected",
  "invalid_payload",
  "no_identifier",
  "shopify_access_lost",
  "stale",
  "disabled",
  "ignored",
] as const;
export type KnownReason = (typeof REASON_CODES)[number];

/** What the merchant can do about a reason (the overview turns these into links and buttons). */
export type ReasonAction = "reconnect" | "enable_type" | "replay" | "view";

export interface ReasonInfo {
  title: string;
  /** The outcome events with this reason have: failed (can be replayed), skipped (by design), or waiting. */
  outcome: "failed" | "skipped" | "waiting";
  meaning: string;
  todo: string;
  action: ReasonAction;
}

export const REASONS: Record<KnownReason, ReasonInfo> = {
  key_rejected: {
    title: "Postscript rejected the API key",
    outcome: "waiting",
    meaning: "Postscript answered that the private API key is not valid any more: it was deleted in Postscript, or the plan has no API access.",
    todo: "Replace the private key with a working one in Settings (or verify it again there, if Postscript accepts it now). The events are kept and are sent as soon as the connection works.",
    action: "reconnect",
  },
  not_connected: {
    title: "Postscript is not connected",
    outcome: "waiting",
    meaning: "There was no working Postscript connection when these events were ready to send.",
    todo: "Connect Postscript. Waiting events are sent once it is connected.",
    action: "reconnect",
  },
  rate_limited: {
    title: "Rate limited beyond the retry window",
    outcome: "failed",
    meaning: "Postscript kept asking this app to slow down for longer than the retry window (normally 24 hours), so these events were given up on.",
    todo: "Replay them: they are sent again at a pace Postscript accepts.",
    action: "replay",
  },
  postscript_unavailable: {
    title: "Postscript unavailable",
    outcome: "failed",
    meaning: "Postscript could not be reached, or answered with a server error, every time this app tried during the retry window.",
    todo: "Replay them once Postscript works again (its status page says when).",
    action: "replay",
  },
  postscript_rejected: {
    title: "Postscript rejected the event",
    outcome: "failed",
    meaning: "Postscript refused these events as invalid, for example a phone number or email it does not accept.",
    todo: "Open the events to read Postscript's answer. Sending them again only helps once the customer's details are corrected.",
    action: "view",
  },
  invalid_payload: {
    title: "Invalid payload",
    outcome: "failed",
    meaning: "Loop sent data this app could not read, so there was nothing valid to send to Postscript.",
    todo: "Open the events and contact support with their ids; nothing is lost, the original data is kept.",
    action: "view",
  },
  no_identifier: {
    title: "Missing phone and email",
    outcome: "skipped",
    meaning: "Postscript finds subscribers by phone or email, and neither Loop nor Shopify had a usable one for these customers (a phone number that is not a valid number is not sent; the event says which field it came from).",
    todo: "Nothing to do unless these customers should have a phone or email; add it in Shopify and later events are sent.",
    action: "view",
  },
  shopify_access_lost: {
    title: "No access to Shopify",
    outcome: "skipped",
    meaning:
      "This app's access to your Shopify store had expired and Shopify did not renew it (or the app was uninstalled), so it could not look up these customers' phone or email in Shopify, nor check whether a new subscriber's account needs activating (customer_activation).",
    todo: "Opening the app from Shopify admin, as you are doing now, gives it new access, and later events are completed from Shopify again. If these keep appearing, reinstall the app.",
    action: "view",
  },
  stale: {
    title: "Too late to send",
    outcome: "skipped",
    meaning: "By the time these events could be sent their moment had passed (for example an upcoming-order reminder after the order was processed), so they were not sent, to avoid confusing messages.",
    todo: "Nothing to do. Many of these at once usually follow a long Postscript outage.",
    action: "view",
  },
  disabled: {
    title: "Event type turned off",
    outcome: "skipped",
    meaning: "These events are of a type you turned off, so they were not sent to Postscript.",
    todo: "Turn the event type on in Settings if your Postscript flows should receive it.",
    action: "enable_type",
  },
  ignored: {
    title: "Not forwarded",
    outcome: "skipped",
    meaning: "Loop sent updates that have no Postscript event, for example changes no flow can use.",
    todo: "Nothing to do.",
    action: "view",
  },
};

export function reasonInfo(code: string): ReasonInfo {
  return (REASONS as Record<string, ReasonInfo>)[code] ?? {
    title: code.replace(/_/g, " "),
    outcome: "failed",
    meaning: "An error this version of the app does not describe yet.",
    todo: "Open the events to read the details.",
    action: "view",
  };
}

export function isKnownReason(code: unknown): code is KnownReason {
  return typeof code === "string" && (REASON_CODES as readonly string[]).includes(code);
}
