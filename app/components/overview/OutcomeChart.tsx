// Events over time by outcome, as a stacked bar chart drawn with plain elements: it renders on the server as
// it does in the browser (no placeholder, no layout shift), costs no chart library (which weighed more than the
// rest of the page together), and is one image to assistive technology, with its figures in words in the label
// and as a table behind "Show the numbers". Each bar's title gives its figures on hover.
import { BlockStack, Box, Button, Collapsible, DataTable, InlineStack, Text } from "@shopify/polaris";
import { useId, useState } from "react";
import type { ChartBucket } from "~/statistics/overview.server";

export const OUTCOME_SERIES = [
  { key: "delivered", label: "Delivered", color: "#29845a" },
  { key: "waiting", label: "Waiting", color: "#e8a200" },
  { key: "skipped", label: "Skipped", color: "#8a8a8a" },
  { key: "failed", label: "Failed", color: "#e51c00" },
] as const;

const CHART_HEIGHT = 260;
/** At most this many labels under the bars (every n-th bar is labelled), so they never overlap. */
const MAX_LABELS = 7;

interface Props {
  buckets: ChartBucket[];
  granularity: "hour" | "day";
}

/** The smallest 1, 2 or 5 × 10ⁿ at or above `max`, so the axis reads in round numbers. */
export function niceMax(max: number): number {
  if (max <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

const total = (b: ChartBucket) => b.delivered + b.waiting + b.skipped + b.failed;

function describe(bucket: ChartBucket): string {
  const parts = OUTCOME_SERIES.filter((s) => bucket[s.key] > 0).map((s) => `${bucket[s.key].toLocaleString("en-US")} ${s.label.toLowerCase()}`);
  return `${bucket.label}: ${parts.length ? parts.join(", ") : "no events"}`;
}

export function OutcomeChart({ buckets, granularity }: Props) {
  const [showTable, setShowTable] = useState(false);
  const tableId = useId();
  const empty = buckets.every((b) => total(b) === 0);
  const unit = granularity === "hour" ? "hour" : "day";
  const top = niceMax(Math.max(0, ...buckets.map(total)));
  // Counts are whole: a middle line only where it is a whole number.
  const ticks = Number.isInteger(top / 2) ? [top, top / 2, 0] : [top, 0];
  const labelEvery = Math.max(1, Math.ceil(buckets.length / MAX_LABELS));
  const sums = OUTCOME_SERIES.map((s) => `${buckets.reduce((sum, b) => sum + b[s.key], 0).toLocaleString("en-US")} ${s.label.toLowerCase()}`);
  const summary = empty
    ? "No events in this period."
    : `Stacked bars of events per ${unit}, ${buckets[0].label} to ${buckets[buckets.length - 1].label}: ${sums.join(", ")}. The numbers per ${unit} are in the table below the chart.`;

  return (
    <BlockStack gap="300">
      <div data-testid="outcome-chart" role="img" aria-label={summary} style={{ display: "grid", gridTemplateColumns: "auto 1fr", columnGap: "var(--p-space-200)" }}>
        <div aria-hidden style={{ height: CHART_HEIGHT, display: "flex", flexDirection: "column", justifyContent: "space-between", textAlign: "right" }}>
          {ticks.map((tick) => (
            <Text key={tick} as="span" variant="bodyXs" tone="subdued" numeric>
              {tick.toLocaleString("en-US")}
            </Text>
          ))}
        </div>
        <div style={{ position: "relative", height: CHART_HEIGHT }}>
          {ticks.map((tick) => (
            <div key={tick} style={{ position: "absolute", left: 0, right: 0, bottom: `${(tick / top) * 100}%`, borderTop: "1px solid var(--p-color-border-secondary)" }} />
          ))}
          <div style={{ position: "absolute", inset: 0, display: "flex", alignItems: "flex-end", gap: buckets.length > 40 ? 1 : "var(--p-space-100)" }}>
            {buckets.map((bucket) => (
              <div key={bucket.start} title={describe(bucket)} style={{ flex: "1 1 0", minWidth: 0, height: "100%", display: "flex", flexDirection: "column-reverse" }}>
                {OUTCOME_SERIES.map((series) =>
                  bucket[series.key] > 0 ? <div key={series.key} style={{ height: `${(bucket[series.key] / top) * 100}%`, background: series.color }} /> : null,
                )}
              </div>
            ))}
          </div>
        </div>
        <div />
        <div aria-hidden style={{ display: "flex", gap: buckets.length > 40 ? 1 : "var(--p-space-100)", paddingBlockStart: "var(--p-space-100)" }}>
          {buckets.map((bucket, index) => (
            <div key={bucket.start} style={{ flex: "1 1 0", minWidth: 0, overflow: "visible", whiteSpace: "nowrap", textAlign: "center" }}>
              {index % labelEvery === 0 ? (
                <Text as="span" variant="bodyXs" tone="subdued">
                  {bucket.label}
                </Text>
              ) : null}
            </div>
          ))}
        </div>
      </div>
      <InlineStack gap="300" aria-hidden>
        {OUTCOME_SERIES.map((series) => (
          <InlineStack key={series.key} gap="100" blockAlign="center" wrap={false}>
            <span style={{ width: 10, height: 10, borderRadius: 2, background: series.color, display: "inline-block" }} />
            <Text as="span" variant="bodySm">
              {series.label}
            </Text>
          </InlineStack>
        ))}
      </InlineStack>
      <InlineStack align="space-between" blockAlign="center">
        <Text as="p" tone="subdued" variant="bodySm">
          {empty ? "No events in this period." : `Events by the ${unit} they were received, by what happened to them so far.`}
        </Text>
        <Box>
          <Button variant="plain" onClick={() => setShowTable((s) => !s)} ariaExpanded={showTable} ariaControls={tableId}>
            {showTable ? "Hide the numbers" : "Show the numbers"}
          </Button>
        </Box>
      </InlineStack>
      <Collapsible id={tableId} open={showTable}>
        <DataTable
          columnContentTypes={["text", "numeric", "numeric", "numeric", "numeric"]}
          headings={[granularity === "hour" ? "Hour" : "Day", ...OUTCOME_SERIES.map((s) => s.label)]}
          rows={buckets.map((b) => [b.label, ...OUTCOME_SERIES.map((s) => b[s.key].toLocaleString("en-US"))])}
        />
      </Collapsible>
    </BlockStack>
  );
}
