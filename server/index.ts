// Production entry: `npm run build && npm start`. Serves the Remix build over HTTP, runs the background
// workers, migrates the database on start, and shuts down gracefully on SIGTERM/SIGINT.
//   PROCESS_ROLE=all     web and workers in one process (the default)
//   PROCESS_ROLE=web     HTTP only
//   PROCESS_ROLE=worker  workers only (plus /healthz, /readyz and /metrics on PORT for the orchestrator)
import "../scripts/lib/require-node";
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import compression from "compression";
import express from "express";
import type * as AppEntry from "../app/entry.server";
import { describeDatabaseError } from "../app/db/url";
import { DEV_SHIM_APP_BRIDGE_PATH, mountDevShim } from "./dev-shim";
import { answerUnreadableBodies, refuseMalformedHostParam, refuseUndecodablePath, refuseUnusableHostOrForeignOrigin } from "./request-guards";
import {
  applyServerLimits,
  bodyCapFor,
  capStreamedBody,
  connectionsCheckingInterval,
  limitBodyIdleTime,
  refuseDeclaredOversize,
  requestLimitsFrom,
  wasCutShort,
} from "./request-limits";

// build/server.js lives one folder below the project; the Remix build, public/ and prisma/ are found from there.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const buildFile = path.join(root, "build", "index.js");

async function main() {
  // .env in the working directory, if any; variables already in the environment win (loadEnvFile keeps them).
  if (existsSync(".env")) process.loadEnvFile(".env");
  if (!existsSync(buildFile)) fail(`No build at ${buildFile}: run \`npm run build\` first.`);
  // With the development shim on, pages and the library's bounce page load App Bridge from the shim. The
  // library reads APP_BRIDGE_URL when the build is imported, so it is set before that (config validation
  // still refuses the shim in production).
  if (/^(true|1)$/.test(process.env.DEV_APP_BRIDGE_SHIM ?? "") && !process.env.APP_BRIDGE_URL) {
    process.env.APP_BRIDGE_URL = DEV_SHIM_APP_BRIDGE_PATH;
  }

  const build = (await import(pathToFileURL(buildFile).href)) as ServerBuild;
  const entry = build.entry.module as unknown as typeof AppEntry;
  let config: ReturnType<typeof entry.getConfig>;
  try {
    config = entry.getConfig();
  } catch (error) {
    fail((error as Error).message);
  }
  const { log } = entry;

  let migrations: Awaited<ReturnType<typeof entry.applyMigrations>>;
  try {
    migrations = await entry.applyMigrations(config.DATABASE_URL, root);
  } catch (error) {
    fail(`The database could not be migrated: ${describeDatabaseError(error, config.DATABASE_URL)}`);
  }
  if (migrations.applied.length) log.info("database migrated", { applied: migrations.applied });

  const runWeb = config.PROCESS_ROLE !== "worker";
  const runWorkers = config.PROCESS_ROLE !== "web";
  const work = runWorkers ? entry.startBackgroundWork() : undefined;
  const remix = createRequestHandler({
    build: answerUnreadableBodies(build),
    mode: config.NODE_ENV === "production" ? "production" : "development",
    // The client's address for the support console's sign-in throttling and audit log (req.ip honours
    // TRUST_PROXY_HOPS: X-Forwarded-For is believed only as far as that many proxies).
    getLoadContext: (req) => ({ clientIp: req.ip ?? null }),
  });

  const app = express();
  app.disable("x-powered-by");
  if (config.TRUST_PROXY_HOPS) app.set("trust proxy", config.TRUST_PROXY_HOPS);
  app.use(compression());
  app.use(refuseUnusableHostOrForeignOrigin);
  if (runWeb) {
    // Fingerprinted assets never change; everything else in public/ may.
    app.use("/build", express.static(path.join(root, "public", "build"), { immutable: true, maxAge: "1y" }));
    app.use(express.static(path.join(root, "public"), { maxAge: "1h" }));
    if (config.DEV_APP_BRIDGE_SHIM) mountDevShim(app, config);
    app.all("*", remix);
  } else {
    // A worker process answers the orchestrator's probes and Prometheus, nothing else.
    app.get(["/healthz", "/readyz", "/metrics"], remix);
  }
  // Errors that reach Express (a middleware's, or Remix answering a request already answered above): one JSON
  // log line and a short answer, never Express's default, which writes the stack trace to stderr as plain text.
  app.use((error: unknown, req: express.Request, res: express.Response, _next: express.NextFunction) => {
    // A request answered 413/408 before its route finished: the route's failure to read the body is expected.
    if (wasCutShort(req)) return;
    const status = clientErrorStatus(error);
    (status ? log.warn : log.error)("request failed", { error, method: req.method, path: req.path });
    if (res.headersSent) {
      req.socket.destroy();
      return;
    }
    res.status(status ?? 500).type("text/plain").send(status ? "The request could not be handled." : "Internal error.");
  });

  // Loop's webhooks are the hot path: they are answered before Express and Remix, by the same ingestion code
  // the Remix route uses (app/ingest), so the cost per webhook is the signature check and the durable insert.
  const limits = requestLimitsFrom(config);
  const server: Server = createServer({ connectionsCheckingInterval: connectionsCheckingInterval(limits) }, (req, res) => {
    const cap = bodyCapFor(req.url, limits);
    if (refuseDeclaredOversize(req, res, cap)) return;
    limitBodyIdleTime(req, res, limits.bodyIdleTimeoutMs);
    // The Loop path reads its body later and caps it itself (a "data" listener here would lose those bytes).
    if (runWeb && entry.isLoopWebhookRequest(req)) return entry.handleLoopWebhookHttp(req, res);
    capStreamedBody(req, res, cap);
    if (refuseUndecodablePath(req, res) || refuseMalformedHostParam(req, res)) return;
    app(req, res);
  });
  applyServerLimits(server, limits);
  server.listen(config.PORT, config.HOST, () => {
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : config.PORT;
    log.info("server listening", { port, role: config.PROCESS_ROLE, workers: work?.names ?? [] });
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info("shutting down", { signal });
    const deadline = setTimeout(() => {
      log.warn("shutdown timed out; closing open connections");
      server.closeAllConnections();
    }, config.SHUTDOWN_TIMEOUT_MS);
    deadline.unref();
    // Stop accepting; requests already in flight finish (keep-alive sockets close when idle).
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await Promise.all([closed, work?.stop(config.SHUTDOWN_TIMEOUT_MS)]);
    await entry.closeLoopIngestion();
    await entry.disconnectDatabase();
    log.info("stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

/** The 4xx status an Express middleware attached to its error (express.static's 400 for a malformed path…). */
function clientErrorStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown; statusCode?: unknown } | null)?.status ?? (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === "number" && status >= 400 && status < 500 ? status : undefined;
}

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

main().catch((error) => {
  console.error("start-up failed:", error instanceof Error ? error.message : error);
  process.exit(1);
});
