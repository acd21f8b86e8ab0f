// One integration on the Integrations page, as Loop shows its own: logo, name, status, one line on what it does.
import { BlockStack, Box, Button, Card, InlineStack, Text, Thumbnail } from "@shopify/polaris";
import { HealthLine } from "~/components/common/HealthLine";
import { StatusBadge, type ConnectionState } from "~/components/common/StatusBadge";
import type { DeliveryHealth } from "~/statistics/health.server";

export interface IntegrationCardProps {
  name: string;
  summary: string;
  logo: string;
  url: string;
  state: ConnectionState;
  detail: string | null;
  /** What the button says when not connected yet. */
  setUpLabel?: string;
  /** How deliveries are going right now (destinations, once connected). */
  health?: DeliveryHealth | null;
}

export function IntegrationCard({ name, summary, logo, url, state, detail, setUpLabel = "Set up", health = null }: IntegrationCardProps) {
  return (
    <Card>
      <BlockStack gap="400">
        <InlineStack gap="300" blockAlign="center" wrap={false}>
          <Thumbnail source={logo} alt={`${name} logo`} size="small" />
          <BlockStack gap="100">
            <Text as="h3" variant="headingSm">
              {name}
            </Text>
            <InlineStack>
              <StatusBadge state={state} />
            </InlineStack>
          </BlockStack>
        </InlineStack>
        <Text as="p" tone="subdued">
          {summary}
        </Text>
        {detail ? (
          <Text as="p" variant="bodySm">
            {detail}
          </Text>
        ) : null}
        {health ? <HealthLine health={health} compact /> : null}
        <Box>
          <Button url={url} variant={state === "connected" ? "secondary" : "primary"} accessibilityLabel={`${state === "connected" ? "Manage" : setUpLabel} ${name}`}>
            {state === "connected" ? "Manage" : state === "action_needed" ? "Fix connection" : setUpLabel}
          </Button>
        </Box>
      </BlockStack>
    </Card>
  );
}
