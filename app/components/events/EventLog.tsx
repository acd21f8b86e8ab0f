// The event log: every Loop event of the shop, newest first, with filters kept in the URL, keyset pages, and
// the filtered list as a CSV download.
import { useLocation, useNavigate, useNavigation, useSearchParams } from "@remix-run/react";
import { useAppBridge } from "@shopify/app-bridge-react";
import { Badge, BlockStack, Card, ChoiceList, EmptySearchResult, Filters, IndexTable, InlineStack, Page, Text, useBreakpoints, type AppliedFilterInterface } from "@shopify/polaris";
import { ExportIcon } from "@shopify/polaris-icons";
import { useCallback, useEffect, useRef, useState } from "react";
import { PeriodPicker } from "~/components/overview/PeriodPicker";
import { useLiveRefresh } from "~/components/common/useLiveRefresh";
import type { EventLogData } from "~/statistics/event-log-page.server";
import { OutcomeBadge } from "./OutcomeBadge";

const OUTCOME_CHOICES = [
  { value: "delivered", label: "Delivered" },
  { value: "waiting", label: "Waiting (queued, retrying, paused)" },
  { value: "skipped", label: "Skipped" },
  { value: "failed", label: "Failed" },
];
const CURSORS = ["after", "before"];

export function EventLog({ data }: { data: EventLogData }) {
  const [searchParams] = useSearchParams();
  const location = useLocation();
  const navigate = useNavigate();
  const navigation = useNavigation();
  const shopify = useAppBridge();
  const [query, setQuery] = useState(data.filters.q ?? "");
  const [exporting, setExporting] = useState(false);
  const loading = navigation.state === "loading" && navigation.location?.pathname === location.pathname;
  // Below Polaris' md breakpoint (a phone) the table becomes a list of condensed rows.
  const condensed = !useBreakpoints().mdUp;
  useLiveRefresh();

  const update = useCallback(
    (changes: Record<string, string | null>) => {
      const next = new URLSearchParams(searchParams);
      next.delete("id_token");
      for (const name of CURSORS) next.delete(name);
      for (const [name, value] of Object.entries(changes)) {
        if (value) next.set(name, value);
        else next.delete(name);
      }
      navigate({ search: `?${next.toString()}` }, { replace: true, preventScrollReset: true });
    },
    [navigate, searchParams],
  );

  // The search is applied when typing pauses.
  const applied = useRef(data.filters.q ?? "");
  useEffect(() => {
    if (query.trim() === applied.current) return;
    const timer = setTimeout(() => {
      applied.current = query.trim();
      update({ q: query.trim() || null });
    }, 400);
    return () => clearTimeout(timer);
  }, [query, update]);

  const page = (cursor: "after" | "before", value: string | null) => {
    if (!value) return;
    const next = new URLSearchParams(searchParams);
    next.delete("id_token");
    for (const name of CURSORS) next.delete(name);
    next.set(cursor, value);
    navigate({ search: `?${next.toString()}` }, { preventScrollReset: false });
  };

  const download = async () => {
    setExporting(true);
    try {
      // A download is a plain navigation, which carries no session token. An authenticated fetch (App Bridge
      // adds the token to it) asks for a link whose own token grants this CSV only, for a minute.
      const filters = new URLSearchParams();
      for (const [name, value] of searchParams) if (!["id_token", "embedded", "shop", "host", ...CURSORS].includes(name)) filters.set(name, value);
      const response = await fetch("/app/events/export", { method: "POST", body: new URLSearchParams({ search: filters.toString() }) });
      if (!response.ok) throw new Error(`export link: ${response.status}`);
      const { url } = (await response.json()) as { url: string };
      const link = document.createElement("a");
      link.href = url;
      link.download = "";
      document.body.appendChild(link);
      link.click();
      link.remove();
      shopify.toast.show("Export started: the CSV file is downloading");
    } catch {
      shopify.toast.show("The export could not be started. Try again.", { isError: true });
    } finally {
      setExporting(false);
    }
  };

  const type = data.filters.type;
  const outcome = data.filters.outcome;
  const reason = data.filters.reason;
  const appliedFilters: AppliedFilterInterface[] = [
    ...(type ? [{ key: "type", label: `Type: ${data.typeChoices.find((c) => c.value === type)?.description ?? type}`, onRemove: () => update({ type: null }) }] : []),
    ...(outcome ? [{ key: "outcome", label: `Outcome: ${OUTCOME_CHOICES.find((o) => o.value === outcome)?.label ?? outcome}`, onRemove: () => update({ outcome: null }) }] : []),
    ...(reason ? [{ key: "reason", label: `Reason: ${data.reasonChoices.find((r) => r.value === reason)?.label ?? reason}`, onRemove: () => update({ reason: null }) }] : []),
  ];
  const back = encodeURIComponent(location.search.replace(/([?&])id_token=[^&]*&?/, "$1"));

  return (
    <Page
      title="Event log"
      subtitle="Every Loop event this app received, and what happened to it"
      secondaryActions={[{ content: "Export CSV", icon: ExportIcon, onAction: download, loading: exporting, accessibilityLabel: "Export CSV of the filtered events" }]}
    >
      <BlockStack gap="400">
        <InlineStack align="space-between" blockAlign="center" gap="200">
          <PeriodPicker period={data.period} allowAll resetParams={CURSORS} />
          <Text as="p" variant="bodySm" tone={data.timeZone.known ? "subdued" : "caution"}>
            {data.timeZone.known ? `Times in ${data.timeZone.name.replace(/_/g, " ")}` : "Your shop's time zone could not be read from Shopify; times are in UTC"}
          </Text>
        </InlineStack>
        <Card padding="0">
          <Filters
            queryValue={query}
            queryPlaceholder="Search by email, phone, Loop subscription or order id"
            onQueryChange={setQuery}
            onQueryClear={() => {
              setQuery("");
              applied.current = "";
              update({ q: null });
            }}
            onClearAll={() => {
              setQuery("");
              applied.current = "";
              update({ q: null, type: null, outcome: null, reason: null });
            }}
            appliedFilters={appliedFilters}
            filters={[
              {
                key: "type",
                label: "Event type",
                shortcut: true,
                pinned: true,
                filter: (
                  <ChoiceList
                    title="Event type"
                    titleHidden
                    choices={data.typeChoices.map((c) => ({ value: c.value, label: c.description, helpText: c.label }))}
                    selected={type ? [type] : []}
                    onChange={([value]) => update({ type: value ?? null })}
                  />
                ),
              },
              {
                key: "outcome",
                label: "Outcome",
                shortcut: true,
                pinned: true,
                filter: <ChoiceList title="Outcome" titleHidden choices={OUTCOME_CHOICES} selected={outcome ? [outcome] : []} onChange={([value]) => update({ outcome: value ?? null })} />,
              },
              {
                key: "reason",
                label: "Reason",
                filter: <ChoiceList title="Reason" titleHidden choices={data.reasonChoices} selected={reason ? [reason] : []} onChange={([value]) => update({ reason: value ?? null })} />,
              },
            ]}
          />
          <IndexTable
            resourceName={{ singular: "event", plural: "events" }}
            itemCount={data.page.rows.length}
            selectable={false}
            loading={loading}
            condensed={condensed}
            emptyState={
              <EmptySearchResult
                title="No events found"
                description={appliedFilters.length || data.filters.q || data.period.key !== "all" ? "No event matches these filters and period." : "Loop has not sent any event yet."}
                withIllustration
              />
            }
            headings={[{ title: "Received" }, { title: "Event type" }, { title: "Outcome" }, { title: "Customer" }, { title: "Loop subscription" }, { title: "Attempts", alignment: "end" }]}
            pagination={{
              hasNext: data.page.hasNext,
              hasPrevious: data.page.hasPrevious,
              onNext: () => page("after", data.page.nextCursor),
              onPrevious: () => page("before", data.page.previousCursor),
            }}
          >
            {data.page.rows.map((row, index) =>
              condensed ? (
                // A phone: one cell per row with what tells events apart (type, outcome, time, customer).
                <IndexTable.Row id={row.id} key={row.id} position={index} onClick={() => navigate(`/app/events/${row.id}?back=${back}`)}>
                  {/* Condensed rows are list items: their content goes in directly (a table cell there is invalid HTML, which
                      the browser drops from the server's page, so hydration would fail). */}
                  <div style={{ whiteSpace: "normal", padding: "var(--p-space-300) var(--p-space-400)" }}>
                    <BlockStack gap="100">
                      <div style={{ display: "grid", gridTemplateColumns: "minmax(0, 1fr) auto", gap: "var(--p-space-200)", alignItems: "start" }}>
                        <BlockStack gap="050">
                          <Text as="span" fontWeight="semibold" tone={row.typeKnown ? undefined : "subdued"} breakWord>
                            {row.typeLabel ?? row.type}
                          </Text>
                          <Text as="span" variant="bodySm" tone="subdued" breakWord>
                            {row.type}
                          </Text>
                        </BlockStack>
                        <OutcomeBadge outcome={row.outcome} status={row.status} attempts={row.attempts} />
                      </div>
                      <Text as="span" variant="bodySm" tone="subdued" breakWord>
                        {[row.receivedLabel, row.email ?? row.phone, row.reasonTitle && row.outcome !== "delivered" ? row.reasonTitle : null, row.isTest ? "Test" : null, row.source === "Shopify Flow" ? "Shopify Flow" : null].filter(Boolean).join(" · ")}
                      </Text>
                    </BlockStack>
                  </div>
                </IndexTable.Row>
              ) : (
                <IndexTable.Row id={row.id} key={row.id} position={index} onClick={() => navigate(`/app/events/${row.id}?back=${back}`)}>
                  <IndexTable.Cell>
                    <Text as="span" numeric>
                      {row.receivedLabel}
                    </Text>
                  </IndexTable.Cell>
                  <IndexTable.Cell>
                    <BlockStack gap="050">
                      <InlineStack gap="100" blockAlign="center" align="start" wrap={false}>
                        <Text as="span" fontWeight="semibold" tone={row.typeKnown ? undefined : "subdued"}>
                          {row.typeLabel ?? row.type}
                        </Text>
                        {row.isTest ? <Badge tone="info">Test</Badge> : null}
                        {row.source === "Shopify Flow" ? <Badge>Shopify Flow</Badge> : null}
                      </InlineStack>
                      {row.typeLabel ? (
                        <Text as="span" variant="bodySm" tone="subdued">
                          {row.type}
                        </Text>
                      ) : null}
                    </BlockStack>
                  </IndexTable.Cell>
                  <IndexTable.Cell>
                    <BlockStack gap="050" inlineAlign="start">
                      <OutcomeBadge outcome={row.outcome} status={row.status} attempts={row.attempts} />
                      {row.reasonTitle && row.outcome !== "delivered" ? (
                        <Text as="span" variant="bodySm" tone="subdued">
                          {row.reasonTitle}
                        </Text>
                      ) : null}
                    </BlockStack>
                  </IndexTable.Cell>
                  <IndexTable.Cell>{row.email ?? row.phone ?? <Text as="span" tone="subdued">—</Text>}</IndexTable.Cell>
                  <IndexTable.Cell>{row.subscriptionKey ?? <Text as="span" tone="subdued">—</Text>}</IndexTable.Cell>
                  <IndexTable.Cell>
                    <Text as="span" alignment="end" numeric>
                      {row.attempts}
                    </Text>
                  </IndexTable.Cell>
                </IndexTable.Row>
              ),
            )}
          </IndexTable>
        </Card>
        {data.period.problem ? (
          <Text as="p" tone="caution">
            {data.period.problem}; showing every period instead.
          </Text>
        ) : null}
        {data.retention.reachesPastCutoff ? (
          <Text as="p" variant="bodySm" tone="subdued">
            Events are kept for {data.retention.days} days: any received before {data.retention.cutoffLabel} are no longer listed here or in the
            download. The Integration overview still counts them.
          </Text>
        ) : null}
      </BlockStack>
    </Page>
  );
}
