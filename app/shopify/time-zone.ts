// A shop's time zone: the IANA name Shopify gives (stored on the Shop row), used for the merchant's days in
// every statistics screen, and UTC when none is stored or this server's Intl does not know the stored one.
// Plain functions, so the Shopify client that stores the zone and the screens that read it share one check.

export interface ShopTimeZone {
  name: string;
  /** False when the shop's own zone is unknown and UTC stands in for it (the screens say so). */
  known: boolean;
}

export function isValidTimeZone(timeZone: unknown): timeZone is string {
  if (typeof timeZone !== "string" || !timeZone || timeZone.length > 64) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** The zone to use for a stored value: the value itself when usable, else UTC. */
export function zoneOrUtc(stored: string | null | undefined): ShopTimeZone {
  return isValidTimeZone(stored) ? { name: stored, known: true } : { name: "UTC", known: false };
}
