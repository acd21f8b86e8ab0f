// Who may use the support console, and how they get in: email and password (scrypt), then a TOTP code when the
// user enrolled one, then a session (sessions.server.ts). Every route of the console starts with requireStaff,
// every form post with requirePost (session + CSRF token + same-origin check). Nothing here looks at Shopify
// session tokens or the embedded app's sessions: they open nothing under /support.
import type { SupportUser } from "@prisma/client";
import { getDatabase, type Database } from "~/db.server";
import { log } from "~/logging/logger.server";
import { markRefusalsThrottled, pruneRefusals, recordAudit, recordRefusal, type AuditAction, type AuditClient, type RefusalKind } from "./audit.server";
import { supportRedirect as redirect } from "./headers.server";
import { hashPassword, needsRehash, spendVerificationTime, verifyPassword } from "./password.server";
import {
  clearSessionCookie,
  constantTimeEqual,
  endSession,
  lookupSession,
  pruneSessions,
  startSession,
  type SessionLookup,
} from "./sessions.server";
import {
  accountKey,
  addressKey,
  anonymousRefusals,
  clearFailures,
  lockIfExhausted,
  pruneThrottle,
  releaseAttempt,
  reserveAttempt,
} from "./throttle.server";
import { verifyTotp } from "./totp.server";
import { isSupportRole, normalizeEmail, openTotpSecret, type SupportRole } from "./users.server";

export const SIGN_IN_PATH = "/support/sign-in";
export const SECOND_FACTOR_PATH = "/support/sign-in/verify";
export const HOME_PATH = "/support/shops";

/** The one answer to a wrong email, a wrong password, an unknown or a disabled account. */
export const SIGN_IN_FAILED = "The email or password is not right.";
/** The answer while sign-in is locked (for any email typed, existing or not). */
export const SIGN_IN_LOCKED = "Too many failed sign-ins. Sign-in is locked for a while; try again later.";
export const CODE_FAILED = "That code is not right. Enter the current code from your authenticator app.";
/** The answer to an address that sent too many refused sign-in posts this minute. */
export const TOO_MANY_REFUSALS = "Too many refused requests from your network. Wait a minute and try again.";

export interface RouteArgs {
  request: Request;
  context: unknown;
}

export interface Staff {
  userId: string;
  email: string;
  role: SupportRole;
  sessionId: string;
  csrfToken: string;
}

/** The client's address (from the server, honouring TRUST_PROXY_HOPS) and user agent. */
export function clientOf({ request, context }: RouteArgs): AuditClient {
  const ip = context && typeof context === "object" && "clientIp" in context ? (context as { clientIp: unknown }).clientIp : null;
  return { ip: typeof ip === "string" && ip ? ip : null, userAgent: request.headers.get("User-Agent")?.slice(0, 300) ?? null };
}

const ROLE_RANK: Record<SupportRole, number> = { viewer: 1, operator: 2 };

export function hasRole(staff: Pick<Staff, "role">, needed: SupportRole): boolean {
  return ROLE_RANK[staff.role] >= ROLE_RANK[needed];
}

/** Only paths inside the console are followed after sign-in (no open redirect). */
export function safeNext(raw: string | null | undefined): string {
  if (!raw || !/^\/support(\/|\?|$)/.test(raw) || raw.startsWith("//") || raw.includes("\\") || raw.startsWith(SIGN_IN_PATH)) return HOME_PATH;
  return raw;
}

function signInRedirect(request: Request, message?: string, headers?: HeadersInit): Response {
  const url = new URL(request.url);
  const params = new URLSearchParams();
  if (request.method === "GET") params.set("next", url.pathname + url.search);
  if (message) params.set("notice", message);
  const query = params.toString();
  return redirect(`${SIGN_IN_PATH}${query ? `?${query}` : ""}`, { headers });
}

function toStaff(lookup: Extract<SessionLookup, { state: "ok" }>): Staff {
  const { session, user } = lookup;
  return {
    userId: user.id,
    email: user.email,
    role: isSupportRole(user.role) ? user.role : "viewer",
    sessionId: session.id,
    csrfToken: session.csrfToken,
  };
}

/**
 * The signed-in member of staff with at least `role`. Signed out (or a session that ended): a redirect to the
 * sign-in page. Signed in without the role: 403, and an audit entry.
 */
export async function requireStaff(args: RouteArgs, role: SupportRole = "viewer", db: Database = getDatabase()): Promise<Staff> {
  const lookup = await lookupSession(db, args.request);
  if (lookup.state === "ended") {
    await recordAudit(db, {
      user: { id: lookup.userId, email: lookup.email },
      action: "session.expired",
      outcome: "rejected",
      details: { why: lookup.why, path: new URL(args.request.url).pathname },
      client: clientOf(args),
    });
    const notice = lookup.why === "disabled" ? "Your session has ended. Sign in again." : "Your session timed out. Sign in again.";
    throw signInRedirect(args.request, notice, { "Set-Cookie": clearSessionCookie() });
  }
  if (lookup.state === "none") throw signInRedirect(args.request);
  if (lookup.session.stage !== "active") throw redirect(SECOND_FACTOR_PATH);
  const staff = toStaff(lookup);
  if (!hasRole(staff, role)) {
    await recordAudit(db, {
      user: { id: staff.userId, email: staff.email },
      action: "access.denied",
      outcome: "denied",
      details: { path: new URL(args.request.url).pathname, method: args.request.method, needed: role, role: staff.role },
      client: clientOf(args),
    });
    throw Response.json({ message: `This needs the ${role} role; you are a ${staff.role}.` }, { status: 403 });
  }
  return staff;
}

