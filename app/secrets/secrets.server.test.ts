import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { lastFour, maskSecret, openSecret, sealSecret, SecretUnavailableError } from "./secrets.server";

const k1 = { id: "k1", key: randomBytes(32) };
const k2 = { id: "k2", key: randomBytes(32) };
const key = "sk_" + "0123456789abcdef".repeat(2);

describe("secrets at rest", () => {
  it("seals under the newest key and opens again", () => {
    const sealed = sealSecret(key, "a.myshopify.com:postscript-key", [k2, k1]);
    expect(sealed.keyId).toBe("k2");
    expect(sealed.ciphertext).not.toContain(key);
    expect(Buffer.from(sealed.ciphertext, "base64").toString("latin1")).not.toContain(key);
    expect(openSecret(sealed, "a.myshopify.com:postscript-key", [k2, k1])).toBe(key);
  });

  it("uses a fresh IV each time", () => {
    expect(sealSecret(key, "c", [k1]).ciphertext).not.toBe(sealSecret(key, "c", [k1]).ciphertext);
  });

  it("still opens values sealed under an older key after a new one is added", () => {
    const old = sealSecret(key, "c", [k1]);
    expect(openSecret(old, "c", [k2, k1])).toBe(key);
  });

  it("refuses a value moved to another shop or purpose", () => {
    const sealed = sealSecret(key, "a.myshopify.com:postscript-key", [k1]);
    expect(() => openSecret(sealed, "b.myshopify.com:postscript-key", [k1])).toThrow(SecretUnavailableError);
  });

  it("refuses a tampered value and an unknown key id, without echoing the secret", () => {
    const sealed = sealSecret(key, "c", [k1]);
    const bytes = Buffer.from(sealed.ciphertext, "base64");
    bytes[bytes.length - 1] ^= 1;
    expect(() => openSecret({ ...sealed, ciphertext: bytes.toString("base64") }, "c", [k1])).toThrow(/tampered/);
    expect(() => openSecret({ ...sealed, keyId: "gone" }, "c", [k1])).toThrow(/"gone" is not configured/);
  });

  it("masks to the last four characters only", () => {
    expect(maskSecret(lastFour(key))).toBe("••••cdef");
    expect(maskSecret(null)).toBe("••••");
  });
});
