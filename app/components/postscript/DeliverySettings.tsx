// Settings → the payment retry count (used when Loop's payload does not say how many retries are left) and the
// test recipient (who receives test events).
import { useFetcher } from "@remix-run/react";
import { Banner, BlockStack, Box, Card, FormLayout, TextField } from "@shopify/polaris";
import { useCallback, useEffect, useRef, useState } from "react";
import { useSettingsSection } from "./SettingsForm";
import type { PostscriptActionData } from "./types";
import { TestPhoneField } from "./TestPhoneField";

export function PaymentRetrySettings({ paymentRetryCount }: { paymentRetryCount: number }) {
  const fetcher = useFetcher<PostscriptActionData>({ key: "postscript-save-retry-count" });
  const [value, setValue] = useState(String(paymentRetryCount));
  const result = fetcher.state === "idle" ? fetcher.data : undefined;
  const form = useRef<HTMLFormElement>(null);
  const submitForm = fetcher.submit;
  const save = useCallback(() => {
    if (form.current) submitForm(form.current);
  }, [submitForm]);
  const discard = useCallback(() => setValue(String(paymentRetryCount)), [paymentRetryCount]);
  useSettingsSection("payment-retries", { dirty: value !== String(paymentRetryCount), saving: fetcher.state !== "idle", save, discard });
  return (
    <Card>
      <fetcher.Form method="post" noValidate ref={form}>
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
  const form = useRef<HTMLFormElement>(null);
  const submitForm = fetcher.submit;
  const save = useCallback(() => {
    if (form.current) submitForm(form.current);
  }, [submitForm]);
  const discard = useCallback(() => {
    setEmail(testEmail ?? "");
    setPhone(testPhone ?? "");
  }, [testEmail, testPhone]);
  // Once saved, the fields show what was stored (the phone as +15555550101), which is no longer a change.
  useEffect(() => {
    if (result?.ok) discard();
  }, [result, discard]);
  useSettingsSection("test-recipient", { dirty: email !== (testEmail ?? "") || phone !== (testPhone ?? ""), saving: fetcher.state !== "idle", save, discard });
  const errorFor = (field: string) => (result && !result.ok && result.field === field ? result.message : undefined);
  return (
    <Card>
      <fetcher.Form method="post" noValidate ref={form}>
        <input type="hidden" name="intent" value="save-test-recipient" />
        <BlockStack gap="300">
          <FormLayout>
            <FormLayout.Group>
              <TextField label="Email" name="testEmail" type="email" value={email} onChange={setEmail} autoComplete="email" error={errorFor("testEmail")} />
              <TestPhoneField label="Mobile number" value={phone} onChange={setPhone} error={errorFor("testPhone")} />
            </FormLayout.Group>
          </FormLayout>
          {result?.ok && result.warning ? <Banner tone="warning">{result.warning}</Banner> : null}
        </BlockStack>
      </fetcher.Form>
    </Card>
  );
}
