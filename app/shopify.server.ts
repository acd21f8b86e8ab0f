// The one Shopify app instance: embedded admin with token exchange, offline sessions stored in this app's
// database with their access and refresh tokens sealed, and webhooks declared in shopify.app.toml
// (app-specific subscriptions).
import "@shopify/shopify-app-remix/adapters/node";
import { setAbstractFetchFunc } from "@shopify/shopify-api/runtime";
import { ApiVersion, AppDistribution, LogSeverity, shopifyApp } from "@shopify/shopify-app-remix/server";
import { getConfig } from "~/config/env.server";
import { getDatabase } from "~/db.server";
import { log } from "~/logging/logger.server";
import { SealedSessionStorage } from "~/shopify/session-storage.server";
import { recordInstall } from "~/shopify/installs.server";

export const apiVersion = ApiVersion.October26;

/**
 * SHOPIFY_ADMIN_API_ORIGIN (development and tests only; refused in production) in place of the shop's own origin
 * for a library request to https://<shop>/admin/… (Admin GraphQL, the token endpoint); other URLs unchanged.
 */
export function adminRequestUrl(url: string, origin: string | undefined): string {
  if (!origin) return url;
  const parsed = new URL(url);
  if (parsed.protocol !== "https:" || !parsed.pathname.startsWith("/admin/")) return url;
  return `${origin.replace(/\/$/, "")}${parsed.pathname}${parsed.search}`;
}

// Outside production the library's requests to the shop go to the local Shopify stand-in when
// SHOPIFY_ADMIN_API_ORIGIN names one (read per request, so tests can point it elsewhere). Production keeps the
// library's own fetch untouched.
function sendAdminRequestsToStandIn() {
  setAbstractFetchFunc((input, init) => {
    const url = typeof input === "string" || input instanceof URL ? adminRequestUrl(String(input), getConfig().SHOPIFY_ADMIN_API_ORIGIN) : input;
    return fetch(url, init);
  });
}

function createShopifyApp() {
  const config = getConfig();
  if (config.NODE_ENV !== "production") sendAdminRequestsToStandIn();
  return shopifyApp({
    apiKey: config.SHOPIFY_API_KEY,
    apiSecretKey: config.SHOPIFY_API_SECRET,
    apiVersion,
    scopes: config.SCOPES,
    appUrl: config.SHOPIFY_APP_URL,
    authPathPrefix: "/auth",
    sessionStorage: new SealedSessionStorage(getDatabase()),
    distribution: AppDistribution.AppStore,
    future: { unstable_newEmbeddedAuthStrategy: true, expiringOfflineAccessTokens: true },
    // Never Debug: the library's debug output contains raw session tokens. Its lines go through the app's logger
    // (one JSON line each, secrets redacted) instead of the console.
    logger: { level: config.NODE_ENV === "test" ? LogSeverity.Error : LogSeverity.Info, log: logShopifyLine },
    hooks: {
      afterAuth: async ({ session }) => {
        await recordInstall(getDatabase(), session.shop, session.scope ?? null);
      },
    },
    ...(config.SHOP_CUSTOM_DOMAIN ? { customShopDomains: [config.SHOP_CUSTOM_DOMAIN] } : {}),
  });
}

const SHOPIFY_LOG_LEVELS = { [LogSeverity.Error]: "error", [LogSeverity.Warning]: "warn", [LogSeverity.Info]: "info", [LogSeverity.Debug]: "debug" } as const;

function logShopifyLine(severity: LogSeverity, message: string) {
  log[SHOPIFY_LOG_LEVELS[severity] ?? "info"]("shopify library", { detail: message });
}

type ShopifyApp = ReturnType<typeof createShopifyApp>;
declare global {
  var __shopifyApp: ShopifyApp | undefined;
}

/** Created on first use, after the configuration has been validated. */
export function shopify(): ShopifyApp {
  globalThis.__shopifyApp ??= createShopifyApp();
  return globalThis.__shopifyApp;
}

/** The shop's Admin API client for background work: its offline session, refreshed first when it expires. */
export const unauthenticatedAdmin = (shop: string) => shopify().unauthenticated.admin(shop);
/** The shop's stored offline session as it is (no refresh), or undefined; its id is the library's offline id. */
export const storedOfflineSession = (shop: string) => shopify().sessionStorage!.loadSession(`offline_${shop}`);

export const authenticate = {
  admin: (request: Request) => shopify().authenticate.admin(request),
  webhook: (request: Request) => shopify().authenticate.webhook(request),
  /** Shopify Flow's action and lifecycle requests: HMAC of the body with the app secret, and the shop's offline session. */
  flow: (request: Request) => shopify().authenticate.flow(request),
};
export const addDocumentResponseHeaders: ShopifyApp["addDocumentResponseHeaders"] = (request, headers) =>
  shopify().addDocumentResponseHeaders(request, headers);
export const login = (request: Request) => shopify().login(request);
export const sessionStorage = () => shopify().sessionStorage;
