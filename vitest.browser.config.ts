import { defineConfig } from "vitest/config";
import { sharedConfig } from "./vitest.shared";

// Browser tests: the production build in a child process, driven through headless Chromium.
export default defineConfig({
  ...sharedConfig,
  test: {
    ...sharedConfig.test,
    include: ["tests/browser/**/*.test.ts"],
    testTimeout: 60_000,
    fileParallelism: false,
  },
});
