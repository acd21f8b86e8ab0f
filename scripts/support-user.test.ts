// `npm run support:user`: staff accounts from the command line, run as a real process against a test database.
import { spawn } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { totpCode } from "~/support/totp.server";
import { verifyPassword } from "~/support/password.server";
import { databaseKinds, withTestDatabase } from "../tests/support/databases";

const root = path.resolve(__dirname, "..");
const tsx = path.join(root, "node_modules", ".bin", "tsx");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI; `answer` may reply to what it prints (for the TOTP code). */
function cli(databaseUrl: string, args: string[], input = "", answer?: (stdout: string) => string | null): Promise<Run> {
  const child = spawn(tsx, ["scripts/support-user.ts", ...args], { cwd: root, env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: "error" }, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  let answered = false;
  child.stdout.on("data", (chunk) => {
    stdout += chunk;
    const reply = !answered && answer ? answer(stdout) : null;
    if (reply !== null && reply !== undefined) {
      answered = true;
      child.stdin.end(`${reply}\n`);
    }
  });
  child.stderr.on("data", (chunk) => (stderr += chunk));
  if (!answer) child.stdin.end(input);
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, stdout, stderr })));
}

describe.each(databaseKinds)("support:user (%s)", (kind) => {
  const database = withTestDatabase(kind);

  it("adds, lists, disables (ending sessions), enables, changes roles and resets passwords, auditing each", async () => {
    const db = database.db;
    const added = await cli(database.url, ["add", "Nina@Support.example", "--role", "operator", "--password-stdin"], "a long enough password\n");
    expect(added).toMatchObject({ code: 0, stdout: "Added nina@support.example (operator).\n" });
    const user = await db.supportUser.findUniqueOrThrow({ where: { email: "nina@support.example" } });
    expect(await verifyPassword("a long enough password", user.passwordHash)).toBe(true);

    expect(await cli(database.url, ["add", "nina@support.example", "--role", "viewer", "--password-stdin"], "a long enough password\n")).toMatchObject({ code: 1, stderr: expect.stringContaining("already exists") });
    expect(await cli(database.url, ["add", "x@support.example", "--role", "admin", "--password-stdin"], "a long enough password\n")).toMatchObject({ code: 1, stderr: expect.stringContaining("Role must be one of: viewer, operator") });
    expect(await cli(database.url, ["add", "x@support.example", "--role", "viewer", "--password-stdin"], "short\n")).toMatchObject({ code: 1, stderr: expect.stringContaining("at least 12") });
    expect(await cli(database.url, ["frobnicate"])).toMatchObject({ code: 2, stderr: expect.stringContaining("usage: npm run support:user") });

    await db.supportSession.create({ data: { id: "s1", userId: user.id, stage: "active", csrfToken: "c", expiresAt: new Date(Date.now() + 3_600_000) } });
    expect(await cli(database.url, ["disable", "nina@support.example"])).toMatchObject({ code: 0, stdout: "Disabled nina@support.example; 1 session(s) ended.\n" });
    expect(await db.supportSession.count({ where: { userId: user.id } })).toBe(0);
    expect((await cli(database.url, ["list"])).stdout).toMatch(/^nina@support\.example\toperator\tdisabled\tpassword only\tsessions: 0\tlast sign-in: never\n$/);
    expect(await cli(database.url, ["enable", "nina@support.example"])).toMatchObject({ code: 0 });
    expect(await cli(database.url, ["set-role", "nina@support.example", "viewer"])).toMatchObject({ code: 0, stdout: "nina@support.example is now viewer.\n" });
    expect(await cli(database.url, ["reset-password", "nina@support.example", "--password-stdin"], "another long password\n")).toMatchObject({ code: 0 });
    const after = await db.supportUser.findUniqueOrThrow({ where: { email: "nina@support.example" } });
    expect(after).toMatchObject({ role: "viewer", disabledAt: null });
    expect(await verifyPassword("another long password", after.passwordHash)).toBe(true);

    const audit = await db.supportAuditEntry.findMany({ orderBy: { at: "asc" } });
    expect(audit.map((a) => a.action)).toEqual(["user.added", "user.disabled", "user.enabled", "user.role_changed", "user.password_reset"]);
    expect(audit[0]).toMatchObject({ email: expect.stringMatching(/^cli:/), details: JSON.stringify({ account: "nina@support.example", role: "operator" }) });
    // The password is in no audit entry and no output.
    expect(JSON.stringify(audit)).not.toContain("long enough password");
  }, 90_000);

  it("enrols a TOTP authenticator once a code proves it, and removes it", async () => {
    const db = database.db;
    await cli(database.url, ["add", "otto@support.example", "--role", "viewer", "--password-stdin"], "a long enough password\n");
    const wrong = await cli(database.url, ["totp-enroll", "otto@support.example"], "", (out) => (/secret: ([A-Z2-7]+)/.test(out) && out.includes("Code the app shows now") ? "000000" : null));
    // (A right guess of 000000 is one in a million; the code of the secret shown is the real check below.)
    expect(wrong.code).toBe(1);
    expect((await db.supportUser.findUniqueOrThrow({ where: { email: "otto@support.example" } })).totpEnabledAt).toBeNull();

    const enrolled = await cli(database.url, ["totp-enroll", "otto@support.example"], "", (out) => {
      const secret = /secret: ([A-Z2-7]+)/.exec(out)?.[1];
      return secret && out.includes("Code the app shows now") ? totpCode(secret) : null;
    });
    expect(enrolled.code).toBe(0);
    expect(enrolled.stdout).toMatch(/uri: {4}otpauth:\/\/totp\/Loop%20to%20Postscript%20support%3Aotto%40support\.example\?secret=/);
    const user = await db.supportUser.findUniqueOrThrow({ where: { email: "otto@support.example" } });
    expect(user.totpEnabledAt).not.toBeNull();
    // Sealed, not stored in the clear.
    const secret = /secret: ([A-Z2-7]+)/.exec(enrolled.stdout)![1];
    expect(user.totpCiphertext).not.toContain(secret);
    expect((await cli(database.url, ["list"])).stdout).toContain("otto@support.example\tviewer\tactive\ttotp");
    expect(await cli(database.url, ["totp-disable", "otto@support.example"])).toMatchObject({ code: 0 });
    expect((await db.supportUser.findUniqueOrThrow({ where: { email: "otto@support.example" } })).totpCiphertext).toBeNull();
  }, 60_000);
});
