// Why an event was skipped, failed or is waiting: the one list of reason codes (the pipeline records them on
// the event, the statistics group by them) and what each means to the two audiences that read them. The
// merchant reads what happened and what to do; support reads a short title that names the cause. Plain data,
// shared with the browser.

export const REASON_CODES = [
  "key_rejected",
  "not_connected",
  "held_by_support",
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
export type ReasonCode = (typeof REASON_CODES)[number];

/** What the merchant can do about a reason (the overview turns these into links and buttons). */
export type ReasonAction = "reconnect" | "enable_type" | "replay" | "view";

/** The outcome events with a reason have: failed (can be replayed), skipped (by design), or waiting. */
export type ReasonOutcome = "failed" | "skipped" | "waiting";

/** A reason in the merchant's words. */
export interface ReasonInfo {
  title: string;
  outcome: ReasonOutcome;
  meaning: string;
  todo: string;
  action: ReasonAction;
}

interface ReasonEntry extends ReasonInfo {
  supportTitle: string;
}

export const REASONS: Record<ReasonCode, ReasonEntry> = {
  key_rejected: {
    title: "Postscript rejected the API key",
    supportTitle: "Postscript rejected the API key",
    outcome: "waiting",
    meaning: "Postscript answered that the private API key is not valid any more: it was deleted in Postscript, or the plan has no API access.",
    todo: "Replace the private key with a working one in Settings (or verify it again there, if Postscript accepts it now). The events are kept and are sent as soon as the connection works.",
    action: "reconnect",
  },
  not_connected: {
    title: "Postscript is not connected",
    supportTitle: "Postscript not connected",
    outcome: "waiting",
    meaning: "There was no working Postscript connection when these events were ready to send.",
    todo: "Connect Postscript. Waiting events are sent once it is connected.",
    action: "reconnect",
  },
  held_by_support: {
    title: "Held by support",
    supportTitle: "Deliveries held by support",
    outcome: "waiting",
    meaning: "Our support team put this shop's deliveries on hold, so these events were not sent yet. Nothing is lost.",
    todo: "Nothing to do: the events are sent once support releases the hold.",
    action: "view",
  },
  rate_limited: {
    title: "Rate limited beyond the retry window",
    supportTitle: "Rate limited by Postscript",
    outcome: "failed",
    meaning: "Postscript kept asking this app to slow down for longer than the retry window (normally 24 hours), so these events were given up on.",
    todo: "Replay them: they are sent again at a pace Postscript accepts.",
    action: "replay",
  },
  postscript_unavailable: {
    title: "Postscript unavailable",
    supportTitle: "Postscript unavailable",
    outcome: "failed",
    meaning: "Postscript could not be reached, or answered with a server error, every time this app tried during the retry window.",
    todo: "Replay them once Postscript works again (its status page says when).",
    action: "replay",
  },
  postscript_rejected: {
    title: "Postscript rejected the event",
    supportTitle: "Postscript refused the event",
    outcome: "failed",
    meaning: "Postscript refused these events as invalid, for example a phone number or email it does not accept.",
    todo: "Open the events to read Postscript's answer. Sending them again only helps once the customer's details are corrected.",
    action: "view",
  },
  invalid_payload: {
    title: "Invalid payload",
    supportTitle: "Loop payload could not be read",
    outcome: "failed",
    meaning: "Loop sent data this app could not read, so there was nothing valid to send to Postscript.",
    todo: "Open the events and contact support with their ids; nothing is lost, the original data is kept.",
    action: "view",
  },
  no_identifier: {
    title: "Missing phone and email",
    supportTitle: "No email or phone for the customer",
    outcome: "skipped",
    meaning: "Postscript finds subscribers by phone or email, and neither Loop nor Shopify had a usable one for these customers (a phone number that is not a valid number is not sent; the event says which field it came from).",
    todo: "Nothing to do unless these customers should have a phone or email; add it in Shopify and later events are sent.",
    action: "view",
  },
  shopify_access_lost: {
    title: "No access to Shopify",
    supportTitle: "No access to Shopify (token not renewed)",
    outcome: "skipped",
    meaning:
      "This app's access to your Shopify store had expired and Shopify did not renew it (or the app was uninstalled), so it could not look up these customers' phone or email in Shopify, nor check whether a new subscriber's account needs activating (customer_activation).",
    todo: "Opening the app from Shopify admin, as you are doing now, gives it new access, and later events are completed from Shopify again. If these keep appearing, reinstall the app.",
    action: "view",
  },
  stale: {
    title: "Too late to send",
    supportTitle: "Too old or superseded when sent",
    outcome: "skipped",
    meaning: "By the time these events could be sent their moment had passed (for example an upcoming-order reminder after the order was processed), so they were not sent, to avoid confusing messages.",
    todo: "Nothing to do. Many of these at once usually follow a long Postscript outage.",
    action: "view",
  },
  disabled: {
    title: "Event type turned off",
    supportTitle: "Event type turned off by the merchant",
    outcome: "skipped",
    meaning: "These events are of a type you turned off, so they were not sent to Postscript.",
    todo: "Turn the event type on in Settings if your Postscript flows should receive it.",
    action: "enable_type",
  },
  ignored: {
    title: "Not forwarded",
    supportTitle: "Loop topic not sent to Postscript",
    outcome: "skipped",
    meaning: "Loop sent updates that have no Postscript event, for example changes no flow can use.",
    todo: "Nothing to do.",
    action: "view",
  },
};

/**
 * The reasons the merchant's event log can filter by. A support hold only ever pauses events (it never ends
 * one, and the filter looks at events that ended with their reason), so it is not offered.
 */
export const LOG_REASON_CODES: readonly ReasonCode[] = REASON_CODES.filter((code) => code !== "held_by_support");

/** Who reads a reason (and, in the event log, who is looking). */
export type Audience = "merchant" | "support";

function isReasonCode(code: string): code is ReasonCode {
  return (REASON_CODES as readonly string[]).includes(code);
}

/** A reason in the merchant's words; a code this version does not know still gets a readable entry. */
export function reasonInfo(code: string): ReasonInfo {
  if (!isReasonCode(code)) {
    return {
      title: code.replace(/_/g, " "),
      outcome: "failed",
      meaning: "An error this version of the app does not describe yet.",
      todo: "Open the events to read the details.",
      action: "view",
    };
  }
  const { title, outcome, meaning, todo, action } = REASONS[code];
  return { title, outcome, meaning, todo, action };
}

/** A reason's title for its reader; support sees an unknown code as it is. */
export function reasonTitle(code: string, audience: Audience): string {
  if (audience === "merchant") return reasonInfo(code).title;
  return isReasonCode(code) ? REASONS[code].supportTitle : code;
}

/**
 * What a failed attempt's class (the Postscript client's failure kinds) means, in the merchant's words; the
 * support console shows the class and the HTTP status themselves.
 */
const ATTEMPT_FAILURES: Record<string, string> = {
  unauthorized: "Postscript rejected the API key",
  rate_limited: "Postscript asked the app to slow down",
  rejected: "Postscript refused the event",
  unavailable: "Postscript had a problem or could not be reached",
  timeout: "Postscript did not answer in time",
  malformed_response: "Postscript's answer was not in the format it documents",
};

export function attemptFailureTitle(errorClass: string): string {
  return ATTEMPT_FAILURES[errorClass] ?? errorClass.replace(/_/g, " ");
}

/** An HTTP status as what it means, after the name of the service that answered it. */
function answerInWords(status: number): string {
  if (status === 401 || status === 403) return "refused the access key";
  if (status === 404) return "did not find what was asked for";
  if (status === 429) return "asked the app to slow down";
  if (status >= 500) return "had a problem on its side";
  return "refused the request";
}

/**
 * Free text recorded by the pipeline (a reason's detail, an attempt's message, a connection's reason) as the
 * merchant reads it: the services' HTTP status codes said in words ("Postscript answered 503" → "Postscript had
 * a problem on its side") and network error codes ("could not be reached (ECONNREFUSED)") left out. The texts
 * are stored with the codes because support diagnoses with them.
 */
export function inPlainWords(text: string): string {
  return text
    .replace(/\b(Postscript|Loop|Shopify) answered (\d{3})(?: (?:Bad Request|Unauthorized|Forbidden|Not Found|Unprocessable Entity|Too Many Requests|Internal Server Error|Bad Gateway|Service Unavailable|Gateway Timeout)\b)?/g, (_, service: string, status: string) => `${service} ${answerInWords(Number(status))}`)
    .replace(/ \((?:\d{3}|[A-Z][A-Z0-9_]{3,})\)/g, "");
}
