// The shop's latest property backfill, polled by the Settings tab's progress bar while it runs.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { getDatabase } from "~/db.server";
import { backfillProgress } from "~/delivery/property-backfill.server";
import { authenticate } from "~/shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return Response.json({ backfill: await backfillProgress(getDatabase(), session.shop) }, { headers: { "Cache-Control": "no-store" } });
};
