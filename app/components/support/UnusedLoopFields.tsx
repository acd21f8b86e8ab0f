// The shop's Loop fields (and topics) the app does not read, so support notices a new or renamed Loop field the
// day it first arrives. Names only; the values stay in the event log.
import { BlockStack, Card, DataTable, Text } from "@shopify/polaris";
import { Time } from "./Time";

export interface UnusedLoopFieldRow {
  topic: string;
  /** "" for a whole webhook of a topic the app does not consume. */
  path: string;
  firstSeenAt: string;
  lastSeenAt: string;
  count: number;
}

export function UnusedLoopFields({ rows, timeZone }: { rows: UnusedLoopFieldRow[]; timeZone: string }) {
  return (
    <Card>
      <BlockStack gap="300">
        <Text as="h2" variant="headingMd">
          Loop fields the app does not read
        </Text>
        <Text as="p" tone="subdued" variant="bodySm">
          Field names in this shop&apos;s Loop webhooks that no part of the mapping reads (a field Loop added or renamed shows here the day it first
          arrives), and webhooks of topics the app does not use, which it acknowledges and drops. Counts are added up about once a minute.
        </Text>
        {rows.length === 0 ? (
          <Text as="p" tone="subdued">
            None seen: every field in this shop&apos;s Loop webhooks is one the app reads.
          </Text>
        ) : (
          <DataTable
            columnContentTypes={["text", "text", "text", "text", "numeric"]}
            headings={["Topic", "Field", "First seen", "Last seen", "Webhooks"]}
            rows={rows.map((r) => [
              r.topic,
              r.path === "" ? (
                <Text key="p" as="span" tone="caution">
                  Whole webhook (topic not used by the app)
                </Text>
              ) : (
                <Text key="p" as="span" breakWord>
                  <code>{r.path}</code>
                </Text>
              ),
              <Time key="f" iso={r.firstSeenAt} timeZone={timeZone} />,
              <Time key="l" iso={r.lastSeenAt} timeZone={timeZone} />,
              r.count,
            ])}
          />
        )}
      </BlockStack>
    </Card>
  );
}
