// /app/events/:id — one event in detail (app/statistics/event-log.server.ts); replay posts to /app/events/replay.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { EventDetail } from "~/components/events/EventDetail";
import { getDatabase } from "~/db.server";
import { loadEventDetail } from "~/statistics/event-log-page.server";
import { authenticate } from "~/shopify.server";

// The tab names the event, so several open events can be told apart.
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.event?.title ?? "Event not found"} · Event log · Loop → Postscript` }];

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return loadEventDetail(getDatabase(), session.shop, params.id ?? "", new URL(request.url).searchParams);
};

export default function EventDetailPage() {
  const { event, backUrl } = useLoaderData<typeof loader>();
  return <EventDetail event={event} backUrl={backUrl} />;
}
