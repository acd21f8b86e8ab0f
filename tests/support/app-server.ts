// Starts the production build (`node build/server.js`, as `npm start` does) in a child process for tests that
// need the real HTTP server: port 0, its own database, and the environment the test gives it.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const root = path.resolve(__dirname, "../..");
// An empty working directory: no stray .env there can configure the server behind the test's back.
const emptyDir = () => mkdtempSync(path.join(os.tmpdir(), "lp-server-cwd-"));

export interface AppServer {
  url: string;
  child: ChildProcess;
  output: () => string;
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Signs support console cookies in servers started by tests (required in production). */
export const TEST_SUPPORT_SESSION_SECRET = "test-support-session-secret-0123456789abcdef";

export function baseServerEnv(databaseUrl: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "",
    NODE_ENV: "production",
    PORT: "0",
    HOST: "127.0.0.1",
    DATABASE_URL: databaseUrl,
    SHOPIFY_API_KEY: process.env.SHOPIFY_API_KEY!,
    SHOPIFY_API_SECRET: process.env.SHOPIFY_API_SECRET!,
    SHOPIFY_APP_URL: process.env.SHOPIFY_APP_URL!,
    SECRETS_ENCRYPTION_KEYS: process.env.SECRETS_ENCRYPTION_KEYS!,
    SUPPORT_SESSION_SECRET: TEST_SUPPORT_SESSION_SECRET,
    LOG_LEVEL: "info",
    SHUTDOWN_TIMEOUT_MS: "5000",
  };
}

/** Runs the server and waits for its "server listening" line; rejects if it exits first. */
export function startAppServer(env: Record<string, string>, { timeoutMs = 20_000 } = {}): Promise<AppServer> {
  if (!existsSync(path.join(root, "build", "server.js"))) {
    throw new Error("no production build: run `npm run build` (npm test does it first)");
  }
  // cwd is a folder without .env, so only `env` configures the server.
  const child = spawn(process.execPath, [path.join(root, "build", "server.js")], {
    cwd: emptyDir(),
    env: env as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`server did not start in ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /"msg":"server listening","port":(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({
          url: `http://127.0.0.1:${match[1]}`,
          child,
          output: () => output,
          stop: async (signal = "SIGTERM") => {
            if (child.exitCode === null) child.kill(signal);
            return exited;
          },
        });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with code ${code} before listening:\n${output}`));
    });
  });
}

/** Runs the server expecting it to refuse to start; resolves with its exit code and output. */
export function runAppServerToExit(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [path.join(root, "build", "server.js")], { cwd: emptyDir(), env: env as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (c) => (output += c));
  child.stderr.on("data", (c) => (output += c));
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, output })));
}
