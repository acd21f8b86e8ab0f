// The support sign-in's limits over real HTTP, against the production build (`node build/server.js`) on every
// test database, behind one trusted proxy hop so each test speaks from its own client address: guesses sent
// at the same moment are checked no more often than the limit allows, and a flood of refused signed-out posts
// neither writes an audit entry each nor a row each past the per-minute limit.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabaseClient, createDatabaseClient, type Database } from "~/db.server";
import { baseServerEnv, startAppServer, type AppServer } from "../support/app-server";
import { createTestDatabase, databaseKinds, type TestDatabase } from "../support/databases";
import { addStaff, STAFF_PASSWORD } from "../support/support-console";

const ACCOUNT_LIMIT = 5;
const EMAIL = "olga.operator@support.example";
const AUDITOR = "otto.operator@support.example";
const WRONG = "not the right password at all";

describe.each(databaseKinds)("support sign-in limits over HTTP (%s)", (kind) => {
  let database: TestDatabase;
  let db: Database;
  let app: AppServer;

  /** A fresh browser from `ip`: loads the sign-in page, and returns the post of one guess. */
  async function preparedGuess(ip: string, email: string, password: string, csrfOverride?: string) {
    const page = await fetch(`${app.url}/support/sign-in`, { headers: { "X-Forwarded-For": ip } });
    const cookie = page.headers.getSetCookie()[0].split(";")[0];
    const csrf = csrfOverride ?? /name="csrf" value="([^"]+)"/.exec(await page.text())![1];
    return () =>
      fetch(`${app.url}/support/sign-in`, {
        method: "POST",
        redirect: "manual",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: app.url, "Sec-Fetch-Site": "same-origin", Cookie: cookie, "X-Forwarded-For": ip },
        body: new URLSearchParams({ csrf, email, password, next: "/support/shops" }),
      });
  }

  /** Sign-in attempts whose password was checked: each leaves one audit entry saying why it failed, or a success. */
  async function checkedAttempts(email: string): Promise<number> {
    const entries = await db.supportAuditEntry.findMany({ where: { action: "sign_in", email } });
    return entries.filter((e) => e.outcome === "success" || "why" in (JSON.parse(e.details) as object)).length;
  }

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    db = createDatabaseClient(database.url);
    await addStaff(db, EMAIL, "operator");
    await addStaff(db, AUDITOR, "operator");
    app = await startAppServer({ ...baseServerEnv(database.url), TRUST_PROXY_HOPS: "1", SUPPORT_SIGNIN_MAX_FAILURES: String(ACCOUNT_LIMIT) });
  }, 60_000);

  afterAll(async () => {
    await app?.stop();
    if (db) await closeDatabaseClient(db);
    await database?.drop();
  });

  it("checks no more than the limit of passwords sent at the same moment, and refuses the right one after them", async () => {
    const ip = "198.51.100.70";
    // Twelve wrong passwords and the right one, sent together from one address.
    const guesses = await Promise.all([...Array.from({ length: 12 }, () => preparedGuess(ip, EMAIL, WRONG)), preparedGuess(ip, EMAIL, STAFF_PASSWORD)]);
    const answers = await Promise.all(guesses.map((send) => send()));
    expect(answers.every((a) => [302, 401, 429].includes(a.status))).toBe(true);
    expect(await checkedAttempts(EMAIL)).toBeLessThanOrEqual(ACCOUNT_LIMIT);

    // Forty wrong ones together (from a second address, a fresh count for the account), then the right one.
    await db.supportSignInThrottle.deleteMany({});
    const before = await checkedAttempts(EMAIL);
    const other = "198.51.100.71";
    const burst = await Promise.all(Array.from({ length: 40 }, () => preparedGuess(other, EMAIL, WRONG)));
    const burstAnswers = await Promise.all(burst.map((send) => send()));
    expect(burstAnswers.every((a) => a.status === 401 || a.status === 429)).toBe(true);
    expect((await checkedAttempts(EMAIL)) - before).toBe(ACCOUNT_LIMIT);
    const right = await (await preparedGuess("198.51.100.72", EMAIL, STAFF_PASSWORD))();
    expect(right.status).toBe(429);
    expect(right.headers.getSetCookie().some((c) => /lp_support=[^;]/.test(c))).toBe(false);
    expect((await checkedAttempts(EMAIL)) - before).toBe(ACCOUNT_LIMIT);
  });

  it("answers a flood of sign-in posts with a bad token without an audit entry each, and 429 past the minute's limit", async () => {
    const ip = "203.0.113.80";
    const auditBefore = await db.supportAuditEntry.count();
    const send = await preparedGuess(ip, "x@example.com", "whatever", "forged");
    const statuses: number[] = [];
    const started = performance.now();
    // 2,000 posts, twenty at a time.
    for (let batch = 0; batch < 100; batch++) {
      const answers = await Promise.all(Array.from({ length: 20 }, () => send()));
      for (const answer of answers) statuses.push(answer.status);
    }
    const seconds = (performance.now() - started) / 1000;
    const refused = statuses.filter((s) => s === 403).length;
    console.log(`${kind}: 2,000 bad-token sign-in posts in ${seconds.toFixed(1)} s (${(2000 / seconds).toFixed(0)}/s): ${refused} counted (403), ${2000 - refused} throttled (429), ${(await db.supportAuditEntry.count()) - auditBefore} audit entries`);
    expect(await db.supportAuditEntry.count()).toBe(auditBefore);
    expect(statuses.every((s) => s === 403 || s === 429)).toBe(true);
    // Thirty a minute are counted (a minute may turn during the run).
    expect(refused).toBeGreaterThanOrEqual(30);
    expect(refused).toBeLessThanOrEqual(60);
    const rows = await db.supportRefusalCount.findMany({ where: { ip } });
    expect(rows.reduce((sum, row) => sum + row.count, 0)).toBe(refused);
    expect(rows.some((row) => row.throttled)).toBe(true);

    // An operator (from another address) sees the counts below the audit log.
    const signIn = await (await preparedGuess("198.51.100.90", AUDITOR, STAFF_PASSWORD))();
    expect(signIn.status).toBe(302);
    const session = signIn.headers.getSetCookie().find((c) => /lp_support=[^;]/.test(c))!.split(";")[0];
    const page = await fetch(`${app.url}/support/audit`, { headers: { Cookie: session, "X-Forwarded-For": "198.51.100.90" } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Refused while signed out");
    expect(html).toContain(ip);
    expect(html).toContain("throttled");
  }, 120_000);
});
