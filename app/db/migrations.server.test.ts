import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createTestDatabase, databaseKinds } from "../../tests/support/databases";
import { closeDatabaseClient, createDatabaseClient } from "~/db.server";
import { applyMigrations, migrationsFolder, readMigrations } from "./migrations.server";

const root = path.resolve(__dirname, "../..");

describe.each(databaseKinds)("migrations on %s", (kind) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  async function emptyDatabase() {
    // A template copy is already migrated; an empty database is one whose history we then wipe.
    const database = await createTestDatabase(kind);
    cleanups.push(database.drop);
    const db = createDatabaseClient(database.url);
    if (kind === "postgres") {
      await db.$executeRawUnsafe(`DROP SCHEMA public CASCADE`);
      await db.$executeRawUnsafe(`CREATE SCHEMA public`);
    } else {
      const tables = await db.$queryRawUnsafe<{ name: string }[]>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`);
      for (const { name } of tables) await db.$executeRawUnsafe(`DROP TABLE "${name}"`);
    }
    await closeDatabaseClient(db);
    return database.url;
  }

  it("brings an empty database to the latest schema, once", async () => {
    const url = await emptyDatabase();
    const all = readMigrations(migrationsFolder(kind, root)).map((m) => m.name);
    const first = await applyMigrations(url, root);
    expect(first.applied).toEqual(all);
    const second = await applyMigrations(url, root);
    expect(second).toEqual({ applied: [], alreadyApplied: all.length });

    const db = createDatabaseClient(url);
    await db.shop.create({ data: { domain: "migrated.myshopify.com" } });
    expect(await db.shop.count()).toBe(1);
    await closeDatabaseClient(db);
  });

  it("is safe when several processes start at once", async () => {
    const url = await emptyDatabase();
    const results = await Promise.all([applyMigrations(url, root), applyMigrations(url, root), applyMigrations(url, root)]);
    expect(results.flatMap((r) => r.applied).sort()).toEqual(readMigrations(migrationsFolder(kind, root)).map((m) => m.name).sort());
  });

  it("refuses to run when an applied migration was edited afterwards", async () => {
    const url = await emptyDatabase();
    await applyMigrations(url, root);
    const copy = mkdtempSync(path.join(os.tmpdir(), "lp-mig-"));
    cleanups.push(async () => rmSync(copy, { recursive: true, force: true }));
    cpSync(path.join(root, "prisma"), path.join(copy, "prisma"), { recursive: true });
    const [first] = readMigrations(migrationsFolder(kind, copy));
    writeFileSync(path.join(migrationsFolder(kind, copy), first.name, "migration.sql"), first.sql + "\n-- edited\n");
    await expect(applyMigrations(url, copy)).rejects.toThrow(/was changed after it was applied/);
  });
});

describe("schema and migrations", () => {
  it("agree: every change to prisma/schema.prisma has a migration, and the PostgreSQL schema is derived", () => {
    const output = execFileSync(process.execPath, ["--import", "tsx", "scripts/db.ts", "check"], { cwd: root, encoding: "utf8" });
    expect(output).toContain("schema and migrations agree");
  });
});
