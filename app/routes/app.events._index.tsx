// /app/events — the event log (filters and period in the URL; logic in app/statistics/event-log.server.ts).
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { EventLog } from "~/components/events/EventLog";
import { getDatabase } from "~/db.server";
import { loadEventLog } from "~/statistics/event-log-page.server";
import { authenticate } from "~/shopify.server";

export const meta: MetaFunction = () => [{ title: "Event log · Loop → Postscript" }];

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return loadEventLog(getDatabase(), session.shop, new URL(request.url).searchParams);
};

export default function EventLogPage() {
  const data = useLoaderData<typeof loader>();
  return <EventLog data={data} />;
}
