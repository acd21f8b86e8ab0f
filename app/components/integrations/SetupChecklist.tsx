// The set-up checklist at the top of the Integrations page: three steps, each linking to where it is done.
import { BlockStack, Box, Button, Card, Icon, InlineStack, ProgressBar, Text } from "@shopify/polaris";
import { CheckCircleIcon } from "@shopify/polaris-icons";

export interface ChecklistStepProps {
  id: string;
  title: string;
  description: string;
  done: boolean;
  actionLabel: string;
  url: string;
}

export function SetupChecklist({ steps, doneCount }: { steps: ChecklistStepProps[]; doneCount: number }) {
  const next = steps.find((step) => !step.done);
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
                  <Button url={step.url} variant={step === next ? "primary" : "secondary"}>
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
