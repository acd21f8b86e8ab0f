// `npm run support:user -- <command>`: the support console's staff accounts.
//
//   add <email> --role viewer|operator [--password-stdin]   create an account (asks for the password twice)
//   reset-password <email> [--password-stdin]              set a new password; ends the user's sessions
//   set-role <email> viewer|operator                        change the role; ends the user's sessions
//   disable <email>                                         sign-in refused, sessions end at once
//   enable <email>                                          allow sign-in again
//   totp-enroll <email>                                     show a new TOTP secret, confirm it with a code
//   totp-disable <email>                                    remove the second factor
//   list                                                    every account, its role, state and sessions
//
// With --password-stdin (or when stdin is not a terminal) the password is the first line of stdin; otherwise
// it is typed without echo. Reads .env in the working directory like the server; the environment wins.
// Every change is written to the support audit log as done from the command line.
import { readCommandLine } from "./lib/cli";
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { ConfigError, getConfig } from "../app/config/env.server";
import { disconnectDatabase, getDatabase } from "../app/db.server";
import { applyMigrations } from "../app/db/migrations.server";
import { recordAudit, type AuditAction } from "../app/support/audit.server";
import { MIN_PASSWORD_LENGTH } from "../app/support/password.server";
import {
  createSupportUser,
  disableSupportUser,
  disableTotp,
  enableSupportUser,
  enableTotp,
  listSupportUsers,
  newTotpEnrolment,
  resetSupportPassword,
  setSupportUserRole,
  SupportUserError,
} from "../app/support/users.server";

const USAGE = `usage: npm run support:user -- <command>
  add <email> --role viewer|operator [--password-stdin]
  reset-password <email> [--password-stdin]
  set-role <email> viewer|operator
  disable <email>
  enable <email>
  totp-enroll <email>
  totp-disable <email>
  list`;

class UsageError extends Error {}

function option(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  if (at < 0) return undefined;
  const value = args[at + 1];
  if (!value || value.startsWith("--")) throw new UsageError(`${name} needs a value`);
  return value;
}

// One reader for stdin, so several answers can be read from a pipe in turn.
let lines: AsyncIterator<string> | undefined;
async function readLine(): Promise<string> {
  lines ??= createInterface({ input: process.stdin, terminal: false })[Symbol.asyncIterator]();
  const next = await lines.next();
  if (next.done) throw new UsageError("stdin ended before the expected input");
  return next.value.replace(/\r$/, "");
}

/** Reads a line from the terminal without echoing it. */
function readHidden(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stdout.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding("utf8");
    let value = "";
    const done = (error?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.removeListener("data", onData);
      process.stdout.write("\n");
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === "\r" || char === "\n") return done();
        if (char === "\u0003") return done(new UsageError("cancelled"));
        if (char === "\u007f" || char === "\b") value = value.slice(0, -1);
        else value += char;
      }
    };
    stdin.on("data", onData);
  });
}

async function askPassword(args: string[]): Promise<string> {
  if (args.includes("--password-stdin") || !process.stdin.isTTY) return readLine();
  console.log(`Passwords: at least ${MIN_PASSWORD_LENGTH} characters.`);
  const first = await readHidden("Password: ");
  const second = await readHidden("Password again: ");
  if (first !== second) throw new UsageError("the passwords differ");
  return first;
}

async function askLine(prompt: string): Promise<string> {
  process.stdout.write(prompt);
  return readLine();
}

function operatorName(): string {
  let name = "unknown";
  try {
    name = os.userInfo().username;
  } catch {
    // no passwd entry (some containers)
  }
  return `cli:${name}@${os.hostname()}`;
}

async function audit(action: AuditAction, email: string, details: Record<string, string | number | boolean | null> = {}) {
  await recordAudit(getDatabase(), {
    user: { id: null, email: operatorName() },
    action,
    outcome: "success",
    details: { account: email, ...details },
    client: { ip: null, userAgent: "support-user CLI" },
  });
}

