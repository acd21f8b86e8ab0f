// What went wrong in the period, grouped by cause: how many, when last, what it means, what to do.
import { useFetcher } from "@remix-run/react";
import { Badge, BlockStack, Box, Button, Card, Divider, InlineStack, Text } from "@shopify/polaris";
import { formatCount } from "~/statistics/format";
import type { ErrorGroup, OverviewData } from "~/statistics/overview.server";
import { ReplayFailed, useReplayToast, type ReplayResult } from "./ReplayFailed";

const OUTCOME_BADGE = {
  failed: { tone: "critical" as const, label: "Failed" },
  skipped: { tone: undefined, label: "Skipped" },
  waiting: { tone: "attention" as const, label: "Waiting" },
};

function actionLabel(group: ErrorGroup): string | null {
  if (group.action === "reconnect") return group.code === "key_rejected" ? "Replace key" : "Connect Postscript";
  if (group.action === "enable_type") return "Choose events";
  return null;
}

export function ErrorGroups({ data }: { data: OverviewData }) {
  const { errors, replay } = data;
  // The replay's answer is shown from here: once the events are replayed the button itself goes away.
  const fetcherKey = `replay-range-${replay.from}-${replay.to}`;
  const fetcher = useFetcher<ReplayResult>({ key: fetcherKey });
  useReplayToast(fetcher.state === "idle" ? fetcher.data : undefined);
  return (
    <Card>
      <BlockStack gap="300">
        <InlineStack align="space-between" blockAlign="center" gap="200">
          <Text as="h2" variant="headingMd">
            Errors and skipped events
          </Text>
          {replay.failed > 0 ? <ReplayFailed from={replay.from} to={replay.to} count={replay.failed} fetcherKey={fetcherKey} /> : null}
        </InlineStack>
        {errors.length === 0 ? (
          <Text as="p" tone="subdued">
            {data.waitingNow.unmapped + data.summary.current.waiting > 0
              ? "No errors in this period: every event was delivered, skipped on purpose, or is on its way."
              : "No errors in this period: every event was delivered or skipped on purpose."}
          </Text>
        ) : (
          <BlockStack gap="0">
            {errors.map((group, index) => {
              const badge = OUTCOME_BADGE[group.outcome];
              const label = actionLabel(group);
              return (
                <Box key={`${group.current}-${group.code}`} paddingBlock="300">
                  {index > 0 ? (
                    <Box paddingBlockEnd="300">
                      <Divider />
                    </Box>
                  ) : null}
                  <BlockStack gap="200">
                    <InlineStack align="space-between" blockAlign="start" gap="200" wrap={false}>
                      <BlockStack gap="100">
                        {/* align and wrap are set: Polaris' InlineStack would inherit them from the row above */}
                        <InlineStack gap="200" blockAlign="center" align="start" wrap>
                          <Text as="h3" variant="headingSm">
                            {group.title}
                          </Text>
                          <Badge tone={badge.tone}>{badge.label}</Badge>
                        </InlineStack>
                        <Text as="p" variant="bodySm" tone="subdued">
                          {formatCount(group.count)} {group.count === 1 ? "event" : "events"}
                          {group.current ? " waiting now" : " in this period"}
                          {group.lastLabel ? ` · ${group.nextAttemptLabel ? "retrying since" : group.current ? "since" : "last"} ${group.lastLabel}` : ""}
                          {group.nextAttemptLabel ? ` · next attempt ${group.nextAttemptLabel}` : ""}
                        </Text>
                      </BlockStack>
                      <InlineStack gap="200" wrap={false}>
                        <Button url={group.logUrl} accessibilityLabel={`View events: ${group.title}`}>
                          View events
                        </Button>
                        {label && group.actionUrl ? (
                          <Button url={group.actionUrl} variant={group.outcome === "skipped" ? "secondary" : "primary"}>
                            {label}
                          </Button>
                        ) : null}
                      </InlineStack>
                    </InlineStack>
                    <Text as="p">{group.meaning}</Text>
                    <Text as="p" tone="subdued">
                      What to do: {group.todo}
                    </Text>
                  </BlockStack>
                </Box>
              );
            })}
          </BlockStack>
        )}
      </BlockStack>
    </Card>
  );
}
