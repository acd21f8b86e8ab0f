// Settings → Events: the 17 event types of the Loop ↔ Postscript integration, grouped, each with an on/off
// switch and Loop's description. Saving stores the types that are off and marks the choices reviewed.
// One row per type (EventTypeRow) so per-type additions (a test send, property docs) have a place.
import { useFetcher } from "@remix-run/react";
import { Banner, BlockStack, Box, Button, Card, Checkbox, Collapsible, Divider, InlineStack, Text } from "@shopify/polaris";
import { Fragment, memo, useCallback, useMemo, useRef, useState } from "react";
import { FormattedDate } from "~/components/common/FormattedDate";
import { EVENT_TYPES, type EventGroup, type EventTypeDefinition } from "~/events/catalogue";
import { exampleAsOf, propertiesFor } from "~/events/properties";
import { useSettingsSection } from "./SettingsForm";
import type { PostscriptActionData } from "./types";

const GROUPS: { id: EventGroup; title: string }[] = [
  { id: "subscription", title: "Subscriptions" },
  { id: "order", title: "Orders" },
  { id: "payment", title: "Payments" },
  { id: "flow", title: "Flows" },
  { id: "customer", title: "Customers" },
];

interface Props {
  disabledEventTypes: string[];
  eventsReviewedAt: string | null;
  /** Test events need a connected key and a test recipient; the reason when they cannot be sent yet. */
  testUnavailableReason: string | null;
}

export const SEND_TEST_FETCHER_KEY = "postscript-send-test";

export function EventSettings({ disabledEventTypes, eventsReviewedAt, testUnavailableReason }: Props) {
  const testFetcher = useFetcher<PostscriptActionData>({ key: SEND_TEST_FETCHER_KEY });
  const testResult = testFetcher.state === "idle" ? testFetcher.data : undefined;
  const fetcher = useFetcher<PostscriptActionData>({ key: "postscript-save-events" });
  const initial = useMemo(() => new Set<string>(EVENT_TYPES.map((e) => e.type).filter((t) => !disabledEventTypes.includes(t))), [disabledEventTypes]);
  const [enabled, setEnabled] = useState(initial);
  const result = fetcher.state === "idle" ? fetcher.data : undefined;
  const dirty = enabled.size !== initial.size || [...enabled].some((t) => !initial.has(t));
  const form = useRef<HTMLFormElement>(null);
  const submitForm = fetcher.submit;
  const save = useCallback(() => {
    if (form.current) submitForm(form.current);
  }, [submitForm]);
  const discard = useCallback(() => setEnabled(initial), [initial]);
  useSettingsSection("events", { dirty, saving: fetcher.state !== "idle", save, discard });
  // Stable callbacks and memoised rows: a switch re-renders its own row, not all 17 (toggling stays well under
  // a frame on a slow phone).
  const toggle = useCallback(
    (type: string, on: boolean) =>
      setEnabled((current) => {
        const next = new Set(current);
        if (on) next.add(type);
        else next.delete(type);
        return next;
      }),
    [],
  );
  const submitTest = testFetcher.submit;
  const sendTest = useCallback((type: string) => submitTest({ intent: "send-test-event", type }, { method: "post" }), [submitTest]);
  const sendingType = testFetcher.state !== "idle" ? testFetcher.formData?.get("type") : null;

  return (
    <Card>
      <fetcher.Form method="post" id="events" noValidate ref={form}>
        <input type="hidden" name="intent" value="save-events" />
        <BlockStack gap="400">
          <BlockStack gap="100">
            <Text as="p" fontWeight="semibold">
              {enabled.size} of {EVENT_TYPES.length} are on.
            </Text>
            <Text as="p" variant="bodySm" tone="subdued">
              {eventsReviewedAt ? (
                <>
                  Last saved <FormattedDate iso={eventsReviewedAt} />
                </>
              ) : (
                "Not saved yet: every event type is on until you save your choices."
              )}
            </Text>
            {/* Choosing to keep every type on is a choice too (the set-up checklist's step); changes go through the save bar. */}
            {!eventsReviewedAt && !dirty ? (
              <InlineStack>
                <Button onClick={save} loading={fetcher.state !== "idle"}>
                  Keep these choices
                </Button>
              </InlineStack>
            ) : null}
          </BlockStack>
          {result && !result.ok ? (
            <Banner tone="critical">
              <p>{result.message}</p>
            </Banner>
          ) : null}
          {testResult && !testResult.ok ? (
            <Banner tone="critical" title="The test event was not sent">
              <p>{testResult.message}</p>
            </Banner>
          ) : null}
          <Text as="p" variant="bodySm" tone="subdued">
            {testUnavailableReason ??
              "Send test sends one event of that type, with example values, to your test recipient. Postscript lists an event in Flow Builder's triggers once it has received one."}
          </Text>
          {GROUPS.map((group) => {
            const types = EVENT_TYPES.filter((e) => e.group === group.id);
            if (types.length === 0) return null;
            return (
              <BlockStack gap="200" key={group.id}>
                <Text as="h3" variant="headingSm">
                  {group.title}
                </Text>
                <Box borderWidth="025" borderColor="border" borderRadius="200">
                  {types.map((definition, index) => (
                    <Fragment key={definition.type}>
                      {index > 0 ? <Divider /> : null}
                      <EventTypeRow
                        definition={definition}
                        on={enabled.has(definition.type)}
                        onChange={toggle}
                        onSendTest={testUnavailableReason ? undefined : sendTest}
                        sending={sendingType === definition.type}
                      />
                    </Fragment>
                  ))}
                </Box>
              </BlockStack>
            );
          })}
          {/* Checkbox inputs are controlled; these carry the choice to the server in one consistent list. */}
          {[...enabled].map((type) => (
            <input key={type} type="hidden" name="enabled" value={type} />
          ))}
        </BlockStack>
      </fetcher.Form>
    </Card>
  );
}

