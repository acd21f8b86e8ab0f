import { BlockStack, Card, InlineStack, Text } from "@shopify/polaris";
import type { ReactNode } from "react";

/** A support card whose heading carries a status badge on the right (connection, deliveries). */
export function TitledCard({ title, badge, children }: { title: string; badge: ReactNode; children: ReactNode }) {
  return (
    <Card>
      <BlockStack gap="300">
        <InlineStack align="space-between" blockAlign="center">
          <Text as="h2" variant="headingMd">
            {title}
          </Text>
          {badge}
        </InlineStack>
        {children}
      </BlockStack>
    </Card>
  );
}
