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

/** Where a DATABASE_URL points, without its credentials, for messages. */
export function describeDatabaseUrl(url: string): string {
  if (databaseKind(url) === "sqlite") return `SQLite file ${sqliteFilePath(url)}`;
  const parsed = new URL(url);
  return `PostgreSQL at ${parsed.hostname}:${parsed.port || "5432"}`;
}

/**
 * One line saying why the database named by `url` could not be used, for start-up and the db scripts: the
 * driver's own errors are stack traces with dozens of fields, where the reader needs what to fix.
 */
export function describeDatabaseError(error: unknown, url: string): string {
  const where = describeDatabaseUrl(url);
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const text = typeof message === "string" ? message.split("\n")[0] : String(error);
  switch (code) {
    case "3D000":
      return `${text} on ${where}: create it first (e.g. \`createdb ${new URL(url).pathname.slice(1)}\`) or fix DATABASE_URL`;
    case "28P01":
    case "28000":
      return `${where} refused the credentials in DATABASE_URL (${text})`;
    case "ECONNREFUSED":
    case "ENOTFOUND":
    case "EHOSTUNREACH":
    case "ETIMEDOUT":
      return `cannot reach ${where} (${code}): is the server running, and is DATABASE_URL right?`;
    case "SQLITE_CANTOPEN":
      return `cannot open the ${where} (${text})`;
    default:
      return `${where}: ${text}`;
  }
}
