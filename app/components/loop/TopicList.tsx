// The Loop topics the app needs, with whether each is subscribed and the Postscript events it feeds.
import { Badge, BlockStack, Box, Divider, InlineStack, Text } from "@shopify/polaris";
import { Fragment } from "react";

export function TopicList({ topics, showStatus }: { topics: { topic: string; subscribed: boolean; eventTypes: string[] }[]; showStatus: boolean }) {
  return (
    <Box borderWidth="025" borderColor="border" borderRadius="200">
      {topics.map((t, index) => (
        <Fragment key={t.topic}>
          {index > 0 ? <Divider /> : null}
          <Box paddingInline="300" paddingBlock="200">
            <InlineStack align="space-between" blockAlign="center" gap="200">
              <BlockStack gap="050">
                <Text as="span" fontWeight="medium">
                  <code>{t.topic}</code>
                </Text>
                <Text as="span" variant="bodySm" tone="subdued">
                  Becomes {t.eventTypes.join(", ")}
                </Text>
              </BlockStack>
              {showStatus ? t.subscribed ? <Badge tone="success">Subscribed</Badge> : <Badge tone="attention">Not subscribed</Badge> : null}
            </InlineStack>
          </Box>
        </Fragment>
      ))}
    </Box>
  );
}
