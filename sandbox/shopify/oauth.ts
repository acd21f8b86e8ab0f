// The Shopify stand-in's access tokens and its token endpoint (POST /admin/oauth/access_token): token exchange
// (a session token signed with the app's secret, for an offline token) and the refresh grant for expiring
// offline tokens. Offline tokens expire after a configurable lifetime; refresh tokens rotate (a used one keeps
// working until its replacement is first used, then it is retired, as Shopify does); an uninstall revokes
// everything. Development/test tool only. Wire details live in app/shopify/admin-protocol.ts.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import {
  GRANT_TYPES,
  OFFLINE_TOKEN_LIFETIME_S,
  REFRESH_TOKEN_LIFETIME_S,
  TOKEN_ERRORS,
  TOKEN_TYPES,
  type AccessTokenResponse,
} from "../../app/shopify/admin-protocol";

export interface OAuthClient {
  id: string;
  secret: string;
}

export interface TokenStoreOptions {
  shopDomain: string;
  scope: string;
  /** The app's credentials; when set, the token endpoint checks them and session tokens' signatures. */
  client?: OAuthClient;
  /** Non-expiring tokens accepted from the start (the demo's seeded session). */
  staticTokens?: string[];
  offlineTokenLifetimeS?: number;
  refreshTokenLifetimeS?: number;
  now?: () => number;
}

interface AccessToken {
  expiresAtMs: number | null;
}
interface RefreshToken {
  expiresAtMs: number;
  retired: boolean;
  /** The refresh token this one replaced, retired when this one is first used. */
  replaces: string | null;
}

export interface TokenRequestLog {
  at: string;
  grantType: string | null;
  status: number;
  error: string | null;
}

export type TokenResult = { status: 200; body: AccessTokenResponse } | { status: 400 | 401; body: { error: string; error_description: string } };

export class TokenStore {
  readonly access = new Map<string, AccessToken>();
  readonly refresh = new Map<string, RefreshToken>();
  readonly requests: TokenRequestLog[] = [];
  offlineTokenLifetimeS: number;
  refreshTokenLifetimeS: number;
  private readonly now: () => number;

  constructor(private readonly options: TokenStoreOptions) {
    this.offlineTokenLifetimeS = options.offlineTokenLifetimeS ?? OFFLINE_TOKEN_LIFETIME_S;
    this.refreshTokenLifetimeS = options.refreshTokenLifetimeS ?? REFRESH_TOKEN_LIFETIME_S;
    this.now = options.now ?? Date.now;
    for (const token of options.staticTokens ?? []) this.addStatic(token);
  }

  addStatic(token: string) {
    this.access.set(token, { expiresAtMs: null });
  }

  /** Whether Admin API calls with this token are accepted now. */
  accepts(token: string): boolean {
    const entry = this.access.get(token);
    return Boolean(entry && (entry.expiresAtMs === null || entry.expiresAtMs > this.now()));
  }

  /** A new expiring (with a refresh token) or non-expiring offline token. */
  issue(expiring: boolean, replaces: string | null = null): AccessTokenResponse {
    const accessToken = `shpat_${randomBytes(16).toString("hex")}`;
    if (!expiring) {
      this.addStatic(accessToken);
      return { access_token: accessToken, scope: this.options.scope };
    }
    const refreshToken = `shprt_${randomBytes(16).toString("hex")}`;
    const now = this.now();
    this.access.set(accessToken, { expiresAtMs: now + this.offlineTokenLifetimeS * 1000 });
    this.refresh.set(refreshToken, { expiresAtMs: now + this.refreshTokenLifetimeS * 1000, retired: false, replaces });
    return {
      access_token: accessToken,
      scope: this.options.scope,
      expires_in: this.offlineTokenLifetimeS,
      refresh_token: refreshToken,
      refresh_token_expires_in: this.refreshTokenLifetimeS,
    };
  }

  /** Every expiring token expires now (as if its hour had passed). */
  expireAccessTokens() {
    const now = this.now();
    for (const entry of this.access.values()) if (entry.expiresAtMs !== null) entry.expiresAtMs = Math.min(entry.expiresAtMs, now);
  }

