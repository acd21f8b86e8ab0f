// Which database a DATABASE_URL names. Shared by the app, the Prisma CLI config and the scripts, so the
// rule lives in one place: postgres:// or postgresql:// is PostgreSQL, file: is SQLite.
import path from "node:path";

export type DatabaseKind = "sqlite" | "postgres";

export function databaseKind(url: string): DatabaseKind {
  if (/^postgres(ql)?:\/\//i.test(url)) return "postgres";
  if (url.startsWith("file:")) return "sqlite";
  throw new Error(
    `DATABASE_URL must start with file: (SQLite) or postgres:// (PostgreSQL), got "${url.split(":")[0]}:…"`,
  );
}

/** The absolute SQLite file path of a `file:` URL; relative paths are taken from the project folder. */
export function sqliteFilePath(url: string): string {
  const file = url.slice("file:".length).replace(/^\/\/(?=\/)/, "");
  if (file === ":memory:") return file;
  return path.isAbsolute(file) ? file : path.resolve(process.cwd(), file);
}
