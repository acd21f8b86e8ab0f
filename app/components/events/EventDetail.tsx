// One event: what Loop sent (phones, emails and the portal link's session token partly hidden), what was sent to Postscript, every attempt,
// and a replay for a failed event.
import { useFetcher } from "@remix-run/react";
import { Badge, Banner, BlockStack, Box, Card, DataTable, EmptyState, Layout, Page, Text } from "@shopify/polaris";
import { useState, type ReactNode } from "react";
import { REPLAY_ACTION, useReplayToast, type ReplayResult } from "~/components/overview/ReplayFailed";
import type { EventDetail as Detail } from "~/statistics/event-log.server";
import { attemptFailureTitle } from "~/events/reasons";
import { formatDuration } from "~/statistics/format";
import { OutcomeBadge } from "./OutcomeBadge";

const REQUEST_HEADING: Record<Detail["outcome"], string> = {
  delivered: "Sent to Postscript",
  failed: "What was sent to Postscript",
  waiting: "To be sent to Postscript",
  skipped: "Not sent to Postscript",
};

// Each term and its value in a plain <div>, the only wrapper a <dl> may hold (assistive technology reads the pairs).
function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div style={{ display: "grid", gap: "var(--p-space-050)" }}>
      <Text as="dt" variant="bodySm" tone="subdued">
        {label}
      </Text>
      <dd style={{ margin: 0 }}>
        <Text as="span" breakWord>
          {children ?? "—"}
        </Text>
      </dd>
    </div>
  );
}

