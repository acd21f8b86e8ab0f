// The time period of the overview and the event log, kept in the URL (?period=…&from=…&to=…) so a view can be
// shared and reloaded: presets, and a custom range of whole days in the shop's time zone (Polaris DatePicker).
// The calendar works on the shop's calendar dates (YYYY-MM-DD); the browser's own time zone plays no part.
import { useNavigate, useSearchParams } from "@remix-run/react";
import { BlockStack, Box, Button, DatePicker, InlineStack, OptionList, Popover, Text, useBreakpoints } from "@shopify/polaris";
import { CalendarIcon } from "@shopify/polaris-icons";
import { useCallback, useState } from "react";
import { MAX_CUSTOM_DAYS, PERIOD_PRESETS, periodSearch, type PeriodKey, type PeriodValue } from "~/statistics/period";

interface Props {
  period: PeriodValue;
  /** The event log allows "Any time". */
  allowAll?: boolean;
  /** URL parameters that a new period makes meaningless (the log's page cursors). */
  resetParams?: string[];
}

const toDate = (iso: string) => {
  const [y, m, d] = iso.split("-").map(Number);
  return new Date(y, m - 1, d);
};
const toIso = (date: Date) => `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, "0")}-${String(date.getDate()).padStart(2, "0")}`;

export function PeriodPicker({ period, allowAll = false, resetParams = [] }: Props) {
  const [searchParams] = useSearchParams();
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  // A phone (Shopify admin's app is ~390 px wide) gets one month, under the presets, so every day and Apply fit.
  const { mdUp } = useBreakpoints();
  const [choice, setChoice] = useState<PeriodKey>(period.key);
  const today = toDate(period.today);
  const initialEnd = period.toDate ? toDate(period.toDate) : today;
  const [range, setRange] = useState<{ start: Date; end: Date }>({ start: period.fromDate ? toDate(period.fromDate) : today, end: initialEnd });
  const [month, setMonth] = useState({ month: initialEnd.getMonth(), year: initialEnd.getFullYear() });

  const go = useCallback(
    (key: PeriodKey, from?: string, to?: string) => {
      const next = periodSearch(searchParams, { key, from, to });
      for (const name of resetParams) next.delete(name);
      setOpen(false);
      navigate({ search: `?${next.toString()}` }, { preventScrollReset: true });
    },
    [navigate, resetParams, searchParams],
  );

  const options = [...(allowAll ? [{ value: "all", label: "Any time" }] : []), ...PERIOD_PRESETS.map((p) => ({ value: p.id, label: p.label })), { value: "custom", label: "Custom range" }];
  const label = period.key === "all" ? "Any time" : (PERIOD_PRESETS.find((p) => p.id === period.key)?.label ?? "Custom");
  const days = Math.round((range.end.getTime() - range.start.getTime()) / 86_400_000) + 1;
  const tooLong = days > MAX_CUSTOM_DAYS;

  return (
    <Popover
      active={open}
      onClose={() => setOpen(false)}
      preferredAlignment="left"
      fluidContent
      activator={
        <Button icon={CalendarIcon} disclosure onClick={() => setOpen((o) => !o)} accessibilityLabel={`Time period: ${label}${period.range ? `, ${period.range}` : ""}. Change`}>
          {period.key === "custom" || !period.range ? (period.range ?? label) : `${label} · ${period.range}`}
        </Button>
      }
    >
      <Box padding="300">
        <InlineStack gap="400" wrap={!mdUp} blockAlign="start">
          <Box minWidth="170px">
            <OptionList
              title="Time period"
              options={options}
              selected={[choice]}
              onChange={([value]) => {
                const key = value as PeriodKey;
                setChoice(key);
                if (key !== "custom") go(key);
              }}
            />
          </Box>
          {choice === "custom" ? (
            <BlockStack gap="300">
              <DatePicker
                month={month.month}
                year={month.year}
                onChange={setRange}
                onMonthChange={(m, y) => setMonth({ month: m, year: y })}
                selected={range}
                allowRange
                multiMonth={mdUp}
                disableDatesAfter={today}
              />
              <InlineStack align="space-between" blockAlign="center" gap="300" wrap>
                <Text as="p" tone={tooLong ? "critical" : "subdued"}>
                  {tooLong ? `At most ${MAX_CUSTOM_DAYS} days` : `${days} ${days === 1 ? "day" : "days"}, in your shop's time zone`}
                </Text>
                <InlineStack gap="200">
                  <Button onClick={() => setOpen(false)}>Cancel</Button>
                  <Button variant="primary" disabled={tooLong} onClick={() => go("custom", toIso(range.start), toIso(range.end))}>
                    Apply
                  </Button>
                </InlineStack>
              </InlineStack>
            </BlockStack>
          ) : null}
        </InlineStack>
      </Box>
    </Popover>
  );
}
