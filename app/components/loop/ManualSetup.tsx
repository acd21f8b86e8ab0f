// The manual way: the merchant adds the webhooks in Loop admin (the URL and topics shown here) and pastes each
// webhook's signing secret with the topic(s) that webhook is for: the app checks that deliveries come from Loop
// and accepts each topic only when signed by a secret given for it.
import { useFetcher } from "@remix-run/react";
import { Badge, BlockStack, Box, Button, ChoiceList, Divider, InlineStack, List, Text, TextField } from "@shopify/polaris";
import { Fragment, useState } from "react";
import { useFetcherDone } from "~/components/common/useFetcherDone";
import { CopyField } from "~/components/common/CopyField";
import { FormattedDate } from "~/components/common/FormattedDate";
import { OTHER_LOOP_TOPICS } from "~/events/catalogue";
import { TopicList } from "./TopicList";
import type { LoopActionData, LoopConnectionData } from "./types";

export function ManualSetup({ connection }: { connection: LoopConnectionData }) {
  const add = useFetcher<LoopActionData>({ key: "loop-add-secret" });
  const [secret, setSecret] = useState("");
  const [topics, setTopics] = useState<string[]>([]);
  const result = add.state === "idle" ? add.data : undefined;
  useFetcherDone(add, (data) => {
    if (!data.ok) return;
    setSecret("");
    setTopics([]);
  });
  const topicChoices = [
    ...connection.topics.map((t) => ({ label: t.topic, value: t.topic })),
    { label: "Another topic (the app does not use it)", value: OTHER_LOOP_TOPICS },
  ];
  return (
    <BlockStack gap="400">
      <List type="number">
        <List.Item>
          In Loop admin, open <b>Settings</b> → <b>Webhooks</b> and add a webhook with the URL below.
        </List.Item>
        <List.Item>Select every topic in the list below (one webhook per topic if Loop asks for one topic at a time).</List.Item>
        <List.Item>
          Copy the webhook&apos;s signing secret, add it here and tick the topic(s) that webhook is for. Several webhooks: add
          each secret.
        </List.Item>
      </List>
      <CopyField label="Webhook URL" value={connection.address} helpText="This URL is for your shop only." />
      <BlockStack gap="200">
        <Text as="h3" variant="headingSm">
          Topics to select ({connection.topics.length})
        </Text>
        <TopicList topics={connection.topics} showStatus={false} />
      </BlockStack>
      {connection.manualSecrets.length ? (
        <BlockStack gap="200">
          <Text as="h3" variant="headingSm">
            Signing secrets
          </Text>
          <Box borderWidth="025" borderColor="border" borderRadius="200">
            {connection.manualSecrets.map((s, index) => (
              <Fragment key={s.id}>
                {index > 0 ? <Divider /> : null}
                <ManualSecretRow id={s.id} masked={s.masked} addedAt={s.addedAt} topics={s.topics} />
              </Fragment>
            ))}
          </Box>
        </BlockStack>
      ) : null}
      <add.Form method="post" noValidate>
        <input type="hidden" name="intent" value="add-secret" />
        <BlockStack gap="200">
          <TextField
            label="Signing secret"
            name="secret"
            type="password"
            value={secret}
            onChange={setSecret}
            autoComplete="off"
            monospaced
            error={result && !result.ok && result.field !== "topics" ? result.message : undefined}
          />
          <ChoiceList
            title="Topics of this webhook"
            allowMultiple
            choices={topicChoices}
            selected={topics}
            onChange={setTopics}
            error={result && !result.ok && result.field === "topics" ? result.message : undefined}
          />
          {topics.map((topic) => (
            <input key={topic} type="hidden" name="topics" value={topic} />
          ))}
          <InlineStack>
            <Button submit loading={add.state !== "idle"}>
              {connection.manualSecrets.length ? "Add another secret" : "Save signing secret"}
            </Button>
          </InlineStack>
        </BlockStack>
      </add.Form>
    </BlockStack>
  );
}

function ManualSecretRow({ id, masked, addedAt, topics }: { id: string; masked: string; addedAt: string; topics: string[] | null }) {
  // One fetcher for every row, so the route can toast its result after the row is gone.
  const remove = useFetcher<LoopActionData>({ key: "loop-remove-secret" });
  const removing = remove.state !== "idle" && remove.formData?.get("secretId") === id;
  return (
    <Box paddingInline="300" paddingBlock="200">
      <InlineStack align="space-between" blockAlign="center">
        <BlockStack gap="100">
          <Text as="span">
            <code>{masked}</code>{" "}
            <Text as="span" tone="subdued" variant="bodySm">
              added <FormattedDate iso={addedAt} />
            </Text>
          </Text>
          {topics ? (
            <Text as="span" variant="bodySm">
              For {topics.map((t) => (t === OTHER_LOOP_TOPICS ? "topics the app does not use" : t)).join(", ")}
            </Text>
          ) : (
            <InlineStack gap="200" blockAlign="center">
              <Badge tone="warning">Action needed</Badge>
              <Text as="span" variant="bodySm">
                Say which webhook this secret belongs to: paste it again below and tick its topic(s).
              </Text>
            </InlineStack>
          )}
        </BlockStack>
        <remove.Form method="post">
          <input type="hidden" name="intent" value="remove-secret" />
          <input type="hidden" name="secretId" value={id} />
          <Button submit variant="plain" tone="critical" loading={removing} accessibilityLabel={`Remove secret ${masked}`}>
            Remove
          </Button>
        </remove.Form>
      </InlineStack>
    </Box>
  );
}
