// The Integration Overview: event statistics over a time period, compared with the period before, errors
// grouped by cause with what to do, and the way into the event log. Everything it shows comes from
// loadOverview() (app/statistics/overview.server.ts) as plain data.
import { Banner, BlockStack, Button, Card, EmptyState, InlineStack, List, Text } from "@shopify/polaris";
import { sentence } from "~/connections/sentence";
import type { OverviewData } from "~/statistics/overview.server";
import { OVERVIEW_PAGES } from "~/statistics/pages";
import { ErrorGroups } from "./ErrorGroups";
import { EventTypeTable } from "./EventTypeTable";
import { OutcomeChart } from "./OutcomeChart";
import { PeriodPicker } from "./PeriodPicker";
import { SubscriberSyncCard } from "./SubscriberSyncCard";
import { SummaryGrid } from "./SummaryGrid";


export interface IntegrationOverviewProps {
  data: OverviewData;
  /**
   * Whether to show the banner for a rejected Postscript key. A page that already shows its own banner for
   * the connection passes false; the waiting events still show under "Errors".
   */
  showConnectionBanner?: boolean;
}

export function IntegrationOverview({ data, showConnectionBanner = true }: IntegrationOverviewProps) {
  return (
    <BlockStack gap="400">
      {data.period.problem ? (
        <Banner tone="warning" title="This link's time period could not be shown">
          <p>
            {data.period.problem}. Showing {data.period.label.toLowerCase()} instead.
          </p>
        </Banner>
      ) : null}
      <ActionBanners data={data} showConnectionBanner={showConnectionBanner} />
      {data.hasEvents ? <Statistics data={data} /> : <FirstEvent data={data} />}
    </BlockStack>
  );
}

function ActionBanners({ data, showConnectionBanner }: { data: OverviewData; showConnectionBanner: boolean }) {
  const { postscript, waitingNow, deliveriesHeldSince } = data;
  const waiting = waitingNow.paused;
  const events = `${waiting.toLocaleString("en-US")} ${waiting === 1 ? "event is" : "events are"} waiting`;
  return (
    <>
      {postscript.status === "action_needed" && showConnectionBanner ? (
        <Banner tone="critical" title={waiting > 0 ? `${events}: Postscript rejected the API key` : "Postscript rejected the API key"} action={{ content: "Replace key", url: OVERVIEW_PAGES.postscriptSettings }}>
          <p>
            {postscript.actionNeededReason ? `${sentence(postscript.actionNeededReason)} ` : ""}
            Nothing is lost: events wait and are sent as soon as Postscript accepts a key again.
          </p>
        </Banner>
      ) : null}
      {postscript.status !== "connected" && postscript.status !== "action_needed" && waiting > 0 ? (
        <Banner tone="warning" title={`${events} for a Postscript connection`} action={{ content: "Connect Postscript", url: OVERVIEW_PAGES.postscriptSetup }}>
          <p>They are kept, and sent as soon as Postscript is connected.</p>
        </Banner>
      ) : null}
      {deliveriesHeldSince ? (
        <Banner tone="info" title="Deliveries are on hold">
          <p>Support put this shop&apos;s deliveries on hold on {deliveriesHeldSince}. Events are kept and are sent when the hold is lifted.</p>
        </Banner>
      ) : null}
    </>
  );
}

function TimeZoneNote({ timeZone }: { timeZone: OverviewData["timeZone"] }) {
  if (!timeZone.known) {
    return (
      <Text as="p" variant="bodySm" tone="caution">
        Your shop&apos;s time zone could not be read from Shopify, so days and times are in UTC.
      </Text>
    );
  }
  return (
    <Text as="p" variant="bodySm" tone="subdued">
      Times in {timeZone.name.replace(/_/g, " ")} ({timeZone.offset})
      {timeZone.partHour ? `. Statistics are kept per whole UTC hour, so a day here runs from ${timeZone.dayStartsAt} to ${timeZone.dayStartsAt}.` : "."}
    </Text>
  );
}

function Statistics({ data }: { data: OverviewData }) {
  const { period } = data;
  return (
    <>
      <InlineStack align="space-between" blockAlign="center" gap="300">
        <BlockStack gap="100">
          <PeriodPicker period={{ key: period.key, fromDate: period.fromDate, toDate: period.toDate, today: period.today, range: period.range }} />
          <TimeZoneNote timeZone={data.timeZone} />
        </BlockStack>
        <Button url={data.logUrl}>Open the event log</Button>
      </InlineStack>
      <SummaryGrid summary={data.summary} />
      <Card>
        <BlockStack gap="300">
          <Text as="h2" variant="headingMd">
            Events over time
          </Text>
          <OutcomeChart buckets={data.chart} granularity={period.granularity} />
        </BlockStack>
      </Card>
      <ErrorGroups data={data} />
      {data.subscribers ? <SubscriberSyncCard figures={data.subscribers} /> : null}
      <EventTypeTable types={data.types} />
    </>
  );
}

function FirstEvent({ data }: { data: OverviewData }) {
  const loopReady = data.loop.status === "connected" || data.loop.status === "action_needed";
  const postscriptReady = data.postscript.status === "connected" || data.postscript.status === "action_needed";
  const action = !loopReady
    ? { content: "Connect Loop", url: OVERVIEW_PAGES.loop }
    : !postscriptReady
      ? { content: "Set up Postscript", url: OVERVIEW_PAGES.postscriptSetup }
      : { content: "Send a test event", url: OVERVIEW_PAGES.postscriptSettings };
  const step = (done: boolean, text: string) => (
    <List.Item>
      <Text as="span" tone={done ? "success" : undefined}>
        {done ? "✓ " : ""}
        {text}
      </Text>
    </List.Item>
  );
  return (
    <Card>
      <EmptyState heading="Event statistics will appear here once Loop sends events" image="/images/empty-statistics.svg" action={action}>
        <BlockStack gap="300">
          <p>Counts, errors and the event log start with Loop&apos;s first subscription event. To get there:</p>
          <div style={{ textAlign: "left", display: "inline-block" }}>
            <List type="number">
              {step(loopReady, "Connect Loop, so its subscription events reach this app.")}
              {step(postscriptReady, "Connect Postscript with a private API key.")}
              {step(false, "Send a test event from Settings, or wait for the next subscription change in Loop.")}
            </List>
          </div>
        </BlockStack>
      </EmptyState>
    </Card>
  );
}
