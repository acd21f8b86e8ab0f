import os from "node:os";
import { defineConfig } from "vitest/config";
import { sharedConfig } from "./vitest.shared";

// Unit and integration tests (next to the code they test). Browser and fault tests have their own configs.
export default defineConfig({
  ...sharedConfig,
  test: {
    ...sharedConfig.test,
    include: ["app/**/*.test.{ts,tsx}", "sandbox/**/*.test.ts", "server/**/*.test.ts", "scripts/**/*.test.ts", "tests/e2e/**/*.test.ts"],
    testTimeout: 20_000,
    // Vitest runs (CPUs - 1) files at once, which is one on a 2-core machine; these files wait on databases and
    // loopback HTTP much of the time, so two at once there halves the stage (122 s → 68 s measured).
    maxWorkers: Math.max(2, os.availableParallelism()),
  },
});
