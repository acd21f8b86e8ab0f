// Staff passwords: scrypt from node:crypto, memory-hard, with a random salt per user and a constant-time
// comparison. The stored form names its parameters ("scrypt$<log2 N>$<r>$<p>$<salt>$<hash>", base64), so they
// can be raised later: a hash made with weaker parameters still verifies and is replaced at the next sign-in.
//
// Parameters: N = 2^15, r = 8, p = 3, one of OWASP's equivalent scrypt settings (32 MiB per hash, about a
// quarter of a second on one core). Memory is 128 · N · r bytes per hash, so four concurrent sign-ins (Node's
// thread pool) use 128 MiB at most.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";

export const SCRYPT_PARAMS = { log2N: 15, r: 8, p: 3 } as const;
const KEY_LENGTH = 32;
const SALT_BYTES = 16;
export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 1024;

function derive(password: string, salt: Buffer, params: { log2N: number; r: number; p: number }, length: number): Promise<Buffer> {
  const N = 2 ** params.log2N;
  const options: ScryptOptions = { N, r: params.r, p: params.p, maxmem: 128 * N * params.r * 2 + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize("NFKC"), salt, length, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(password, salt, SCRYPT_PARAMS, KEY_LENGTH);
  const { log2N, r, p } = SCRYPT_PARAMS;
  return `scrypt$${log2N}$${r}$${p}$${salt.toString("base64")}$${hash.toString("base64")}`;
}

interface ParsedHash {
  log2N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

function parseHash(stored: string): ParsedHash | null {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return null;
  const [log2N, r, p] = parts.slice(1, 4).map(Number);
  const salt = Buffer.from(parts[4], "base64");
  const hash = Buffer.from(parts[5], "base64");
  const sane = Number.isInteger(log2N) && log2N >= 10 && log2N <= 20 && Number.isInteger(r) && r >= 1 && r <= 32 && Number.isInteger(p) && p >= 1 && p <= 16;
  if (!sane || salt.length < 8 || hash.length < 16) return null;
  return { log2N, r, p, salt, hash };
}

/** True when `password` matches `stored`. Compares in constant time; a malformed hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed || password.length > MAX_PASSWORD_LENGTH) {
    // Spend the same time as a real check, so a malformed row or an absurd input is not told apart by timing.
    await derive(password.slice(0, MAX_PASSWORD_LENGTH), DUMMY_SALT, SCRYPT_PARAMS, KEY_LENGTH);
    return false;
  }
  const candidate = await derive(password, parsed.salt, parsed, parsed.hash.length);
  return timingSafeEqual(candidate, parsed.hash);
}

const DUMMY_SALT = randomBytes(SALT_BYTES);

/**
 * Spends the time of one verification for an account that does not exist (or is disabled), so the answer's
 * timing does not tell whether the email belongs to a member of staff.
 */
export async function spendVerificationTime(password: string): Promise<void> {
  await derive(password.slice(0, MAX_PASSWORD_LENGTH), DUMMY_SALT, SCRYPT_PARAMS, KEY_LENGTH);
}

/** Whether a stored hash was made with weaker parameters than today's (re-hashed at the next sign-in). */
export function needsRehash(stored: string): boolean {
  const parsed = parseHash(stored);
  if (!parsed) return true;
  return parsed.log2N < SCRYPT_PARAMS.log2N || parsed.r < SCRYPT_PARAMS.r || parsed.p < SCRYPT_PARAMS.p;
}

/** Why a new password is not acceptable, or null. */
export function passwordProblem(password: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `The password must be at least ${MIN_PASSWORD_LENGTH} characters long.`;
  if (password.length > MAX_PASSWORD_LENGTH) return `The password must be at most ${MAX_PASSWORD_LENGTH} characters long.`;
  if (/^\s|\s$/.test(password)) return "The password must not start or end with a space.";
  if (new Set(password).size < 5) return "The password repeats too few characters.";
  return null;
}
