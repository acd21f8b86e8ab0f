// Customers' phone numbers and emails, partly hidden wherever a screen shows them: the merchant's event log and
// the support console use this one rule. The first character and the domain of an email, the country code and
// the last four digits of a phone number (a•••@example.com, +1••••••0101): enough for support or a merchant to
// recognise the customer someone names, not enough for anyone to write to or call them, or to read their details
// over a shoulder or in a screen share. The domain and four digits stay because a match on them is what lets a
// person confirm "that is the customer I mean" (as with a card's last four digits); the address itself does not.
import { parsePhoneNumberFromString } from "libphonenumber-js";
import { lastFour, maskSecret } from "~/secrets/secrets.server";

const BULLET = "•";
const EMAIL_IN_TEXT = /[^\s@"'<>(),;:]+@[^\s@"'<>(),;:]+\.[^\s@"'<>(),;:]+/g;

export function maskEmail(email: string): string;
export function maskEmail(email: string | null | undefined): string | null;
export function maskEmail(email: string | null | undefined): string | null {
  if (!email) return null;
  const at = email.lastIndexOf("@");
  if (at <= 0) return BULLET.repeat(3);
  return `${[...email.slice(0, at)][0]}${BULLET.repeat(3)}${email.slice(at)}`;
}

/** Keeps the country calling code (for + numbers) and the last four digits; every other digit is hidden. */
export function maskPhone(phone: string): string;
export function maskPhone(phone: string | null | undefined): string | null;
export function maskPhone(phone: string | null | undefined): string | null {
  if (!phone) return null;
  const digits = phone.replace(/\D/g, "").length;
  if (digits === 0) return phone;
  let keepFront = 0;
  if (phone.trim().startsWith("+")) {
    keepFront = parsePhoneNumberFromString(phone.trim())?.countryCallingCode.length ?? 1;
  }
  // At most the last four, and never more than half of what is left: short numbers stay mostly hidden.
  const keepBack = Math.min(4, Math.floor((digits - keepFront) / 2));
  let index = 0;
  return phone.replace(/\d/g, (digit) => {
    const position = index++;
    return position < keepFront || position >= digits - keepBack ? digit : BULLET;
  });
}

// The customer portal link carries a session token that signs the customer into their subscriptions: whoever
// reads it can act as the customer. The link stays recognisable; the token is masked like other secrets.
const PORTAL_TOKEN = /([?&]sessionToken=)([A-Za-z0-9._~%+=/-]*)/gi;

/** Text with every sessionToken=… query value masked to its last four characters (none when it is short). */
export function maskPortalTokens(text: string): string {
  return text.replace(PORTAL_TOKEN, (_, name: string, token: string) => `${name}${maskSecret(token.length > 8 ? lastFour(token) : null)}`);
}

const EMAIL_KEY = /e-?mail/i;
const PHONE_KEY = /phone|mobile|sms/i;

/** A copy of a JSON value with every phone and email masked (by key name, and emails anywhere in text), and portal link tokens. */
export function maskPersonalData(value: unknown, key = ""): unknown {
  if (typeof value === "string") {
    if (PHONE_KEY.test(key) && /\d{4,}/.test(value.replace(/\D/g, ""))) return maskPhone(value);
    if (EMAIL_KEY.test(key) && value.includes("@")) return maskEmail(value);
    return maskPortalTokens(value.replace(EMAIL_IN_TEXT, (email) => maskEmail(email)));
  }
  if (typeof value === "number" && PHONE_KEY.test(key) && String(value).length >= 6) return maskPhone(String(value));
  if (Array.isArray(value)) return value.map((item) => maskPersonalData(item, key));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, maskPersonalData(v, k)]));
  }
  return value;
}

/** Stored JSON text → masked, indented JSON for display; text that is not JSON is masked as text. */
export function maskedJson(text: string | null): string | null {
  if (text === null) return null;
  try {
    return JSON.stringify(maskPersonalData(JSON.parse(text)), null, 2);
  } catch {
    return String(maskPersonalData(text));
  }
}
