// Runs once per `vitest run`: builds migrated template databases that each test file copies, so files run in
// parallel on databases of their own. PostgreSQL joins in when TEST_POSTGRES_URL names a server database on
// which this run may create databases; without it the PostgreSQL variants are skipped, and said so.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { applyMigrations } from "../../app/db/migrations.server";
import { createPostgresDatabase, dropPostgresDatabase } from "../support/postgres";

declare module "vitest" {
  export interface ProvidedContext {
    sqliteTemplate: string;
    postgresTemplate: string | null;
  }
}

export default async function setup(project: TestProject) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "lp-test-"));
  const sqliteTemplate = path.join(dir, "template.sqlite");
  await applyMigrations(`file:${sqliteTemplate}`);
  project.provide("sqliteTemplate", sqliteTemplate);

  const adminUrl = process.env.TEST_POSTGRES_URL;
  let postgresTemplate: string | null = null;
  if (adminUrl) {
    postgresTemplate = await createPostgresDatabase(adminUrl, `lp_tpl_${process.pid}`);
    await applyMigrations(postgresTemplate);
  } else {
    console.warn("\n[tests] PostgreSQL skipped: TEST_POSTGRES_URL is not set (SQLite only).\n");
  }
  project.provide("postgresTemplate", postgresTemplate);

  return async () => {
    if (adminUrl && postgresTemplate) await dropPostgresDatabase(adminUrl, new URL(postgresTemplate).pathname.slice(1));
    rmSync(dir, { recursive: true, force: true });
  };
}
