// `npm run secrets:rotate`: re-seals every stored secret (Postscript keys, Loop tokens, Loop webhook signing
// secrets) that is not under the newest key of SECRETS_ENCRYPTION_KEYS, and prints what it did. Safe to run
// again (idempotent) and while the app runs (a value changed meanwhile is left to the newer write).
//
// Rotating a key:  1. put the new key FIRST in SECRETS_ENCRYPTION_KEYS (keep the old one after it) and restart
//                  the app;  2. npm run secrets:rotate;  3. remove the old key from the list and restart.
// Reads .env in the working directory like the server does; variables in the environment win.
import { readCommandLine } from "./lib/cli";
import { existsSync } from "node:fs";
import { ConfigError, getConfig } from "../app/config/env.server";
import { disconnectDatabase, getDatabase } from "../app/db.server";
import { formatRotationReport, rotateSecrets } from "../app/maintenance/secret-rotation.server";

readCommandLine({
  usage: `usage: npm run secrets:rotate
  re-seals every stored secret under the newest key of SECRETS_ENCRYPTION_KEYS and prints counts (no options)`,
});
if (existsSync(".env")) process.loadEnvFile(".env");

try {
  getConfig(); // validates the environment first, with a message naming what is wrong
  const report = await rotateSecrets(getDatabase());
  console.log(formatRotationReport(report));
  process.exitCode = report.failures.length ? 1 : 0;
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : `secrets:rotate failed: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await disconnectDatabase();
}
