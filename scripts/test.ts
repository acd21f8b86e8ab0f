// `npm test`: everything CI checks, in order, with one summary at the end.
//   typecheck → lint → production build → unit/integration tests (SQLite, and PostgreSQL when
//   TEST_POSTGRES_URL is set) → fault tests (crash, outage, fuzz, scale-out against the build) → browser tests
//   (headless Chromium against the build).
// Ends with a line "tests: N passed, N failed" and a non-zero exit code when anything failed.
import { readCommandLine } from "./lib/cli";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

readCommandLine({
  usage: `usage: npm test   (or scripts/run test, as CI does)
  typecheck, lint, build, unit and integration tests, fault tests, browser tests; ends with "tests: N passed, N failed".
  No options; TEST_POSTGRES_URL=postgresql://…/postgres adds PostgreSQL. One suite alone: npm run test:unit,
  test:faults or test:browser (vitest's own flags after --).`,
});

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const artifacts = path.join(root, "artifacts");
mkdirSync(artifacts, { recursive: true });

interface StepResult {
  name: string;
  ok: boolean;
  seconds: number;
  passed?: number;
  failed?: number;
  skipped?: number;
}
const results: StepResult[] = [];

function run(name: string, command: string, args: string[], env: Record<string, string> = {}): boolean {
  console.log(`\n━━ ${name}: ${command} ${args.join(" ")}`);
  const started = Date.now();
  const child = spawnSync(command, args, { cwd: root, stdio: "inherit", env: { ...process.env, ...env } });
  const ok = child.status === 0;
  results.push({ name, ok, seconds: (Date.now() - started) / 1000 });
  return ok;
}

function vitest(name: string, config: string) {
  const report = path.join(artifacts, `vitest-${name.replace(/\W+/g, "-")}.json`);
  rmSync(report, { force: true });
  run(name, "npx", ["vitest", "run", "--config", config, "--reporter=default", "--reporter=json", `--outputFile.json=${report}`]);
  const step = results[results.length - 1];
  if (existsSync(report)) {
    const json = JSON.parse(readFileSync(report, "utf8"));
    Object.assign(step, { passed: json.numPassedTests, failed: json.numFailedTests, skipped: json.numPendingTests + json.numTodoTests });
    // A run that executed nothing proves nothing.
    if (json.numTotalTests === 0) step.ok = false;
  } else {
    step.failed = (step.failed ?? 0) + 1;
  }
}

const postgres = process.env.TEST_POSTGRES_URL;
run("typecheck", "npx", ["tsc", "--noEmit"]);
run("lint", "npx", ["eslint", "--max-warnings", "0", "."]);
const built = run("build", "npm", ["run", "--silent", "build"], { NODE_ENV: "production" });
vitest("unit and integration", "vitest.config.ts");
for (const [name, config] of [["faults", "vitest.faults.config.ts"], ["browser", "vitest.browser.config.ts"]]) {
  if (built) vitest(name, config);
  else results.push({ name, ok: false, seconds: 0, failed: 1 });
}

console.log("\n━━ summary");
for (const r of results) {
  const counts = r.passed === undefined ? "" : ` (${r.passed} passed, ${r.failed ?? 0} failed${r.skipped ? `, ${r.skipped} skipped` : ""})`;
  console.log(`${r.ok ? "✔" : "✘"} ${r.name}${counts} ${r.seconds.toFixed(1)} s`);
}
console.log(postgres ? `PostgreSQL: included (${postgres.replace(/\/\/[^@]*@/, "//…@")})` : "PostgreSQL: SKIPPED (set TEST_POSTGRES_URL to include it)");
// Checks without a test count (typecheck, lint, build) count as one each.
let passed = 0;
let failed = 0;
for (const r of results) {
  if (r.passed === undefined) {
    if (r.ok) passed++;
    else failed++;
    continue;
  }
  passed += r.passed;
  failed += r.failed ?? 0;
  if (!r.ok && !r.failed) failed++; // the runner crashed or ran nothing
}
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
