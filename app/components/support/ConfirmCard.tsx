// The confirmation step of an operator action: what will happen, in words, and a button that posts the
// confirmed action (with the session's CSRF token). Cancel goes back without doing anything.
import { Form, useNavigation } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, InlineStack, Text } from "@shopify/polaris";
import type { Confirmation } from "~/support/actions.server";

export function ConfirmCard({ confirmation, csrf, cancelUrl }: { confirmation: Confirmation; csrf: string; cancelUrl: string }) {
  const navigation = useNavigation();
  const busy = navigation.state === "submitting" && navigation.formData?.get("intent") === confirmation.intent;
  return (
    <Card>
      <Form method="post" replace>
        <BlockStack gap="300">
          <Text as="h2" variant="headingMd">
            {confirmation.title}
          </Text>
          <Banner tone={confirmation.possible ? (confirmation.destructive ? "warning" : "info") : undefined}>
            <p>{confirmation.body}</p>
          </Banner>
          <input type="hidden" name="csrf" value={csrf} />
          <input type="hidden" name="intent" value={confirmation.intent} />
          <input type="hidden" name="confirmed" value="yes" />
          {Object.entries(confirmation.fields).map(([name, value]) => (
            <input key={name} type="hidden" name={name} value={value} />
          ))}
          <InlineStack gap="200" align="end">
            <Button url={cancelUrl}>Cancel</Button>
            {confirmation.possible ? (
              <Button submit variant="primary" tone={confirmation.destructive ? "critical" : undefined} loading={busy}>
                {confirmation.confirmLabel}
              </Button>
            ) : null}
          </InlineStack>
        </BlockStack>
      </Form>
    </Card>
  );
}
