// The confirmation before disconnecting a service (Postscript or Loop): what stops and what is deleted, then a
// destructive "Disconnect" that posts intent=disconnect to the page's action. An App Bridge modal (ui-modal):
// Shopify admin draws it over the whole admin, with the title and the buttons of its title bar.
import type { FetcherWithComponents } from "@remix-run/react";
import { Modal, TitleBar } from "@shopify/app-bridge-react";
import { BlockStack, Box, Text } from "@shopify/polaris";
import type { ReactNode } from "react";

export function DisconnectModal(props: {
  service: string;
  open: boolean;
  onClose: () => void;
  fetcher: FetcherWithComponents<unknown>;
  /** What stops when the service is disconnected. */
  effect: ReactNode;
  /** What is deleted and what is kept. */
  detail: ReactNode;
}) {
  const { fetcher } = props;
  const busy = fetcher.state !== "idle";
  return (
    <Modal id={`disconnect-${props.service.toLowerCase()}`} open={props.open} onHide={props.onClose}>
      <Box padding="400">
        <BlockStack gap="200">
          <Text as="p">{props.effect}</Text>
          <Text as="p" tone="subdued">
            {props.detail}
          </Text>
        </BlockStack>
      </Box>
      <TitleBar title={`Disconnect ${props.service}?`}>
        <button variant="primary" tone="critical" onClick={() => fetcher.submit({ intent: "disconnect" }, { method: "post" })} {...(busy ? { loading: "" } : {})}>
          Disconnect
        </button>
        <button onClick={props.onClose} disabled={busy}>
          Cancel
        </button>
      </TitleBar>
    </Modal>
  );
}
