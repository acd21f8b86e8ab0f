import { getConfig } from "~/config/env.server";
import { getDatabase } from "~/db.server";
import { refreshOutboxGauges } from "~/delivery/outbox-gauges.server";
import { renderMetrics, scrapeAuthorized } from "~/metrics/metrics.server";

// Prometheus's scrape endpoint: off (404) unless METRICS_TOKEN is set, and only for a request bearing it.
export async function loader({ request }: { request: Request }) {
  const token = getConfig().METRICS_TOKEN;
  if (!token) return new Response("Not found", { status: 404, headers: noStore });
  if (!scrapeAuthorized(request.headers.get("Authorization"), token)) {
    return new Response("A bearer token is required.", { status: 401, headers: { ...noStore, "WWW-Authenticate": 'Bearer realm="metrics"' } });
  }
  await refreshOutboxGauges(getDatabase());
  const { body, contentType } = await renderMetrics();
  return new Response(body, { headers: { ...noStore, "Content-Type": contentType } });
}

const noStore = { "Cache-Control": "no-store" };
