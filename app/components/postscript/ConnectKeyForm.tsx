// The private-key form: an optional label, the key (a password field, so it is not shown or remembered),
// and Connect. Used to connect and, in Settings, to replace the key; the server checks the key with Postscript
// before saving anything, so a failed replacement leaves the current key in force.
import { useFetcher } from "@remix-run/react";
import { BlockStack, Button, FormLayout, InlineStack, TextField } from "@shopify/polaris";
import { useState } from "react";
import { useFetcherDone } from "~/components/common/useFetcherDone";
import type { PostscriptActionData } from "./types";

interface Props {
  intent: "connect" | "replace";
  initialLabel?: string | null;
  submitLabel: string;
  onDone?: () => void;
  onCancel?: () => void;
}

export function ConnectKeyForm({ intent, initialLabel, submitLabel, onDone, onCancel }: Props) {
  const fetcher = useFetcher<PostscriptActionData>({ key: `postscript-${intent}` });
  const [label, setLabel] = useState(initialLabel ?? "");
  const [apiKey, setApiKey] = useState("");
  const result = fetcher.state === "idle" ? fetcher.data : undefined;
  const busy = fetcher.state !== "idle";

  useFetcherDone(fetcher, (data) => {
    if (!data.ok) return;
    setApiKey("");
    onDone?.();
  });

  const keyError = result && !result.ok && result.field !== "label" ? result.message : undefined;
  const labelError = result && !result.ok && result.field === "label" ? result.message : undefined;

  return (
    <fetcher.Form method="post" noValidate data-testid={`postscript-${intent}-form`}>
      <input type="hidden" name="intent" value={intent} />
      <BlockStack gap="400">
        <FormLayout>
          <TextField
            label="Label (optional)"
            name="label"
            value={label}
            onChange={setLabel}
            autoComplete="off"
            maxLength={60}
            helpText="The label you gave the key in Postscript, so you know where it is used."
            error={labelError}
          />
          <TextField
            label="Private API key"
            name="apiKey"
            type="password"
            value={apiKey}
            onChange={setApiKey}
            autoComplete="off"
            placeholder="sk_…"
            helpText="Starts with sk_. The public key (pk_…) does not work here."
            error={keyError}
            monospaced
          />
        </FormLayout>
        <InlineStack gap="200">
          <Button submit variant="primary" loading={busy}>
            {submitLabel}
          </Button>
          {onCancel ? (
            <Button onClick={onCancel} disabled={busy}>
              Cancel
            </Button>
          ) : null}
        </InlineStack>
      </BlockStack>
    </fetcher.Form>
  );
}
