// The support console through its real route modules, on every database: who gets in (and who does not),
// roles on every route and action, CSRF, the audit log, operator actions, and that no response ever carries
// a shop's secret or a customer's full email or phone.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { databaseKinds, withTestDatabase } from "../../tests/support/databases";
import { setTestEnv, useStandIns } from "../../tests/support/connections";
import { adminDocumentRequest, adminFetchRequest, runRoute } from "../../tests/support/shopify";
import {
  addStaff,
  call,
  callWith,
  CookieJar,
  CUSTOMER,
  SECRETS,
  seedShopWithSecrets,
  signedIn,
  STAFF_PASSWORD,
  submitSignIn,
} from "../../tests/support/support-console";
import { loader as appLayoutLoader } from "~/routes/app";
import { loader as appIndexLoader } from "~/routes/app._index";
import { loader as auditLoader } from "~/routes/support.audit";
import { loader as homeLoader } from "~/routes/support.shops._index";
import { loader as rootRedirectLoader } from "~/routes/support._index";
import { loader as eventLoader } from "~/routes/support.shops.$domain_.events.$eventId";
import { action as shopAction, loader as shopLoader } from "~/routes/support.shops.$domain";
import { action as signInAction, loader as signInLoader } from "~/routes/support.sign-in";
import { action as verifyAction, loader as verifyLoader } from "~/routes/support.sign-in_.verify";
import { action as signOutAction } from "~/routes/support.sign-out";
import { seedEvent } from "~/statistics/seed.testutil";
import { CODE_FAILED, SIGN_IN_FAILED, SIGN_IN_LOCKED } from "./auth.server";
import { totpCode } from "./totp.server";
import { disableSupportUser, enableTotp, newTotpEnrolment, resetSupportPassword } from "./users.server";

const SHOP = "acme-coffee.myshopify.com";
const OTHER = "quiet-tea.myshopify.com";
const shopPath = (domain = SHOP, query = "") => `/support/shops/${domain}${query}`;
const params = (domain = SHOP) => ({ domain });

async function csrfOf(jar: CookieJar): Promise<string> {
  const response = await call(homeLoader, "/support/shops", { jar });
  return ((await response.json()) as { staff: { csrf: string } }).staff.csrf;
}

