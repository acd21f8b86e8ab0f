// Passwords (scrypt) and TOTP (RFC 6238) of the support console's sign-in.
import { describe, expect, it } from "vitest";
import { hashPassword, needsRehash, passwordProblem, SCRYPT_PARAMS, verifyPassword } from "./password.server";
import { base32Decode, base32Encode, generateTotpSecret, hotp, otpauthUri, totpCode, verifyTotp } from "./totp.server";
import { redactCredentials } from "~/secrets/redaction";

describe("staff passwords", () => {
  it("hashes with scrypt, a per-user salt and its parameters, and verifies in constant time", async () => {
    const started = performance.now();
    const hash = await hashPassword("correct horse battery staple");
    const elapsed = performance.now() - started;
    expect(hash).toMatch(new RegExp(`^scrypt\\$${SCRYPT_PARAMS.log2N}\\$${SCRYPT_PARAMS.r}\\$${SCRYPT_PARAMS.p}\\$[A-Za-z0-9+/=]{24}\\$[A-Za-z0-9+/=]{44}$`));
    expect(await hashPassword("correct horse battery staple")).not.toBe(hash);
    expect(await verifyPassword("correct horse battery staple", hash)).toBe(true);
    expect(await verifyPassword("correct horse battery stapLe", hash)).toBe(false);
    expect(await verifyPassword("", hash)).toBe(false);
    expect(await verifyPassword("x", "not-a-hash")).toBe(false);
    console.log(`scrypt N=2^${SCRYPT_PARAMS.log2N} r=${SCRYPT_PARAMS.r} p=${SCRYPT_PARAMS.p}: one hash took ${Math.round(elapsed)} ms`);
  });

  it("verifies older, weaker hashes and marks them for re-hashing", async () => {
    const { scryptSync, randomBytes } = await import("node:crypto");
    const salt = randomBytes(16);
    const weak = `scrypt$14$8$1$${salt.toString("base64")}$${scryptSync("an old password here", salt, 32, { N: 2 ** 14, r: 8, p: 1 }).toString("base64")}`;
    expect(await verifyPassword("an old password here", weak)).toBe(true);
    expect(needsRehash(weak)).toBe(true);
    expect(needsRehash(await hashPassword("an old password here"))).toBe(false);
  });

  it("asks for long passwords", () => {
    expect(passwordProblem("short")).toMatch(/at least 12/);
    expect(passwordProblem("aaaaaaaaaaaaaaaa")).toMatch(/repeats/);
    expect(passwordProblem(" leading space pass")).toMatch(/space/);
    expect(passwordProblem("correct horse battery staple")).toBeNull();
  });
});

describe("TOTP (RFC 6238, HMAC-SHA1, 30 s)", () => {
  // RFC 6238 appendix B, SHA1 with the ASCII secret "12345678901234567890" and 8 digits.
  const secret = Buffer.from("12345678901234567890");
  it.each([
    [59, "94287082"],
    [1111111109, "07081804"],
    [1111111111, "14050471"],
    [1234567890, "89005924"],
    [2000000000, "69279037"],
    [20000000000, "65353130"],
  ])("matches the RFC's test vector at T=%i", (seconds, code) => {
    expect(hotp(secret, Math.floor(seconds / 30), 8)).toBe(code);
    expect(totpCode(base32Encode(secret), new Date(seconds * 1000))).toBe(code.slice(-6));
  });

  it("round-trips base32 and makes 160-bit secrets", () => {
    const s = generateTotpSecret();
    expect(s).toMatch(/^[A-Z2-7]{32}$/);
    expect(base32Decode(s)).toHaveLength(20);
    expect(base32Encode(base32Decode("JBSWY3DPEHPK3PXP"))).toBe("JBSWY3DPEHPK3PXP");
  });

  it("accepts the current step and one either side, once each, and nothing else", () => {
    const s = generateTotpSecret();
    const now = new Date(1_800_000_000_000);
    const step = Math.floor(now.getTime() / 30_000);
    expect(verifyTotp(s, totpCode(s, now), now, null)).toBe(step);
    expect(verifyTotp(s, totpCode(s, new Date(now.getTime() - 30_000)), now, null)).toBe(step - 1);
    expect(verifyTotp(s, totpCode(s, new Date(now.getTime() + 30_000)), now, null)).toBe(step + 1);
    expect(verifyTotp(s, totpCode(s, new Date(now.getTime() - 60_000)), now, null)).toBeNull();
    expect(verifyTotp(s, totpCode(s, now), now, step)).toBeNull(); // already used
    expect(verifyTotp(s, "12345", now, null)).toBeNull();
    expect(verifyTotp(s, "abcdef", now, null)).toBeNull();
  });

  it("writes an otpauth URI authenticator apps read", () => {
    expect(otpauthUri("JBSWY3DPEHPK3PXP", "ann@support.example")).toBe(
      "otpauth://totp/Loop%20to%20Postscript%20support%3Aann%40support.example?secret=JBSWY3DPEHPK3PXP&issuer=Loop+to+Postscript+support&algorithm=SHA1&digits=6&period=30",
    );
  });
});

describe("redacting free text", () => {
  it("cuts credential-shaped text out of messages", () => {
    expect(redactCredentials("key sk_live_abcdef123456 refused")).toBe("key [redacted] refused");
    expect(redactCredentials("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig")).toBe("Authorization: [redacted]");
    expect(redactCredentials("HTTP 400: subscriber not found")).toBe("HTTP 400: subscriber not found");
  });
});
