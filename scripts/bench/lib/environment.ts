// The environment every benchmark (and the fault tests' helpers) start from: the app configuration the bench
// process needs to call app modules directly (connect shops, seed events), with a throw-away encryption key,
// and the facts about the machine the numbers came from.
import { readCommandLine, type CommandLineSpec } from "../../lib/cli";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import os from "node:os";

/** Where benchmarks create (and drop) their PostgreSQL databases: trust auth on the local server. */
export const BENCH_POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

/**
 * Puts the app's required configuration into this process's environment (values already set win), so app
 * modules imported by the benchmark (connections, the delivery worker) validate their config. The same values
 * are handed to the app server child, which must share SECRETS_ENCRYPTION_KEYS to open what we seal here.
 */
export function benchEnvironment(overrides: Record<string, string> = {}): Record<string, string> {
  const values: Record<string, string> = {
    NODE_ENV: "production",
    SHOPIFY_API_KEY: "bench-api-key",
    SHOPIFY_API_SECRET: "bench-api-secret",
    SHOPIFY_APP_URL: "http://127.0.0.1:3999",
    SECRETS_ENCRYPTION_KEYS: `bench:${randomBytes(32).toString("base64")}`,
    // Required in production (signs the support console's cookie); unused by the benchmarks.
    SUPPORT_SESSION_SECRET: randomBytes(32).toString("base64"),
    ...overrides,
  };
  for (const [name, value] of Object.entries(values)) process.env[name] ??= value;
  // This process's own log (the server child logs at the level serverEnv gives it).
  process.env.LOG_LEVEL ??= "warn";
  return Object.fromEntries(Object.keys(values).map((name) => [name, process.env[name]!]));
}

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  kernel: string;
  hostname: string;
}

export function machineInfo(): MachineInfo {
  let cpuModel = os.cpus()[0]?.model ?? "unknown";
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8")
      .split("\n")
      .find((l) => l.startsWith("model name"));
    if (line) cpuModel = line.split(":").slice(1).join(":").trim();
  } catch {
    // not Linux: os.cpus() is as good as it gets
  }
  return {
    cpus: os.availableParallelism(),
    cpuModel,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    kernel: `${os.type()} ${os.release()}`,
    hostname: os.hostname(),
  };
}

export function describeMachine(info: MachineInfo = machineInfo()): string {
  return `${info.cpus} CPUs (${info.cpuModel}), ${info.memoryGiB} GiB RAM, Node ${info.node}, ${info.kernel}`;
}

/** A benchmark's flags (--name value, --name=value, bare --flag reads "true"); --help prints `usage`. */
export function benchFlags(usage: string, flags: CommandLineSpec["flags"]): Record<string, string> {
  return readCommandLine({ usage, flags }).flags;
}

/** "sqlite,postgres" → the database kinds to run. */
export function databaseKindsFlag(value: string | undefined): ("sqlite" | "postgres")[] {
  const kinds = (value ?? "sqlite,postgres").split(",").map((k) => k.trim());
  for (const kind of kinds) if (kind !== "sqlite" && kind !== "postgres") throw new Error(`unknown database kind ${kind}`);
  return kinds as ("sqlite" | "postgres")[];
}
