// Shopify session tokens (App Bridge id tokens): HS256 JWTs signed with the app's API secret, the shape
// authenticate.admin verifies (iss/dest = the shop, aud = API key, exp/nbf). Used only by the development
// shim and by tests; production tokens come from Shopify admin.
import { createHmac, randomUUID } from "node:crypto";

export interface SessionTokenOptions {
  shop: string;
  apiKey: string;
  apiSecret: string;
  /** Seconds from now until the token expires (Shopify's own last 60 s). */
  ttlSeconds?: number;
  userId?: string;
  now?: number;
}

const base64url = (input: string | Buffer) => Buffer.from(input).toString("base64url");

export function signSessionToken({ shop, apiKey, apiSecret, ttlSeconds = 60, userId = "1", now = Date.now() }: SessionTokenOptions) {
  const iat = Math.floor(now / 1000);
  const header = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const payload = base64url(
    JSON.stringify({
      iss: `https://${shop}/admin`,
      dest: `https://${shop}`,
      aud: apiKey,
      sub: userId,
      exp: iat + ttlSeconds,
      nbf: iat - 5,
      iat,
      jti: randomUUID(),
      sid: randomUUID(),
    }),
  );
  const signature = createHmac("sha256", apiSecret).update(`${header}.${payload}`).digest("base64url");
  return `${header}.${payload}.${signature}`;
}

/** The `host` query parameter Shopify admin passes to embedded apps: base64 of admin.shopify.com/store/<name>. */
export function adminHostParam(shop: string) {
  return Buffer.from(`admin.shopify.com/store/${shop.replace(/\.myshopify\.com$/, "")}`).toString("base64url");
}
