// Bundles server/index.ts into build/server.js. Packages stay external (they are in node_modules); the app
// itself is reached through the Remix build, so there is one copy of every app module.
import { build } from "esbuild";

await build({
  entryPoints: ["server/index.ts"],
  outfile: "build/server.js",
  bundle: true,
  platform: "node",
  target: "node22",
  format: "esm",
  packages: "external",
  logLevel: "warning",
});
