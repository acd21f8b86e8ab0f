// Settings → Connection: what is connected (masked key, label, dates, Postscript shop), and the actions:
// replace the key, verify it again, disconnect (after a confirmation).
import { useFetcher } from "@remix-run/react";
import { BlockStack, Box, Button, Card, Collapsible, DescriptionList, InlineError, InlineStack, Text } from "@shopify/polaris";
import { useCallback, useState } from "react";
import { DisconnectModal } from "~/components/common/DisconnectModal";
import { useFetcherDone } from "~/components/common/useFetcherDone";
import { FormattedDate } from "~/components/common/FormattedDate";
import { StatusBadge } from "~/components/common/StatusBadge";
import { ConnectKeyForm } from "./ConnectKeyForm";
import type { PostscriptActionData, PostscriptConnectionData } from "./types";

export function ConnectionSettings({ connection }: { connection: PostscriptConnectionData }) {
  const connected = connection.status === "connected" || connection.status === "action_needed";
  const [replacing, setReplacing] = useState(connection.status === "action_needed");
  const [confirming, setConfirming] = useState(false);
  const verify = useFetcher<PostscriptActionData>({ key: "postscript-verify" });
  const disconnect = useFetcher<PostscriptActionData>({ key: "postscript-disconnect" });
  const verifyResult = verify.state === "idle" ? verify.data : undefined;
  const closeReplace = useCallback(() => setReplacing(false), []);

  useFetcherDone(disconnect, () => setConfirming(false));

  if (!connected) {
    return (
      <Card>
        <BlockStack gap="300">
          <InlineStack>
            <StatusBadge state={connection.status} />
          </InlineStack>
          <Text as="p" tone="subdued">
            {connection.status === "disconnected"
              ? "Postscript is disconnected: events are not sent. The history of what was sent is kept."
              : "Postscript is not connected yet."}
          </Text>
          <InlineStack>
            <Button url="?tab=setup" variant="primary">
              Connect Postscript
            </Button>
          </InlineStack>
        </BlockStack>
      </Card>
    );
  }

  return (
    <Card>
      <BlockStack gap="400">
        <DescriptionList
          gap="tight"
          items={[
            { term: "Status", description: <StatusBadge state={connection.status} /> },
            { term: "Postscript shop", description: connection.shopName ?? "—" },
            { term: "Private API key", description: <span data-testid="masked-key">{connection.keyMasked}</span> },
            { term: "Label", description: connection.label ?? "—" },
            { term: "Connected", description: <FormattedDate iso={connection.connectedAt} /> },
            { term: "Last verified", description: <FormattedDate iso={connection.lastVerifiedAt} /> },
            ...(connection.partnerMode ? [{ term: "Sent as", description: "This app's Postscript partner key, on behalf of your shop" }] : []),
          ]}
        />
        <InlineStack gap="200">
          <Button onClick={() => setReplacing((open) => !open)} ariaExpanded={replacing} ariaControls="replace-key">
            Replace key
          </Button>
          <verify.Form method="post">
            <input type="hidden" name="intent" value="verify" />
            <Button submit loading={verify.state !== "idle"}>
              Verify again
            </Button>
          </verify.Form>
          <Button tone="critical" onClick={() => setConfirming(true)}>
            Disconnect
          </Button>
        </InlineStack>
        {verifyResult && !verifyResult.ok ? <InlineError fieldID="verify" message={verifyResult.message} /> : null}
        <Collapsible id="replace-key" open={replacing}>
          <Box paddingBlockStart="200">
            <BlockStack gap="300">
              <Text as="h3" variant="headingSm">
                Replace the private key
              </Text>
              <Text as="p" tone="subdued">
                The current key stays in use until Postscript accepts the new one.
              </Text>
              <ConnectKeyForm intent="replace" initialLabel={connection.label} submitLabel="Replace key" onDone={closeReplace} onCancel={closeReplace} />
            </BlockStack>
          </Box>
        </Collapsible>
      </BlockStack>
      <DisconnectModal
        service="Postscript"
        open={confirming}
        onClose={() => setConfirming(false)}
        fetcher={disconnect}
        effect="Events stop being sent to Postscript. The key is deleted from this app."
        detail="The history of what was sent is kept, and you can connect again at any time with a private key."
      />
    </Card>
  );
}
