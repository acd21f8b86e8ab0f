// The set-up checklist at the top of the Integrations page: each step links to where it is done; the last one
// opens Postscript's Flow Builder in a new tab and tells the app it was opened.
import { useFetcher } from "@remix-run/react";
import { BlockStack, Box, Button, Card, Icon, InlineStack, ProgressBar, Text } from "@shopify/polaris";
import { CheckCircleIcon } from "@shopify/polaris-icons";

export interface ChecklistStepProps {
  id: string;
  title: string;
  description: string;
  done: boolean;
  actionLabel: string;
  url: string;
  external?: boolean;
}

export function SetupChecklist({ steps, doneCount }: { steps: ChecklistStepProps[]; doneCount: number }) {
  const next = steps.find((step) => !step.done);
  const fetcher = useFetcher({ key: "checklist-flow-builder" });
  return (
    <Card>
      <BlockStack gap="400">
        <BlockStack gap="200">
          <Text as="h2" variant="headingMd">
            Set up Loop → Postscript
          </Text>
          <Text as="p" tone="subdued">
            {doneCount} of {steps.length} steps done
          </Text>
          <ProgressBar progress={Math.round((doneCount / steps.length) * 100)} size="small" tone="primary" />
        </BlockStack>
        <BlockStack gap="300" as="ol">
          {steps.map((step, index) => (
            <Box as="li" key={step.id} id={`checklist-${step.id}`}>
              <InlineStack gap="300" blockAlign="center" align="space-between" wrap={false}>
                <InlineStack gap="300" blockAlign="start" wrap={false}>
                  <Box minWidth="20px">{step.done ? <Icon source={CheckCircleIcon} tone="success" accessibilityLabel="Done" /> : <StepNumber n={index + 1} />}</Box>
                  <BlockStack gap="050">
                    <Text as="span" variant="bodyMd" fontWeight="semibold" tone={step.done ? "subdued" : undefined}>
                      {step.title}
                    </Text>
                    <Text as="span" variant="bodySm" tone="subdued">
                      {step.description}
                    </Text>
                  </BlockStack>
                </InlineStack>
                {step.done ? (
                  <Text as="span" variant="bodySm" tone="success">
                    Done
                  </Text>
                ) : (
                  <Button
                    url={step.url}
                    target={step.external ? "_blank" : undefined}
                    variant={step === next ? "primary" : "secondary"}
                    onClick={step.external ? () => fetcher.submit({ intent: "flow-builder-opened" }, { method: "post", action: "/app?index" }) : undefined}
                  >
                    {step.actionLabel}
                  </Button>
                )}
              </InlineStack>
            </Box>
          ))}
        </BlockStack>
      </BlockStack>
    </Card>
  );
}

function StepNumber({ n }: { n: number }) {
  return (
    <Box borderWidth="025" borderColor="border" borderRadius="full" minWidth="20px" minHeight="20px">
      <Text as="span" variant="bodySm" alignment="center" fontWeight="medium">
        {n}
      </Text>
    </Box>
  );
}
