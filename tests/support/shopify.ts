// Requests as Shopify sends them, built with Shopify's own test helpers: session tokens signed with the test
// app secret (valid, expired, forged) and webhooks with a real HMAC. They go through the real
// authenticate.admin / authenticate.webhook code paths.
import {
  API_KEY,
  API_SECRET_KEY,
  APP_URL,
  getHmac,
  getJwt,
  RequestType,
  setUpValidRequest,
  setUpValidSession,
} from "@shopify/shopify-api/test-helpers";
import { Session } from "@shopify/shopify-api";
import { waitFor } from "./wait";
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import type { Database } from "~/db.server";
import { authenticate } from "~/shopify.server";
import { SealedSessionStorage } from "~/shopify/session-storage.server";
import { recordInstall } from "~/shopify/installs.server";

export const BROWSER_UA =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

/**
 * What an install leaves behind: the shop's offline session (so no token exchange is needed), stored through the
 * app's session storage (token sealed), and its record.
 */
export async function installShop(db: Database, shop: string, scope = "read_customers,write_customers") {
  const session = setUpValidSession({ shop, scope });
  await new SealedSessionStorage(db).storeSession(new Session({ ...session.toObject(), isOnline: false, scope }));
  await recordInstall(db, shop, scope);
}

const storeName = (shop: string) => shop.replace(/\.myshopify\.com$/, "");

/**
 * An install as it happens with expiring offline tokens: Shopify admin opens the embedded app, and the
 * library's token exchange (sent to the Shopify stand-in named by SHOPIFY_ADMIN_API_ORIGIN) stores the shop's
 * offline session with its refresh token; afterAuth records the install. Opening the app again when the
 * session has expired does the same.
 */
export async function openAppInShopifyAdmin(shop: string) {
  return authenticate.admin(await adminDocumentRequest(shop, "/app"));
}

/** A document request as Shopify admin loads the embedded app: ?embedded=1&shop&host&id_token=<jwt>. */
export function adminDocumentRequest(shop: string, pathname: string) {
  return setUpValidRequest(
    { type: RequestType.Admin, store: storeName(shop), apiKey: API_KEY, apiSecretKey: API_SECRET_KEY },
    new Request(new URL(pathname, APP_URL), { headers: { "User-Agent": BROWSER_UA } }),
  );
}

/** A fetch from the embedded app (App Bridge adds Authorization: Bearer <session token>). */
export function adminFetchRequest(shop: string, pathname: string, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  headers.set("User-Agent", BROWSER_UA);
  return setUpValidRequest(
    { type: RequestType.Bearer, store: storeName(shop), apiKey: API_KEY, apiSecretKey: API_SECRET_KEY },
    new Request(new URL(pathname, APP_URL), { ...init, headers }),
  );
}

/** A bearer request with a token built from `overrides` (expired, other audience…) or signed with `secret`. */
export async function adminRequestWithToken(
  shop: string,
  pathname: string,
  { secret = API_SECRET_KEY, overrides = {} }: { secret?: string; overrides?: Record<string, unknown> } = {},
) {
  const { token } = await getJwt(storeName(shop), API_KEY, secret, overrides);
  return new Request(new URL(pathname, APP_URL), {
    headers: { Authorization: `Bearer ${token}`, "User-Agent": BROWSER_UA },
  });
}

export interface WebhookOptions {
  hmac?: string;
  webhookId?: string;
  method?: string;
  omitHeaders?: string[];
}

/** A webhook as Shopify delivers it: raw JSON body, X-Shopify-* headers, base64 HMAC-SHA256 of the body. */
export function webhookRequest(pathname: string, topic: string, shop: string, payload: unknown, options: WebhookOptions = {}) {
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    "X-Shopify-Topic": topic,
    "X-Shopify-Shop-Domain": shop,
    "X-Shopify-Hmac-Sha256": options.hmac ?? getHmac(body, API_SECRET_KEY),
    "X-Shopify-Webhook-Id": options.webhookId ?? crypto.randomUUID(),
    "X-Shopify-API-Version": "2026-10",
    "X-Shopify-Event-Id": crypto.randomUUID(),
    "X-Shopify-Triggered-At": new Date().toISOString(),
  };
  for (const name of options.omitHeaders ?? []) delete headers[name];
  const method = options.method ?? "POST";
  return new Request(new URL(pathname, APP_URL), { method, headers, body: method === "GET" ? undefined : body });
}

/** Runs a Remix loader/action and returns the Response, whether it returned or threw one. */
export async function runRoute(
  fn: (args: LoaderFunctionArgs & ActionFunctionArgs) => unknown,
  request: Request,
  params: Record<string, string> = {},
): Promise<Response> {
  try {
    const result = await fn({ request, params, context: {} });
    if (result instanceof Response) return result;
    return Response.json(result);
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}

/** Waits until the Shopify stand-in at `graphqlUrl` refuses `token` (its lifetime has passed). */
export async function untilTokenRefused(graphqlUrl: string, token: string): Promise<void> {
  await waitFor("the stand-in to refuse the expired token", async () => {
    const response = await fetch(graphqlUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": token },
      body: JSON.stringify({ query: "{ shop { name } }" }),
    });
    return response.status === 401;
  }, 30_000, 50);
}

/**
 * A Shopify Flow request (action run or trigger lifecycle callback) as Flow sends it: raw JSON body and the
 * base64 HMAC-SHA256 of the body with the app secret in X-Shopify-Hmac-SHA256. Flow adds no timestamp.
 */
export function flowRequest(pathname: string, payload: unknown, options: { hmac?: string; method?: string } = {}) {
  const body = JSON.stringify(payload);
  const method = options.method ?? "POST";
  return new Request(new URL(pathname, APP_URL), {
    method,
    headers: { "Content-Type": "application/json", "X-Shopify-Hmac-Sha256": options.hmac ?? getHmac(body, API_SECRET_KEY) },
    body: method === "GET" ? undefined : body,
  });
}
