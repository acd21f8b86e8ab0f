// The app's Loop Admin API client: token check and webhook subscribe / list / unsubscribe, the calls the Loop
// connection needs. Like the Postscript client it never throws for an HTTP or network outcome: each call
// returns what happened, with a failure kind the connection code turns into a message a merchant can act on.
// Paths, the X-Loop-Token header, the response envelope and the subscription shape come from ./protocol,
// which the local stand-in (sandbox/loop) shares.
import { z } from "zod";
import { timedFetch } from "~/http/timed-fetch.server";
import {
  ADMIN_BASE_PATH,
  ADMIN_PATHS,
  ALREADY_SUBSCRIBED_STATUS,
  SUBSCRIPTION_PAGE_PARAMS,
  TOKEN_HEADER,
  type LoopTokenCheckData,
} from "./protocol";
import { parseJsonBody } from "~/http/json";
import { parseRetryAfter } from "~/http/retry-after";

export type LoopFailureKind =
  /** 401: the token is wrong or was deleted in Loop (Loop answers "invalid token"). */
  | "unauthorized"
  /** 403: the token exists but lacks a scope (webhook management needs the webhook scope). */
  | "forbidden"
  /** The same topic and address is already subscribed (see ALREADY_SUBSCRIBED_STATUS). */
  | "already_subscribed"
  /** 404: e.g. unsubscribing a webhook Loop no longer has. */
  | "not_found"
  /** 429: Loop's store-wide rate limit (docs/protocols.md, Loop Admin API). */
  | "rate_limited"
  /** Another 4xx: Loop refused this request; sending it again will not help. */
  | "rejected"
  /** 5xx or the network failed: try again later. */
  | "unavailable"
  /** No answer within LOOP_TIMEOUT_MS. */
  | "timeout"
  /** A 2xx whose body is not the documented envelope. */
  | "malformed_response";

export interface LoopFailure {
  kind: LoopFailureKind;
  status: number | null;
  /** Short and secret-free: Loop's own `message` where it gave one. */
  message: string;
  /** On already_subscribed, the existing subscription's id when Loop names it. */
  existingWebhookId?: string;
  /** On rate_limited, how long Loop asked to wait (its Retry-After), when it said. */
  retryAfterMs?: number;
}

/** One page of the store's subscriptions: each as Loop describes it (read further by the caller's schema). */
export interface LoopSubscriptionPage {
  subscriptions: Array<Record<string, unknown>>;
  hasNextPage: boolean;
  /** How many subscriptions the store has, when Loop says. */
  total: number | null;
}

export type LoopResult<T> = ({ ok: true; value: T } | { ok: false; failure: LoopFailure }) & {
  status: number | null;
  durationMs: number;
};

export interface LoopClientOptions {
  baseUrl: string;
  token: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** A subscription as the app keeps it: ids as strings (Loop's are numbers). */
export interface LoopSubscription {
  id: string;
  topic: string;
  address: string;
  /** Present when Loop hands it out (on subscribe); lists never include it. */
  secret?: string;
}

// Observed in third-party clients: every answer is `{ success, message, code, data, pageInfo? }`.
const envelope = z.object({ success: z.boolean().optional(), message: z.string().optional(), data: z.unknown(), pageInfo: z.unknown().optional() });
const pageInfo = z.object({ hasNextPage: z.boolean(), total: z.number().int().nonnegative().optional() }).passthrough();
const subscriptionPage = z.array(z.object({ id: z.union([z.number(), z.string().min(1)]) }).passthrough());
const webhookId = z.union([z.number(), z.string().min(1)]).transform(String);
const subscription = z.object({
  id: webhookId,
  topic: z.string(),
  address: z.string(),
  secret: z.string().min(1).optional(),
});
const tokenCheck = z
  .object({
    myshopifyDomain: z.string().optional(),
    name: z.string().optional(),
    currencyCode: z.string().optional(),
    token: z.object({ name: z.string().optional(), scopes: z.array(z.string()).optional() }).partial().optional(),
  })
  .passthrough();

export class LoopClient {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: LoopClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "") + ADMIN_BASE_PATH;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.fetchImpl = options.fetch ?? fetch;
  }

  /** Proves the token works and tells which store it belongs to (path and answer are assumed, see protocol). */
  async checkToken(): Promise<LoopResult<LoopTokenCheckData>> {
    const result = await this.request("GET", ADMIN_PATHS.tokenCheck);
    if (!result.ok) return result;
    const parsed = tokenCheck.safeParse(result.value ?? {});
    if (!parsed.success) return malformed(result.status, result.durationMs);
    return { ...result, value: parsed.data };
  }

  /** Loop's "Subscribe webhook" (id, address, topic, version); the secret signs its deliveries. */
  async subscribeWebhook(topic: string, address: string): Promise<LoopResult<LoopSubscription>> {
    const result = await this.request("POST", ADMIN_PATHS.webhooks, { topic, address });
    if (!result.ok) return result;
    const parsed = subscription.safeParse(result.value);
    if (!parsed.success) return malformed(result.status, result.durationMs);
    return { ...result, value: parsed.data };
  }

  /** Loop's "List webhook": the store's subscriptions, without secrets. */
  async listWebhooks(): Promise<LoopResult<LoopSubscription[]>> {
    const result = await this.request("GET", ADMIN_PATHS.webhooks);
    if (!result.ok) return result;
    const parsed = z.array(subscription).safeParse(result.value);
    if (!parsed.success) return malformed(result.status, result.durationMs);
    return { ...result, value: parsed.data.map(({ id, topic, address }) => ({ id, topic, address })) };
  }

