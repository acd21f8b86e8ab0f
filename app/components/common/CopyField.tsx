// A read-only value with a Copy button (the webhook URL a merchant pastes into Loop admin).
import { Button, TextField } from "@shopify/polaris";
import { useAppBridge } from "@shopify/app-bridge-react";
import { useCallback, useId } from "react";

export function CopyField({ label, value, helpText }: { label: string; value: string; helpText?: string }) {
  const shopify = useAppBridge();
  const id = useId();
  const copy = useCallback(async () => {
    try {
      await navigator.clipboard.writeText(value);
      shopify.toast.show(`${label} copied`);
    } catch {
      // No clipboard access (an insecure context or a denied permission): select the text to copy by hand.
      const input = document.getElementById(id) as HTMLInputElement | null;
      input?.select();
      shopify.toast.show("Press Ctrl+C (⌘C) to copy", { isError: true });
    }
  }, [id, label, shopify, value]);
  return (
    <TextField
      id={id}
      label={label}
      value={value}
      readOnly
      autoComplete="off"
      helpText={helpText}
      monospaced
      connectedRight={<Button onClick={copy}>Copy</Button>}
    />
  );
}