/** The signed-in staff member, or null (for pages that also work signed out, like the sign-in page). */
export async function currentStaff(request: Request, db: Database = getDatabase()): Promise<{ staff: Staff | null; pendingSecondFactor: boolean }> {
  const lookup = await lookupSession(db, request);
  if (lookup.state !== "ok") return { staff: null, pendingSecondFactor: false };
  if (lookup.session.stage !== "active") return { staff: null, pendingSecondFactor: true };
  return { staff: toStaff(lookup), pendingSecondFactor: false };
}

/**
 * A form post from the console itself: the browser says so (Origin, Sec-Fetch-Site) when it tells at all, and
 * the form carries the session's synchronizer token. Anything else is refused with 403 (and audited).
 */
export function sameOrigin(request: Request): boolean {
  const site = request.headers.get("Sec-Fetch-Site");
  if (site && site !== "same-origin") return false;
  const origin = request.headers.get("Origin");
  if (origin) {
    if (origin === "null") return false;
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      return false;
    }
    if (host !== new URL(request.url).host && host !== (request.headers.get("Host") ?? "")) return false;
  }
  return true;
}

export async function requirePost(args: RouteArgs, form: FormData, role: SupportRole, action: AuditAction, db: Database = getDatabase()): Promise<Staff> {
  if (args.request.method !== "POST") throw Response.json({ message: "Method not allowed" }, { status: 405 });
  const staff = await requireStaff(args, "viewer", db);
  const token = form.get("csrf");
  if (!sameOrigin(args.request) || typeof token !== "string" || !constantTimeEqual(token, staff.csrfToken)) {
    await recordAudit(db, {
      user: { id: staff.userId, email: staff.email },
      action: "csrf.rejected",
      outcome: "rejected",
      details: { path: new URL(args.request.url).pathname, intended: action, origin: args.request.headers.get("Origin"), fetchSite: args.request.headers.get("Sec-Fetch-Site") },
      client: clientOf(args),
    });
    throw Response.json({ message: "This form has expired or did not come from the support console. Reload the page and try again." }, { status: 403 });
  }
  if (!hasRole(staff, role)) {
    await recordAudit(db, {
      user: { id: staff.userId, email: staff.email },
      action,
      outcome: "denied",
      details: { path: new URL(args.request.url).pathname, needed: role, role: staff.role },
      client: clientOf(args),
    });
    throw Response.json({ message: `This needs the ${role} role; you are a ${staff.role}.` }, { status: 403 });
  }
  return staff;
}

// ---------------------------------------------------------------------------------------------------------
// Refusals of signed-out clients
// ---------------------------------------------------------------------------------------------------------

/**
 * Records a request refused before anyone signed in: counted per address and minute, not an audit entry each
 * (anyone can send them). Past the per-minute limit nothing is written, but the minute is marked once.
 */
export async function refuseAnonymously(db: Database, client: AuditClient, kind: RefusalKind, now = new Date()): Promise<void> {
  const verdict = anonymousRefusals.count(client.ip, now);
  if (verdict === "record") await recordRefusal(db, client.ip, kind, now);
  else if (verdict === "first_throttled") await markRefusalsThrottled(db, client.ip, now);
}

/**
 * A 429 for an address that used up its refused requests this minute, answered before any other work (and,
 * but for marking the minute once, without touching the database); null when the address may go on.
 */
export async function anonymousThrottle(db: Database, client: AuditClient, now = new Date()): Promise<Response | null> {
  if (!anonymousRefusals.closed(client.ip, now)) return null;
  if (anonymousRefusals.count(client.ip, now) === "first_throttled") await markRefusalsThrottled(db, client.ip, now);
  return Response.json({ error: TOO_MANY_REFUSALS }, { status: 429, headers: { "Retry-After": "60" } });
}

// ---------------------------------------------------------------------------------------------------------
// Sign-in
// ---------------------------------------------------------------------------------------------------------

export type SignInResult =
  | { ok: false; message: string }
  | { ok: true; setCookie: string; secondFactor: boolean };

