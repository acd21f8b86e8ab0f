// Staff sessions of the support console. The cookie carries a random token with an HMAC-SHA256 signature
// (SUPPORT_SESSION_SECRET); the database keeps the session under the token's SHA-256, with its stage, its CSRF
// token and its times. A session ends when its row goes (sign-out, the user disabled, a password reset), after
// SUPPORT_SESSION_IDLE_MINUTES without a request, or SUPPORT_SESSION_MAX_HOURS after sign-in, whichever comes
// first. The cookie is httpOnly, SameSite=Strict, limited to /support (never sent to the embedded app's
// routes), and Secure in production.
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { SupportSession, SupportUser } from "@prisma/client";
import { getConfig } from "~/config/env.server";
import type { Database } from "~/db.server";
import { log } from "~/logging/logger.server";
import type { AuditClient } from "./audit.server";

export const SESSION_COOKIE_PATH = "/support";
/** How long a password-checked session may wait for its second-factor code. */
export const SECOND_FACTOR_WINDOW_MS = 5 * 60_000;
/** lastSeenAt is written at most this often (idle expiry is measured in minutes). */
const TOUCH_EVERY_MS = 30_000;

export type SessionStage = "totp" | "active";

function secure(): boolean {
  return getConfig().NODE_ENV === "production";
}

export function sessionCookieName(): string {
  return secure() ? "__Secure-lp_support" : "lp_support";
}

export function signInCookieName(): string {
  return secure() ? "__Secure-lp_support_signin" : "lp_support_signin";
}

declare global {
  var __supportDevSecret: string | undefined;
}

/** The signing secret: SUPPORT_SESSION_SECRET, or (outside production only) one made up for this process. */
function signingSecret(): string {
  const configured = getConfig().SUPPORT_SESSION_SECRET;
  if (configured) return configured;
  if (!globalThis.__supportDevSecret) {
    globalThis.__supportDevSecret = randomBytes(32).toString("base64");
    log.warn("SUPPORT_SESSION_SECRET is not set: support console sessions last until this process stops");
  }
  return globalThis.__supportDevSecret;
}

function sign(purpose: string, value: string): string {
  return createHmac("sha256", signingSecret()).update(`${purpose}:${value}`).digest("base64url");
}

function signed(purpose: string, value: string): string {
  return `${value}.${sign(purpose, value)}`;
}

/** The value if the signature is right, else null (constant-time comparison). */
function unsign(purpose: string, cookieValue: string | undefined): string | null {
  if (!cookieValue) return null;
  const dot = cookieValue.lastIndexOf(".");
  if (dot <= 0) return null;
  const value = cookieValue.slice(0, dot);
  const given = Buffer.from(cookieValue.slice(dot + 1));
  const expected = Buffer.from(sign(purpose, value));
  return given.length === expected.length && timingSafeEqual(given, expected) ? value : null;
}

