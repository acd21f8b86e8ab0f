// Settings → subscriber properties: the switch that keeps each customer's loop_… properties up to date on
// their Postscript subscriber, and the list of those properties (from the one definition the sync uses), so a
// merchant knows what to build segments on.
import { useFetcher } from "@remix-run/react";
import { BlockStack, Box, Card, Checkbox, Divider, InlineStack, Text } from "@shopify/polaris";
import { useCallback, useRef, useState } from "react";
import { SUBSCRIBER_PROPERTIES } from "~/events/subscriber-properties";
import { useSettingsSection } from "./SettingsForm";
import type { PostscriptActionData } from "./types";

const exampleText = (value: string | number | readonly string[]) => (Array.isArray(value) ? value.join(", ") : String(value));

export function PropertySettings({ propertySyncEnabled }: { propertySyncEnabled: boolean }) {
  const fetcher = useFetcher<PostscriptActionData>({ key: "postscript-save-property-sync" });
  const [enabled, setEnabled] = useState(propertySyncEnabled);
  const form = useRef<HTMLFormElement>(null);
  const submitForm = fetcher.submit;
  const save = useCallback(() => {
    if (form.current) submitForm(form.current);
  }, [submitForm]);
  const discard = useCallback(() => setEnabled(propertySyncEnabled), [propertySyncEnabled]);
  useSettingsSection("subscriber-properties", { dirty: enabled !== propertySyncEnabled, saving: fetcher.state !== "idle", save, discard });
  return (
    <Card>
      <fetcher.Form method="post" noValidate ref={form}>
        <input type="hidden" name="intent" value="save-property-sync" />
        <input type="hidden" name="propertySyncEnabled" value={enabled ? "on" : "off"} />
        <BlockStack gap="400">
          <Checkbox
            label="Keep subscriber properties up to date in Postscript"
            helpText="Only customers who are already your SMS subscribers are updated; nobody is added to your list. Your other properties are left as they are."
            checked={enabled}
            onChange={setEnabled}
          />
          <Divider />
          <BlockStack gap="300">
            <Text as="h3" variant="headingSm">
              Properties set on each subscriber
            </Text>
            {SUBSCRIBER_PROPERTIES.map((property) => (
              <BlockStack key={property.name} gap="050">
                <InlineStack gap="200" blockAlign="baseline" wrap>
                  <Text as="span" fontWeight="semibold">
                    <code>{property.name}</code>
                  </Text>
                  <Text as="span" tone="subdued" variant="bodySm">
                    {property.type}
                  </Text>
                </InlineStack>
                <Text as="p">{property.description}</Text>
                <Box>
                  <Text as="p" tone="subdued" variant="bodySm">
                    Example: {exampleText(property.example)}
                  </Text>
                </Box>
              </BlockStack>
            ))}
          </BlockStack>
        </BlockStack>
      </fetcher.Form>
    </Card>
  );
}
