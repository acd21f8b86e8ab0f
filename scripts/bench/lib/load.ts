// Runs the load generator (load-generator.ts) in a child process and returns what it measured.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { LoadConfig, LoadResult } from "./load-generator";

const GENERATOR = path.join(path.dirname(fileURLToPath(import.meta.url)), "load-generator.ts");

export function runLoad(config: LoadConfig): Promise<LoadResult> {
  const child = spawn(process.execPath, ["--import", "tsx", GENERATOR], { stdio: ["pipe", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (chunk) => (out += chunk));
  child.stdin.end(JSON.stringify(config));
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => {
      if (code !== 0) return reject(new Error(`load generator exited with ${code}`));
      try {
        resolve(JSON.parse(out.trim().split("\n").pop()!) as LoadResult);
      } catch (error) {
        reject(error);
      }
    });
  });
}
