// Settings → the payment retry count (used when Loop's payload does not say how many retries are left) and the
// test recipient (who receives test events).
import { useFetcher } from "@remix-run/react";
import { BlockStack, Box, Button, Card, FormLayout, InlineStack, TextField } from "@shopify/polaris";
import { useState } from "react";
import type { PostscriptActionData } from "./types";

export function PaymentRetrySettings({ paymentRetryCount }: { paymentRetryCount: number }) {
  const fetcher = useFetcher<PostscriptActionData>({ key: "postscript-save-retry-count" });
  const [value, setValue] = useState(String(paymentRetryCount));
  const result = fetcher.state === "idle" ? fetcher.data : undefined;
  return (
    <Card>
      <fetcher.Form method="post" noValidate>
        <input type="hidden" name="intent" value="save-retry-count" />
        <BlockStack gap="300">
          <Box maxWidth="240px">
              <TextField
                label="Payment retries in Loop"
                name="paymentRetryCount"
                type="number"
                min={1}
                max={10}
                step={1}
                value={value}
                onChange={setValue}
                autoComplete="off"
                helpText="From 1 to 10."
                error={result && !result.ok ? result.message : undefined}
              />
          </Box>
          <InlineStack align="end">
            <Button submit loading={fetcher.state !== "idle"}>
              Save retry count
            </Button>
          </InlineStack>
        </BlockStack>
      </fetcher.Form>
    </Card>
  );
}

export function TestRecipientSettings({ testEmail, testPhone }: { testEmail: string | null; testPhone: string | null }) {
  const fetcher = useFetcher<PostscriptActionData>({ key: "postscript-save-test-recipient" });
  const [email, setEmail] = useState(testEmail ?? "");
  const [phone, setPhone] = useState(testPhone ?? "");
  const result = fetcher.state === "idle" ? fetcher.data : undefined;
  const errorFor = (field: string) => (result && !result.ok && result.field === field ? result.message : undefined);
  return (
    <Card>
      <fetcher.Form method="post" noValidate>
        <input type="hidden" name="intent" value="save-test-recipient" />
        <BlockStack gap="300">
          <FormLayout>
            <FormLayout.Group>
              <TextField label="Email" name="testEmail" type="email" value={email} onChange={setEmail} autoComplete="email" error={errorFor("testEmail")} />
              <TextField
                label="Mobile number"
                name="testPhone"
                type="tel"
                value={phone}
                onChange={setPhone}
                autoComplete="tel"
                placeholder="+1 212 555 0100"
                helpText="With the country code."
                error={errorFor("testPhone")}
              />
            </FormLayout.Group>
          </FormLayout>
          <InlineStack align="end">
            <Button submit loading={fetcher.state !== "idle"}>
              Save test recipient
            </Button>
          </InlineStack>
        </BlockStack>
      </fetcher.Form>
    </Card>
  );
}
