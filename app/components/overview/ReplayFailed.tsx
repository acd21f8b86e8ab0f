// Replaying failed events sends them to Postscript again, which can text customers, so it asks once more
// before it does anything; the answer is an App Bridge toast. The work is done by /app/events/replay.
import { useFetcher } from "@remix-run/react";
import { useAppBridge } from "@shopify/app-bridge-react";
import { Button, InlineStack, Text } from "@shopify/polaris";
import { useEffect, useState } from "react";
import { formatCount } from "~/statistics/format";

export interface ReplayResult {
  ok: boolean;
  message: string;
  replayed?: number;
}

export const REPLAY_ACTION = "/app/events/replay";

/** Shows the action's answer as a toast, once. */
export function useReplayToast(result: ReplayResult | undefined) {
  const shopify = useAppBridge();
  useEffect(() => {
    if (result) shopify.toast.show(result.message, { isError: !result.ok });
  }, [result, shopify]);
}

/** The button and its confirmation; the caller shows the answer (useReplayToast on the same fetcher key). */
export function ReplayFailed({ from, to, count, type, fetcherKey }: { from: string; to: string; count: number; type?: string; fetcherKey: string }) {
  const fetcher = useFetcher<ReplayResult>({ key: fetcherKey });
  const [confirming, setConfirming] = useState(false);
  const busy = fetcher.state !== "idle";
  const noun = `${formatCount(count)} failed ${count === 1 ? "event" : "events"}`;

  if (!confirming) {
    return (
      <Button onClick={() => setConfirming(true)} loading={busy}>
        {`Replay ${noun}`}
      </Button>
    );
  }
  return (
    <InlineStack gap="200" blockAlign="center">
      <Text as="span" variant="bodySm">
        Send the {noun} of this period to Postscript again?
      </Text>
      <Button onClick={() => setConfirming(false)}>Cancel</Button>
      <Button
        variant="primary"
        tone="critical"
        onClick={() => {
          setConfirming(false);
          fetcher.submit({ intent: "replay-range", from, to, ...(type ? { type } : {}) }, { method: "post", action: REPLAY_ACTION });
        }}
      >
        Replay
      </Button>
    </InlineStack>
  );
}
