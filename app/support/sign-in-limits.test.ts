// Sign-in limits under concurrency, through the real route modules on every database: guesses sent at the
// same moment are counted before they are checked, so no more than the configured number are ever checked
// (passwords and TOTP codes alike); and refused signed-out requests are counted per address and minute, not
// written as audit entries, with 429 past a per-minute limit.
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { databaseKinds, withTestDatabase } from "../../tests/support/databases";
import { setTestEnv } from "../../tests/support/connections";
import { addStaff, call, CookieJar, signedIn, STAFF_PASSWORD, submitSignIn } from "../../tests/support/support-console";
import { loader as auditLoader } from "~/routes/support.audit";
import { loader as homeLoader } from "~/routes/support.shops._index";
import { action as signInAction, loader as signInLoader } from "~/routes/support.sign-in";
import { action as verifyAction, loader as verifyLoader } from "~/routes/support.sign-in_.verify";
import { REFUSAL_RETENTION_DAYS } from "./audit.server";
import { SIGN_IN_LOCKED, TOO_MANY_REFUSALS } from "./auth.server";
import type * as PasswordModule from "./password.server";
import { ANONYMOUS_REFUSALS_PER_MINUTE } from "./throttle.server";
import type * as TotpModule from "./totp.server";
import { totpCode } from "./totp.server";
import { enableTotp, newTotpEnrolment } from "./users.server";

// The real password and code checks, counted: each call is one guess checked.
const checks = vi.hoisted(() => ({ passwords: 0, codes: 0 }));
vi.mock("./password.server", async (importOriginal) => {
  const real = await importOriginal<typeof PasswordModule>();
  return {
    ...real,
    verifyPassword: async (...args: Parameters<typeof real.verifyPassword>) => {
      checks.passwords++;
      return real.verifyPassword(...args);
    },
    spendVerificationTime: async (...args: Parameters<typeof real.spendVerificationTime>) => {
      checks.passwords++;
      return real.spendVerificationTime(...args);
    },
  };
});
vi.mock("./totp.server", async (importOriginal) => {
  const real = await importOriginal<typeof TotpModule>();
  return {
    ...real,
    verifyTotp: (...args: Parameters<typeof real.verifyTotp>) => {
      checks.codes++;
      return real.verifyTotp(...args);
    },
  };
});

const ACCOUNT_LIMIT = 5;
const ADDRESS_LIMIT = 8;
const WRONG = "not the right password at all";

/** A sign-in page's token and cookie for a fresh browser, then the post (the guesses go out together). */
async function prepareSignIn(email: string, password: string, ip: string) {
  const jar = new CookieJar();
  const page = await call(signInLoader, "/support/sign-in", { jar, ip });
  const { csrf } = (await page.json()) as { csrf: string };
  return () => call(signInAction, "/support/sign-in", { jar, method: "POST", form: { csrf, email, password, next: "/support/shops" }, ip }).then((response) => ({ response, jar }));
}

