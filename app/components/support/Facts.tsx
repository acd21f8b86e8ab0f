import { BlockStack, InlineGrid, Text } from "@shopify/polaris";
import type { ReactNode } from "react";

/** Labelled facts, one per line (label a third of the width on wider screens); a missing value shows "—". */
export function Facts({ rows }: { rows: [string, ReactNode][] }) {
  return (
    <BlockStack gap="200">
      {rows.map(([label, value]) => (
        <InlineGrid key={label} columns={{ xs: 1, sm: ["oneThird", "twoThirds"] }} gap="200">
          <Text as="span" tone="subdued">
            {label}
          </Text>
          <Text as="span" breakWord>
            {value ?? "—"}
          </Text>
        </InlineGrid>
      ))}
    </BlockStack>
  );
}
