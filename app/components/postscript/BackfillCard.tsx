// Settings → subscriber properties: the backfill of customers who already subscribe in Loop. A button starts
// it; while it runs, a progress bar with counts and the time left, refreshed every few seconds, and a Cancel
// button. It is never started on its own: reading every subscription from Loop is the merchant's call.
import { useFetcher } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, InlineStack, ProgressBar, Text } from "@shopify/polaris";
import { useEffect } from "react";
import type { BackfillProgress } from "~/delivery/property-backfill.server";
import type { PostscriptActionData } from "./types";

export const BACKFILL_FETCHER_KEY = "postscript-backfill";
export const BACKFILL_PROGRESS_PATH = "/app/integrations/postscript/backfill";
const REFRESH_MS = 3_000;

const number = (n: number) => n.toLocaleString("en-US");

function timeLeft(seconds: number): string {
  if (seconds < 60) return "less than a minute left";
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return `about ${minutes} min left`;
  return `about ${Math.round(minutes / 60)} h left`;
}

/** "1,200 of ~20,000 subscriptions read, 800 customers queued, about 3 min left" */
export function backfillSummary(p: BackfillProgress): string {
  const read = p.subscriptionsTotal === null ? `${number(p.subscriptionsRead)} subscriptions read` : `${number(p.subscriptionsRead)} of ~${number(p.subscriptionsTotal)} subscriptions read`;
  const parts = [read, `${number(p.customers)} customers queued`];
  if (p.status === "running" && p.secondsLeft !== null) parts.push(timeLeft(p.secondsLeft));
  return parts.join(", ");
}

export function BackfillCard({ initial, propertySyncEnabled }: { initial: BackfillProgress | null; propertySyncEnabled: boolean }) {
  const action = useFetcher<PostscriptActionData>({ key: BACKFILL_FETCHER_KEY });
  const poll = useFetcher<{ backfill: BackfillProgress | null }>();
  const progress = poll.data?.backfill !== undefined ? poll.data.backfill : initial;
  const running = progress?.status === "running";
  const pollState = poll.state;
  const load = poll.load;

  // Start polling after a start or cancel, and keep polling while the job runs.
  useEffect(() => {
    if (action.state === "idle" && action.data) load(BACKFILL_PROGRESS_PATH);
  }, [action.state, action.data, load]);
  useEffect(() => {
    if (!running || pollState !== "idle") return;
    const timer = window.setTimeout(() => load(BACKFILL_PROGRESS_PATH), REFRESH_MS);
    return () => window.clearTimeout(timer);
  }, [running, pollState, load, progress]);

  const total = progress?.subscriptionsTotal ?? null;
  const percent = progress && total ? Math.min(100, Math.round((progress.subscriptionsRead / total) * 100)) : progress?.status === "done" ? 100 : 0;
  const busy = action.state !== "idle";
  const submit = (intent: "start-backfill" | "cancel-backfill") => action.submit({ intent }, { method: "post" });
  const refused = action.data && !action.data.ok ? action.data.message : null;

  return (
    <Card>
      <BlockStack gap="300">
        <Text as="h3" variant="headingSm">
          Customers who already subscribe
        </Text>
        <Text as="p">
          Reads your current subscriptions from Loop and sets the properties of customers who subscribed before this app was installed. No flows are
          triggered: only properties are set.
        </Text>
        {refused ? <Banner tone="warning">{refused}</Banner> : null}
        {progress ? (
          <BlockStack gap="200">
            <ProgressBar progress={percent} size="small" tone={progress.status === "failed" ? "critical" : "primary"} animated={running} />
            <Text as="p" tone="subdued">
              {progress.status === "done" ? "Finished: " : progress.status === "cancelled" ? "Cancelled: " : progress.status === "failed" ? "Stopped: " : ""}
              {backfillSummary(progress)}
            </Text>
            {progress.message ? <Banner tone={progress.status === "failed" ? "critical" : "info"}>{progress.message}</Banner> : null}
          </BlockStack>
        ) : null}
        <InlineStack gap="200">
          {running ? (
            <Button loading={busy} onClick={() => submit("cancel-backfill")}>
              Cancel backfill
            </Button>
          ) : (
            <Button loading={busy} disabled={!propertySyncEnabled} onClick={() => submit("start-backfill")}>
              Backfill current subscriptions
            </Button>
          )}
        </InlineStack>
        {!propertySyncEnabled ? (
          <Text as="p" tone="subdued">
            Switch syncing on and save to backfill.
          </Text>
        ) : null}
      </BlockStack>
    </Card>
  );
}
