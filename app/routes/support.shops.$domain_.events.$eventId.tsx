// One event of a shop, with every delivery attempt: what was sent when, how long it took, what came back.
// Customer email and phone are partly masked; the Loop payload and the Postscript request are not shown.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Badge, Banner, BlockStack, Box, Button, Card, DataTable, InlineStack, Page, Text } from "@shopify/polaris";
import type { ReactNode } from "react";
import { EventStatusBadge } from "~/components/support/badges";
import { Facts } from "~/components/support/Facts";
import { SupportFrame } from "~/components/support/SupportFrame";
import { Time } from "~/components/support/Time";
import { getDatabase } from "~/db.server";
import { getEventDetail } from "~/statistics/event-log.server";
import { shopTimeZone } from "~/shopify/time-zone.server";
import { recordAudit } from "~/support/audit.server";
import { clientOf, hasRole, requireStaff } from "~/support/auth.server";

export const meta: MetaFunction = ({ params }) => [{ title: `Event ${params.eventId ?? ""} · ${params.domain ?? "Shop"} · Support console` }, { name: "robots", content: "noindex, nofollow" }];

export const loader = async (args: LoaderFunctionArgs) => {
  const db = getDatabase();
  const staff = await requireStaff(args, "viewer", db);
  const domain = (args.params.domain ?? "").toLowerCase();
  const eventId = args.params.eventId ?? "";
  const valid = /^[A-Za-z0-9_-]{1,64}$/.test(eventId) && /^[a-z0-9][a-z0-9.-]{0,254}$/.test(domain);
  const zone = valid ? await shopTimeZone(db, domain) : null;
  const event = zone ? await getEventDetail(db, domain, eventId, "support", zone.name) : null;
  await recordAudit(db, {
    user: { id: staff.userId, email: staff.email },
    action: "event.viewed",
    outcome: event ? "success" : "failure",
    shopDomain: domain.slice(0, 255),
    details: { eventId: eventId.slice(0, 64) },
    client: clientOf(args),
  });
  if (!event || !zone) throw Response.json({ message: "This shop has no such event." }, { status: 404 });
  return {
    staff: { email: staff.email, role: staff.role, csrf: staff.csrfToken },
    operator: hasRole(staff, "operator"),
    domain,
    timeZone: zone.name,
    event,
  };
};

export default function SupportEvent() {
  const { staff, operator, domain, timeZone: tz, event } = useLoaderData<typeof loader>();
  const shopUrl = `/support/shops/${encodeURIComponent(domain)}`;
  const facts: [string, ReactNode][] = [
    ["Status", <EventStatusBadge key="s" status={event.status} />],
    ["Reason", event.reasonTitle ? `${event.reasonTitle} (${event.reason})` : "—"],
    ["Detail", event.reasonDetail ?? "—"],
    ["Loop topic", event.topic],
    ["Why this event type", event.typeDecision ?? "—"],
    ["Occurred (Loop)", <Time key="o" iso={event.occurredAt} timeZone={tz} seconds />],
    ["Received", <Time key="r" iso={event.receivedAt} timeZone={tz} seconds />],
    ["Delivered", event.deliveredAt ? <Time key="d" iso={event.deliveredAt} timeZone={tz} seconds /> : "—"],
    ["Next attempt", event.nextAttemptAt ? <Time key="n" iso={event.nextAttemptAt} timeZone={tz} seconds /> : "—"],
    ["Customer email", event.email ?? "—"],
    ["Customer phone", event.phone ?? "—"],
    ["Loop subscription", event.subscriptionKey ?? "—"],
    ["Loop order", event.loopOrderId ?? "—"],
    ["Loop webhook id", event.loopWebhookId],
    ["Postscript event id", event.postscriptEventId ?? "—"],
  ];
  return (
    <SupportFrame staff={staff}>
      <Page
        backAction={{ content: domain, url: `${shopUrl}?tab=events` }}
        title={event.type === "unknown" ? "Unmapped event" : event.type}
        titleMetadata={event.isTest ? <Badge tone="info">Test event</Badge> : undefined}
        subtitle={`${domain} · event ${event.id}`}
        primaryAction={operator && event.status === "failed" ? { content: "Replay…", url: `${shopUrl}?tab=events&confirm=replay-one&event=${event.id}` } : undefined}
      >
        <BlockStack gap="400">
          {event.status === "failed" && !operator ? <Banner tone="info">An operator can replay this event.</Banner> : null}
          <Card>
            <Facts rows={facts} />
          </Card>
          <Card padding="0">
            <Box padding="400">
              <Text as="h2" variant="headingMd">
                Attempts ({event.attemptList.length})
              </Text>
            </Box>
            {event.attemptList.length === 0 ? (
              <Box padding="400">
                <Text as="p" tone="subdued">
                  Not sent yet.
                </Text>
              </Box>
            ) : (
              <DataTable
                columnContentTypes={["text", "text", "numeric", "numeric", "text"]}
                headings={["Started", "Outcome", "HTTP", "Duration (ms)", "Error"]}
                rows={event.attemptList.map((a) => [
                  <Time key="s" iso={a.startedAt} timeZone={tz} seconds />,
                  a.outcome,
                  a.httpStatus ?? "—",
                  a.durationMs,
                  [a.errorClass, a.message].filter(Boolean).join(": ") || "—",
                ])}
              />
            )}
          </Card>
          <InlineStack>
            <Button url={`${shopUrl}?tab=events`}>Back to the event log</Button>
          </InlineStack>
        </BlockStack>
      </Page>
    </SupportFrame>
  );
}
