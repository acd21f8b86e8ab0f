// `npm run demo`: the app on its embedded defaults (SQLite, generated .env) with a development shop whose
// offline session is seeded, so the admin screens open in a plain browser without Shopify or internet.
// Prints the URL to open. Ctrl-C stops everything.
import { spawn, execFileSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ensureLocalEnv } from "./local-env";
import { seedDevShop } from "./dev-shop";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const port = Number(process.env.PORT ?? 3000);

const env = ensureLocalEnv(root, port);
console.log(env.created ? `created ${env.file} with generated secrets` : `using ${env.file}`);
process.loadEnvFile(env.file);
if (process.env.NODE_ENV === "production") {
  console.error("npm run demo is a development tool; .env says NODE_ENV=production");
  process.exit(1);
}

console.log("building…");
execFileSync("npm", ["run", "--silent", "build"], { cwd: root, stdio: "inherit", env: { ...process.env, NODE_ENV: "production" } });

const { migrated, shop } = await seedDevShop();
if (migrated.length) console.log(`database migrated: ${migrated.join(", ")}`);

const server = spawn(process.execPath, ["build/server.js"], { cwd: root, stdio: "inherit", env: process.env });
const appUrl = process.env.SHOPIFY_APP_URL ?? `http://localhost:${port}`;

await waitForHealth(`${appUrl}/healthz`);
console.log(`
  App running for ${shop}.
  Open ${appUrl}/dev/open in a browser (it signs you in as the development shop, like Shopify admin does).
  Ctrl-C to stop.
`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => server.kill("SIGTERM"));
}
server.on("exit", (code) => process.exit(code ?? 0));

async function waitForHealth(url: string) {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the app did not become healthy at ${url}`);
}
