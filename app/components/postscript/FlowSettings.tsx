// The "Shopify Flow" section of Settings: what the app's Flow triggers and its action do, whether the shop's
// workflows use each trigger (as Flow reported it) and when one last fired.
import { Badge, BlockStack, Box, Card, Divider, InlineStack, Text } from "@shopify/polaris";
import type { FlowTriggerView } from "~/flow/usage.server";
import { FormattedDate } from "../common/FormattedDate";

export type FlowTriggerData = FlowTriggerView;

const WHEN: Record<FlowTriggerData["handle"], string> = {
  "postscript-needs-action":
    "Postscript rejected the private API key, so deliveries are paused. Once per incident, with the reason, the number of events waiting and a link to these settings.",
  "loop-event-not-delivered":
    "A Loop event failed after every retry, or was skipped for a reason you can fix (no email or phone, data that could not be read, refused by Postscript). Once per incident and reason, with the event type, the Loop subscription, the customer when known and a link to the event.",
  "deliveries-back-to-normal": "The Postscript connection works again after it needed action, and the waiting events are being sent.",
};

function UseBadge({ inUse }: { inUse: boolean | null }) {
  if (inUse) return <Badge tone="success">Used by a workflow</Badge>;
  return <Badge>{inUse === false ? "Not used" : "Not used yet"}</Badge>;
}

export function FlowSettings({ triggers }: { triggers: FlowTriggerData[] }) {
  return (
    <Card>
      <BlockStack gap="400">
        <BlockStack gap="200">
          <Text as="h3" variant="headingSm">
            Triggers: the app starts your workflows
          </Text>
          <Text as="p" tone="subdued">
            In Shopify Flow, start a workflow with one of these triggers (listed under Loop to Postscript), for example to email your team or open a task. A trigger fires only while a workflow uses it.
          </Text>
        </BlockStack>
        {triggers.map((trigger) => (
          <Box key={trigger.handle}>
            <BlockStack gap="100">
              <InlineStack gap="200" blockAlign="center">
                <Text as="span" fontWeight="semibold">
                  {trigger.name}
                </Text>
                <UseBadge inUse={trigger.inUse} />
              </InlineStack>
              <Text as="p">{WHEN[trigger.handle]}</Text>
              {trigger.lastSentAt ? (
                <Text as="p" tone="subdued">
                  Last fired <FormattedDate iso={trigger.lastSentAt} />
                </Text>
              ) : null}
            </BlockStack>
          </Box>
        ))}
        <Divider />
        <BlockStack gap="200">
          <Text as="h3" variant="headingSm">
            Action: your workflows send events to Postscript
          </Text>
          <Text as="p">
            <Text as="span" fontWeight="semibold">
              Send custom event to Postscript
            </Text>{" "}
            sends a Postscript Custom Event for the workflow&apos;s customer, from any Shopify trigger (order created, customer tagged, …). Give it an event type (letters, digits and underscores) and, if you like, properties as key=value lines.
          </Text>
          <Text as="p" tone="subdued">
            The event goes out with your Loop events: the same pace, retries and statistics. The event log shows it with the source Shopify Flow, and Postscript lists its type as a trigger once it has received one.
          </Text>
        </BlockStack>
      </BlockStack>
    </Card>
  );
}
