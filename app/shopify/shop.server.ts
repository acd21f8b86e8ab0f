// The shop's time zone (Admin GraphQL `shop { ianaTimezone }`), kept on the Shop row so statistics periods
// follow the merchant's days. Same approach as ./customers.server.ts: the shop's offline session through
// ./admin.server (renewing an expired token first), results instead of throws.
// Read when the shop has none stored, and checked again once a day per process (a merchant may change it in
// Shopify's settings); a failed read is not retried for ten minutes so pages never wait on Shopify repeatedly.
import { z } from "zod";
import type { Database } from "~/db.server";
import { log } from "~/logging/logger.server";
import { isValidTimeZone } from "~/shopify/time-zone";
import { adminGraphql } from "./admin.server";

const SHOP_TIMEZONE_QUERY = `query shopTimezone {
  shop { ianaTimezone }
}`;

const shopSchema = z.object({ ianaTimezone: z.string() });

export type TimezoneResult = { ok: true; timeZone: string } | { ok: false; message: string };

export interface ShopClientOptions {
  db: Database;
  timeoutMs?: number;
}

export async function fetchShopTimezone(options: ShopClientOptions, shop: string): Promise<TimezoneResult> {
  const result = await adminGraphql(shop, SHOP_TIMEZONE_QUERY, {}, { timeoutMs: options.timeoutMs ?? 3_000 });
  if (!result.ok) return { ok: false, message: result.message };
  const parsed = shopSchema.safeParse(result.value.shop);
  if (!parsed.success) return { ok: false, message: "Shopify's answer had no shop time zone" };
  const zone = parsed.data.ianaTimezone;
  if (!isValidTimeZone(zone)) return { ok: false, message: `Shopify named a time zone this server does not know (${zone})` };
  return { ok: true, timeZone: zone };
}

const CHECK_EVERY_MS = 24 * 3_600_000;
const RETRY_FAILED_AFTER_MS = 10 * 60_000;
declare global {
  var __shopTimezoneChecks: Map<string, { at: number; ok: boolean }> | undefined;
}
function checks() {
  globalThis.__shopTimezoneChecks ??= new Map();
  return globalThis.__shopTimezoneChecks;
}

/** Forget when shops were last checked (tests). */
export function resetShopTimezoneChecks() {
  checks().clear();
}

/**
 * The shop's time zone, read from Shopify when not stored yet or not checked for a day, and stored on the
 * Shop row. When one is stored already, the check runs in the background and the stored one is returned at
 * once (pages never wait on Shopify for it); `wait: true` waits for the check (tests). Null when it is
 * unknown (Shopify unreachable and nothing stored): callers show UTC and say so.
 */
export async function refreshShopTimezone(
  options: ShopClientOptions,
  shop: string,
  now = Date.now(),
  { wait = false }: { wait?: boolean } = {},
): Promise<string | null> {
  const row = await options.db.shop.findUnique({ where: { domain: shop }, select: { ianaTimezone: true } });
  const stored = isValidTimeZone(row?.ianaTimezone) ? row!.ianaTimezone! : null;
  const last = checks().get(shop);
  const due = !last || now - last.at >= (last.ok ? CHECK_EVERY_MS : RETRY_FAILED_AFTER_MS);
  if (!due) return stored;
  // Marked before asking, so concurrent page loads ask once.
  checks().set(shop, { at: now, ok: true });
  const check = (async () => {
    const result = await fetchShopTimezone(options, shop);
    checks().set(shop, { at: now, ok: result.ok });
    if (!result.ok) {
      log.warn("shop time zone: could not read it from Shopify", { shop, message: result.message });
      return stored;
    }
    if (result.timeZone !== stored) await options.db.shop.updateMany({ where: { domain: shop }, data: { ianaTimezone: result.timeZone } });
    return result.timeZone;
  })();
  if (stored && !wait) {
    check.catch((error) => log.warn("shop time zone: check failed", { shop, error }));
    return stored;
  }
  return check;
}
