// The filtered event log as a CSV download, streamed: the response starts at once and each page of events is
// read from the database only as the download takes it (app/statistics/event-log.server.ts).
import type { LoaderFunctionArgs } from "@remix-run/node";
import { getDatabase } from "~/db.server";
import { csvFileName, exportEventsCsv, readLogQuery } from "~/statistics/event-log.server";
import { statisticsTimeZone } from "~/statistics/time-zone.server";
import { authenticate } from "~/shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const db = getDatabase();
  const zone = await statisticsTimeZone(db, session.shop);
  const query = readLogQuery(new URL(request.url).searchParams, zone.name);
  return new Response(exportEventsCsv(db, session.shop, query), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${csvFileName(session.shop, query)}"`,
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
};
