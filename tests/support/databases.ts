// Each test file gets fresh databases copied from the run's migrated templates (see global-setup.ts), and
// points the app's process-wide singletons (config, database client, Shopify app) at them.
import { randomBytes } from "node:crypto";
import { copyFileSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, inject } from "vitest";
import { resetConfigForTests } from "~/config/env.server";
import { disconnectDatabase, getDatabase, type Database } from "~/db.server";
import { createPostgresDatabase, dropPostgresDatabase } from "./postgres";

export type DatabaseKind = "sqlite" | "postgres";

/** The databases this run tests against: SQLite always, PostgreSQL when TEST_POSTGRES_URL is set. */
export const databaseKinds: DatabaseKind[] = inject("postgresTemplate") ? ["sqlite", "postgres"] : ["sqlite"];

export interface TestDatabase {
  kind: DatabaseKind;
  url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  const suffix = randomBytes(6).toString("hex");
  if (kind === "sqlite") {
    const template = inject("sqliteTemplate");
    const file = path.join(path.dirname(template), `test-${suffix}.sqlite`);
    copyFileSync(template, file);
    return {
      kind,
      url: `file:${file}`,
      drop: async () => {
        for (const extra of ["", "-wal", "-shm"]) rmSync(file + extra, { force: true });
      },
    };
  }
  const template = inject("postgresTemplate");
  const adminUrl = process.env.TEST_POSTGRES_URL;
  if (!template || !adminUrl) throw new Error("PostgreSQL tests need TEST_POSTGRES_URL");
  const name = `lp_t_${suffix}`;
  const url = await createPostgresDatabase(adminUrl, name, new URL(template).pathname.slice(1));
  return { kind, url, drop: () => dropPostgresDatabase(adminUrl, name) };
}

/** Makes `url` the database of the app modules under test (config, client and Shopify app are rebuilt). */
export async function useDatabase(url: string): Promise<Database> {
  await disconnectDatabase();
  process.env.DATABASE_URL = url;
  resetConfigForTests();
  globalThis.__shopifyApp = undefined;
  return getDatabase();
}

/**
 * Registers beforeAll/afterAll hooks that give the calling describe block a fresh database of `kind`,
 * wired into the app. Returns a getter, since the database exists only once the hooks have run.
 */
export function withTestDatabase(kind: DatabaseKind) {
  let database: TestDatabase | undefined;
  let client: Database | undefined;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
    client = await useDatabase(database.url);
  });
  afterAll(async () => {
    await disconnectDatabase();
    await database?.drop();
  });
  return {
    get db(): Database {
      if (!client) throw new Error("the test database is created in beforeAll");
      return client;
    },
    get url(): string {
      if (!database) throw new Error("the test database is created in beforeAll");
      return database.url;
    },
  };
}
