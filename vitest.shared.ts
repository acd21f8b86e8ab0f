import "./scripts/lib/require-node";
import path from "node:path";
import type { UserConfig } from "vitest/config";

// What the three test configs (unit/integration, faults, browser) share: the "~" alias, Node, one forked
// process per file, and the global setup that builds migrated template databases (tests/setup).
export const sharedConfig = {
  resolve: { alias: { "~": path.resolve(__dirname, "app") } },
  test: {
    environment: "node",
    globalSetup: ["tests/setup/global-setup.ts"],
    setupFiles: ["tests/setup/setup-env.ts"],
    hookTimeout: 60_000,
    pool: "forks",
  },
} satisfies UserConfig;
