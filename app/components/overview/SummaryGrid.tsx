// The period's figures, each with the previous period's for comparison.
import { Badge, BlockStack, Box, InlineGrid, InlineStack, Text, Tooltip } from "@shopify/polaris";
import { formatCount, formatMedianLatency, formatPercent } from "~/statistics/format";
import type { OverviewData } from "~/statistics/overview.server";

type Better = "up" | "down" | "neither";

interface Metric {
  label: string;
  help: string;
  value: string;
  previous: string;
  change: { text: string; tone: "success" | "critical" | "info" | undefined } | null;
}

function countChange(current: number, previous: number, better: Better): Metric["change"] {
  if (current === previous) return { text: "No change", tone: undefined };
  if (previous === 0) return { text: "New", tone: better === "neither" ? "info" : (better === "up") === current > previous ? "success" : "critical" };
  const percent = Math.round(((current - previous) / previous) * 100);
  const text = `${current > previous ? "↑" : "↓"} ${Math.abs(percent) > 999 ? ">999" : Math.abs(percent)}%`;
  if (better === "neither") return { text, tone: undefined };
  return { text, tone: (better === "up") === current > previous ? "success" : "critical" };
}


export function summaryMetrics(summary: OverviewData["summary"]): Metric[] {
  const { current, previous } = summary;
  const count = (label: string, help: string, key: keyof typeof current, better: Better): Metric => ({
    label,
    help,
    value: formatCount(current[key]),
    previous: formatCount(previous[key]),
    change: countChange(current[key], previous[key], better),
  });
  const rate = summary.successRate;
  const points = rate.current !== null && rate.previous !== null ? Math.round((rate.current - rate.previous) * 1000) / 10 : null;
  const latency = summary.medianLatency;
  // Compared as shown: two medians that read the same are no change, whatever their milliseconds.
  const latencyChange =
    latency.current && latency.previous && formatMedianLatency(latency.current) !== formatMedianLatency(latency.previous)
      ? { text: latency.current.medianMs < latency.previous.medianMs ? "Faster" : "Slower", tone: latency.current.medianMs < latency.previous.medianMs ? ("success" as const) : ("critical" as const) }
      : latency.current && latency.previous
        ? { text: "No change", tone: undefined }
        : null;
  return [
    count("Received", "Events Loop sent in this period.", "received", "neither"),
    // Fewer deliveries usually mean fewer events, not a problem: the success rate says whether delivery works.
    count("Delivered", "Accepted by Postscript.", "delivered", "neither"),
    count("Skipped", "Not sent on purpose: turned off, too late, no phone or email.", "skipped", "neither"),
    count("Failed", "Could not be delivered; they can be replayed.", "failed", "down"),
    count("Waiting", "Being retried, waiting for a working connection, or just arrived.", "waiting", "down"),
    {
      label: "Success rate",
      help: "Delivered ÷ (delivered + failed). Skipped and waiting events are left out.",
      value: formatPercent(rate.current),
      previous: formatPercent(rate.previous),
      change: points === null ? null : points === 0 ? { text: "No change", tone: undefined } : { text: `${points > 0 ? "↑" : "↓"} ${Math.abs(points)} pts`, tone: points > 0 ? "success" : "critical" },
    },
    {
      label: "Median delivery time",
      help: "From the moment the event happened in Loop until Postscript accepted it; half of the deliveries were faster. Estimated from the delivery times kept per hour, to a tenth of a second.",
      value: formatMedianLatency(latency.current),
      previous: formatMedianLatency(latency.previous),
      change: latencyChange,
    },
  ];
}

export function SummaryGrid({ summary }: { summary: OverviewData["summary"] }) {
  return (
    <InlineGrid columns={{ xs: 2, sm: 3, md: 4, lg: 7 }} gap="300">
      {summaryMetrics(summary).map((metric) => (
        // A Box drawn like a Card, so that every tile is as tall as the tallest in its row.
        <div key={metric.label} data-metric={metric.label} style={{ display: "flex" }}>
          <Box background="bg-surface" borderRadius="300" padding="300" shadow="100" width="100%">
            <BlockStack gap="100">
              <Tooltip content={metric.help} dismissOnMouseOut>
                <Text as="h3" variant="bodySm" tone="subdued">
                  <span style={{ borderBottom: "1px dotted currentColor", cursor: "help" }}>{metric.label}</span>
                </Text>
              </Tooltip>
              <Text as="p" variant="headingLg">
                {metric.value}
              </Text>
              <InlineStack gap="100" blockAlign="center" align="start" wrap>
                {metric.change ? <Badge tone={metric.change.tone}>{metric.change.text}</Badge> : null}
                <Text as="span" variant="bodySm" tone="subdued">
                  before: {metric.previous}
                </Text>
              </InlineStack>
            </BlockStack>
          </Box>
        </div>
      ))}
    </InlineGrid>
  );
}
