// Fresh, migrated databases for one benchmark run: an SQLite file in a temporary folder, or a PostgreSQL
// database created on BENCH_POSTGRES_URL's server. Dropped afterwards.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { applyMigrations } from "../../../app/db/migrations.server";
import { createPostgresDatabase, dropPostgresDatabase } from "../../../tests/support/postgres";
import { BENCH_POSTGRES_URL } from "./environment";

export type DatabaseKind = "sqlite" | "postgres";

export interface BenchDatabase {
  kind: DatabaseKind;
  url: string;
  /** SQLite: the file. */
  file?: string;
  /** PostgreSQL: the database name. */
  name?: string;
  drop(): Promise<void>;
}

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

export async function createBenchDatabase(kind: DatabaseKind, label = "bench", adminUrl = BENCH_POSTGRES_URL): Promise<BenchDatabase> {
  const suffix = randomBytes(4).toString("hex");
  if (kind === "sqlite") {
    const dir = mkdtempSync(path.join(os.tmpdir(), `lp-${label}-`));
    const file = path.join(dir, "app.sqlite");
    const url = `file:${file}`;
    await applyMigrations(url, projectRoot);
    return { kind, url, file, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `lp_${label.replace(/\W/g, "_")}_${suffix}`;
  const url = await createPostgresDatabase(adminUrl, name);
  await applyMigrations(url, projectRoot);
  return { kind, url, name, drop: () => dropPostgresDatabase(adminUrl, name) };
}