/** The cookie's value; a value with a malformed %-escape was not set by this app and counts as absent. */
export function readCookie(request: Request, name: string): string | undefined {
  const header = request.headers.get("Cookie");
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function cookie(name: string, value: string, maxAgeSeconds: number | null): string {
  const parts = [`${name}=${value}`, `Path=${SESSION_COOKIE_PATH}`, "HttpOnly", "SameSite=Strict"];
  if (maxAgeSeconds !== null) parts.push(`Max-Age=${maxAgeSeconds}`);
  if (maxAgeSeconds === 0) parts.push("Expires=Thu, 01 Jan 1970 00:00:00 GMT");
  if (secure()) parts.push("Secure");
  return parts.join("; ");
}

const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");
const newToken = () => randomBytes(32).toString("base64url");

export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

// ---------------------------------------------------------------------------------------------------------
// The sign-in form's CSRF token (no session exists yet): a signed random value in a short-lived cookie that
// the form must repeat.
// ---------------------------------------------------------------------------------------------------------

export function newSignInToken(): { token: string; setCookie: string } {
  const token = newToken();
  return { token, setCookie: cookie(signInCookieName(), signed("support-signin", token), 30 * 60) };
}

export function signInTokenMatches(request: Request, formToken: unknown): boolean {
  const token = unsign("support-signin", readCookie(request, signInCookieName()));
  return Boolean(token) && typeof formToken === "string" && constantTimeEqual(token!, formToken);
}

export function clearSignInCookie(): string {
  return cookie(signInCookieName(), "", 0);
}

// ---------------------------------------------------------------------------------------------------------
// Sessions
// ---------------------------------------------------------------------------------------------------------

export interface StartedSession {
  setCookie: string;
  session: SupportSession;
}

export async function startSession(db: Database, userId: string, stage: SessionStage, client: AuditClient, now = new Date()): Promise<StartedSession> {
  const config = getConfig();
  const token = newToken();
  const absolute = now.getTime() + config.SUPPORT_SESSION_MAX_HOURS * 3_600_000;
  const expiresAt = new Date(stage === "totp" ? Math.min(absolute, now.getTime() + SECOND_FACTOR_WINDOW_MS) : absolute);
  const session = await db.supportSession.create({
    data: {
      id: hashToken(token),
      userId,
      stage,
      csrfToken: newToken(),
      createdAt: now,
      lastSeenAt: now,
      expiresAt,
      ip: client.ip?.slice(0, 64) ?? null,
      userAgent: client.userAgent?.slice(0, 300) ?? null,
    },
  });
  // The browser drops the cookie when the session can no longer be valid anyway.
  const maxAge = Math.ceil((expiresAt.getTime() - now.getTime()) / 1000);
  return { session, setCookie: cookie(sessionCookieName(), signed("support-session", token), maxAge) };
}

export function clearSessionCookie(): string {
  return cookie(sessionCookieName(), "", 0);
}

export type SessionLookup =
  | { state: "none" }
  | { state: "ended"; userId: string; email: string; why: "idle" | "expired" | "disabled" }
  | { state: "ok"; session: SupportSession; user: SupportUser };

/**
 * The session the request's cookie names, checked: signature, row, user enabled, not idle too long, not past
 * its absolute end. An ended session's row is removed. Touches lastSeenAt (at most every 30 s).
 */
export async function lookupSession(db: Database, request: Request, now = new Date()): Promise<SessionLookup> {
  const token = unsign("support-session", readCookie(request, sessionCookieName()));
  if (!token) return { state: "none" };
  const id = hashToken(token);
  const session = await db.supportSession.findUnique({ where: { id } });
  if (!session) return { state: "none" };
  const user = await db.supportUser.findUnique({ where: { id: session.userId } });
  const idleMs = getConfig().SUPPORT_SESSION_IDLE_MINUTES * 60_000;
  let why: "idle" | "expired" | "disabled" | null = null;
  if (!user || user.disabledAt || user.passwordChangedAt > session.createdAt) why = "disabled";
  else if (now >= session.expiresAt) why = "expired";
  else if (now.getTime() - session.lastSeenAt.getTime() >= idleMs) why = "idle";
  if (why) {
    await db.supportSession.deleteMany({ where: { id } });
    return { state: "ended", userId: session.userId, email: user?.email ?? "(deleted user)", why };
  }
  if (now.getTime() - session.lastSeenAt.getTime() >= TOUCH_EVERY_MS) {
    await db.supportSession.updateMany({ where: { id }, data: { lastSeenAt: now } });
  }
  return { state: "ok", session, user: user! };
}

export async function endSession(db: Database, sessionId: string): Promise<void> {
  await db.supportSession.deleteMany({ where: { id: sessionId } });
}

/** Removes sessions that ended (run now and then; lookups also remove the ones they meet). */
export async function pruneSessions(db: Database, now = new Date()): Promise<number> {
  const idleCutoff = new Date(now.getTime() - getConfig().SUPPORT_SESSION_IDLE_MINUTES * 60_000);
  const { count } = await db.supportSession.deleteMany({ where: { OR: [{ expiresAt: { lte: now } }, { lastSeenAt: { lte: idleCutoff } }] } });
  return count;
}
