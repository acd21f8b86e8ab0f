// The frame both sign-in steps share: a narrow card with a heading, what the step is, any notice or error, the
// form's hidden CSRF and return fields, the step's own fields and one full-width submit button.
import { Form, useNavigation } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, FormLayout, Page, Text } from "@shopify/polaris";
import type { ReactNode } from "react";
import { SupportFrame } from "./SupportFrame";

export function SignInCard(props: {
  title: string;
  intro: string;
  notice?: string | null;
  error?: string;
  csrf: string;
  next: string;
  submitLabel: string;
  children: ReactNode;
}) {
  const navigation = useNavigation();
  return (
    <SupportFrame staff={null}>
      <Page narrowWidth>
        <div style={{ maxWidth: 420, margin: "48px auto 0" }}>
          <Card>
            <Form method="post">
              <BlockStack gap="400">
                <Text as="h1" variant="headingLg">
                  {props.title}
                </Text>
                <Text as="p" tone="subdued">
                  {props.intro}
                </Text>
                {props.notice ? <Banner tone="info">{props.notice}</Banner> : null}
                {props.error ? (
                  <Banner tone="critical">
                    <p role="alert">{props.error}</p>
                  </Banner>
                ) : null}
                <input type="hidden" name="csrf" value={props.csrf} />
                <input type="hidden" name="next" value={props.next} />
                <FormLayout>
                  {props.children}
                  <Button submit variant="primary" fullWidth loading={navigation.state === "submitting"}>
                    {props.submitLabel}
                  </Button>
                </FormLayout>
              </BlockStack>
            </Form>
          </Card>
        </div>
      </Page>
    </SupportFrame>
  );
}