interface EventTypeRowProps {
  definition: EventTypeDefinition;
  on: boolean;
  onChange: (type: string, on: boolean) => void;
  /** Absent while test events cannot be sent (the reason is shown above the list). */
  onSendTest?: (type: string) => void;
  sending?: boolean;
}

export const EventTypeRow = memo(function EventTypeRow({ definition, on, onChange, onSendTest, sending = false }: EventTypeRowProps) {
  const [showProperties, setShowProperties] = useState(false);
  const properties = propertiesFor(definition.type as Parameters<typeof propertiesFor>[0]);
  const propertiesId = `properties-${definition.type}`;
  return (
    <Box padding="300">
      <BlockStack gap="200">
        <Checkbox
          label={
            <Text as="span" fontWeight="medium">
              {definition.type}
            </Text>
          }
          helpText={definition.loopTopic ? `${definition.description} · Loop topic ${definition.loopTopic}` : definition.description}
          checked={on}
          onChange={(checked) => onChange(definition.type, checked)}
        />
        {/* Actions sit under the description (aligned with the label), so they never squeeze it. */}
        <Box paddingInlineStart="600">
          <InlineStack gap="400" blockAlign="center">
            <Button variant="plain" onClick={() => setShowProperties((v) => !v)} ariaExpanded={showProperties} ariaControls={propertiesId}>
              {showProperties ? "Hide properties" : `Properties (${properties.length})`}
            </Button>
            <Button variant="plain" onClick={onSendTest ? () => onSendTest(definition.type) : undefined} disabled={!onSendTest} loading={sending} accessibilityLabel={`Send test event: ${definition.type}`}>
              Send test
            </Button>
          </InlineStack>
        </Box>
        <Collapsible id={propertiesId} open={showProperties}>
          <Box paddingInlineStart="600">
            <BlockStack gap="100">
              <Text as="p" variant="bodySm" tone="subdued">
                Use these names as merge tags and filters in Postscript. The ones marked “when known” are sent when Loop provides the value.
              </Text>
              {properties.map((property) => (
                <Text as="p" variant="bodySm" key={property.name}>
                  <Text as="span" fontWeight="semibold">
                    {property.name}
                  </Text>{" "}
                  — {property.description}
                  {property.presence === "when known" ? " (when known)" : ""}. Example: {String(exampleAsOf(property, new Date()))}
                </Text>
              ))}
            </BlockStack>
          </Box>
        </Collapsible>
      </BlockStack>
    </Box>
  );
});
