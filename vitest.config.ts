import { defineConfig } from "vitest/config";
import { sharedConfig } from "./vitest.shared";

// Unit and integration tests (next to the code they test). Browser and fault tests have their own configs.
export default defineConfig({
  ...sharedConfig,
  test: {
    ...sharedConfig.test,
    include: ["app/**/*.test.{ts,tsx}", "sandbox/**/*.test.ts", "server/**/*.test.ts", "scripts/**/*.test.ts", "tests/e2e/**/*.test.ts"],
    testTimeout: 20_000,
  },
});