  /** Loop's "Unsubscribe webhook" by id. */
  async unsubscribeWebhook(id: string): Promise<LoopResult<null>> {
    const result = await this.request("DELETE", ADMIN_PATHS.webhookById(id));
    if (!result.ok) return result;
    return { ...result, value: null };
  }

  /**
   * One page (from 1) of the store's subscriptions. Path and page size are the caller's (configurable: the
   * list endpoint is assumed, see protocol). Without pageInfo, a full page means there may be another.
   */
  async listSubscriptions(pageNo: number, options: { path: string; pageSize: number }): Promise<LoopResult<LoopSubscriptionPage>> {
    const query = new URLSearchParams({ [SUBSCRIPTION_PAGE_PARAMS.page]: String(pageNo), [SUBSCRIPTION_PAGE_PARAMS.size]: String(options.pageSize) });
    const result = await this.request("GET", `${options.path}?${query}`);
    if (!result.ok) return result;
    const parsed = subscriptionPage.safeParse(result.value);
    if (!parsed.success) return malformed(result.status, result.durationMs);
    const info = pageInfo.safeParse(result.pageInfo);
    const hasNextPage = info.success ? info.data.hasNextPage : parsed.data.length >= options.pageSize;
    return { ok: true, status: result.status, durationMs: result.durationMs, value: { subscriptions: parsed.data, hasNextPage, total: info.success ? (info.data.total ?? null) : null } };
  }

  private send(method: string, url: string, body: unknown) {
    return timedFetch(
      this.fetchImpl,
      url,
      {
        method,
        // X-Loop-Token, not Authorization: Bearer (as third-party clients do).
        headers: { Accept: "application/json", "Content-Type": "application/json", [TOKEN_HEADER]: this.options.token },
        body: body === undefined ? undefined : JSON.stringify(body),
        redirect: "manual",
      },
      this.timeoutMs,
      "Loop",
    );
  }

  private async request(method: "GET" | "POST" | "DELETE", path: string, body?: unknown): Promise<LoopResult<unknown> & { pageInfo?: unknown }> {
    let url = `${this.baseUrl}${path}`;
    let sent = await this.send(method, url, body);
    // fetch would follow a redirect anywhere and keep X-Loop-Token on it (it strips only Authorization), handing
    // the token to whatever host the Location names. Redirects are followed here only within Loop's own origin.
    for (let hops = 0; sent.ok && isRedirect(sent.response.status) && hops < MAX_REDIRECTS; hops++) {
      const next = redirectTarget(url, sent.response.headers.get("location"));
      if (!next || next.origin !== new URL(this.baseUrl).origin) break;
      url = next.href;
      sent = await this.send(method, url, body);
    }
    if (!sent.ok) {
      return { ok: false, status: null, durationMs: sent.durationMs, failure: { kind: sent.kind, status: null, message: sent.message } };
    }
    const { response, text, durationMs } = sent;
    const status = response.status;
    if (isRedirect(status)) {
      return { ok: false, status, durationMs, failure: { kind: "rejected", status, message: `Loop answered ${status} with a redirect that was not followed (another address, or too many)` } };
    }
    const parsed = envelope.safeParse(parseJsonBody(text));
    const message = parsed.success ? parsed.data.message : undefined;
    if (status >= 200 && status < 300) {
      if (!parsed.success) return malformed(status, durationMs);
      // An envelope that says it failed despite the 2xx is Loop refusing the request.
      if (parsed.data.success === false) {
        return { ok: false, status, durationMs, failure: { kind: "rejected", status, message: message ?? "Loop refused the request" } };
      }
      return { ok: true, value: parsed.data.data, pageInfo: parsed.data.pageInfo, status, durationMs };
    }
    const failure = classifyLoopFailure(status, message, parsed.success ? parsed.data.data : undefined);
    const retryAfterMs = status === 429 ? parseRetryAfter(response.headers.get("retry-after")) : undefined;
    return { ok: false, status, durationMs, failure: retryAfterMs === undefined ? failure : { ...failure, retryAfterMs } };
  }
}

const MAX_REDIRECTS = 3;

const isRedirect = (status: number) => status >= 300 && status < 400;

function redirectTarget(from: string, location: string | null): URL | null {
  if (!location) return null;
  try {
    return new URL(location, from);
  } catch {
    return null;
  }
}

export function classifyLoopFailure(status: number, message: string | undefined, data: unknown): LoopFailure {
  if (status === 401) return { kind: "unauthorized", status, message: message ?? "Loop rejected the token" };
  if (status === 403) return { kind: "forbidden", status, message: message ?? "The token is not allowed to do this" };
  if (status === ALREADY_SUBSCRIBED_STATUS) {
    const existing = z.object({ id: webhookId }).safeParse(data);
    return {
      kind: "already_subscribed",
      status,
      message: message ?? "Already subscribed",
      ...(existing.success ? { existingWebhookId: existing.data.id } : {}),
    };
  }
  if (status === 404) return { kind: "not_found", status, message: message ?? "Not found" };
  if (status === 429) return { kind: "rate_limited", status, message: message ?? "Too many requests" };
  if (status >= 500) return { kind: "unavailable", status, message: message ?? `Loop answered ${status}` };
  return { kind: "rejected", status, message: message ?? `Loop answered ${status}` };
}

function malformed(status: number | null, durationMs: number): LoopResult<never> {
  return {
    ok: false,
    status,
    durationMs,
    failure: { kind: "malformed_response", status, message: "Loop answered with a body that is not its documented envelope" },
  };
}
