// The period per event type; each row opens the event log filtered to that type and period.
import { useNavigate } from "@remix-run/react";
import { Badge, BlockStack, Card, IndexTable, InlineStack, Link, Text, useBreakpoints } from "@shopify/polaris";
import type { ReactNode } from "react";
import { formatCount } from "~/statistics/format";
import type { TypeRow } from "~/statistics/overview.server";

const number = (n: number, tone?: "critical" | "subdued") => (
  <Text as="span" alignment="end" numeric tone={n === 0 ? "subdued" : tone}>
    {formatCount(n)}
  </Text>
);

// Condensed rows are list items: their content goes in directly (a table cell there is invalid HTML, which the
// browser drops from the server's page, so hydration would fail).
function TypeCell({ condensed, children }: { condensed: boolean; children: ReactNode }) {
  if (condensed) return <div style={{ whiteSpace: "normal", padding: "var(--p-space-300) var(--p-space-400)" }}>{children}</div>;
  return <IndexTable.Cell>{children}</IndexTable.Cell>;
}

export function EventTypeTable({ types }: { types: TypeRow[] }) {
  const navigate = useNavigate();
  const seen = types.filter((t) => t.received > 0).length;
  // A phone gets one cell per type with the counts in a line: six columns do not fit 390 px.
  const condensed = !useBreakpoints().mdUp;
  return (
    <Card padding="0">
      <BlockStack gap="0">
        <div style={{ padding: "var(--p-space-400) var(--p-space-400) var(--p-space-200)" }}>
          <BlockStack gap="100">
            <Text as="h2" variant="headingMd">
              Events by type
            </Text>
            <Text as="p" tone="subdued">
              {seen === 0 ? "No event of any type in this period." : `${seen} of ${types.length} types had events in this period.`}
            </Text>
          </BlockStack>
        </div>
        <IndexTable
          resourceName={{ singular: "event type", plural: "event types" }}
          itemCount={types.length}
          selectable={false}
          condensed={condensed}
          headings={[
            { title: "Event type" },
            { title: "Received", alignment: "end" },
            { title: "Delivered", alignment: "end" },
            { title: "Skipped", alignment: "end" },
            { title: "Failed", alignment: "end" },
            { title: "Last seen" },
          ]}
        >
          {types.map((row, index) => (
            <IndexTable.Row id={row.type} key={row.type} position={index} onClick={() => navigate(row.logUrl)}>
              <TypeCell condensed={condensed}>
                <BlockStack gap="050">
                  <InlineStack gap="200" blockAlign="center">
                    <Link url={row.logUrl} removeUnderline dataPrimaryLink>
                      <Text as="span" fontWeight="semibold">
                        {row.type}
                      </Text>
                    </Link>
                    {row.enabled ? null : <Badge tone="warning">Off</Badge>}
                  </InlineStack>
                  <Text as="span" variant="bodySm" tone="subdued">
                    {row.description}
                  </Text>
                  {condensed ? (
                    <Text as="span" variant="bodySm">
                      {`${formatCount(row.received)} received · ${formatCount(row.delivered)} delivered · ${formatCount(row.skipped)} skipped · ${formatCount(row.failed)} failed${row.lastSeenLabel ? ` · last ${row.lastSeenLabel}` : ""}`}
                    </Text>
                  ) : null}
                </BlockStack>
              </TypeCell>
              {condensed ? null : (
                <>
              <IndexTable.Cell>{number(row.received)}</IndexTable.Cell>
              <IndexTable.Cell>{number(row.delivered)}</IndexTable.Cell>
              <IndexTable.Cell>{number(row.skipped)}</IndexTable.Cell>
              <IndexTable.Cell>{number(row.failed, "critical")}</IndexTable.Cell>
              <IndexTable.Cell>
                <Text as="span" tone={row.lastSeenLabel ? undefined : "subdued"}>
                  {row.lastSeenLabel ?? "—"}
                </Text>
              </IndexTable.Cell>
                </>
              )}
            </IndexTable.Row>
          ))}
        </IndexTable>
      </BlockStack>
    </Card>
  );
}
