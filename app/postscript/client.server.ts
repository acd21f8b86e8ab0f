// The app's Postscript API client: key verification (GET /api/v2/me), Custom Events (POST /api/v2/events) and
// subscriber properties (lookup by phone or email, PATCH of custom properties).
// It never throws for an HTTP or network outcome: every call returns what happened (status, duration, and a
// failure class the delivery worker and the screens act on), because each outcome has a different remedy.
// The wire contract lives in ./protocol (shared with the local stand-in).
import { z } from "zod";
import { parseRetryAfter } from "~/http/retry-after";
import { timedFetch } from "~/http/timed-fetch.server";
import { PATHS, SHOP_TOKEN_HEADER, type CustomEventInput, type SubscriberPropertyValue } from "./protocol";
import { parseJsonBody } from "~/http/json";

export type PostscriptFailureKind =
  /** 401/403: the key is wrong, revoked, or the shop's plan has no API access (docs/protocols.md, Postscript authentication). */
  | "unauthorized"
  /** 429: over 15 requests per second for this key (docs/protocols.md, Postscript rate limits). */
  | "rate_limited"
  /** Another 4xx: Postscript refused this request; sending it again will not help. */
  | "rejected"
  /** 5xx or the network failed: try again later. */
  | "unavailable"
  /** No answer within the timeout: try again later (the event may have arrived). */
  | "timeout"
  /** A 2xx whose body is not what the API documents. */
  | "malformed_response";

export interface PostscriptFailure {
  kind: PostscriptFailureKind;
  status: number | null;
  /** A short, secret-free description (Postscript's own message where it gave one). */
  message: string;
  /** From a Retry-After header, when Postscript sends one (undocumented). */
  retryAfterMs?: number;
}

export type PostscriptResult<T> = ({ ok: true; value: T } | { ok: false; failure: PostscriptFailure }) & {
  status: number | null;
  durationMs: number;
};

export interface PostscriptClientOptions {
  baseUrl: string;
  /** The shop's private key (sk_…). */
  apiKey: string;
  /** An approved partner's key (sk_partner_…): sent as the bearer, with the shop key in X-Postscript-Shop-Token. */
  partnerKey?: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
  /**
   * Awaited before every request; null: the request is not made (answered as a timeout-free "unavailable"),
   * else a function called once the answer is back. The property sync passes the key's spare-capacity gate here,
   * so each lookup and update waits its turn and counts against the key's window until it is answered.
   */
  beforeRequest?: () => Promise<(() => void) | null>;
}

const meResponse = z.object({ resource_id: z.string(), resource_name: z.string(), resource_type: z.string() });
const eventsResponse = z.object({ event_ids: z.array(z.string()) });
// Only the fields the app reads; Postscript's subscriber has more (documented: id, email, phone_number, …).
const subscriberSchema = z.object({
  id: z.string(),
  email: z.string().nullish(),
  phone_number: z.string().nullish(),
  properties: z.record(z.unknown()).nullish(),
});
const subscriberListResponse = z.object({
  page_info: z.object({ page: z.number(), total_pages: z.number() }).partial().optional(),
  subscribers: z.array(subscriberSchema),
});

export interface PostscriptSubscriber {
  id: string;
  /** Which identifier found it: the phone as E.164, the phone as digits only, or the email. */
  matchedBy: "phone" | "phone_digits" | "email";
}

export interface SubscriberContact {
  /** E.164, as the app stores phones. */
  phone?: string | null;
  email?: string | null;
}

/**
 * The lookups to try, in order: Postscript's stored phone format is undocumented (its examples show both
 * +15555555555 and 15555555555), so the E.164 form first, then digits only, then the email.
 */
export function subscriberLookups(contact: SubscriberContact): Array<{ matchedBy: PostscriptSubscriber["matchedBy"]; query: Record<string, string> }> {
  const lookups: Array<{ matchedBy: PostscriptSubscriber["matchedBy"]; query: Record<string, string> }> = [];
  const phone = contact.phone?.trim();
  if (phone) {
    lookups.push({ matchedBy: "phone", query: { phone_number__eq: phone } });
    const digits = phone.replace(/\D/g, "");
    if (digits && digits !== phone) lookups.push({ matchedBy: "phone_digits", query: { phone_number__eq: digits } });
  }
  const email = contact.email?.trim();
  if (email) lookups.push({ matchedBy: "email", query: { email__eq: email } });
  return lookups;
}

export interface PostscriptIdentity {
  shopId: string;
  shopName: string;
}

