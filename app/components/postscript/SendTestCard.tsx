// Send a test event from the Set up tab, the first screen that offers it once Postscript is connected: pick an
// event type and send it. When no test recipient is set yet the card asks for one there (it is saved as the
// test recipient of Settings), instead of sending the merchant elsewhere first.
import { useFetcher } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, FormLayout, InlineStack, Select, Text, TextField } from "@shopify/polaris";
import { useState } from "react";
import { EVENT_TYPES } from "~/events/catalogue";
import { SEND_TEST_FETCHER_KEY } from "./EventSettings";
import type { PostscriptActionData } from "./types";
import { TestPhoneField } from "./TestPhoneField";

const TYPE_OPTIONS = EVENT_TYPES.map((e) => ({ label: `${e.description} · ${e.type}`, value: e.type }));

export function SendTestCard({ testEmail, testPhone }: { testEmail: string | null; testPhone: string | null }) {
  const fetcher = useFetcher<PostscriptActionData>({ key: SEND_TEST_FETCHER_KEY });
  const [type, setType] = useState<string>(EVENT_TYPES[0].type);
  const [email, setEmail] = useState("");
  const [phone, setPhone] = useState("");
  const result = fetcher.state === "idle" ? fetcher.data : undefined;
  const recipient = [testEmail, testPhone].filter(Boolean).join(" and ");
  const errorFor = (field: string) => (result && !result.ok && result.field === field ? result.message : undefined);
  return (
    <Card>
      <fetcher.Form method="post" noValidate id="send-test">
        <input type="hidden" name="intent" value="send-test-event" />
        <BlockStack gap="300">
          <Text as="h2" variant="headingMd">
            Send a test event
          </Text>
          <Text as="p" tone="subdued">
            Postscript lists an event among Flow Builder&apos;s triggers once it has received one. A test event carries example values and is marked as a test.
          </Text>
          {result && !result.ok && !result.field ? (
            <Banner tone="critical" title="The test event was not sent">
              <p>{result.message}</p>
            </Banner>
          ) : null}
          <FormLayout>
            <Select label="Event type" name="type" options={TYPE_OPTIONS} value={type} onChange={setType} />
            {recipient ? (
              <Text as="p">
                It goes to your test recipient, {recipient} (change it in Settings).
              </Text>
            ) : (
              <FormLayout.Group>
                <TextField
                  label="Test recipient's email"
                  name="testEmail"
                  type="email"
                  value={email}
                  onChange={setEmail}
                  autoComplete="email"
                  helpText="A Postscript subscriber you know, such as yourself. Saved as the test recipient in Settings."
                  error={errorFor("testEmail")}
                />
                <TestPhoneField label="Or mobile number" value={phone} onChange={setPhone} error={errorFor("testPhone")} />
              </FormLayout.Group>
            )}
          </FormLayout>
          <InlineStack>
            <Button submit variant="primary" loading={fetcher.state !== "idle"}>
              Send test event
            </Button>
          </InlineStack>
        </BlockStack>
      </fetcher.Form>
    </Card>
  );
}
