// Connect with a Loop Admin API token: how to create one, the token field, Connect. The server checks the
// token with Loop and subscribes the app to Loop's events before saving anything.
import { useFetcher } from "@remix-run/react";
import { BlockStack, Button, InlineStack, List, Text, TextField } from "@shopify/polaris";
import { useState } from "react";
import { useFetcherDone } from "~/components/common/useFetcherDone";
import type { LoopActionData } from "./types";

export function TokenInstructions() {
  return (
    <List type="number">
      <List.Item>
        In Loop admin, open <b>Settings</b> → <b>API Tokens</b>.
      </List.Item>
      <List.Item>
        Select <b>Generate new token</b> and name it, for example “Postscript events app”.
      </List.Item>
      <List.Item>
        Give it the <b>webhooks</b> scope: the app uses it to subscribe to Loop&apos;s events, and nothing else.
      </List.Item>
      <List.Item>Copy the token and paste it below.</List.Item>
    </List>
  );
}

export function TokenForm({ submitLabel, onDone, onCancel }: { submitLabel: string; onDone?: () => void; onCancel?: () => void }) {
  const fetcher = useFetcher<LoopActionData>({ key: "loop-connect-token" });
  const [token, setToken] = useState("");
  const result = fetcher.state === "idle" ? fetcher.data : undefined;
  useFetcherDone(fetcher, (data) => {
    if (!data.ok) return;
    setToken("");
    onDone?.();
  });
  return (
    <fetcher.Form method="post" noValidate data-testid="loop-token-form">
      <input type="hidden" name="intent" value="connect-token" />
      <BlockStack gap="300">
        <TextField
          label="Loop API token"
          name="token"
          type="password"
          value={token}
          onChange={setToken}
          autoComplete="off"
          monospaced
          error={result && !result.ok && result.field === "token" ? result.message : undefined}
          helpText="Kept encrypted; shown only as its last four characters."
        />
        <InlineStack gap="200">
          <Button submit variant="primary" loading={fetcher.state !== "idle"}>
            {submitLabel}
          </Button>
          {onCancel ? (
            <Button onClick={onCancel} disabled={fetcher.state !== "idle"}>
              Cancel
            </Button>
          ) : null}
        </InlineStack>
        {fetcher.state !== "idle" ? (
          <Text as="p" variant="bodySm" tone="subdued">
            Checking the token and subscribing to Loop&apos;s events…
          </Text>
        ) : null}
      </BlockStack>
    </fetcher.Form>
  );
}
