// The production build as benchmarks (and tools) run it: `node build/server.js` in a child process with the
// environment given, ready once it logs "server listening". Mirrors tests/support/app-server.ts, which relies
// on vitest's __dirname.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const SERVER = path.join(PROJECT_ROOT, "build", "server.js");

/** `npm run build` (production), unless told not to and a build exists. */
export function ensureBuild({ skip = false } = {}) {
  if (skip && existsSync(SERVER)) return;
  console.log("building (npm run build)…");
  execFileSync("npm", ["run", "--silent", "build"], { cwd: PROJECT_ROOT, stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, NODE_ENV: "production" } });
}

export interface RunningApp {
  url: string;
  pid: number;
  child: ChildProcess;
  output(): string;
  /** Sends `signal` (SIGTERM: graceful) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface StartAppOptions {
  timeoutMs?: number;
  /** Extra node flags (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** Working directory (default: an empty temporary one, so no stray .env is read). */
  cwd?: string;
  /** Keep at most this many characters of output (the rest is dropped from the front). */
  maxOutput?: number;
}

/** The environment a server needs besides its own settings (PATH and HOME for child tools). */
export function serverEnv(databaseUrl: string, appEnv: Record<string, string>, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "",
    NODE_ENV: "production",
    PORT: "0",
    HOST: "127.0.0.1",
    // info: the "server listening" line startApp waits for is logged at info.
    LOG_LEVEL: "info",
    SHUTDOWN_TIMEOUT_MS: "5000",
    ...appEnv,
    DATABASE_URL: databaseUrl,
    ...extra,
  };
}

export function startApp(env: Record<string, string>, options: StartAppOptions = {}): Promise<RunningApp> {
  const { timeoutMs = 30_000, nodeArgs = [], maxOutput = 200_000 } = options;
  if (!existsSync(SERVER)) throw new Error("no production build: run `npm run build`");
  const cwd = options.cwd ?? mkdtempSync(path.join(os.tmpdir(), "lp-app-cwd-"));
  const child = spawn(process.execPath, [...nodeArgs, SERVER], { cwd, env: env as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  let ready = false;
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code, signal) => resolve(code ?? (signal ? 128 : null))));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`server did not start in ${timeoutMs} ms:\n${output.slice(-4000)}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.length > maxOutput) output = output.slice(-maxOutput);
      if (ready) return;
      const match = /"msg":"server listening","port":(\d+)/.exec(output);
      if (!match) return;
      ready = true;
      clearTimeout(timer);
      resolve({
        url: `http://127.0.0.1:${match[1]}`,
        pid: child.pid!,
        child,
        output: () => output,
        stop: async (signal = "SIGTERM") => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          return exited;
        },
      });
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    void exited.then((code) => {
      clearTimeout(timer);
      if (!ready) reject(new Error(`server exited with code ${code} before listening:\n${output.slice(-4000)}`));
    });
  });
}
