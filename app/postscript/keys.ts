// What a merchant pasted into the "Private API key" field, checked before anything is sent to Postscript,
// so the common mistakes get a message that says exactly what to do.
import { PARTNER_KEY_PREFIX, PRIVATE_KEY_RE, PUBLIC_KEY_RE } from "./protocol";

export type KeyCheck = { ok: true; key: string } | { ok: false; message: string };

export function checkPrivateKeyInput(raw: unknown): KeyCheck {
  const key = typeof raw === "string" ? raw.trim() : "";
  if (!key) return { ok: false, message: "Enter your Postscript private API key." };
  if (PUBLIC_KEY_RE.test(key)) {
    return {
      ok: false,
      message:
        "That is the public key (it starts with pk_). Copy the private key instead: in Postscript, select Show in the Private Key column.",
    };
  }
  if (key.startsWith(PARTNER_KEY_PREFIX)) {
    return { ok: false, message: "That is a partner key (sk_partner_…). Paste your shop's private key, which starts with sk_." };
  }
  if (/\s/.test(key)) return { ok: false, message: "The key contains spaces. Copy it again without spaces or line breaks." };
  if (!PRIVATE_KEY_RE.test(key) || key.length < 12) {
    return { ok: false, message: "That does not look like a Postscript private API key. It starts with sk_ followed by letters and digits." };
  }
  return { ok: true, key };
}
