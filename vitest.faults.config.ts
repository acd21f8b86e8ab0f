import { defineConfig } from "vitest/config";
import { sharedConfig } from "./vitest.shared";

// Fault tests (tests/faults): each starts production servers as child processes and loads them, so they run
// one file at a time, after the unit and integration tests, instead of competing with them for the CPUs.
export default defineConfig({
  ...sharedConfig,
  test: {
    ...sharedConfig.test,
    include: ["tests/faults/**/*.test.ts"],
    testTimeout: 20_000,
    fileParallelism: false,
  },
});
