import { pingDatabase } from "~/db.server";
import { log } from "~/logging/logger.server";

// Liveness and readiness for load balancers: 200 when the database answers, 503 when it does not.
export async function loader() {
  const started = Date.now();
  try {
    await pingDatabase();
    return Response.json({ status: "ok", database: "ok", ms: Date.now() - started }, { headers: noStore });
  } catch (error) {
    log.warn("health check: database unavailable", { error });
    return Response.json({ status: "unavailable", database: "unreachable" }, { status: 503, headers: noStore });
  }
}

const noStore = { "Cache-Control": "no-store" };
