import path from "node:path";
import { defineConfig } from "vitest/config";

// Unit and integration tests (next to the code they test). Browser and fault tests have their own configs.
export default defineConfig({
  resolve: { alias: { "~": path.resolve(__dirname, "app") } },
  test: {
    include: ["app/**/*.test.{ts,tsx}", "sandbox/**/*.test.ts", "server/**/*.test.ts", "scripts/**/*.test.ts", "tests/e2e/**/*.test.ts"],
    environment: "node",
    globalSetup: ["tests/setup/global-setup.ts"],
    setupFiles: ["tests/setup/setup-env.ts"],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
