// Set up: how to create a private key in Postscript (the help article's steps), then the key form. Once
// connected it says so and what is left to do (the set-up checklist, and a test event to send from here), and
// points to the Loop connection when that is still missing.
import { Banner, BlockStack, Button, Card, InlineStack, List, Text } from "@shopify/polaris";
import { FormattedDate } from "~/components/common/FormattedDate";
import { StatusBadge, type ConnectionState } from "~/components/common/StatusBadge";
import { SetupChecklist, type ChecklistStepProps } from "~/components/integrations/SetupChecklist";
import { ConnectKeyForm } from "./ConnectKeyForm";
import { SendTestCard } from "./SendTestCard";
import type { PostscriptConnectionData } from "./types";

interface Props {
  connection: PostscriptConnectionData;
  loopState: ConnectionState;
  /** Once connected: the set-up checklist, while steps are left. */
  checklist: { visible: boolean; steps: ChecklistStepProps[]; doneCount: number } | null;
  testRecipient: { testEmail: string | null; testPhone: string | null };
}

export function SetUpTab({ connection, loopState, checklist, testRecipient }: Props) {
  const connected = connection.status === "connected" || connection.status === "action_needed";
  // The test is sent from this tab: its checklist step points at the card below instead of another tab.
  const steps = checklist?.steps.map((step) => (step.id === "test" ? { ...step, url: "#send-test" } : step));
  return (
    <BlockStack gap="400">
      {connected ? (
        <Card>
          <BlockStack gap="200">
            <InlineStack gap="200" blockAlign="center">
              <Text as="h2" variant="headingMd">
                Connected to {connection.shopName ?? "Postscript"}
              </Text>
              <StatusBadge state={connection.status} />
            </InlineStack>
            <Text as="p" tone="subdued">
              Key {connection.keyMasked}
              {connection.label ? ` (${connection.label})` : ""} · connected <FormattedDate iso={connection.connectedAt} />
            </Text>
            <InlineStack>
              <Button url="?tab=settings">Manage connection</Button>
            </InlineStack>
          </BlockStack>
        </Card>
      ) : null}
      {connected && checklist?.visible && steps ? <SetupChecklist steps={steps} doneCount={checklist.doneCount} /> : null}
      {connection.status === "connected" ? <SendTestCard testEmail={testRecipient.testEmail} testPhone={testRecipient.testPhone} /> : null}
      {connected ? null : (
        <>
          <Card>
            <BlockStack gap="300">
              <Text as="h2" variant="headingMd">
                1. Create a Postscript API key
              </Text>
              <List type="number">
                <List.Item>
                  In your Postscript dashboard, select your <b>Shop name</b> in the side menu, then select <b>API</b>.
                </List.Item>
                <List.Item>
                  Select <b>Create Security Key Pair</b> on the right side of the page, then confirm by selecting <b>Yes</b>.
                </List.Item>
                <List.Item>Add a label to the key so you can see where it is used (for example “Loop events app”).</List.Item>
                <List.Item>
                  Select <b>Show</b> in the <b>Private Key</b> column to reveal the key, and copy it.
                </List.Item>
              </List>
            </BlockStack>
          </Card>
          <Card>
            <BlockStack gap="300">
              <Text as="h2" variant="headingMd">
                2. Connect Postscript
              </Text>
              <Text as="p" tone="subdued">
                Paste the private key. The app checks it with Postscript before saving it, and keeps it encrypted.
              </Text>
              {connection.status === "disconnected" && connection.keyMasked ? (
                <Banner tone="info">
                  <p>
                    Postscript was disconnected on <FormattedDate iso={connection.disconnectedAt} /> (key {connection.keyMasked}). Connect a key to send events again.
                  </p>
                </Banner>
              ) : null}
              <ConnectKeyForm intent="connect" submitLabel="Connect" />
            </BlockStack>
          </Card>
        </>
      )}
      <Card>
        <BlockStack gap="200">
          <InlineStack gap="200" blockAlign="center">
            <Text as="h2" variant="headingMd">
              Events come from Loop Subscriptions
            </Text>
            <StatusBadge state={loopState} />
          </InlineStack>
          <Text as="p" tone="subdued">
            {loopState === "connected"
              ? "Loop sends its subscription events to this app, which forwards them to Postscript."
              : "Connect Loop so its subscription events reach this app. Without it, nothing is sent to Postscript."}
          </Text>
          <InlineStack>
            <Button url="/app/integrations/loop">{loopState === "connected" ? "View Loop connection" : "Connect Loop"}</Button>
          </InlineStack>
        </BlockStack>
      </Card>
    </BlockStack>
  );
}
