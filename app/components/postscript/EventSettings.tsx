// Settings → Events: the 17 event types of the Loop ↔ Postscript integration, grouped, each with an on/off
// switch and the article's description. Saving stores the types that are off and marks the choices reviewed.
// One row per type (EventTypeRow) so per-type additions (a test send, property docs) have a place.
import { useFetcher } from "@remix-run/react";
import { Banner, BlockStack, Box, Button, Card, Checkbox, Divider, InlineStack, Text } from "@shopify/polaris";
import { Fragment, useState } from "react";
import { FormattedDate } from "~/components/common/FormattedDate";
import { EVENT_TYPES, type EventGroup, type EventTypeDefinition } from "~/events/catalogue";
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
}

export function EventSettings({ disabledEventTypes, eventsReviewedAt }: Props) {
  const fetcher = useFetcher<PostscriptActionData>({ key: "postscript-save-events" });
  const [enabled, setEnabled] = useState(() => new Set<string>(EVENT_TYPES.map((e) => e.type).filter((t) => !disabledEventTypes.includes(t))));
  const result = fetcher.state === "idle" ? fetcher.data : undefined;
  const toggle = (type: string, on: boolean) =>
    setEnabled((current) => {
      const next = new Set(current);
      if (on) next.add(type);
      else next.delete(type);
      return next;
    });

  return (
    <Card>
      <fetcher.Form method="post" id="events" noValidate>
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
          </BlockStack>
          {result && !result.ok ? (
            <Banner tone="critical">
              <p>{result.message}</p>
            </Banner>
          ) : null}
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
                      <EventTypeRow definition={definition} on={enabled.has(definition.type)} onChange={(on) => toggle(definition.type, on)} />
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
          <InlineStack align="end">
            <Button submit variant="primary" loading={fetcher.state !== "idle"}>
              Save event choices
            </Button>
          </InlineStack>
        </BlockStack>
      </fetcher.Form>
    </Card>
  );
}

export function EventTypeRow({ definition, on, onChange }: { definition: EventTypeDefinition; on: boolean; onChange: (on: boolean) => void }) {
  return (
    <Box padding="300">
      <Checkbox
        label={
          <Text as="span" fontWeight="medium">
            {definition.type}
          </Text>
        }
        helpText={definition.loopTopic ? `${definition.description} · Loop topic ${definition.loopTopic}` : definition.description}
        checked={on}
        onChange={onChange}
      />
    </Box>
  );
}
