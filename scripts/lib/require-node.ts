// Imported first by every entry point (the server, the scripts, the test configs): stops at once, with what to
// do, when this Node.js cannot run the project. The Shopify libraries need Node 22, and better-sqlite3 is compiled
// for the Node that installed it: run on another one it crashes with "NODE_MODULE_VERSION … requires …".
// scripts/run installs Node 22 locally when the machine's is older, and reinstalls packages for a changed Node.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const MINIMUM_MAJOR = 22;
/**
 * The Node ABI the native modules were compiled for, written by the install itself (package.json's preinstall
 * runs `tsx scripts/lib/require-node.ts --record-install` once the packages are in place).
 */
export const INSTALLED_FOR_FILE = path.join("node_modules", ".installed-for-node");

export function nodeProblem(root: string, versions: NodeJS.ProcessVersions = process.versions): string | null {
  if (Number(versions.node.split(".")[0]) < MINIMUM_MAJOR) {
    return `This project needs Node.js ${MINIMUM_MAJOR} or newer; this is Node.js ${versions.node}.`;
  }
  const marker = path.join(root, INSTALLED_FOR_FILE);
  const installedFor = existsSync(marker) ? readFileSync(marker, "utf8").trim() : null;
  if (installedFor && installedFor !== versions.modules) {
    return `The packages in node_modules were installed with another Node.js (ABI ${installedFor}); this is Node.js ${versions.node} (ABI ${versions.modules}).`;
  }
  return null;
}

const ADVICE =
  "Run it through scripts/run (e.g. `scripts/run demo`, `scripts/run test`): it installs Node 22 into ~/.cache/node22 " +
  "when the machine's Node is older, and reinstalls the packages when the Node that installed them differs.";

/** The project folder: the nearest one above this file (or the server bundle it was built into) with a package.json. */
function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, "package.json")) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

const root = projectRoot();
if (process.argv.includes("--record-install") && process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  writeFileSync(path.join(root, INSTALLED_FOR_FILE), `${process.versions.modules}\n`);
}
const problem = nodeProblem(root);
if (problem) {
  console.error(`${problem}\n${ADVICE}`);
  process.exit(1);
}
