// The Shopify Admin GraphQL wire contract the app uses (app/shopify/customers.server.ts) and the stand-in in
// sandbox/shopify imitates — the ONE place for the path, header,
// cost/throttle shapes, error bodies and the two operations the app uses. Everything here follows Shopify's public
// Admin API docs (shopify.dev) unless marked "assumed" (message texts, defaults) — check those against a dev store
// before relying on exact strings.

/** shopify.dev/docs/api/admin-graphql: POST https://{shop}.myshopify.com/admin/api/{version}/graphql.json */
export const GRAPHQL_PATH_RE = /^\/admin\/api\/(\d{4}-\d{2}|unstable)\/graphql\.json$/;
export function graphqlPath(version: string = DEFAULT_API_VERSION): string {
  return `/admin/api/${version}/graphql.json`;
}

/** The stand-in's default version in examples; any version is accepted and logged (the app pins its own). */
export const DEFAULT_API_VERSION = "2025-01";

/** shopify.dev: private/custom and OAuth apps authenticate with `X-Shopify-Access-Token`. */
export const ACCESS_TOKEN_HEADER = "x-shopify-access-token";

/** The body Shopify returns with 401 for a wrong or revoked token. */
export const INVALID_TOKEN_BODY = { errors: "[API] Invalid API key or access token (unrecognized login or wrong password)" };

/**
 * shopify.dev access tokens: the token endpoint for token exchange (an embedded app's session token for
 * an offline token) and for the refresh grant (expiring offline tokens): POST https://{shop}/admin/oauth/access_token
 * with client_id, client_secret and the grant's fields (JSON or form-encoded).
 */
export const ACCESS_TOKEN_PATH = "/admin/oauth/access_token";
export const GRANT_TYPES = {
  refresh: "refresh_token",
  tokenExchange: "urn:ietf:params:oauth:grant-type:token-exchange",
} as const;
export const TOKEN_TYPES = {
  idToken: "urn:ietf:params:oauth:token-type:id_token",
  offline: "urn:shopify:params:oauth:token-type:offline-access-token",
  online: "urn:shopify:params:oauth:token-type:online-access-token",
} as const;

/**
 * shopify.dev: an expiring offline token lasts 60 minutes (expires_in 3600) and comes with a refresh token
 * that lasts 90 days; each refresh returns a new pair. Shopify changelog 2026-08-28: the refresh token just used keeps
 * working until the app first uses its replacement, then it is retired.
 */
export const OFFLINE_TOKEN_LIFETIME_S = 3_600;
export const REFRESH_TOKEN_LIFETIME_S = 90 * 86_400;

/** The token endpoint's answer (expires_in, refresh_token, refresh_token_expires_in only for expiring tokens). */
export interface AccessTokenResponse {
  access_token: string;
  scope: string;
  expires_in?: number;
  refresh_token?: string;
  refresh_token_expires_in?: number;
}

/** OAuth error bodies of the token endpoint: the error codes are documented; the description texts are assumed. */
export const TOKEN_ERRORS = {
  invalidClient: { error: "invalid_client", error_description: "Client authentication failed" },
  invalidGrant: { error: "invalid_grant", error_description: "Token has been expired or revoked." },
  invalidSubjectToken: { error: "invalid_subject_token", error_description: "The subject token is invalid or expired." },
  unsupportedGrantType: { error: "unsupported_grant_type", error_description: "The grant type is not supported." },
  invalidRequest: { error: "invalid_request", error_description: "A required parameter is missing or invalid." },
} as const;

/** shopify.dev Customer.state: CustomerState enum. */
export const CUSTOMER_STATES = ["DISABLED", "INVITED", "ENABLED", "DECLINED"] as const;
export type CustomerState = (typeof CUSTOMER_STATES)[number];

export function customerGid(id: number | string): string {
  return `gid://shopify/Customer/${id}`;
}
/** Numeric id of `gid://shopify/Customer/<n>`, or null when the string is not such a gid. */
export function parseCustomerGid(gid: unknown): string | null {
  if (typeof gid !== "string") return null;
  const m = /^gid:\/\/shopify\/Customer\/(\d+)$/.exec(gid);
  return m ? m[1] : null;
}

/** The two operations the app performs (by root field name), plus `shop` for a connection check. */
export const OPERATIONS = {
  customer: { type: "query", field: "customer", argument: "id" },
  activationUrl: { type: "mutation", field: "customerGenerateAccountActivationUrl", argument: "customerId" },
  shop: { type: "query", field: "shop" },
} as const;

/**
 * shopify.dev rate limits: calculated query cost, leaky bucket; the standard plan has a 2000-point bucket
 * restoring 100 points/s (higher plans more — configurable). A simple object query costs 1, a mutation 10.
 */
export const DEFAULT_BUCKET = { maximumAvailable: 2000, restoreRate: 100 };
export const FIELD_COSTS: Record<string, number> = {
  customer: 1,
  shop: 1,
  customerGenerateAccountActivationUrl: 10,
};

export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}
export interface CostExtension {
  requestedQueryCost: number;
  actualQueryCost: number | null;
  throttleStatus: ThrottleStatus;
}

/** Throttled requests get HTTP 200 with this error (and cost info with actualQueryCost null). */
export const THROTTLED_ERROR = {
  message: "Throttled",
  extensions: { code: "THROTTLED", documentation: "https://shopify.dev/api/usage/rate-limits" },
};

/** Shape `userErrors { field message }`; the exact message texts are assumed. */
export const USER_ERRORS = {
  customerNotFound: { field: ["customerId"], message: "Customer does not exist" },
  alreadyEnabled: { field: ["customerId"], message: "Account already enabled" },
};

/** The format seen on shops: https://{shop}/account/activate/{customerId}/{token}-{timestamp}. */
export function activationUrl(shopDomain: string, numericCustomerId: string, token: string, epochS: number): string {
  return `https://${shopDomain}/account/activate/${numericCustomerId}/${token}-${epochS}`;
}

/** Sandbox control plane (not Shopify's API). */
export const SANDBOX_PATHS = {
  customers: "/__sandbox/customers",
  faults: "/__sandbox/faults",
  requests: "/__sandbox/requests",
  tokens: "/__sandbox/tokens",
  shop: "/__sandbox/shop",
  state: "/__sandbox/state",
  flowTriggers: "/__sandbox/flow-triggers",
} as const;
