// Which rate budget a request to Postscript draws on. Postscript allows 15 requests per second per token it
// authenticates: a shop's private key alone, or with a partner key the partner+shop pair. Two shops connected
// with one key (a merchant with two stores on one Postscript account) therefore share one budget, and the
// delivery worker paces and leases by this fingerprint, not by shop.
//
// The fingerprint is a SHA-256 of the key material: Postscript's keys are long random strings, so the hash
// cannot be turned back into a key, and it needs no app secret, so every process (and every release, and
// every rotation of SECRETS_ENCRYPTION_KEYS) derives the same one. It is stored in lease rows and may be
// logged; the key never is.
//
// With a partner key, whether Postscript also counts every shop's requests against the partner key alone is
// not documented: POSTSCRIPT_RATE_LIMIT_SCOPE=partner makes all shops share the partner's one budget.
import { createHash } from "node:crypto";

export type RateLimitScope = "token" | "partner";

export interface RateKeyCredentials {
  apiKey: string;
  partnerKey?: string;
}

export function postscriptRateKey(credentials: RateKeyCredentials, scope: RateLimitScope = "token"): string {
  const { apiKey, partnerKey } = credentials;
  const material = !partnerKey ? ["shop", apiKey] : scope === "partner" ? ["partner", partnerKey] : ["partner+shop", partnerKey, apiKey];
  return createHash("sha256").update(["postscript-rate-key/v1", ...material].join("\0")).digest("hex").slice(0, 32);
}