function Json({ text, label }: { text: string; label: string }) {
  return (
    <Box background="bg-surface-secondary" borderRadius="200" padding="300" overflowX="scroll">
      {/* Long values (a portal link) wrap, so their ends (the masked token) are on screen without scrolling. */}
      {/* Focusable, so a keyboard can scroll a long one. */}
      <pre aria-label={label} tabIndex={0} style={{ margin: 0, fontFamily: "var(--p-font-family-mono)", fontSize: "12px", lineHeight: "18px", whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}>
        {text}
      </pre>
    </Box>
  );
}

export function EventDetail({ event, backUrl }: { event: Detail | null; backUrl: string }) {
  const fetcher = useFetcher<ReplayResult>({ key: "replay-one" });
  const [confirming, setConfirming] = useState(false);
  useReplayToast(fetcher.state === "idle" ? fetcher.data : undefined);
  if (!event) {
    return (
      <Page title="Event not found" backAction={{ content: "Event log", url: backUrl }}>
        <Card>
          <EmptyState heading="This event is not in your event log" image="/images/empty-statistics.svg" action={{ content: "Open the event log", url: backUrl }}>
            <p>Events are kept for 90 days; older ones are removed, and their counts stay in the statistics.</p>
          </EmptyState>
        </Card>
      </Page>
    );
  }
  const replaying = fetcher.state !== "idle";
  const retrying = event.nextAttemptLabel !== null;
  return (
    <Page
      title={event.title}
      titleMetadata={
        <>
          <OutcomeBadge outcome={event.outcome} status={event.status} attempts={event.attempts} /> {event.isTest ? <Badge tone="info">Test</Badge> : null}
        </>
      }
      // The type's own name beside its friendly one, under it: as one title it could not wrap on a phone.
      subtitle={`${event.typeLabel ? `${event.type} · ` : ""}Received ${event.receivedFull}${retrying ? ` · next attempt ${event.nextAttemptLabel}` : ""}`}
      backAction={{ content: "Event log", url: backUrl }}
      primaryAction={
        event.canReplay
          ? {
              content: "Replay",
              loading: replaying,
              helpText: "Send this event to Postscript again",
              // Sending again can text the customer: asked once more first, as the bulk replay does.
              onAction: () => setConfirming(true),
            }
          : undefined
      }
    >
      <Layout>
        <Layout.Section>
          <BlockStack gap="400">
            {confirming && event.canReplay ? (
              <Banner
                tone="warning"
                title="Send this event to Postscript again?"
                action={{
                  content: "Replay this event",
                  onAction: () => {
                    setConfirming(false);
                    fetcher.submit({ intent: "replay-one", eventId: event.id }, { method: "post", action: REPLAY_ACTION });
                  },
                }}
                secondaryAction={{ content: "Cancel", onAction: () => setConfirming(false) }}
                onDismiss={() => setConfirming(false)}
              >
                <p>Postscript receives it as a new event, which can start a flow and text the customer.</p>
              </Banner>
            ) : null}
            {retrying ? (
              <ReasonCard
                title={event.reasonTitle ? `Retrying: ${event.reasonTitle}` : "Retrying"}
                meaning={`The last attempt did not go through, so this event is tried again automatically. Next attempt: ${event.nextAttemptLabel}. Nothing to do unless it is still failing at the end of the retry window (normally 24 hours).`}
                detail={event.reasonDetail}
              />
            ) : null}
            {event.reasonTitle && !retrying ? (
              <ReasonCard
                title={event.outcome === "delivered" ? "Note" : event.reasonTitle}
                meaning={event.outcome !== "delivered" ? event.reasonMeaning : null}
                detail={event.reasonDetail}
              />
            ) : null}
            <Card padding="0">
              <Box padding="400" paddingBlockEnd="200">
                <Text as="h2" variant="headingMd">
                  Attempts
                </Text>
              </Box>
              {event.attemptList.length === 0 ? (
                <Box padding="400" paddingBlockStart="0">
                  <Text as="p" tone="subdued">
                    No attempt to send it yet.
                  </Text>
                </Box>
              ) : (
                <DataTable
                  columnContentTypes={["text", "text", "numeric", "text"]}
                  headings={["Time", "Result", "Duration", "What happened"]}
                  rows={event.attemptList.map((a) => [
                    a.startedLabel,
                    a.outcome === "delivered" ? "Accepted" : a.outcome === "retry" ? "Retried later" : a.outcome === "paused" ? "Paused" : "Failed",
                    formatDuration(a.durationMs),
                    a.errorClass ? attemptSummary(a.errorClass, a.message) : "—",
                  ])}
                />
              )}
            </Card>
            <Card>
              <BlockStack gap="200">
                <Text as="h2" variant="headingMd">
                  {REQUEST_HEADING[event.outcome]}
                </Text>
                {event.outcome === "skipped" ? (
                  <Text as="p" tone="subdued">
                    This event was skipped, so nothing was sent to Postscript{event.request ? ". This is what it would have been:" : "."}
                  </Text>
                ) : null}
                {event.request ? (
                  <Json text={event.request} label="The Postscript request" />
                ) : event.outcome !== "skipped" ? (
                  <Text as="p" tone="subdued">
                    Nothing was prepared for Postscript (see above).
                  </Text>
                ) : null}
              </BlockStack>
            </Card>
            <Card>
              <BlockStack gap="200">
                <Text as="h2" variant="headingMd">
                  Received from Loop
                </Text>
                <Text as="p" variant="bodySm" tone="subdued">
                  Phone numbers, emails and the customer portal link&apos;s session token are partly hidden.
                </Text>
                {event.payload ? <Json text={event.payload} label="The Loop webhook" /> : null}
              </BlockStack>
            </Card>
          </BlockStack>
        </Layout.Section>
        <Layout.Section variant="oneThird">
          <Card>
            <BlockStack gap="300">
              <Text as="h2" variant="headingMd">
                Details
              </Text>
              <dl style={{ margin: 0, display: "grid", gap: "var(--p-space-300)" }}>
                <Field label="Source">{event.source}</Field>
                <Field label={event.source === "Loop Subscriptions" ? "Happened in Loop" : "Happened"}>{event.occurredLabel}</Field>
                <Field label="Received">{event.receivedFull}</Field>
                <Field label="Delivered">{event.deliveredLabel}</Field>
                <Field label="Customer">{event.email ?? event.phone}</Field>
                <Field label="Loop subscription">{event.subscriptionKey}</Field>
                <Field label="Loop order">{event.loopOrderId}</Field>
                {event.source === "Loop Subscriptions" ? <Field label="Loop topic">{event.topic}</Field> : null}
                {event.typeDecision ? <Field label="Why this event type">{event.typeDecision}</Field> : null}
                <Field label={event.source === "Loop Subscriptions" ? "Loop webhook id" : "Flow action run"}>{event.loopWebhookId}</Field>
                <Field label="Postscript event id">{event.postscriptEventId}</Field>
                <Field label="Event id">{event.id}</Field>
              </dl>
            </BlockStack>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

/** A failed attempt in words: the recorded message alone when it names Postscript itself, else after the class's title. */
function attemptSummary(errorClass: string, message: string | null): string {
  if (message?.startsWith("Postscript ")) return message;
  const title = attemptFailureTitle(errorClass);
  return message ? `${title}: ${message}` : title;
}

/** Why the event is where it is: a title, what it means, and the detail recorded with it. */
function ReasonCard({ title, meaning, detail }: { title: string; meaning: string | null; detail: string | null }) {
  return (
    <Card>
      <BlockStack gap="200">
        <Text as="h2" variant="headingMd">
          {title}
        </Text>
        {meaning ? <Text as="p">{meaning}</Text> : null}
        {detail ? (
          <Text as="p" tone="subdued">
            {detail}
          </Text>
        ) : null}
      </BlockStack>
    </Card>
  );
}
