import path from "node:path";
import { defineConfig } from "vitest/config";

// Fault tests (tests/faults): each starts production servers as child processes and loads them, so they run
// one file at a time, after the unit and integration tests, instead of competing with them for the CPUs.
export default defineConfig({
  resolve: { alias: { "~": path.resolve(__dirname, "app") } },
  test: {
    include: ["tests/faults/**/*.test.ts"],
    environment: "node",
    globalSetup: ["tests/setup/global-setup.ts"],
    setupFiles: ["tests/setup/setup-env.ts"],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: "forks",
    fileParallelism: false,
  },
});
