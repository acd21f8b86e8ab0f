// Secrets at rest (Postscript keys, the Loop token, webhook signing secrets): AES-256-GCM under a key from
// SECRETS_ENCRYPTION_KEYS. The id of the key that sealed a value is stored beside it, so keys can be rotated:
// a new key goes first in the list, old values still open with their old key, and `npm run secrets:rotate`
// re-seals everything under the newest one. The additional data binds each value to its place (shop and
// purpose), so a ciphertext copied into another shop's row does not open.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { getConfig } from "~/config/env.server";

export interface SealedSecret {
  ciphertext: string;
  keyId: string;
}

export interface EncryptionKey {
  id: string;
  key: Buffer;
}

export class SecretUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SecretUnavailableError";
  }
}

function keys(): EncryptionKey[] {
  return getConfig().SECRETS_ENCRYPTION_KEYS;
}

/** Seals `plaintext` under the newest key. `context` (e.g. "shop.myshopify.com:postscript-key") must match on open. */
export function sealSecret(plaintext: string, context: string, keyring: EncryptionKey[] = keys()): SealedSecret {
  const [newest] = keyring;
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", newest.key, iv);
  cipher.setAAD(Buffer.from(context, "utf8"));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  // Layout: version byte, 12-byte IV, 16-byte tag, ciphertext.
  const packed = Buffer.concat([Buffer.from([1]), iv, cipher.getAuthTag(), body]);
  return { ciphertext: packed.toString("base64"), keyId: newest.id };
}

export function openSecret(sealed: SealedSecret, context: string, keyring: EncryptionKey[] = keys()): string {
  const key = keyring.find((k) => k.id === sealed.keyId);
  if (!key) throw new SecretUnavailableError(`encryption key "${sealed.keyId}" is not configured (SECRETS_ENCRYPTION_KEYS)`);
  const packed = Buffer.from(sealed.ciphertext, "base64");
  if (packed[0] !== 1 || packed.length < 29) throw new SecretUnavailableError("stored secret has an unknown format");
  const decipher = createDecipheriv("aes-256-gcm", key.key, packed.subarray(1, 13));
  decipher.setAAD(Buffer.from(context, "utf8"));
  decipher.setAuthTag(packed.subarray(13, 29));
  try {
    return Buffer.concat([decipher.update(packed.subarray(29)), decipher.final()]).toString("utf8");
  } catch {
    throw new SecretUnavailableError("stored secret could not be decrypted (wrong key or tampered value)");
  }
}

/** The newest key's id: values sealed under another one are due for rotation. */
export function newestKeyId(keyring: EncryptionKey[] = keys()): string {
  return keyring[0].id;
}

/** "••••1a2b": the only form of a secret that may be shown to anyone. */
export function maskSecret(lastFour: string | null | undefined): string {
  return lastFour ? `••••${lastFour}` : "••••";
}

export function lastFour(secret: string): string {
  return secret.slice(-4);
}
