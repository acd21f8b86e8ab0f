// The filtered event log as a CSV download, streamed: the response starts at once and each page of events is
// read from the database only as the download takes it (app/statistics/event-log.server.ts).
//   POST (an authenticated fetch from the event log page): a download link for the filters in `search`
//   GET ?token=… (the browser's download): the CSV the link's token grants (app/statistics/export-token.server.ts)
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { getDatabase } from "~/db.server";
import { csvFileName, exportEventsCsv, readLogQuery } from "~/statistics/event-log.server";
import { issueExportToken, openExportToken } from "~/statistics/export-token.server";
import { statisticsTimeZone } from "~/statistics/time-zone.server";
import { authenticate } from "~/shopify.server";

const EXPORT_PATH = "/app/events/export";
const linkRequest = z.object({ search: z.string().max(4_000).default("") });

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const parsed = linkRequest.safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success) return Response.json({ message: "The export's filters could not be read." }, { status: 400 });
  const token = issueExportToken({ shop: session.shop, search: parsed.data.search });
  return Response.json({ url: `${EXPORT_PATH}?token=${encodeURIComponent(token)}` });
};

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const grant = openExportToken(new URL(request.url).searchParams.get("token"));
  if (!grant) {
    return new Response("This download link has expired or is not valid. Start the export again from the event log.", {
      status: 403,
      headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" },
    });
  }
  const db = getDatabase();
  const zone = await statisticsTimeZone(db, grant.shop);
  const query = readLogQuery("merchant", new URLSearchParams(grant.search), zone.name);
  return new Response(exportEventsCsv(db, grant.shop, query), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${csvFileName(grant.shop, query)}"`,
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
};
