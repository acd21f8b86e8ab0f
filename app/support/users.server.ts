// Staff accounts of the support console, managed from the command line (scripts/support-user.ts). Disabling a
// user or resetting a password ends the user's sessions at once (their rows are deleted). TOTP secrets are
// sealed like the shops' secrets (app/secrets), bound to the user's id.
import { z } from "zod";
import type { Database } from "~/db.server";
import { openSecret, sealSecret } from "~/secrets/secrets.server";
import { hashPassword, passwordProblem } from "./password.server";
import { generateTotpSecret, otpauthUri, totpCode, verifyTotp } from "./totp.server";

export const SUPPORT_ROLES = ["viewer", "operator"] as const;
export type SupportRole = (typeof SUPPORT_ROLES)[number];

export function isSupportRole(value: unknown): value is SupportRole {
  return typeof value === "string" && (SUPPORT_ROLES as readonly string[]).includes(value);
}

export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .email("must be an email address");

export function normalizeEmail(raw: unknown): string {
  return typeof raw === "string" ? raw.trim().toLowerCase().slice(0, 254) : "";
}

export function totpContext(userId: string): string {
  return `support-user:${userId}:totp`;
}

export class SupportUserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SupportUserError";
  }
}

export interface SupportUserSummary {
  email: string;
  role: SupportRole;
  disabled: boolean;
  totp: boolean;
  createdAt: Date;
  lastSignInAt: Date | null;
  sessions: number;
}

async function findOrFail(db: Database, email: string) {
  const user = await db.supportUser.findUnique({ where: { email: normalizeEmail(email) } });
  if (!user) throw new SupportUserError(`No support user ${normalizeEmail(email)}.`);
  return user;
}

export async function createSupportUser(db: Database, input: { email: string; role: string; password: string }) {
  const email = emailSchema.safeParse(input.email);
  if (!email.success) throw new SupportUserError(`Email ${email.error.issues[0].message}.`);
  if (!isSupportRole(input.role)) throw new SupportUserError(`Role must be one of: ${SUPPORT_ROLES.join(", ")}.`);
  const problem = passwordProblem(input.password);
  if (problem) throw new SupportUserError(problem);
  const existing = await db.supportUser.findUnique({ where: { email: email.data } });
  if (existing) throw new SupportUserError(`${email.data} already exists (use reset-password, enable or set-role).`);
  return db.supportUser.create({ data: { email: email.data, role: input.role, passwordHash: await hashPassword(input.password) } });
}

/** Disables the account and ends its sessions at once. */
export async function disableSupportUser(db: Database, email: string) {
  const user = await findOrFail(db, email);
  const [, ended] = await db.$transaction([
    db.supportUser.update({ where: { id: user.id }, data: { disabledAt: user.disabledAt ?? new Date() } }),
    db.supportSession.deleteMany({ where: { userId: user.id } }),
  ]);
  return { email: user.email, sessionsEnded: ended.count };
}

export async function enableSupportUser(db: Database, email: string) {
  const user = await findOrFail(db, email);
  await db.supportUser.update({ where: { id: user.id }, data: { disabledAt: null } });
  return { email: user.email };
}

export async function setSupportUserRole(db: Database, email: string, role: string) {
  if (!isSupportRole(role)) throw new SupportUserError(`Role must be one of: ${SUPPORT_ROLES.join(", ")}.`);
  const user = await findOrFail(db, email);
  await db.$transaction([
    db.supportUser.update({ where: { id: user.id }, data: { role } }),
    // A changed role takes effect at the next sign-in; ending the sessions makes it immediate.
    db.supportSession.deleteMany({ where: { userId: user.id } }),
  ]);
  return { email: user.email, role };
}

/** Sets a new password and ends every session of the user. */
export async function resetSupportPassword(db: Database, email: string, password: string) {
  const problem = passwordProblem(password);
  if (problem) throw new SupportUserError(problem);
  const user = await findOrFail(db, email);
  const passwordHash = await hashPassword(password);
  const [, ended] = await db.$transaction([
    db.supportUser.update({ where: { id: user.id }, data: { passwordHash, passwordChangedAt: new Date() } }),
    db.supportSession.deleteMany({ where: { userId: user.id } }),
  ]);
  return { email: user.email, sessionsEnded: ended.count };
}

export async function listSupportUsers(db: Database): Promise<SupportUserSummary[]> {
  const [users, sessions] = await Promise.all([
    db.supportUser.findMany({ orderBy: { email: "asc" } }),
    db.supportSession.groupBy({ by: ["userId"], where: { expiresAt: { gt: new Date() } }, _count: { _all: true } }),
  ]);
  const sessionCount = new Map(sessions.map((s) => [s.userId, s._count._all]));
  return users.map((u) => ({
    email: u.email,
    role: isSupportRole(u.role) ? u.role : "viewer",
    disabled: Boolean(u.disabledAt),
    totp: Boolean(u.totpEnabledAt),
    createdAt: u.createdAt,
    lastSignInAt: u.lastSignInAt,
    sessions: sessionCount.get(u.id) ?? 0,
  }));
}

// ---------------------------------------------------------------------------------------------------------
// TOTP enrolment (from the command line: the secret is shown once, then a code proves the app has it)
// ---------------------------------------------------------------------------------------------------------

export function newTotpEnrolment(email: string): { secret: string; uri: string } {
  const secret = generateTotpSecret();
  return { secret, uri: otpauthUri(secret, normalizeEmail(email)) };
}

/** Saves the secret once `code` (from the authenticator) proves it was set up; sessions end (sign in again with a code). */
export async function enableTotp(db: Database, email: string, secret: string, code: string, now = new Date()) {
  const user = await findOrFail(db, email);
  const step = verifyTotp(secret, code, now, null);
  if (step === null) throw new SupportUserError("That code does not match the secret. Check the authenticator's clock and try again.");
  const sealed = sealSecret(secret, totpContext(user.id));
  await db.$transaction([
    db.supportUser.update({
      where: { id: user.id },
      data: { totpCiphertext: sealed.ciphertext, totpKeyId: sealed.keyId, totpEnabledAt: now, totpLastStep: step },
    }),
    db.supportSession.deleteMany({ where: { userId: user.id } }),
  ]);
  return { email: user.email };
}

export async function disableTotp(db: Database, email: string) {
  const user = await findOrFail(db, email);
  await db.$transaction([
    db.supportUser.update({ where: { id: user.id }, data: { totpCiphertext: null, totpKeyId: null, totpEnabledAt: null, totpLastStep: null } }),
    db.supportSession.deleteMany({ where: { userId: user.id } }),
  ]);
  return { email: user.email };
}

/** The user's TOTP secret, opened (for checking a code at sign-in); null when none is enrolled. */
export function openTotpSecret(user: { id: string; totpCiphertext: string | null; totpKeyId: string | null }): string | null {
  if (!user.totpCiphertext || !user.totpKeyId) return null;
  return openSecret({ ciphertext: user.totpCiphertext, keyId: user.totpKeyId }, totpContext(user.id));
}

/** For tests and the CLI's self-check: the code the user's authenticator shows now. */
export function currentTotpCode(secret: string, at = new Date()): string {
  return totpCode(secret, at);
}