export class PostscriptClient {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: PostscriptClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.fetchImpl = options.fetch ?? fetch;
  }

  /** GET /api/v2/me answers 200 {resource_id, resource_name, resource_type} (documented). */
  async verifyKey(): Promise<PostscriptResult<PostscriptIdentity>> {
    const result = await this.request("GET", PATHS.me);
    if (!result.ok) return result;
    const parsed = meResponse.safeParse(result.value);
    if (!parsed.success) return malformed(result.status, result.durationMs);
    return { ...result, value: { shopId: parsed.data.resource_id, shopName: parsed.data.resource_name } };
  }

  /** POST /api/v2/events, 202 {"event_ids":[…]} (documented). */
  async sendEvent(event: CustomEventInput): Promise<PostscriptResult<{ eventIds: string[] }>> {
    const result = await this.request("POST", PATHS.events, event);
    if (!result.ok) return result;
    const parsed = eventsResponse.safeParse(result.value);
    if (!parsed.success) return malformed(result.status, result.durationMs);
    return { ...result, value: { eventIds: parsed.data.event_ids } };
  }

  /**
   * Finds the subscriber for a customer (GET /api/v2/subscribers, documented `{page_info, subscribers}`), taking
   * the first match as Postscript's own integrations do; null when no lookup finds one. Never creates one.
   */
  async findSubscriber(contact: SubscriberContact): Promise<PostscriptResult<PostscriptSubscriber | null>> {
    let last: PostscriptResult<PostscriptSubscriber | null> = { ok: true, value: null, status: null, durationMs: 0 };
    let durationMs = 0;
    for (const lookup of subscriberLookups(contact)) {
      const result = await this.request("GET", `${PATHS.subscribers}?${new URLSearchParams(lookup.query).toString()}`);
      durationMs += result.durationMs;
      if (!result.ok) return { ...result, durationMs };
      const parsed = subscriberListResponse.safeParse(result.value);
      if (!parsed.success) return malformed(result.status, durationMs);
      const first = parsed.data.subscribers[0];
      if (first) return { ok: true, value: { id: first.id, matchedBy: lookup.matchedBy }, status: result.status, durationMs };
      last = { ok: true, value: null, status: result.status, durationMs };
    }
    return { ...last, durationMs };
  }

  /**
   * PATCH /api/v2/subscribers/{id} with `{properties}` only: Postscript merges them into the subscriber's
   * (assumed from its own integrations sending only changed keys), so properties the app does not own stay.
   * A 404 (the subscriber was deleted) comes back as a "rejected" failure with status 404.
   */
  async updateSubscriberProperties(id: string, properties: Record<string, SubscriberPropertyValue>): Promise<PostscriptResult<{ id: string }>> {
    const result = await this.request("PATCH", `${PATHS.subscribers}/${encodeURIComponent(id)}`, { properties });
    if (!result.ok) return result;
    const parsed = subscriberSchema.safeParse(result.value);
    if (!parsed.success) return malformed(result.status, result.durationMs);
    return { ...result, value: { id: parsed.data.id } };
  }

  private headers(): Record<string, string> {
    const { apiKey, partnerKey } = this.options;
    const headers: Record<string, string> = { Accept: "application/json", "Content-Type": "application/json" };
    if (partnerKey) {
      headers.Authorization = `Bearer ${partnerKey}`;
      headers[SHOP_TOKEN_HEADER] = apiKey;
    } else {
      headers.Authorization = `Bearer ${apiKey}`;
    }
    return headers;
  }

  private async request(method: "GET" | "POST" | "PATCH", path: string, body?: unknown): Promise<PostscriptResult<unknown>> {
    const answered = this.options.beforeRequest ? await this.options.beforeRequest() : null;
    if (this.options.beforeRequest && !answered) {
      return { ok: false, status: null, durationMs: 0, failure: { kind: "unavailable", status: null, message: "Stopped before the request was sent" } };
    }
    const sent = await timedFetch(
      this.fetchImpl,
      `${this.baseUrl}${path}`,
      { method, headers: this.headers(), body: body === undefined ? undefined : JSON.stringify(body) },
      this.timeoutMs,
      "Postscript",
    ).finally(() => answered?.());
    if (!sent.ok) {
      return { ok: false, status: null, durationMs: sent.durationMs, failure: { kind: sent.kind, status: null, message: sent.message } };
    }
    const { response, text, durationMs } = sent;
    const status = response.status;
    const json = parseJsonBody(text);
    if (status >= 200 && status < 300) {
      if (json === undefined) return malformed(status, durationMs);
      return { ok: true, value: json, status, durationMs };
    }
    return { ok: false, status, durationMs, failure: classifyFailure(status, json, response.headers.get("retry-after")) };
  }
}

function malformed(status: number | null, durationMs: number): PostscriptResult<never> {
  return {
    ok: false,
    status,
    durationMs,
    failure: { kind: "malformed_response", status, message: "Postscript answered with a body it does not document" },
  };
}

/** Postscript's message from any of its three error shapes (docs/protocols.md, Postscript errors). */
export function postscriptErrorMessage(body: unknown): string | undefined {
  if (!body || typeof body !== "object") return undefined;
  const record = body as Record<string, unknown>;
  if (Array.isArray(record.errors)) {
    const messages = record.errors
      .map((e) => (e && typeof e === "object" ? (e as { msg?: unknown; loc?: unknown }) : {}))
      .map((e) => (typeof e.msg === "string" ? (Array.isArray(e.loc) && e.loc.length ? `${e.loc.join(".")}: ${e.msg}` : e.msg) : undefined))
      .filter((m): m is string => Boolean(m));
    if (messages.length) return messages.join("; ");
  }
  if (typeof record.error_message === "string") return record.error_message;
  if (typeof record.error === "string") return record.error;
  return undefined;
}

export function classifyFailure(status: number, body: unknown, retryAfter: string | null): PostscriptFailure {
  const message = postscriptErrorMessage(body);
  if (status === 401 || status === 403) {
    return { kind: "unauthorized", status, message: message ?? "Postscript rejected the API key" };
  }
  if (status === 429) {
    return { kind: "rate_limited", status, message: message ?? "Rate limit exceeded", retryAfterMs: parseRetryAfter(retryAfter) };
  }
  if (status >= 500) return { kind: "unavailable", status, message: message ?? `Postscript answered ${status}` };
  return { kind: "rejected", status, message: message ?? `Postscript answered ${status}` };
}
