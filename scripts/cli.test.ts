// Every command-line tool of the project answers --help with its usage (exit 0, nothing else done) and an
// unknown command or flag with its usage and a non-zero exit, so a newcomer can find out how to call each one.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "..");
const tsx = path.join(root, "node_modules", ".bin", "tsx");

function run(script: string, args: string[], env: Record<string, string> = {}) {
  // npm runs the scripts in the project folder (tsx reads the "~" alias from its tsconfig.json there). The
  // environment is all but empty: --help must need no configuration, database or build.
  const result = spawnSync(tsx, [script, ...args], {
    cwd: root,
    encoding: "utf8",
    timeout: 30_000,
    env: { NODE_ENV: "development", PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? root, ...env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const CLIS: { script: string; unknown: string[] }[] = [
  { script: "scripts/db.ts", unknown: ["frobnicate"] },
  { script: "scripts/support-user.ts", unknown: ["frobnicate"] },
  { script: "scripts/rotate-secrets.ts", unknown: ["--frobnicate"] },
  { script: "scripts/docs-events.ts", unknown: ["frobnicate"] },
  { script: "scripts/demo.ts", unknown: ["--frobnicate"] },
  { script: "scripts/test.ts", unknown: ["--frobnicate"] },
  { script: "scripts/bench/ingest.ts", unknown: ["--frobnicate"] },
  { script: "scripts/bench/delivery.ts", unknown: ["--frobnicate"] },
  { script: "scripts/bench/overview.ts", unknown: ["--frobnicate"] },
  { script: "sandbox/postscript/cli.ts", unknown: ["--frobnicate"] },
  { script: "sandbox/loop/cli.ts", unknown: ["frobnicate"] },
  { script: "sandbox/shopify/cli.ts", unknown: ["frobnicate"] },
];

// Each case starts tsx twice; on a loaded 2-core machine that alone can take several seconds.
describe("command-line tools", { timeout: 60_000 }, () => {
  for (const { script, unknown } of CLIS) {
    it(`${script}: --help prints the usage and exits 0; ${unknown.join(" ")} prints it and fails`, () => {
      const help = run(script, ["--help"]);
      expect(help.stderr).toBe("");
      expect(help.stdout.toLowerCase()).toContain("usage");
      expect(help.code).toBe(0);

      const wrong = run(script, unknown);
      expect(wrong.code).not.toBe(0);
      expect(wrong.code).not.toBeNull();
      expect(`${wrong.stdout}${wrong.stderr}`.toLowerCase()).toContain("usage");
      expect(wrong.stderr).toContain(unknown[0].replace(/^--/, ""));
    });
  }
});

describe("db:migrate", () => {
  const adminUrl = process.env.TEST_POSTGRES_URL;
  it.skipIf(!adminUrl)("says in one line that a PostgreSQL database does not exist", () => {
    const url = new URL(adminUrl!);
    url.pathname = `/lp_missing_${process.pid}`;
    const result = run("scripts/db.ts", ["migrate"], { DATABASE_URL: url.toString() });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split("\n")).toEqual([expect.stringMatching(/database "lp_missing_\d+" does not exist/)]);
  });

  it("says in one line that the database server cannot be reached", () => {
    const result = run("scripts/db.ts", ["migrate"], { DATABASE_URL: "postgresql://postgres@127.0.0.1:1/app" });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split("\n")).toEqual([expect.stringMatching(/cannot reach .*127\.0\.0\.1:1/)]);
  });
});
