// The live state of deliveries to Postscript, as deliveryHealth() (app/statistics/health.server.ts) words it:
// one sentence coloured by how bad it is, then the facts behind it. A status region, so a screen reader hears
// the sentence change when the page refreshes itself.
import { BlockStack, Box, InlineStack, Text } from "@shopify/polaris";
import { formatPercent } from "~/statistics/format";
import type { DeliveryHealth } from "~/statistics/health.server";

const BACKGROUND = {
  success: "bg-surface-success",
  info: "bg-surface-secondary",
  warning: "bg-surface-warning",
  critical: "bg-surface-critical",
} as const;

const TEXT_TONE = { success: "success", info: undefined, warning: "caution", critical: "critical" } as const;

export function HealthLine({ health, compact = false }: { health: DeliveryHealth; compact?: boolean }) {
  const facts = [
    `Last event received: ${health.lastReceivedLabel ?? "none yet"}`,
    `Last delivered: ${health.lastDeliveredLabel ?? "none yet"}`,
    `Success in the last 24 h: ${health.successRate24h === null ? "no finished events" : formatPercent(health.successRate24h)}`,
  ];
  return (
    <Box background={BACKGROUND[health.tone]} padding={compact ? "200" : "300"} borderRadius="200">
      <BlockStack gap="100">
        <div role="status" data-health-state={health.state}>
          <Text as="p" fontWeight="semibold" tone={TEXT_TONE[health.tone]}>
            {health.sentence}
          </Text>
        </div>
        <InlineStack gap="300" wrap>
          {facts.map((fact) => (
            <Text key={fact} as="span" variant="bodySm" tone="subdued">
              {fact}
            </Text>
          ))}
        </InlineStack>
      </BlockStack>
    </Box>
  );
}
