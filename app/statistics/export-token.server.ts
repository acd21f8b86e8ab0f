// The CSV download of the event log is a plain browser navigation, which carries no Authorization header. Its URL
// used to carry the merchant's session token, which then sat in the browser history and any proxy log. Instead
// the page asks for a download link with an authenticated fetch, and the link holds a token that is good for one
// thing only: this shop's CSV with these filters, for a minute. It is signed with a key derived from the app's
// secret, so nothing is stored and any process of the app can open it.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { getConfig } from "~/config/env.server";

const PURPOSE = "events-csv";
export const EXPORT_TOKEN_TTL_MS = 60_000;

const payloadSchema = z.object({ purpose: z.literal(PURPOSE), shop: z.string(), search: z.string(), expiresAt: z.number(), nonce: z.string() });
export type ExportGrant = Pick<z.infer<typeof payloadSchema>, "shop" | "search">;

function signingKey(): Buffer {
  return createHmac("sha256", getConfig().SHOPIFY_API_SECRET).update("event-log export token v1").digest();
}

function sign(payload: string): Buffer {
  return createHmac("sha256", signingKey()).update(payload).digest();
}

/** A token for downloading `shop`'s event log filtered by `search` (the log's query string). */
export function issueExportToken(grant: ExportGrant, now = Date.now()): string {
  const payload = Buffer.from(
    JSON.stringify({ purpose: PURPOSE, ...grant, expiresAt: now + EXPORT_TOKEN_TTL_MS, nonce: randomBytes(9).toString("base64url") }),
  ).toString("base64url");
  return `${payload}.${sign(payload).toString("base64url")}`;
}

/** What the token grants, or null when it is forged, altered, expired or made for something else. */
export function openExportToken(token: string | null, now = Date.now()): ExportGrant | null {
  const [payload, signature, extra] = (token ?? "").split(".");
  if (!payload || !signature || extra !== undefined) return null;
  const expected = sign(payload);
  const given = Buffer.from(signature, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch {
    return null;
  }
  const parsed = payloadSchema.safeParse(decoded);
  if (!parsed.success || parsed.data.expiresAt <= now) return null;
  return { shop: parsed.data.shop, search: parsed.data.search };
}