describe.each(databaseKinds)("support console (%s)", (kind) => {
  const database = withTestDatabase(kind);
  const standIns = useStandIns();
  let restoreEnv: () => void;
  let seeded: Awaited<ReturnType<typeof seedShopWithSecrets>>;

  beforeAll(async () => {
    restoreEnv = setTestEnv({ SUPPORT_SIGNIN_MAX_FAILURES: "3", SUPPORT_SIGNIN_IP_MAX_FAILURES: "6", SUPPORT_SESSION_SECRET: "s".repeat(40) });
    const db = database.db;
    await addStaff(db, "olga.operator@support.example", "operator");
    await addStaff(db, "victor.viewer@support.example", "viewer");
    seeded = await seedShopWithSecrets(db, SHOP, { postscriptShopName: "Acme Coffee SMS", subscriptionKey: "sub-778899" });
    await seedShopWithSecrets(db, OTHER, { postscriptShopName: "Quiet Tea", subscriptionKey: "sub-112233" });
    await db.postscriptConnection.update({ where: { shopDomain: OTHER }, data: { status: "action_needed", actionNeededReason: "Postscript answered 401" } });
    standIns.postscript.state.addShop({ id: "ps-42", name: "Acme Coffee SMS", key: SECRETS.postscriptKey });
    return () => restoreEnv();
  });
  afterEach(async () => {
    // Lockout tests must not leak into the others.
    await database.db.supportSignInThrottle.deleteMany({});
  });

  // -------------------------------------------------------------------------------------------------------
  // Signed out
  // -------------------------------------------------------------------------------------------------------

  it("sends a signed-out visitor of every page to sign-in, and refuses every post", async () => {
    const pages: [Parameters<typeof call>[0], string, Record<string, string>?][] = [
      [homeLoader, "/support/shops"],
      [shopLoader, shopPath(), params()],
      [eventLoader, `${shopPath()}/events/${seeded.failed[0]}`, { domain: SHOP, eventId: seeded.failed[0] }],
      [auditLoader, "/support/audit"],
      [verifyLoader, "/support/sign-in/verify"],
    ];
    for (const [loader, url, p] of pages) {
      const response = await call(loader, url, { params: p });
      expect(response.status, url).toBe(302);
      expect(response.headers.get("Location"), url).toMatch(/^\/support\/sign-in/);
    }
    for (const [action, url, p] of [
      [shopAction, shopPath(), params()],
      [signOutAction, "/support/sign-out", {}],
    ] as const) {
      const response = await call(action, url, { method: "POST", params: p, form: { intent: "hold", confirmed: "yes", csrf: "x" } });
      expect(response.status).toBe(302);
      expect(response.headers.get("Location")).toMatch(/^\/support\/sign-in/);
    }
    expect(await database.db.shopSettings.findUnique({ where: { shopDomain: SHOP } })).toMatchObject({ deliveriesPausedAt: null });
  });

  it("keeps only console paths as the place to return to after sign-in", async () => {
    const response = await call(homeLoader, "/support/shops/x?tab=events");
    expect(response.headers.get("Location")).toBe(`/support/sign-in?next=${encodeURIComponent("/support/shops/x?tab=events")}`);
    const page = await call(signInLoader, "/support/sign-in?next=https://evil.example/");
    expect(((await page.json()) as { next: string }).next).toBe("/support/shops");
    const page2 = await call(signInLoader, "/support/sign-in?next=//evil.example/support");
    expect(((await page2.json()) as { next: string }).next).toBe("/support/shops");
    // /support itself sends everyone (signed in or not) to the shop list.
    const root = await call(rootRedirectLoader, "/support?q=acme");
    expect(root.headers.get("Location")).toBe("/support/shops?q=acme");
  });

  // -------------------------------------------------------------------------------------------------------
  // Sign-in
  // -------------------------------------------------------------------------------------------------------

  it("signs in with a cookie that is httpOnly, SameSite=Strict and limited to /support, and audits it", async () => {
    const jar = new CookieJar();
    const response = await submitSignIn(jar, "Olga.Operator@support.example", STAFF_PASSWORD, "198.51.100.1");
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/support/shops");
    const cookies = response.headers.getSetCookie();
    const session = cookies.find((c) => c.startsWith("lp_support="))!;
    expect(session).toMatch(/; Path=\/support/);
    expect(session).toMatch(/; HttpOnly/);
    expect(session).toMatch(/; SameSite=Strict/);
    expect(session).toMatch(/; Max-Age=\d+/);
    expect(cookies.some((c) => c.startsWith("lp_support_signin=;"))).toBe(true);
    const home = await call(homeLoader, "/support/shops", { jar });
    expect(home.status).toBe(200);
    const entry = await database.db.supportAuditEntry.findFirst({ where: { action: "sign_in", email: "olga.operator@support.example" }, orderBy: { at: "desc" } });
    expect(entry).toMatchObject({ outcome: "success", ip: "198.51.100.1", userAgent: expect.stringContaining("Chrome") });
    // Only a hash of the token is stored: the cookie's token is not in the database.
    const token = jar.cookies.get("lp_support")!.split(".")[0];
    expect(await database.db.supportSession.findFirst({ where: { id: token } })).toBeNull();
  });

  it("gives one answer for a wrong password, an unknown email and a disabled account", async () => {
    await addStaff(database.db, "dora.disabled@support.example", "viewer");
    await disableSupportUser(database.db, "dora.disabled@support.example");
    const answers = [];
    for (const [email, password] of [
      ["olga.operator@support.example", "wrong password entirely"],
      ["nobody@support.example", "wrong password entirely"],
      ["dora.disabled@support.example", STAFF_PASSWORD],
    ]) {
      const response = await submitSignIn(new CookieJar(), email, password, `192.0.2.${answers.length + 10}`);
      answers.push({ status: response.status, body: await response.json() });
    }
    expect(answers).toEqual([
      { status: 401, body: { error: SIGN_IN_FAILED } },
      { status: 401, body: { error: SIGN_IN_FAILED } },
      { status: 401, body: { error: SIGN_IN_FAILED } },
    ]);
    const audited = await database.db.supportAuditEntry.findMany({ where: { action: "sign_in", outcome: "failure" }, orderBy: { at: "asc" } });
    expect(audited.map((a) => JSON.parse(a.details).why)).toEqual(expect.arrayContaining(["wrong_password", "unknown_account", "disabled"]));
  });

  it("locks an account after repeated bad passwords, for existing and unknown emails alike, even for the right password", async () => {
    for (const email of ["victor.viewer@support.example", "ghost@support.example"]) {
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await submitSignIn(new CookieJar(), email, "not the password at all", `192.0.2.${20 + i}`)).status);
      expect(statuses).toEqual([401, 401, 429]);
      const locked = await submitSignIn(new CookieJar(), email, STAFF_PASSWORD, "192.0.2.99");
      expect(locked.status).toBe(429);
      expect(await locked.json()).toEqual({ error: SIGN_IN_LOCKED });
    }
    // The guess that locked each account is an audit entry; the refusals while locked are counted per address.
    expect(await database.db.supportAuditEntry.count({ where: { action: "sign_in", outcome: "locked" } })).toBe(2);
    expect(await database.db.supportRefusalCount.aggregate({ where: { ip: "192.0.2.99", kind: "sign_in.locked" }, _sum: { count: true } })).toEqual({ _sum: { count: 2 } });
    // The lock ends after the lockout period.
    await database.db.supportSignInThrottle.updateMany({ data: { lockedUntil: new Date(Date.now() - 1000) } });
    expect((await submitSignIn(new CookieJar(), "victor.viewer@support.example", STAFF_PASSWORD, "192.0.2.99")).status).toBe(302);
  });

  it("locks a client address that tries many accounts", async () => {
    const ip = "203.0.113.66";
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await submitSignIn(new CookieJar(), `guess${i}@support.example`, "wrong password here", ip)).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses[5]).toBe(429);
    // From that address even a real account with the right password waits; from another it signs in.
    expect((await submitSignIn(new CookieJar(), "olga.operator@support.example", STAFF_PASSWORD, ip)).status).toBe(429);
    expect((await submitSignIn(new CookieJar(), "olga.operator@support.example", STAFF_PASSWORD, "203.0.113.67")).status).toBe(302);
  });

  it("refuses a sign-in post without the form's token, or from another site", async () => {
    const jar = new CookieJar();
    const page = await call(signInLoader, "/support/sign-in", { jar });
    const { csrf } = (await page.json()) as { csrf: string };
    const form = { email: "olga.operator@support.example", password: STAFF_PASSWORD, csrf };
    expect((await call(signInAction, "/support/sign-in", { method: "POST", form })).status).toBe(403); // no cookie
    expect((await call(signInAction, "/support/sign-in", { jar, method: "POST", form: { ...form, csrf: "forged" } })).status).toBe(403);
    expect((await call(signInAction, "/support/sign-in", { jar, method: "POST", form, headers: { "Sec-Fetch-Site": "cross-site" } })).status).toBe(403);
    expect((await call(signInAction, "/support/sign-in", { jar, method: "POST", form, headers: { Origin: "https://evil.example" } })).status).toBe(403);
    // Signed-out refusals are counted per address and minute, not audited one by one.
    expect(await database.db.supportAuditEntry.count({ where: { action: "csrf.rejected", userId: null } })).toBe(0);
    expect(await database.db.supportRefusalCount.aggregate({ where: { ip: "203.0.113.7", kind: "csrf.rejected" }, _sum: { count: true } })).toEqual({ _sum: { count: 4 } });
    expect((await call(signInAction, "/support/sign-in", { jar, method: "POST", form })).status).toBe(302);
  });

  it("asks enrolled users for a TOTP code, accepts it once, and refuses a wrong or replayed code", async () => {
    const db = database.db;
    await addStaff(db, "tess.totp@support.example", "viewer");
    const enrolment = newTotpEnrolment("tess.totp@support.example");
    // Enrolment proves the app has the secret with the previous step's code (that step is then used up).
    await enableTotp(db, "tess.totp@support.example", enrolment.secret, totpCode(enrolment.secret, new Date(Date.now() - 30_000)), new Date());
    const jar = new CookieJar();
    const first = await submitSignIn(jar, "tess.totp@support.example", STAFF_PASSWORD);
    expect(first.status).toBe(302);
    expect(first.headers.get("Location")).toMatch(/^\/support\/sign-in\/verify/);
    // Half signed in: no page opens yet.
    const home = await call(homeLoader, "/support/shops", { jar });
    expect(home.headers.get("Location")).toBe("/support/sign-in/verify");
    const page = await call(verifyLoader, "/support/sign-in/verify", { jar });
    const { csrf } = (await page.json()) as { csrf: string };
    const wrong = await call(verifyAction, "/support/sign-in/verify", { jar, method: "POST", form: { csrf, code: "000000" === totpCode(enrolment.secret) ? "111111" : "000000" } });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ error: CODE_FAILED });
    const code = totpCode(enrolment.secret);
    const good = await call(verifyAction, "/support/sign-in/verify", { jar, method: "POST", form: { csrf, code, next: "/support/shops" } });
    expect(good.status).toBe(302);
    expect(good.headers.get("Location")).toBe("/support/shops");
    expect((await call(homeLoader, "/support/shops", { jar })).status).toBe(200);
    // The same code again (another sign-in within its 30 s) is refused.
    const jar2 = new CookieJar();
    await submitSignIn(jar2, "tess.totp@support.example", STAFF_PASSWORD);
    const page2 = await call(verifyLoader, "/support/sign-in/verify", { jar: jar2 });
    const replay = await call(verifyAction, "/support/sign-in/verify", { jar: jar2, method: "POST", form: { csrf: ((await page2.json()) as { csrf: string }).csrf, code } });
    expect(replay.status).toBe(401);
    const outcomes = (await db.supportAuditEntry.findMany({ where: { action: "sign_in.second_factor", email: "tess.totp@support.example" }, orderBy: { at: "asc" } })).map((e) => e.outcome);
    expect(outcomes).toEqual(["failure", "success", "failure"]);
  });

  // -------------------------------------------------------------------------------------------------------
  // Sessions end
  // -------------------------------------------------------------------------------------------------------

  it("ends the session at sign-out, even for a copy of the cookie", async () => {
    const jar = await signedIn("victor.viewer@support.example");
    const copy = new CookieJar();
    for (const [k, v] of jar.cookies) copy.cookies.set(k, v);
    const csrf = await csrfOf(jar);
    const out = await call(signOutAction, "/support/sign-out", { jar, method: "POST", form: { csrf } });
    expect(out.status).toBe(302);
    expect(out.headers.getSetCookie().some((c) => /^lp_support=;/.test(c) && /Max-Age=0/.test(c))).toBe(true);
    expect((await call(homeLoader, "/support/shops", { jar: copy })).status).toBe(302);
    expect(await database.db.supportAuditEntry.count({ where: { action: "sign_out", email: "victor.viewer@support.example" } })).toBe(1);
  });

  it("ends a user's sessions at once when the user is disabled or the password is reset", async () => {
    const db = database.db;
    await addStaff(db, "dan.later@support.example", "operator");
    const jar = await signedIn("dan.later@support.example");
    expect((await call(homeLoader, "/support/shops", { jar })).status).toBe(200);
    await disableSupportUser(db, "dan.later@support.example");
    const after = await call(homeLoader, "/support/shops", { jar });
    expect(after.status).toBe(302);
    // Disabled directly in the database (sessions not deleted): still out at once.
    await addStaff(db, "erin.direct@support.example", "viewer");
    const jar2 = await signedIn("erin.direct@support.example");
    await db.supportUser.update({ where: { email: "erin.direct@support.example" }, data: { disabledAt: new Date() } });
    expect((await call(homeLoader, "/support/shops", { jar: jar2 })).status).toBe(302);
    await db.supportUser.update({ where: { email: "erin.direct@support.example" }, data: { disabledAt: null } });
    const jar3 = await signedIn("erin.direct@support.example");
    await resetSupportPassword(db, "erin.direct@support.example", "another long password 42");
    expect((await call(homeLoader, "/support/shops", { jar: jar3 })).status).toBe(302);
    expect(await db.supportAuditEntry.count({ where: { action: "session.expired", email: "erin.direct@support.example" } })).toBeGreaterThanOrEqual(1);
  });

  it("ends idle sessions and sessions past their absolute lifetime", async () => {
    const db = database.db;
    const idle = await signedIn("victor.viewer@support.example");
    const all = await db.supportSession.findMany({ orderBy: { createdAt: "desc" }, take: 1 });
    await db.supportSession.update({ where: { id: all[0].id }, data: { lastSeenAt: new Date(Date.now() - 31 * 60_000) } });
    const idleResponse = await call(homeLoader, "/support/shops", { jar: idle });
    expect(idleResponse.status).toBe(302);
    expect(idleResponse.headers.get("Location")).toMatch(/notice=Your\+session\+timed\+out|notice=Your%20session%20timed%20out/);
    const old = await signedIn("victor.viewer@support.example");
    const [latest] = await db.supportSession.findMany({ orderBy: { createdAt: "desc" }, take: 1 });
    await db.supportSession.update({ where: { id: latest.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await call(homeLoader, "/support/shops", { jar: old })).status).toBe(302);
    expect(await db.supportSession.findUnique({ where: { id: latest.id } })).toBeNull();
  });

  it("removes abandoned sessions and stale failure counters at the next sign-in", async () => {
    const db = database.db;
    const user = await db.supportUser.findUniqueOrThrow({ where: { email: "victor.viewer@support.example" } });
    await db.supportSession.create({ data: { id: "abandoned-idle", userId: user.id, stage: "active", csrfToken: "x", lastSeenAt: new Date(Date.now() - 3 * 3_600_000), expiresAt: new Date(Date.now() + 3_600_000) } });
    await db.supportSession.create({ data: { id: "abandoned-expired", userId: user.id, stage: "active", csrfToken: "x", expiresAt: new Date(Date.now() - 1000) } });
    await db.supportSignInThrottle.create({ data: { key: "account:typo@support.example", failures: 1, windowStart: new Date(Date.now() - 2 * 3_600_000) } });
    await signedIn("victor.viewer@support.example");
    expect(await db.supportSession.count({ where: { id: { in: ["abandoned-idle", "abandoned-expired"] } } })).toBe(0);
    expect(await db.supportSignInThrottle.findUnique({ where: { key: "account:typo@support.example" } })).toBeNull();
  });

  it("refuses a tampered or forged session cookie", async () => {
    const jar = await signedIn("victor.viewer@support.example");
    const [token, signature] = jar.cookies.get("lp_support")!.split(".");
    const forged = new CookieJar();
    forged.cookies.set("lp_support", `${token}x.${signature}`);
    expect((await call(homeLoader, "/support/shops", { jar: forged })).status).toBe(302);
    // The first character carries six whole bits of the signature, so changing it always changes the signature
    // (the last ones carry padding bits: overwriting them could leave it as it was).
    forged.cookies.set("lp_support", `${token}.${signature[0] === "A" ? "B" : "A"}${signature.slice(1)}`);
    expect((await call(homeLoader, "/support/shops", { jar: forged })).status).toBe(302);
  });

  // -------------------------------------------------------------------------------------------------------
  // Shopify and the console do not open each other
  // -------------------------------------------------------------------------------------------------------

  it("does not let a Shopify session token open the console", async () => {
    const requests = [
      await adminDocumentRequest(SHOP, "/support/shops"),
      await adminFetchRequest(SHOP, "/support/shops"),
      await adminDocumentRequest(SHOP, `/support/shops/${SHOP}`),
      await adminFetchRequest(SHOP, "/support/audit"),
    ];
    for (const request of requests) {
      const loader = new URL(request.url).pathname === "/support/shops" ? homeLoader : new URL(request.url).pathname === "/support/audit" ? auditLoader : shopLoader;
      const response = await callWith(loader, request, { params: params() });
      expect(response.status).toBe(302);
      expect(response.headers.get("Location")).toMatch(/^\/support\/sign-in/);
    }
    const post = await adminFetchRequest(SHOP, shopPath(), { method: "POST", body: new URLSearchParams({ intent: "hold", confirmed: "yes" }), headers: { "Content-Type": "application/x-www-form-urlencoded" } });
    expect((await callWith(shopAction, post, { params: params() })).status).toBe(302);
  });

  it("does not let a support session open the embedded app", async () => {
    const jar = await signedIn("olga.operator@support.example");
    for (const loader of [appLayoutLoader, appIndexLoader]) {
      for (const path of ["/app", "/app?_data=routes%2Fapp._index"]) {
        const request = new Request(new URL(path, "https://test_app_url"), { headers: { Cookie: jar.header(), "User-Agent": "Mozilla/5.0 Chrome/131.0" } });
        const response = await runRoute(loader, request);
        expect(response.status, path).not.toBe(200);
        expect(await response.text()).not.toContain(SHOP);
      }
    }
  });

  // -------------------------------------------------------------------------------------------------------
  // Roles, CSRF, audit
  // -------------------------------------------------------------------------------------------------------

  it("lets a viewer read shops but not the audit log, and audits the refusal", async () => {
    const jar = await signedIn("victor.viewer@support.example");
    expect((await call(homeLoader, "/support/shops", { jar })).status).toBe(200);
    expect((await call(shopLoader, shopPath(), { jar, params: params() })).status).toBe(200);
    const audit = await call(auditLoader, "/support/audit", { jar });
    expect(audit.status).toBe(403);
    expect(await database.db.supportAuditEntry.findFirst({ where: { action: "access.denied", email: "victor.viewer@support.example" } })).toMatchObject({ outcome: "denied" });
    // A confirmation step asked for in the URL is not shown to a viewer.
    const confirm = await call(shopLoader, shopPath(SHOP, "?confirm=hold"), { jar, params: params() });
    expect(((await confirm.json()) as { confirmation: unknown }).confirmation).toBeNull();
  });

  it("refuses every operator action to a viewer, changing nothing, and audits each refusal", async () => {
    const db = database.db;
    const jar = await signedIn("victor.viewer@support.example");
    const csrf = await csrfOf(jar);
    const before = await db.event.count({ where: { shopDomain: SHOP, status: "failed" } });
    for (const [intent, extra] of [
      ["replay-one", { event: seeded.failed[0] }],
      ["replay-failed", { from: new Date(Date.now() - 86_400_000).toISOString(), to: new Date(Date.now() + 3_600_000).toISOString() }],
      ["hold", {}],
      ["release", {}],
      ["reverify", {}],
    ] as const) {
      const response = await call(shopAction, shopPath(), { jar, method: "POST", params: params(), form: { csrf, intent, confirmed: "yes", ...extra } });
      expect(response.status, intent).toBe(403);
    }
    expect(await db.event.count({ where: { shopDomain: SHOP, status: "failed" } })).toBe(before);
    expect((await db.shopSettings.findUnique({ where: { shopDomain: SHOP } }))?.deliveriesPausedAt).toBeNull();
    const denied = await db.supportAuditEntry.findMany({ where: { email: "victor.viewer@support.example", outcome: "denied", shopDomain: null } });
    expect(denied.map((d) => d.action).sort()).toEqual(expect.arrayContaining(["deliveries.hold", "deliveries.release", "events.replay_failed", "events.replay_one", "postscript.reverify"]));
  });

  it("refuses posts without the session's CSRF token or from another origin, and audits them", async () => {
    const jar = await signedIn("olga.operator@support.example");
    const csrf = await csrfOf(jar);
    const other = await signedIn("victor.viewer@support.example");
    const otherCsrf = await csrfOf(other);
    const attempts: { form: Record<string, string>; headers?: Record<string, string> }[] = [
      { form: { intent: "hold", confirmed: "yes" } },
      { form: { intent: "hold", confirmed: "yes", csrf: "made-up" } },
      { form: { intent: "hold", confirmed: "yes", csrf: otherCsrf } },
      { form: { intent: "hold", confirmed: "yes", csrf }, headers: { "Sec-Fetch-Site": "cross-site" } },
      { form: { intent: "hold", confirmed: "yes", csrf }, headers: { "Sec-Fetch-Site": "same-site" } },
      { form: { intent: "hold", confirmed: "yes", csrf }, headers: { Origin: "https://attacker.example" } },
      { form: { intent: "hold", confirmed: "yes", csrf }, headers: { Origin: "null" } },
    ];
    const before = await database.db.supportAuditEntry.count({ where: { action: "csrf.rejected", email: "olga.operator@support.example" } });
    for (const attempt of attempts) {
      const response = await call(shopAction, shopPath(), { jar, method: "POST", params: params(), form: attempt.form, headers: attempt.headers });
      expect(response.status).toBe(403);
    }
    expect((await database.db.shopSettings.findUnique({ where: { shopDomain: SHOP } }))?.deliveriesPausedAt).toBeNull();
    expect(await database.db.supportAuditEntry.count({ where: { action: "csrf.rejected", email: "olga.operator@support.example" } })).toBe(before + attempts.length);
    // Sign-out is a form post like any other.
    expect((await call(signOutAction, "/support/sign-out", { jar, method: "POST", form: {} })).status).toBe(403);
  });

  it("audits every page viewed: the list, a search, a shop record, its event log and history, an event, the audit log", async () => {
    const db = database.db;
    const ip = "198.51.100.23";
    const jar = await signedIn("olga.operator@support.example", STAFF_PASSWORD, ip);
    await call(homeLoader, "/support/shops", { jar, ip });
    await call(homeLoader, "/support/shops?q=acme", { jar, ip });
    await call(shopLoader, shopPath(), { jar, ip, params: params() });
    await call(shopLoader, shopPath(SHOP, "?tab=events&status=failed"), { jar, ip, params: params() });
    await call(shopLoader, shopPath(SHOP, "?tab=history"), { jar, ip, params: params() });
    await call(eventLoader, `${shopPath()}/events/${seeded.failed[0]}`, { jar, ip, params: { domain: SHOP, eventId: seeded.failed[0] } });
    await call(auditLoader, "/support/audit", { jar, ip });
    const entries = await db.supportAuditEntry.findMany({ where: { email: "olga.operator@support.example", ip: "198.51.100.23" }, orderBy: [{ at: "asc" }, { id: "asc" }] });
    const seen = entries.map((e) => [e.action, e.shopDomain, JSON.parse(e.details)]);
    expect(seen).toEqual(
      expect.arrayContaining([
        ["shops.listed", null, expect.objectContaining({ query: null })],
        ["shops.listed", null, expect.objectContaining({ query: "acme", results: 1 })],
        ["shop.viewed", SHOP, expect.anything()],
        ["shop.events_viewed", SHOP, expect.objectContaining({ status: "failed" })],
        ["shop.history_viewed", SHOP, expect.anything()],
        ["event.viewed", SHOP, { eventId: seeded.failed[0] }],
        ["audit.viewed", null, expect.anything()],
      ]),
    );
    expect(entries.every((e) => e.userAgent?.includes("Chrome"))).toBe(true);
  });

  // -------------------------------------------------------------------------------------------------------
  // What staff see
  // -------------------------------------------------------------------------------------------------------

  it("lists shops with problems first and finds them by domain, Postscript shop name and Loop subscription id", async () => {
    const jar = await signedIn("victor.viewer@support.example");
    const all = (await (await call(homeLoader, "/support/shops", { jar })).json()) as { list: { rows: { domain: string; problems: string[]; failedRecent: number }[] } };
    expect(all.list.rows.map((r) => r.domain)).toEqual([OTHER, SHOP]);
    expect(all.list.rows[0].problems).toContain("postscript_action_needed");
    expect(all.list.rows[1]).toMatchObject({ failedRecent: 2, problems: ["recent_failures"] });
    for (const [q, expected] of [
      ["acme-coffee", [SHOP]],
      ["ACME COFFEE sms", [SHOP]],
      ["quiet", [OTHER]],
      ["sub-112233", [OTHER]],
      ["100%_", []],
    ] as const) {
      const found = (await (await call(homeLoader, `/support/shops?q=${encodeURIComponent(q)}`, { jar })).json()) as { list: { rows: { domain: string }[] } };
      expect(found.list.rows.map((r) => r.domain), q).toEqual(expected);
    }
  });

  it("shows a shop's record: install facts, masked connections, event types, statistics, error groups, events with attempts, history", async () => {
    const jar = await signedIn("victor.viewer@support.example");
    const overview = (await (await call(shopLoader, shopPath(SHOP, "?period=24h"), { jar, params: params() })).json()) as any;
    expect(overview.record).toMatchObject({
      domain: SHOP,
      scopes: ["read_customers", "write_customers"],
      postscript: { status: "connected", keyMasked: `••••${SECRETS.postscriptKey.slice(-4)}`, shopName: "Acme Coffee SMS" },
      loop: { status: "connected", mode: "api", tokenMasked: `••••${SECRETS.loopToken.slice(-4)}` },
      hold: { held: false },
      testRecipient: { email: "o•••@acme.example", phone: "+1••••••6543" },
    });
    expect(overview.record.eventTypes).toHaveLength(17);
    expect(overview.record.statistics).toMatchObject({
      period: { key: "24h" },
      totals: { received: 5, delivered: 1, failed: 2, skipped: 1, waiting: 1 },
      errors: expect.arrayContaining([expect.objectContaining({ code: "postscript_rejected", count: 2 }), expect.objectContaining({ code: "disabled", count: 1 })]),
    });
    const events = (await (await call(shopLoader, shopPath(SHOP, "?tab=events"), { jar, params: params() })).json()) as any;
    expect(events.events.page.rows).toHaveLength(5);
    const failed = events.events.page.rows.find((r: any) => r.status === "failed");
    expect(failed).toMatchObject({ email: "j•••@example.com", phone: "+1••••••4567", attempts: 1, lastAttempt: { httpStatus: 400, outcome: "failed" } });
    const filtered = (await (await call(shopLoader, shopPath(SHOP, "?tab=events&status=failed"), { jar, params: params() })).json()) as any;
    expect(filtered.events.page.rows.map((r: any) => r.status)).toEqual(["failed", "failed"]);
    const detail = (await (await call(eventLoader, `${shopPath()}/events/${seeded.failed[0]}`, { jar, params: { domain: SHOP, eventId: seeded.failed[0] } })).json()) as any;
    expect(detail.event.attemptList).toEqual([expect.objectContaining({ httpStatus: 400, outcome: "failed", message: "invalid subscriber; Authorization: Bearer [redacted]" })]);
    // An event of another shop is not found under this shop.
    const foreign = await call(eventLoader, `${shopPath(OTHER)}/events/${seeded.failed[0]}`, { jar, params: { domain: OTHER, eventId: seeded.failed[0] } });
    expect(foreign.status).toBe(404);
    const unknown = await call(shopLoader, shopPath("nope.myshopify.com"), { jar, params: params("nope.myshopify.com") });
    expect(unknown.status).toBe(404);
  });

  it("masks a customer portal link's session token quoted in an event's reason or attempt message, however short", async () => {
    const jar = await signedIn("victor.viewer@support.example");
    const link = `https://${SHOP}/a/loop_subscriptions/customer/61000001?sessionToken=tok-4f2a9c7e1b`;
    const event = await seedEvent(database.db, {
      shop: SHOP,
      receivedAt: new Date(Date.now() - 400 * 86_400_000),
      outcome: "failed",
      reason: "postscript_rejected",
      reasonDetail: `Postscript answered 422: property customer_portal_link (${link}) is too long`,
    });
    try {
      const detail = (await (await call(eventLoader, `${shopPath()}/events/${event.id}`, { jar, params: { domain: SHOP, eventId: event.id } })).json()) as any;
      // (The long path is cut out as credential-shaped text too; the token is what must not show.)
      expect(detail.event.reasonDetail).toMatch(/^Postscript answered 422: property customer_portal_link \(https:\/\/.+\?sessionToken=••••7e1b\) is too long$/);
      expect(detail.event.attemptList[0].message).toContain("?sessionToken=••••7e1b)");
      expect(JSON.stringify(detail)).not.toContain("tok-4f2a");
    } finally {
      await database.db.event.delete({ where: { id: event.id } });
    }
  });

  // -------------------------------------------------------------------------------------------------------
  // Operator actions
  // -------------------------------------------------------------------------------------------------------

  it("shows a confirmation step first; an unconfirmed post does nothing", async () => {
    const jar = await signedIn("olga.operator@support.example");
    const csrf = await csrfOf(jar);
    const page = (await (await call(shopLoader, shopPath(SHOP, "?confirm=hold"), { jar, params: params() })).json()) as any;
    expect(page.confirmation).toMatchObject({ intent: "hold", possible: true, confirmLabel: "Hold deliveries" });
    const shown = await database.db.supportAuditEntry.findFirst({ where: { action: "shop.viewed", email: "olga.operator@support.example" }, orderBy: [{ at: "desc" }, { id: "desc" }] });
    expect(JSON.parse(shown!.details)).toMatchObject({ confirmationShown: "hold" });
    const unconfirmed = await call(shopAction, shopPath(), { jar, method: "POST", params: params(), form: { csrf, intent: "hold" } });
    expect(unconfirmed.status).toBe(400);
    expect((await database.db.shopSettings.findUnique({ where: { shopDomain: SHOP } }))?.deliveriesPausedAt).toBeNull();
    expect(await database.db.supportAuditEntry.findFirst({ where: { action: "deliveries.hold", outcome: "rejected" } })).not.toBeNull();
  });

  it("holds and releases a shop's deliveries, in the shop's history and the audit log", async () => {
    const db = database.db;
    const jar = await signedIn("olga.operator@support.example");
    const csrf = await csrfOf(jar);
    const held = await call(shopAction, shopPath(), { jar, method: "POST", params: params(), form: { csrf, intent: "hold", confirmed: "yes" } });
    expect(held.status).toBe(302);
    const doneId = new URL(held.headers.get("Location")!, "https://x").searchParams.get("done");
    expect(await db.shopSettings.findUnique({ where: { shopDomain: SHOP } })).toMatchObject({ deliveriesPausedBy: "olga.operator@support.example", deliveriesPausedAt: expect.any(Date) });
    const page = (await (await call(shopLoader, shopPath(SHOP, `?done=${doneId}`), { jar, params: params() })).json()) as any;
    expect(page.done).toEqual({ ok: true, message: expect.stringContaining("on hold") });
    expect(page.record.hold).toMatchObject({ held: true, by: "olga.operator@support.example" });
    // Another member of staff cannot read this result through the URL.
    const viewer = await signedIn("victor.viewer@support.example");
    expect(((await (await call(shopLoader, shopPath(SHOP, `?done=${doneId}`), { jar: viewer, params: params() })).json()) as any).done).toBeNull();

    const released = await call(shopAction, shopPath(), { jar, method: "POST", params: params(), form: { csrf, intent: "release", confirmed: "yes" } });
    expect(released.status).toBe(302);
    expect(await db.shopSettings.findUnique({ where: { shopDomain: SHOP } })).toMatchObject({ deliveriesPausedAt: null, deliveriesPausedBy: null });
    const history = await db.configurationChange.findMany({ where: { shopDomain: SHOP, actor: "support" }, orderBy: { createdAt: "asc" } });
    expect(history.map((h) => h.action)).toEqual(["support.deliveries_held", "support.deliveries_released"]);
    expect(JSON.parse(history[0].details)).toMatchObject({ staff: "olga.operator@support.example" });
    const audit = await db.supportAuditEntry.findMany({ where: { shopDomain: SHOP, action: { in: ["deliveries.hold", "deliveries.release"] }, outcome: "success" } });
    expect(audit).toHaveLength(2);
  });

  it("replays one failed event, then every failed event of a period", async () => {
    const db = database.db;
    const jar = await signedIn("olga.operator@support.example");
    const csrf = await csrfOf(jar);
    const confirm = (await (await call(shopLoader, shopPath(SHOP, `?tab=events&confirm=replay-one&event=${seeded.failed[0]}`), { jar, params: params() })).json()) as any;
    expect(confirm.confirmation).toMatchObject({ intent: "replay-one", possible: true, fields: { event: seeded.failed[0] } });
    const one = await call(shopAction, shopPath(SHOP, "?tab=events"), { jar, method: "POST", params: params(), form: { csrf, intent: "replay-one", confirmed: "yes", event: seeded.failed[0] } });
    expect(one.status).toBe(302);
    expect(one.headers.get("Location")).toMatch(/tab=events&done=/);
    expect((await db.event.findUnique({ where: { id: seeded.failed[0] } }))?.status).toBe("pending");

    const period = (await (await call(shopLoader, shopPath(SHOP, "?period=7d&confirm=replay-failed"), { jar, params: params() })).json()) as any;
    expect(period.confirmation).toMatchObject({ intent: "replay-failed", title: "Replay 1 failed event?", possible: true });
    const all = await call(shopAction, shopPath(SHOP, "?period=7d"), { jar, method: "POST", params: params(), form: { csrf, intent: "replay-failed", confirmed: "yes", ...period.confirmation.fields } });
    expect(all.status).toBe(302);
    expect((await db.event.findUnique({ where: { id: seeded.failed[1] } }))?.status).toBe("pending");
    const audit = await db.supportAuditEntry.findMany({ where: { shopDomain: SHOP, action: { in: ["events.replay_one", "events.replay_failed"] }, outcome: "success" }, orderBy: { at: "asc" } });
    expect(audit.map((a) => [a.action, JSON.parse(a.details).replayed ?? JSON.parse(a.details).eventId])).toEqual([
      ["events.replay_one", seeded.failed[0]],
      ["events.replay_failed", 1],
    ]);
    // Nothing failed is left: replaying again changes nothing (and says so).
    const again = await call(shopAction, shopPath(), { jar, method: "POST", params: params(), form: { csrf, intent: "replay-one", confirmed: "yes", event: seeded.failed[0] } });
    const result = (await (await call(shopLoader, new URL(again.headers.get("Location")!, "https://x").pathname + new URL(again.headers.get("Location")!, "https://x").search, { jar, params: params() })).json()) as any;
    expect(result.done).toMatchObject({ ok: false });
  });

  it("re-verifies the Postscript key with Postscript, recording who asked", async () => {
    const db = database.db;
    const jar = await signedIn("olga.operator@support.example");
    const csrf = await csrfOf(jar);
    await db.postscriptConnection.update({ where: { shopDomain: SHOP }, data: { status: "action_needed", actionNeededReason: "test" } });
    const response = await call(shopAction, shopPath(), { jar, method: "POST", params: params(), form: { csrf, intent: "reverify", confirmed: "yes" } });
    expect(response.status).toBe(302);
    expect(await db.postscriptConnection.findUnique({ where: { shopDomain: SHOP } })).toMatchObject({ status: "connected", actionNeededReason: null });
    const change = await db.configurationChange.findFirst({ where: { shopDomain: SHOP, action: "support.postscript_verify_requested" } });
    expect(JSON.parse(change!.details)).toMatchObject({ staff: "olga.operator@support.example", accepted: true, previousStatus: "action_needed", status: "connected" });
    expect(await db.supportAuditEntry.findFirst({ where: { shopDomain: SHOP, action: "postscript.reverify" } })).toMatchObject({ outcome: "success" });
  });

  // -------------------------------------------------------------------------------------------------------
  // Secrets and personal data never leave
  // -------------------------------------------------------------------------------------------------------

  it("never sends a secret, a ciphertext, or a customer's full email or phone in any console response", async () => {
    const db = database.db;
    const jar = await signedIn("olga.operator@support.example");
    const sealed = [
      ...(await db.postscriptConnection.findMany()).map((r) => r.keyCiphertext),
      ...(await db.loopConnection.findMany()).map((r) => r.tokenCiphertext),
      ...(await db.loopWebhook.findMany()).map((r) => r.secretCiphertext),
    ].filter((c): c is string => Boolean(c));
    expect(sealed.length).toBeGreaterThanOrEqual(8);
    const forbidden = [...Object.values(SECRETS), ...sealed, CUSTOMER.email, CUSTOMER.phone, "owner@acme.example", "+15559876543"];
    const bodies: string[] = [];
    const get = async (loader: Parameters<typeof call>[0], url: string, p?: Record<string, string>) => {
      const response = await call(loader, url, { jar, params: p });
      expect(response.status, url).toBe(200);
      bodies.push(`${url}\n${await response.text()}`);
    };
    await get(homeLoader, "/support/shops");
    await get(homeLoader, "/support/shops?q=acme");
    await get(homeLoader, "/support/shops?q=sub-778899");
    for (const query of ["", "?period=24h", "?period=90d", "?tab=events", "?tab=events&status=failed", "?tab=history"]) await get(shopLoader, shopPath(SHOP, query), params());
    for (const confirm of ["hold", "release", "reverify", "replay-failed", `replay-one&event=${seeded.failed[1]}`]) await get(shopLoader, shopPath(SHOP, `?confirm=${confirm}`), params());
    for (const id of [...seeded.failed, seeded.delivered, seeded.pending]) await get(eventLoader, `${shopPath()}/events/${id}`, { domain: SHOP, eventId: id });
    await get(auditLoader, "/support/audit");
    const page = await call(signInLoader, "/support/sign-in");
    bodies.push(await page.text());
    for (const body of bodies) {
      for (const secret of forbidden) expect(body.includes(secret), `${secret.slice(0, 12)}… in ${body.slice(0, 80)}`).toBe(false);
    }
  });

  it("keeps the audit log append-only: the database refuses changes and no code path changes an entry", async () => {
    const db = database.db;
    const entry = await db.supportAuditEntry.findFirst();
    expect(entry).not.toBeNull();
    // (SQLite's trigger error reaches Prisma as a constraint violation; PostgreSQL's keeps its message.)
    await expect(db.supportAuditEntry.update({ where: { id: entry!.id }, data: { email: "someone-else" } })).rejects.toThrow();
    await expect(db.supportAuditEntry.delete({ where: { id: entry!.id } })).rejects.toThrow();
    await expect(db.supportAuditEntry.deleteMany({})).rejects.toThrow();
    await expect(db.$executeRawUnsafe(`DELETE FROM "SupportAuditEntry"`)).rejects.toThrow(/append-only/);
    expect(await db.supportAuditEntry.findUnique({ where: { id: entry!.id } })).toEqual(entry);
  });
});

describe("audit log source", () => {
  it("has no code that updates or deletes an audit entry, and only audit.server.ts touches the model", () => {
    const root = path.resolve(__dirname, "../..");
    const offenders: string[] = [];
    const writers: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        if (["node_modules", "build", ".cache", "public", "data", ".git", "screenshots"].includes(name)) continue;
        const full = path.join(dir, name);
        if (statSync(full).isDirectory()) walk(full);
        else if (/\.(ts|tsx|mjs|js)$/.test(name) && !/\.test\.tsx?$/.test(name)) {
          const source = readFileSync(full, "utf8");
          if (/supportAuditEntry\s*\.\s*(update|updateMany|upsert|delete|deleteMany)\b/.test(source) || /(UPDATE|DELETE FROM|TRUNCATE)\s+"?SupportAuditEntry/i.test(source)) offenders.push(path.relative(root, full));
          if (/supportAuditEntry\s*\./.test(source)) writers.push(path.relative(root, full));
        }
      }
    };
    for (const dir of ["app", "scripts", "server", "sandbox", "tests"]) walk(path.join(root, dir));
    expect(offenders).toEqual([]);
    expect(writers).toEqual(["app/support/audit.server.ts"]);
  });
});
