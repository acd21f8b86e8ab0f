import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

// The layers of the app, top to bottom (docs/architecture.md describes each). A file may import from its own
// layer and the layers below it, never from a layer above; the import graph must also have no circles
// (app/import-cycles.test.ts). Tests (*.test.ts, *.testutil.ts) may reach across layers.
const LAYERS = [
  {
    name: "pages, routes and entry points",
    folders: ["server", "app/routes", "app/components", "app/workers"],
    files: ["app/root", "app/entry.server", "app/nonce"],
  },
  { name: "features", folders: ["app/support", "app/statistics", "app/delivery", "app/ingest", "app/integrations", "app/maintenance", "app/flow"] },
  { name: "domain rules", folders: ["app/events", "app/connections", "app/settings", "app/compliance"] },
  { name: "clients of outside services", folders: ["app/postscript", "app/loop", "app/shopify", "app/http"], files: ["app/shopify.server"] },
  { name: "core", folders: ["app/db", "app/config", "app/logging", "app/secrets", "app/jobs", "app/metrics"], files: ["app/db.server"] },
];

// Within the features layer a module uses only the neighbours listed here: the support console acts on
// deliveries and shows statistics, delivery writes the rollups as events change state, maintenance tasks reach
// every feature's data; statistics, ingestion and the integration cards use none.
const FEATURE_NEIGHBOURS = {
  "app/support": ["app/statistics", "app/delivery"],
  "app/delivery": ["app/statistics"],
  "app/maintenance": ["app/support", "app/statistics", "app/delivery", "app/ingest", "app/integrations", "app/flow"],
  "app/statistics": [],
  "app/ingest": [],
  "app/integrations": [],
  "app/flow": [],
};

const escapeRegex = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Matches an import of `target` (an app/ folder or file) written with the ~/ alias or a relative path. */
function importOf(target) {
  const inApp = escapeRegex(target.replace(/^app\//, ""));
  const isFolder = !LAYERS.some((layer) => layer.files?.includes(target));
  return isFolder ? `^(~|\\.\\.(/\\.\\.)*)/${inApp}(/|$)` : `^(~|\\.\\.(/\\.\\.)*)/${inApp}$`;
}

const NO_STAND_INS = {
  regex: "(^|/)(sandbox|tests)/",
  message: "App and server code must not depend on the stand-ins (sandbox/) or test support (tests/); move what both need into app/.",
};

/** The no-restricted-imports patterns for code in `source` (a folder or file of LAYERS). */
function forbiddenImports(source) {
  const level = LAYERS.findIndex((layer) => layer.folders.includes(source) || layer.files?.includes(source));
  const patterns = [NO_STAND_INS];
  for (const layer of LAYERS.slice(0, level)) {
    for (const target of [...layer.folders, ...(layer.files ?? [])]) {
      patterns.push({ regex: importOf(target), message: `${source} is in the ${LAYERS[level].name} layer and must not import ${target} (${layer.name}, above it): see docs/architecture.md.` });
    }
  }
  const neighbours = FEATURE_NEIGHBOURS[source];
  if (neighbours) {
    for (const target of Object.keys(FEATURE_NEIGHBOURS)) {
      if (target === source || neighbours.includes(target)) continue;
      patterns.push({ regex: importOf(target), message: `${source} must not use ${target}: features use only the neighbours listed in FEATURE_NEIGHBOURS (eslint.config.js).` });
    }
  }
  return ["error", { patterns }];
}

const TEST_FILES = ["**/*.test.{ts,tsx}", "**/*.testutil.ts"];

const layerRules = LAYERS.flatMap((layer) => [
  ...layer.folders.map((folder) => ({
    files: [`${folder}/**/*.{ts,tsx}`],
    ignores: TEST_FILES,
    rules: { "no-restricted-imports": forbiddenImports(folder) },
  })),
  ...(layer.files ?? []).map((file) => ({
    files: [`${file}.{ts,tsx}`],
    rules: { "no-restricted-imports": forbiddenImports(file) },
  })),
]);

export default tseslint.config(
  { ignores: ["build/**", "public/build/**", ".cache/**", "node_modules/**", "data/**", "screenshots/**", "artifacts/**", "bench-results/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.{ts,tsx,js,mjs}"],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    plugins: { "react-hooks": reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "no-console": ["error", { allow: ["warn", "error"] }],
    },
  },
  {
    // Command-line tools and stand-ins talk to a person through the console.
    files: ["scripts/**", "sandbox/**", "server/**", "tests/**", "**/*.test.{ts,tsx}", "app/entry.server.tsx"],
    rules: { "no-console": "off" },
  },
  {
    // Tests read arbitrary JSON from the servers they exercise.
    files: ["**/*.test.{ts,tsx}"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  ...layerRules,
  {
    // Test helpers inside app/ may reach across layers, but not into the stand-ins.
    files: ["app/**/*.testutil.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [NO_STAND_INS] }] },
  },
);
