// Subscriber properties in Postscript, as they stand now: customers synced, not subscribers, failed and
// waiting, and what went wrong, grouped by cause with what to do.
import { Banner, BlockStack, Box, Card, InlineGrid, Text } from "@shopify/polaris";
import { formatCount } from "~/statistics/format";
import type { SubscriberSyncFigures } from "~/statistics/subscriber-sync.server";

export function SubscriberSyncCard({ figures }: { figures: SubscriberSyncFigures }) {
  const metrics = [
    { label: "Subscribers synced", help: "Customers whose properties Postscript has accepted.", value: figures.synced },
    { label: "Not subscribers", help: "Customers Postscript has no SMS subscriber for; looked for again each day.", value: figures.notSubscribers },
    { label: "Failed", help: "Updates Postscript refused or that kept failing; tried again at the customer's next change.", value: figures.failed },
    { label: "Waiting", help: "Changes about to be sent, or being retried.", value: figures.waiting },
  ];
  return (
    <Card>
      <BlockStack gap="400">
        <BlockStack gap="100">
          <Text as="h2" variant="headingMd">
            Subscriber properties
          </Text>
          <Text as="p" tone="subdued">
            Each customer counted once, as things stand now.
          </Text>
        </BlockStack>
        <InlineGrid columns={{ xs: 2, md: 4 }} gap="300">
          {metrics.map((metric) => (
            <Box key={metric.label} padding="300" background="bg-surface-secondary" borderRadius="200">
              <BlockStack gap="100">
                <Text as="h3" variant="bodySm" tone="subdued">
                  {metric.label}
                </Text>
                <Text as="p" variant="headingLg">
                  {formatCount(metric.value)}
                </Text>
                <Text as="p" variant="bodySm" tone="subdued">
                  {metric.help}
                </Text>
              </BlockStack>
            </Box>
          ))}
        </InlineGrid>
        {figures.problems.map((problem) => (
          <Banner key={`${problem.kind}|${problem.detail ?? ""}`} tone={problem.kind === "unauthorized" || problem.kind === "rejected" ? "critical" : "warning"} title={`${problem.title}: ${formatCount(problem.count)} ${problem.count === 1 ? "customer" : "customers"}`}>
            <BlockStack gap="100">
              {problem.detail ? <Text as="p">Postscript said: {problem.detail}</Text> : null}
              <Text as="p">{problem.todo}</Text>
              {problem.lastAtLabel ? (
                <Text as="p" variant="bodySm" tone="subdued">
                  Last change {problem.lastAtLabel}
                </Text>
              ) : null}
            </BlockStack>
          </Banner>
        ))}
      </BlockStack>
    </Card>
  );
}
