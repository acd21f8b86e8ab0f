// The generated Prisma clients must not load the project's .env on import: configuration comes only from
// app/config (see detachDotenv in scripts/db.ts).
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "../..");

describe("generated Prisma clients", () => {
  it.each(["client", "client-postgres"])("%s carries no .env path", (folder) => {
    const source = readFileSync(path.join(root, "node_modules", ".prisma", folder, "index.js"), "utf8");
    // Prisma writes the path only when a .env existed at generation time; either way none may remain.
    expect(source).toContain('"relativeEnvPaths"');
    expect(source).not.toMatch(/"(rootEnvPath|schemaEnvPath)": "/);
  });
});
