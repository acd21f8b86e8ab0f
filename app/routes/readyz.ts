import { pingDatabase } from "~/db.server";
import { workerPollAges } from "~/jobs/heartbeats";
import { log } from "~/logging/logger.server";

// Readiness: 503 when the database does not answer or, in a process that runs workers, when one of them has
// not completed a poll for a few poll intervals. /healthz stays the liveness check (restart only when the
// process itself is gone), so a stalled worker takes the process out of rotation without a restart loop.
export async function loader() {
  const workers = workerPollAges().map(({ worker, sinceMs, stalled }) => ({ worker, lastPollSecondsAgo: Math.round(sinceMs / 100) / 10, stalled }));
  let database: "ok" | "unreachable" = "ok";
  try {
    await pingDatabase();
  } catch (error) {
    database = "unreachable";
    log.warn("readiness: database unavailable", { error });
  }
  const stalled = workers.filter((w) => w.stalled);
  if (stalled.length) log.warn("readiness: worker stalled", { workers: stalled });
  const ready = database === "ok" && stalled.length === 0;
  return Response.json({ status: ready ? "ready" : "unavailable", database, workers }, { status: ready ? 200 : 503, headers: { "Cache-Control": "no-store" } });
}
