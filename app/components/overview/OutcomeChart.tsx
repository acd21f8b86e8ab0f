// Events over time by outcome, as a stacked bar chart (@shopify/polaris-viz, Polaris' own charts). polaris-viz
// reads `window` while rendering, so the chart is drawn in the browser only; the server (and a browser without
// JavaScript) gets a placeholder of the same height, and the numbers are always available as a table.
import { BarChart, PolarisVizProvider } from "@shopify/polaris-viz";
import vizStyles from "@shopify/polaris-viz/build/esm/styles.css";
import { BlockStack, Box, Button, Collapsible, DataTable, InlineStack, SkeletonBodyText, Text } from "@shopify/polaris";
import { useEffect, useId, useMemo, useState } from "react";
import type { ChartBucket } from "~/statistics/overview.server";

/** The chart's stylesheet, for the `links` of the route that shows the overview. */
export const overviewStylesheets = [{ rel: "stylesheet", href: vizStyles }];

export const OUTCOME_SERIES = [
  { key: "delivered", label: "Delivered", color: "#29845a" },
  { key: "waiting", label: "Waiting", color: "#e8a200" },
  { key: "skipped", label: "Skipped", color: "#8a8a8a" },
  { key: "failed", label: "Failed", color: "#e51c00" },
] as const;

const CHART_HEIGHT = 300;

interface Props {
  buckets: ChartBucket[];
  granularity: "hour" | "day";
}

export function OutcomeChart({ buckets, granularity }: Props) {
  const [mounted, setMounted] = useState(false);
  const [showTable, setShowTable] = useState(false);
  const tableId = useId();
  useEffect(() => setMounted(true), []);
  const empty = buckets.every((b) => b.delivered + b.waiting + b.skipped + b.failed === 0);
  const data = useMemo(
    () =>
      OUTCOME_SERIES.map((series) => ({
        name: series.label,
        color: series.color,
        data: buckets.map((bucket) => ({ key: bucket.label, value: bucket[series.key] })),
      })),
    [buckets],
  );
  const unit = granularity === "hour" ? "hour" : "day";

  return (
    <BlockStack gap="300">
      <div style={{ height: CHART_HEIGHT }} data-testid="outcome-chart" aria-describedby={tableId}>
        {mounted ? (
          <PolarisVizProvider>
            <BarChart
              data={data}
              type="stacked"
              theme="Light"
              isAnimated={false}
              showLegend
              emptyStateText="No events in this period"
              skipLinkText="Skip the chart"
              xAxisOptions={{ labelFormatter: (value) => String(value ?? "") }}
              yAxisOptions={{ integersOnly: true }}
            />
          </PolarisVizProvider>
        ) : (
          <Box paddingBlockStart="400">
            <SkeletonBodyText lines={10} />
          </Box>
        )}
      </div>
      <InlineStack align="space-between" blockAlign="center">
        <Text as="p" tone="subdued" variant="bodySm">
          {empty ? "No events in this period." : `Events by the ${unit} they were received, by what happened to them so far.`}
        </Text>
        <Button variant="plain" onClick={() => setShowTable((s) => !s)} ariaExpanded={showTable} ariaControls={tableId}>
          {showTable ? "Hide the numbers" : "Show the numbers"}
        </Button>
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