describe.each(databaseKinds)("sign-in limits (%s)", (kind) => {
  const database = withTestDatabase(kind);

  beforeAll(() => setTestEnv({ SUPPORT_SIGNIN_MAX_FAILURES: String(ACCOUNT_LIMIT), SUPPORT_SIGNIN_IP_MAX_FAILURES: String(ADDRESS_LIMIT), SUPPORT_SESSION_SECRET: "s".repeat(40) }));
  beforeEach(() => {
    checks.passwords = 0;
    checks.codes = 0;
  });
  afterEach(async () => {
    await database.db.supportSignInThrottle.deleteMany({});
  });

  it("checks at most the account's limit of passwords sent at the same moment, and the right one after them gets no session", async () => {
    const email = "rita.race@support.example";
    await addStaff(database.db, email, "operator");
    const ip = `198.51.100.${kind === "sqlite" ? 10 : 11}`;
    // Twelve wrong passwords and the right one at once, from one address.
    const posts = await Promise.all([...Array.from({ length: 12 }, () => prepareSignIn(email, WRONG, ip)), prepareSignIn(email, STAFF_PASSWORD, ip)]);
    const answers = await Promise.all(posts.map((post) => post()));
    expect(checks.passwords).toBeLessThanOrEqual(ACCOUNT_LIMIT);
    const statuses = answers.map((a) => a.response.status);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(ACCOUNT_LIMIT);
    expect(statuses.every((s) => s === 401 || s === 429 || s === 302)).toBe(true);

    // Forty more at once, then the right one: it comes after the limit was used up and is refused unchecked.
    await database.db.supportSignInThrottle.deleteMany({});
    checks.passwords = 0;
    const burst = await Promise.all(Array.from({ length: 40 }, () => prepareSignIn(email, WRONG, ip)));
    const burstAnswers = await Promise.all(burst.map((post) => post()));
    expect(checks.passwords).toBe(ACCOUNT_LIMIT);
    expect(burstAnswers.filter((a) => a.response.status === 401 || a.response.status === 429).length).toBe(40);
    const right = await (await prepareSignIn(email, STAFF_PASSWORD, ip))();
    expect(right.response.status).toBe(429);
    // Locked, or (the burst's refusals used up the address's minute) throttled before the lock is even read.
    expect([SIGN_IN_LOCKED, TOO_MANY_REFUSALS]).toContain(((await right.response.json()) as { error: string }).error);
    expect(right.jar.cookies.has("lp_support")).toBe(false);
    expect(checks.passwords).toBe(ACCOUNT_LIMIT);
    // One audit entry per checked guess; the refused ones are counted per address.
    const checked = await database.db.supportAuditEntry.count({ where: { action: "sign_in", email, details: { contains: "wrong_password" } } });
    expect(checked).toBeLessThanOrEqual(2 * ACCOUNT_LIMIT);
  });

  it("counts concurrent first guesses from one address across many accounts (no counter row yet)", async () => {
    const ip = `198.51.100.${kind === "sqlite" ? 20 : 21}`;
    const posts = await Promise.all(Array.from({ length: 40 }, (_, i) => prepareSignIn(`guess${i}@support.example`, WRONG, ip)));
    const answers = await Promise.all(posts.map((post) => post()));
    expect(checks.passwords).toBe(ADDRESS_LIMIT);
    expect(answers.filter((a) => a.response.status === 401).length + answers.filter((a) => a.response.status === 429).length).toBe(40);
    expect(await database.db.supportSignInThrottle.findUnique({ where: { key: `ip:${ip}` } })).toMatchObject({ failures: ADDRESS_LIMIT, lockedUntil: expect.any(Date) });
  });

  it("gives back the right password's guess: a staff member's own sign-ins never lock the account or address", async () => {
    const email = "sam.steady@support.example";
    await addStaff(database.db, email, "viewer");
    const ip = `198.51.100.${kind === "sqlite" ? 30 : 31}`;
    for (let i = 0; i < ADDRESS_LIMIT + 2; i++) await signedIn(email, STAFF_PASSWORD, ip);
    expect(await database.db.supportSignInThrottle.findUnique({ where: { key: `ip:${ip}` } })).toMatchObject({ failures: 0, lockedUntil: null });
    expect(await database.db.supportSignInThrottle.findUnique({ where: { key: `account:${email}` } })).toBeNull();
  });

  it("checks at most the limit of TOTP codes sent at the same moment, and the right code after them gets no session", async () => {
    const db = database.db;
    const email = "tom.totp@support.example";
    await addStaff(db, email, "viewer");
    const enrolment = newTotpEnrolment(email);
    await enableTotp(db, email, enrolment.secret, totpCode(enrolment.secret, new Date(Date.now() - 30_000)), new Date());
    const ip = `198.51.100.${kind === "sqlite" ? 40 : 41}`;

    async function halfSignedIn() {
      const jar = new CookieJar();
      const first = await submitSignIn(jar, email, STAFF_PASSWORD, ip);
      expect(first.headers.get("Location")).toMatch(/^\/support\/sign-in\/verify/);
      const { csrf } = (await (await call(verifyLoader, "/support/sign-in/verify", { jar, ip })).json()) as { csrf: string };
      const post = (code: string) => call(verifyAction, "/support/sign-in/verify", { jar: new CookieJar(), method: "POST", form: { csrf, code, next: "/support/shops" }, ip, headers: { Cookie: jar.header() } });
      return { jar, post };
    }
    const wrongCode = () => {
      const right = totpCode(enrolment.secret);
      return right === "000000" ? "111111" : "000000";
    };

    // Forty wrong codes at once on one half-signed-in session: at most the limit are checked.
    const { post } = await halfSignedIn();
    checks.codes = 0;
    await Promise.all(Array.from({ length: 40 }, () => post(wrongCode())));
    expect(checks.codes).toBe(ACCOUNT_LIMIT);
    // The right code after the limit was used up: no session (the account is locked, sign-in starts again).
    const late = await post(totpCode(enrolment.secret));
    expect(late.status).toBe(302);
    expect(late.headers.get("Location")).toBe("/support/sign-in");
    expect(checks.codes).toBe(ACCOUNT_LIMIT);
    const user = await db.supportUser.findUniqueOrThrow({ where: { email } });
    expect(await db.supportSession.count({ where: { userId: user.id, stage: "active" } })).toBe(0);

    // Twelve wrong codes and the right one at once (counters cleared): still at most the limit checked.
    await db.supportSignInThrottle.deleteMany({});
    const second = await halfSignedIn();
    checks.codes = 0;
    await Promise.all([...Array.from({ length: 12 }, () => second.post(wrongCode())), second.post(totpCode(enrolment.secret))]);
    expect(checks.codes).toBeLessThanOrEqual(ACCOUNT_LIMIT);
  });

  it("counts signed-out refusals per address and minute instead of auditing each, and answers 429 past the limit without writing", async () => {
    const db = database.db;
    const ip = `203.0.113.${kind === "sqlite" ? 50 : 51}`;
    const auditBefore = await db.supportAuditEntry.count();
    const jar = new CookieJar();
    await call(signInLoader, "/support/sign-in", { jar, ip });
    const statuses: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const response = await call(signInAction, "/support/sign-in", { jar, ip, method: "POST", form: { csrf: "forged", email: `x${i}@example.com`, password: "whatever" } });
      statuses.push(response.status);
    }
    expect(await db.supportAuditEntry.count()).toBe(auditBefore);
    const refused = statuses.filter((s) => s === 403).length;
    // Past the limit in a minute: 429 without a write (a minute may turn during the run: at most two minutes' worth).
    expect(refused).toBeGreaterThanOrEqual(ANONYMOUS_REFUSALS_PER_MINUTE);
    expect(refused).toBeLessThanOrEqual(2 * ANONYMOUS_REFUSALS_PER_MINUTE);
    expect(statuses.filter((s) => s === 429).length).toBe(2000 - refused);
    const rows = await db.supportRefusalCount.findMany({ where: { ip } });
    expect(rows.reduce((sum, row) => sum + row.count, 0)).toBe(refused);
    expect(rows.every((row) => row.kind === "csrf.rejected")).toBe(true);
    expect(rows.some((row) => row.throttled)).toBe(true);

    // Another address is not held back, and the operator sees the counts on the audit page.
    await addStaff(db, "olga.audit@support.example", "operator");
    const jarOk = await signedIn("olga.audit@support.example", STAFF_PASSWORD, "203.0.113.200");
    const page = await call(auditLoader, "/support/audit", { jar: jarOk, ip: "203.0.113.200" });
    const { refusals } = (await page.json()) as { refusals: { ip: string; kind: string; count: number; throttled: boolean }[] };
    expect(refusals.filter((r) => r.ip === ip).reduce((sum, r) => sum + r.count, 0)).toBe(refused);
    expect((await call(homeLoader, "/support/shops", { jar: jarOk })).status).toBe(200);
  });

  it("forgets refusal counts past their retention at the next sign-in", async () => {
    const db = database.db;
    const old = new Date(Date.now() - (REFUSAL_RETENTION_DAYS + 1) * 86_400_000);
    const recent = new Date(Date.now() - (REFUSAL_RETENTION_DAYS - 1) * 86_400_000);
    await db.supportRefusalCount.create({ data: { ip: "192.0.2.201", kind: "csrf.rejected", minute: old, count: 7 } });
    await db.supportRefusalCount.create({ data: { ip: "192.0.2.202", kind: "csrf.rejected", minute: recent, count: 3 } });
    await addStaff(db, "pia.prune@support.example", "viewer");
    await signedIn("pia.prune@support.example", STAFF_PASSWORD, "192.0.2.203");
    expect((await db.supportRefusalCount.findMany({ where: { ip: { in: ["192.0.2.201", "192.0.2.202"] } } })).map((r) => r.ip)).toEqual(["192.0.2.202"]);
  });

  it("counts sign-ins refused while locked per address, without an audit entry each", async () => {
    const db = database.db;
    const email = "lena.locked@support.example";
    const ip = `203.0.113.${kind === "sqlite" ? 60 : 61}`;
    for (let i = 0; i < ACCOUNT_LIMIT; i++) await submitSignIn(new CookieJar(), email, WRONG, ip);
    const auditBefore = await db.supportAuditEntry.count();
    const statuses = [];
    for (let i = 0; i < 10; i++) statuses.push((await submitSignIn(new CookieJar(), email, WRONG, ip)).status);
    expect(statuses).toEqual(Array(10).fill(429));
    expect(await db.supportAuditEntry.count()).toBe(auditBefore);
    expect(await db.supportRefusalCount.aggregate({ where: { ip, kind: "sign_in.locked" }, _sum: { count: true } })).toEqual({ _sum: { count: 10 } });
  });
});
