// Prisma CLI configuration. The CLI runs in its engine-free mode: the WebAssembly schema engine talks to
// the database through the same driver adapters the app uses, so nothing is downloaded from Prisma's
// servers (machines that reach only package registries can run it). DATABASE_URL picks the database and with
// it the schema folder.
import path from "node:path";
import { defineConfig } from "prisma/config";
import { databaseKind, sqliteFilePath } from "./app/db/url";

const url = process.env.DATABASE_URL;
if (!url) {
  throw new Error("DATABASE_URL must be set for the Prisma CLI (run it through `npm run db:*`).");
}
const kind = databaseKind(url);
const schemaFolder = kind === "postgres" ? path.join("prisma", "postgres") : "prisma";

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: path.join(schemaFolder, "schema.prisma"),
  migrations: { path: path.join(schemaFolder, "migrations") },
  async adapter() {
    if (kind === "postgres") {
      const { PrismaPg } = await import("@prisma/adapter-pg");
      return new PrismaPg({ connectionString: url });
    }
    const { PrismaBetterSQLite3 } = await import("@prisma/adapter-better-sqlite3");
    return new PrismaBetterSQLite3({ url: sqliteFilePath(url) });
  },
});