export async function signIn(db: Database, input: { email: unknown; password: unknown }, client: AuditClient, now = new Date()): Promise<SignInResult> {
  const email = normalizeEmail(input.email);
  const password = typeof input.password === "string" ? input.password : "";
  const keys = [accountKey(email), addressKey(client.ip)];
  const auditUser = { id: null as string | null, email: email || "(blank)" };

  // The guess is counted before the password is checked: see reserveAttempt.
  if (!(await reserveAttempt(db, keys, now))) {
    await refuseAnonymously(db, client, "sign_in.locked", now);
    return { ok: false, message: SIGN_IN_LOCKED };
  }
  const user = email ? await db.supportUser.findUnique({ where: { email } }) : null;
  let good = false;
  if (user && !user.disabledAt && password) good = await verifyPassword(password, user.passwordHash);
  else await spendVerificationTime(password);

  if (!good) {
    const locked = await lockIfExhausted(db, keys, now);
    await recordAudit(db, {
      user: { id: user?.id ?? null, email: auditUser.email },
      action: "sign_in",
      outcome: locked ? "locked" : "failure",
      // For the audit reader only; the person signing in sees one message for every case.
      details: { why: !user ? "unknown_account" : user.disabledAt ? "disabled" : "wrong_password" },
      client,
    });
    return { ok: false, message: locked ? SIGN_IN_LOCKED : SIGN_IN_FAILED };
  }

  const staffUser = user!;
  await clearFailures(db, accountKey(email));
  await releaseAttempt(db, [addressKey(client.ip)]);
  // Housekeeping at each sign-in: sessions that ended unseen (browser closed), stale failure counters, old
  // refusal counts.
  await pruneSessions(db, now);
  await pruneThrottle(db, now);
  await pruneRefusals(db, now);
  if (needsRehash(staffUser.passwordHash)) {
    await db.supportUser.update({ where: { id: staffUser.id }, data: { passwordHash: await hashPassword(password) } });
  }
  const secondFactor = Boolean(staffUser.totpEnabledAt && staffUser.totpCiphertext);
  const started = await startSession(db, staffUser.id, secondFactor ? "totp" : "active", client, now);
  if (!secondFactor) await db.supportUser.update({ where: { id: staffUser.id }, data: { lastSignInAt: now } });
  await recordAudit(db, { user: { id: staffUser.id, email: staffUser.email }, action: "sign_in", outcome: secondFactor ? "second_factor_required" : "success", client });
  return { ok: true, setCookie: started.setCookie, secondFactor };
}

export type SecondFactorResult =
  | { ok: true; setCookie: string }
  | { ok: false; message: string; restart: boolean };

/** Checks the code for a session waiting for its second factor; a good code replaces it with an active session. */
export async function verifySecondFactor(db: Database, request: Request, code: unknown, client: AuditClient, now = new Date()): Promise<SecondFactorResult> {
  const lookup = await lookupSession(db, request, now);
  if (lookup.state !== "ok" || lookup.session.stage !== "totp") {
    return { ok: false, restart: true, message: "Your sign-in has expired. Sign in again." };
  }
  const { session, user } = lookup;
  const keys = [accountKey(user.email), addressKey(client.ip)];
  const auditUser = { id: user.id, email: user.email };
  // The guess is counted before the code is checked, as for passwords.
  if (!(await reserveAttempt(db, keys, now))) {
    await endSession(db, session.id);
    await recordAudit(db, { user: auditUser, action: "sign_in.second_factor", outcome: "locked", client });
    return { ok: false, restart: true, message: SIGN_IN_LOCKED };
  }
  const step = checkCode(user, typeof code === "string" ? code : "", now);
  // The step is claimed atomically: two requests with the same code cannot both pass.
  const claimed =
    step !== null &&
    (await db.supportUser.updateMany({
      where: { id: user.id, OR: [{ totpLastStep: null }, { totpLastStep: { lt: step } }] },
      data: { totpLastStep: step, lastSignInAt: now },
    })).count === 1;
  if (!claimed) {
    const locked = await lockIfExhausted(db, keys, now);
    await recordAudit(db, { user: auditUser, action: "sign_in.second_factor", outcome: locked ? "locked" : "failure", details: { why: "wrong_code" }, client });
    if (locked) await endSession(db, session.id);
    return { ok: false, restart: locked, message: locked ? SIGN_IN_LOCKED : CODE_FAILED };
  }
  await clearFailures(db, accountKey(user.email));
  await releaseAttempt(db, [addressKey(client.ip)]);
  // A new token for the signed-in session (the half-signed-in one is dropped).
  await endSession(db, session.id);
  const started = await startSession(db, user.id, "active", client, now);
  await recordAudit(db, { user: auditUser, action: "sign_in.second_factor", outcome: "success", client });
  return { ok: true, setCookie: started.setCookie };
}

function checkCode(user: SupportUser, code: string, now: Date): number | null {
  try {
    const secret = openTotpSecret(user);
    return secret ? verifyTotp(secret, code, now, user.totpLastStep) : null;
  } catch (error) {
    log.error("support user's TOTP secret could not be opened", { error });
    return null;
  }
}

export async function signOut(db: Database, staff: Staff, client: AuditClient): Promise<string> {
  await endSession(db, staff.sessionId);
  await recordAudit(db, { user: { id: staff.userId, email: staff.email }, action: "sign_out", outcome: "success", client });
  return clearSessionCookie();
}
