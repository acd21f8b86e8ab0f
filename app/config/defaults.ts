// Defaults shared by the configuration schema and the scripts that run before the app starts.

/** The embedded SQLite database, a file under the project (git-ignored), created on first start. */
export const DEFAULT_DATABASE_URL = "file:./data/app.sqlite";
