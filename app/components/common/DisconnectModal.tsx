// The confirmation before disconnecting a service (Postscript or Loop): what stops and what is deleted, then a
// destructive "Disconnect" that posts intent=disconnect to the page's action.
import type { FetcherWithComponents } from "@remix-run/react";
import { BlockStack, Modal, Text } from "@shopify/polaris";
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
  return (
    <Modal
      open={props.open}
      onClose={props.onClose}
      title={`Disconnect ${props.service}?`}
      primaryAction={{
        content: "Disconnect",
        destructive: true,
        loading: fetcher.state !== "idle",
        onAction: () => fetcher.submit({ intent: "disconnect" }, { method: "post" }),
      }}
      secondaryActions={[{ content: "Cancel", onAction: props.onClose }]}
    >
      <Modal.Section>
        <BlockStack gap="200">
          <Text as="p">{props.effect}</Text>
          <Text as="p" tone="subdued">
            {props.detail}
          </Text>
        </BlockStack>
      </Modal.Section>
    </Modal>
  );
}