  /** What an uninstall does: every access and refresh token of the shop stops working at once. */
  revokeAll() {
    this.access.clear();
    for (const entry of this.refresh.values()) entry.retired = true;
  }

  revokeRefreshTokens() {
    for (const entry of this.refresh.values()) entry.retired = true;
  }

  /** POST /admin/oauth/access_token with the parsed body. */
  handle(params: Record<string, string>): TokenResult {
    const grantType = params.grant_type ?? null;
    const result = this.grant(params);
    this.requests.push({ at: new Date(this.now()).toISOString(), grantType, status: result.status, error: result.status === 200 ? null : result.body.error });
    if (this.requests.length > 2_000) this.requests.splice(0, this.requests.length - 2_000);
    return result;
  }

  private grant(params: Record<string, string>): TokenResult {
    const client = this.options.client;
    if (client && (params.client_id !== client.id || !sameText(params.client_secret ?? "", client.secret))) {
      return { status: 401, body: TOKEN_ERRORS.invalidClient };
    }
    if (params.grant_type === GRANT_TYPES.refresh) return this.refreshGrant(params.refresh_token);
    if (params.grant_type === GRANT_TYPES.tokenExchange) return this.exchange(params);
    return { status: 400, body: TOKEN_ERRORS.unsupportedGrantType };
  }

  private refreshGrant(token: string | undefined): TokenResult {
    const entry = token ? this.refresh.get(token) : undefined;
    if (!token || !entry || entry.retired || entry.expiresAtMs <= this.now()) return { status: 400, body: TOKEN_ERRORS.invalidGrant };
    this.retirePredecessor(token);
    return { status: 200, body: this.issue(true, token) };
  }

  private exchange(params: Record<string, string>): TokenResult {
    if (params.subject_token_type !== TOKEN_TYPES.idToken || params.requested_token_type !== TOKEN_TYPES.offline) {
      return { status: 400, body: TOKEN_ERRORS.invalidRequest };
    }
    if (!this.validSessionToken(params.subject_token ?? "")) return { status: 400, body: TOKEN_ERRORS.invalidSubjectToken };
    return { status: 200, body: this.issue(params.expiring === "1") };
  }

  /** A session token (HS256 JWT) for this shop, unexpired, signed with the app's secret when it is known. */
  private validSessionToken(jwt: string): boolean {
    const [header, payload, signature] = jwt.split(".");
    if (!header || !payload || !signature) return false;
    const client = this.options.client;
    if (client) {
      const expected = createHmac("sha256", client.secret).update(`${header}.${payload}`).digest("base64url");
      if (!sameText(signature, expected)) return false;
    }
    try {
      const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { dest?: unknown; exp?: unknown; aud?: unknown };
      if (typeof claims.exp !== "number" || claims.exp * 1000 <= this.now()) return false;
      if (client && claims.aud !== client.id) return false;
      return typeof claims.dest === "string" && new URL(claims.dest).hostname === this.options.shopDomain;
    } catch {
      return false;
    }
  }

  /** The first use of a replacement retires the refresh token it replaced. */
  private retirePredecessor(refreshToken: string) {
    const previous = this.refresh.get(refreshToken)?.replaces;
    const entry = previous ? this.refresh.get(previous) : undefined;
    if (entry) entry.retired = true;
  }
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** The token endpoint's body: JSON (as the Shopify libraries send it) or form-encoded. */
export function parseTokenRequest(text: string, contentType: string): Record<string, string> {
  const entries: Array<[string, unknown]> = contentType.includes("application/x-www-form-urlencoded")
    ? [...new URLSearchParams(text).entries()]
    : Object.entries((() => {
        try {
          const body = JSON.parse(text) as unknown;
          return body && typeof body === "object" ? (body as Record<string, unknown>) : {};
        } catch {
          return {};
        }
      })());
  return Object.fromEntries(entries.filter(([, v]) => typeof v === "string").map(([k, v]) => [k, v as string]));
}
