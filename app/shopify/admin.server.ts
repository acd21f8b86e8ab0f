// Admin GraphQL for background work (delivery, statistics), through the library's offline-session path:
// shopify().unauthenticated.admin(shop) loads the shop's offline session and, as offline tokens expire after
// an hour, refreshes it first with its refresh token (storing the new pair) when it has expired or is about to.
// Like the other clients, results say what happened instead of throwing, so callers can retry what is worth
// retrying and say why Shopify's data is missing.
import { createHash } from "node:crypto";
import { GraphqlQueryError, HttpRequestError, HttpResponseError } from "@shopify/shopify-api";
import { SessionNotFoundError } from "@shopify/shopify-app-remix/server";
import { z } from "zod";
import { log } from "~/logging/logger.server";
import { storedOfflineSession, unauthenticatedAdmin } from "~/shopify.server";

/**
 * access_lost: the app has no working access to the shop (not installed, or Shopify refused its token).
 * refresh_failed: the expired token could not be renewed; the library cannot tell a revoked refresh token
 * (the app was uninstalled, or its access withdrawn) from a token endpoint that is down, so callers may try
 * again for a while before taking it as access_lost.
 */
export type AdminFailureKind = "not_found" | "throttled" | "unavailable" | "user_error" | "access_lost" | "refresh_failed";
export type AdminFailure = { ok: false; kind: AdminFailureKind; message: string; retryAfterMs?: number };
export type AdminResult<T> = { ok: true; value: T } | AdminFailure;

export interface AdminCallOptions {
  timeoutMs?: number;
}

const costSchema = z
  .object({
    requestedQueryCost: z.number(),
    throttleStatus: z.object({ currentlyAvailable: z.number(), restoreRate: z.number() }).partial(),
  })
  .partial()
  .optional();
const graphqlErrorsSchema = z.array(z.object({ message: z.string(), extensions: z.object({ code: z.string() }).partial().passthrough().optional() }));
const responseSchema = z.object({ data: z.record(z.unknown()).nullable().optional() });

type AdminContext = Awaited<ReturnType<typeof unauthenticatedAdmin>>;

const REFRESH_RETRY_MS = 60_000;
const REFRESH_FAILED: AdminFailure = { ok: false, kind: "refresh_failed", message: "Shopify did not renew the app's expired access token", retryAfterMs: REFRESH_RETRY_MS };

declare global {
  var __failedRefreshes: Map<string, { refreshTokenHash: string | null; at: number }> | undefined;
}
/** Per shop, which refresh token Shopify last refused (a hash: the token itself stays only in the sealed row) and when. */
function failedRefreshes() {
  globalThis.__failedRefreshes ??= new Map();
  return globalThis.__failedRefreshes;
}

/**
 * Whether the shop's stored refresh token is the one Shopify refused less than a minute ago: then the next
 * lookups fail at once instead of each asking Shopify's token endpoint again. A new token (the merchant opened
 * the app) is tried at once.
 */
async function storedRefreshTokenHash(shop: string): Promise<string | null> {
  const token = (await storedOfflineSession(shop))?.refreshToken;
  return token ? createHash("sha256").update(token).digest("base64url") : null;
}

async function refusedRecently(shop: string, now: number): Promise<boolean> {
  const failed = failedRefreshes().get(shop);
  if (!failed) return false;
  if (now - failed.at < REFRESH_RETRY_MS && (await storedRefreshTokenHash(shop)) === failed.refreshTokenHash) return true;
  failedRefreshes().delete(shop);
  return false;
}

/** The shop's Admin client, or why there is none (no session, or its token could not be renewed). */
async function adminFor(shop: string, timeoutMs: number): Promise<{ ok: true; context: AdminContext } | AdminFailure> {
  if (await refusedRecently(shop, Date.now())) return REFRESH_FAILED;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), timeoutMs)));
  try {
    const context = await Promise.race([unauthenticatedAdmin(shop), timeout]);
    if (context === "timeout") return { ok: false, kind: "unavailable", message: "Shopify did not answer the token refresh in time", retryAfterMs: 5_000 };
    return { ok: true, context };
  } catch (error) {
    if (error instanceof SessionNotFoundError) {
      return { ok: false, kind: "access_lost", message: "The shop has no offline session (the app is not installed)" };
    }
    // The library throws a bare Response (500) for a refresh Shopify refused or could not answer, and an
    // HttpResponseError for a refused token exchange.
    if (error instanceof Response || error instanceof HttpResponseError) {
      log.warn("shopify: the shop's expired offline token could not be renewed", { shop });
      failedRefreshes().set(shop, { refreshTokenHash: await storedRefreshTokenHash(shop), at: Date.now() });
      return REFRESH_FAILED;
    }
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** One Admin GraphQL operation for the shop; the `data` of Shopify's answer, or what went wrong. */
export async function adminGraphql(
  shop: string,
  query: string,
  variables: Record<string, unknown>,
  { timeoutMs = 10_000 }: AdminCallOptions = {},
): Promise<AdminResult<Record<string, unknown>>> {
  const admin = await adminFor(shop, timeoutMs);
  if (!admin.ok) return admin;
  let body: unknown;
  try {
    const response = await admin.context.admin.graphql(query, { variables, signal: AbortSignal.timeout(timeoutMs) });
    body = await response.json();
  } catch (error) {
    return failure(error);
  }
  const parsed = responseSchema.safeParse(body);
  if (!parsed.success) return { ok: false, kind: "unavailable", message: "Shopify's answer was not in the documented format" };
  return { ok: true, value: parsed.data.data ?? {} };
}

function failure(error: unknown): AdminFailure {
  if (error instanceof GraphqlQueryError) return graphqlFailure(error);
  if (error instanceof HttpResponseError) {
    const status = error.response.code;
    if (status === 401 || status === 403) return { ok: false, kind: "access_lost", message: `Shopify refused the shop's access token (${status})` };
    return { ok: false, kind: "unavailable", message: `Shopify answered ${status}`, retryAfterMs: 2_000 };
  }
  if (error instanceof HttpRequestError) return { ok: false, kind: "unavailable", message: "Shopify could not be reached" };
  if (error instanceof SyntaxError) return { ok: false, kind: "unavailable", message: "Shopify's answer was not in the documented format" };
  throw error;
}

/** Top-level GraphQL errors: THROTTLED (wait until the leaky bucket has the points back) or the query's own. */
function graphqlFailure(error: GraphqlQueryError): AdminFailure {
  const body = (error.body ?? {}) as { errors?: { graphQLErrors?: unknown }; extensions?: { cost?: unknown } };
  const errors = graphqlErrorsSchema.safeParse(body.errors?.graphQLErrors);
  const list = errors.success ? errors.data : [];
  if (list.some((e) => e.extensions?.code === "THROTTLED")) {
    const cost = costSchema.safeParse(body.extensions?.cost);
    const requested = (cost.success && cost.data?.requestedQueryCost) || 10;
    const available = (cost.success && cost.data?.throttleStatus?.currentlyAvailable) || 0;
    const rate = (cost.success && cost.data?.throttleStatus?.restoreRate) || 50;
    return { ok: false, kind: "throttled", message: "Shopify throttled the request", retryAfterMs: Math.max(1_000, Math.ceil(((requested - available) / rate) * 1000)) };
  }
  return { ok: false, kind: "user_error", message: list.map((e) => e.message).join("; ") || error.message };
}
