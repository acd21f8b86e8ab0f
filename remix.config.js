/** @type {import('@remix-run/dev').AppConfig} */
export default {
  // Tests sit next to the code they test; without this the classic compiler would treat them as routes.
  ignoredRouteFiles: ["**/.*", "**/*.test.{ts,tsx}"],
  appDirectory: "app",
  serverModuleFormat: "esm",
  serverPlatform: "node",
  // Node's ESM loader needs an import attribute for JSON; bundling the Polaris locale avoids that.
  serverDependenciesToBundle: [/^@shopify\/polaris\/locales\//],
  future: {
    v3_fetcherPersist: true,
    v3_relativeSplatPath: true,
    v3_throwAbortReason: true,
    v3_lazyRouteDiscovery: true,
    v3_singleFetch: true,
  },
};
