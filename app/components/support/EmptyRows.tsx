// What a support console table shows when it has no rows: one centred, subdued line in the table's place.
import { Box, Text } from "@shopify/polaris";
import type { ReactNode } from "react";

export function EmptyRows({ children }: { children: ReactNode }) {
  return (
    <Box padding="600">
      <Text as="p" alignment="center" tone="subdued">
        {children}
      </Text>
    </Box>
  );
}