async function main(argv: string[]): Promise<number> {
  const [command, email, ...rest] = argv;
  const db = getDatabase();
  const needEmail = () => {
    if (!email || email.startsWith("--")) throw new UsageError(`${command} needs an email`);
    return email;
  };
  switch (command) {
    case "add": {
      const address = needEmail();
      const role = option(rest, "--role");
      if (!role) throw new UsageError("add needs --role viewer or --role operator");
      const user = await createSupportUser(db, { email: address, role, password: await askPassword(rest) });
      await audit("user.added", user.email, { role: user.role });
      console.log(`Added ${user.email} (${user.role}).`);
      return 0;
    }
    case "reset-password": {
      const address = needEmail();
      const result = await resetSupportPassword(db, address, await askPassword(rest));
      await audit("user.password_reset", result.email, { sessionsEnded: result.sessionsEnded });
      console.log(`New password set for ${result.email}; ${result.sessionsEnded} session(s) ended.`);
      return 0;
    }
    case "set-role": {
      const address = needEmail();
      const role = rest[0];
      if (!role) throw new UsageError("set-role needs a role: viewer or operator");
      const result = await setSupportUserRole(db, address, role);
      await audit("user.role_changed", result.email, { role: result.role });
      console.log(`${result.email} is now ${result.role}.`);
      return 0;
    }
    case "disable": {
      const result = await disableSupportUser(db, needEmail());
      await audit("user.disabled", result.email, { sessionsEnded: result.sessionsEnded });
      console.log(`Disabled ${result.email}; ${result.sessionsEnded} session(s) ended.`);
      return 0;
    }
    case "enable": {
      const result = await enableSupportUser(db, needEmail());
      await audit("user.enabled", result.email);
      console.log(`Enabled ${result.email}.`);
      return 0;
    }
    case "totp-enroll": {
      const address = needEmail();
      const enrolment = newTotpEnrolment(address);
      console.log("Add this account to the authenticator app (scan the URI as a QR code, or type the secret):");
      console.log(`  secret: ${enrolment.secret}`);
      console.log(`  uri:    ${enrolment.uri}`);
      const code = await askLine("Code the app shows now: ");
      const result = await enableTotp(db, address, enrolment.secret, code);
      await audit("user.totp_enabled", result.email);
      console.log(`Second factor on for ${result.email}: sign-in now asks for a code. The user's sessions ended.`);
      return 0;
    }
    case "totp-disable": {
      const result = await disableTotp(db, needEmail());
      await audit("user.totp_disabled", result.email);
      console.log(`Second factor removed for ${result.email}.`);
      return 0;
    }
    case "list": {
      const users = await listSupportUsers(db);
      if (users.length === 0) console.log("No support users yet. Add one: npm run support:user -- add <email> --role operator");
      for (const u of users) {
        const state = u.disabled ? "disabled" : "active";
        const last = u.lastSignInAt ? u.lastSignInAt.toISOString() : "never";
        console.log(`${u.email}\t${u.role}\t${state}\t${u.totp ? "totp" : "password only"}\tsessions: ${u.sessions}\tlast sign-in: ${last}`);
      }
      return 0;
    }
    default:
      throw new UsageError(command ? `unknown command ${command}` : "no command");
  }
}

// --help and an unknown command are answered before the configuration and the database are touched.
readCommandLine({
  usage: USAGE,
  commands: ["add", "reset-password", "set-role", "disable", "enable", "totp-enroll", "totp-disable", "list"],
  ownArguments: true,
});
if (existsSync(".env")) process.loadEnvFile(".env");
let code = 1;
try {
  // The database may be new (the server has not run yet): bring it to the latest schema first, as the server does.
  await applyMigrations(getConfig().DATABASE_URL, path.resolve(path.dirname(fileURLToPath(import.meta.url)), ".."));
  code = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError) console.error(`${error.message}\n\n${USAGE}`);
  else if (error instanceof SupportUserError || error instanceof ConfigError) console.error(error.message);
  else console.error(`support:user failed: ${(error as Error).message}`);
  code = error instanceof UsageError ? 2 : 1;
} finally {
  await disconnectDatabase();
}
process.exit(code);
