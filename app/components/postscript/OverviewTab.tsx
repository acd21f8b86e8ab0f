// Integration overview. The statistics (events sent, failures, per event type over a period) arrive with the
// statistics work; until then this tab says honestly that there is nothing to show yet and what to do next.
// Kept in its own file so that work replaces this component without touching the route much.
import { Card, EmptyState } from "@shopify/polaris";
import type { ConnectionState } from "~/components/common/StatusBadge";

export interface OverviewTabProps {
  postscriptState: ConnectionState;
  loopState: ConnectionState;
}

export function OverviewTab({ postscriptState, loopState }: OverviewTabProps) {
  const loopReady = loopState === "connected" || loopState === "action_needed";
  const postscriptReady = postscriptState === "connected" || postscriptState === "action_needed";
  const next = !loopReady
    ? { content: "Connect Loop", url: "/app/integrations/loop" }
    : !postscriptReady
      ? { content: "Set up Postscript", url: "?tab=setup" }
      : { content: "Choose events", url: "?tab=settings" };
  const body = !loopReady
    ? "Connect Loop first, so its subscription events reach this app."
    : !postscriptReady
      ? "Loop is connected. Connect Postscript so the events are sent on."
      : "Both connections are in place. Statistics appear as soon as Loop sends its first event.";
  return (
    <Card>
      <EmptyState heading="Event statistics will appear here once Loop sends events" image="/images/empty-statistics.svg" action={next}>
        <p>{body}</p>
      </EmptyState>
    </Card>
  );
}
