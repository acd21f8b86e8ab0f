// Shopify sessions with their access and refresh tokens sealed at rest. The library's Prisma storage keeps its
// row mapping; this one seals both tokens before a session is written and opens them after it is read, so the
// Session table (and the database's files and backups) never hold a usable token. Every session the library
// stores (token exchange, refresh of an expiring offline token) and loads (embedded requests, the background
// worker) goes through here.
//
// A sealed column value is "sealed:v1:<key id>:<ciphertext>", so rotation can find values under an older key
// with a prefix match. Rows written before tokens were sealed hold the bare token: it is read as it is, and
// sealed on the session's next write or by `npm run secrets:rotate`.
import { Session } from "@shopify/shopify-api";
import type { SessionStorage } from "@shopify/shopify-app-session-storage";
import { PrismaSessionStorage } from "@shopify/shopify-app-session-storage-prisma";
import type { Database } from "~/db.server";
import { log } from "~/logging/logger.server";
import { openSecret, sealSecret, SecretUnavailableError, type EncryptionKey, type SealedSecret } from "~/secrets/secrets.server";

export const shopifyAccessTokenContext = (shop: string) => `${shop}:shopify-access-token`;
export const shopifyRefreshTokenContext = (shop: string) => `${shop}:shopify-refresh-token`;

const SEALED_PREFIX = "sealed:v1:";

/** The column value for a sealed token. */
export function formatSealedToken(sealed: SealedSecret): string {
  return `${SEALED_PREFIX}${sealed.keyId}:${sealed.ciphertext}`;
}

/** The start of every column value sealed under `keyId`. */
export const sealedTokenPrefix = (keyId: string) => `${SEALED_PREFIX}${keyId}:`;

/**
 * The sealed parts of a column value, or null for a bare token stored before tokens were sealed. A damaged value
 * (no key id) gets an empty key id, which no configured key has, so opening it is refused.
 */
export function parseSealedToken(stored: string): SealedSecret | null {
  if (!stored.startsWith(SEALED_PREFIX)) return null;
  const rest = stored.slice(SEALED_PREFIX.length);
  const colon = rest.indexOf(":");
  return colon < 0 ? { keyId: "", ciphertext: rest } : { keyId: rest.slice(0, colon), ciphertext: rest.slice(colon + 1) };
}

export function sealToken(token: string, context: string, keyring?: EncryptionKey[]): string {
  return formatSealedToken(sealSecret(token, context, keyring));
}

/** The token a column value holds: opened when sealed, as it is when it predates sealing. */
export function openToken(stored: string, context: string, keyring?: EncryptionKey[]): string {
  const sealed = parseSealedToken(stored);
  return sealed ? openSecret(sealed, context, keyring) : stored;
}

/** A copy of `session` with its tokens passed through `transform` (empty values stay empty). */
function withTokens(session: Session, transform: (token: string, context: string) => string): Session {
  const params = session.toObject();
  return new Session({
    ...params,
    accessToken: params.accessToken ? transform(params.accessToken, shopifyAccessTokenContext(session.shop)) : params.accessToken,
    refreshToken: params.refreshToken ? transform(params.refreshToken, shopifyRefreshTokenContext(session.shop)) : params.refreshToken,
  });
}

export class SealedSessionStorage implements SessionStorage {
  private readonly rows: PrismaSessionStorage<Database>;

  constructor(db: Database) {
    this.rows = new PrismaSessionStorage(db);
  }

  storeSession(session: Session): Promise<boolean> {
    return this.rows.storeSession(withTokens(session, (token, context) => sealToken(token, context)));
  }

  async loadSession(id: string): Promise<Session | undefined> {
    const stored = await this.rows.loadSession(id);
    return stored ? this.opened(stored) : undefined;
  }

  deleteSession(id: string): Promise<boolean> {
    return this.rows.deleteSession(id);
  }

  deleteSessions(ids: string[]): Promise<boolean> {
    return this.rows.deleteSessions(ids);
  }

  async findSessionsByShop(shop: string): Promise<Session[]> {
    const sessions = (await this.rows.findSessionsByShop(shop)).map((s) => this.opened(s));
    return sessions.filter((s): s is Session => s !== undefined);
  }

  // A token that no longer opens (its key was removed from SECRETS_ENCRYPTION_KEYS) is as good as none: the
  // session counts as missing, so the library gets a new one by token exchange the next time the app is opened.
  private opened(stored: Session): Session | undefined {
    try {
      return withTokens(stored, (token, context) => openToken(token, context));
    } catch (error) {
      if (!(error instanceof SecretUnavailableError)) throw error;
      log.error("stored Shopify session could not be opened", { shop: stored.shop, sessionId: stored.id, reason: error.message });
      return undefined;
    }
  }
}
