// One shop's record for support staff: install facts, connections (masked identifiers only), event types,
// the statistics and error groups of a period, the event log with attempts, the configuration history, and,
// for operators, actions behind a confirmation step. Every view and every action is in the audit log.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, useLoaderData, useSearchParams } from "@remix-run/react";
import {
  Badge,
  Banner,
  BlockStack,
  Box,
  Button,
  ButtonGroup,
  Card,
  DataTable,
  Divider,
  IndexTable,
  InlineGrid,
  InlineStack,
  Layout,
  Link,
  Page,
  Select,
  Text,
} from "@shopify/polaris";
import { useState } from "react";
import { ConfirmCard } from "~/components/support/ConfirmCard";
import { ConnectionBadge, EventStatusBadge } from "~/components/support/badges";
import { Facts } from "~/components/support/Facts";
import { SupportFrame } from "~/components/support/SupportFrame";
import { Time } from "~/components/support/Time";
import { TitledCard } from "~/components/support/TitledCard";
import { UnusedLoopFields } from "~/components/support/UnusedLoopFields";
import { EmptyRows } from "~/components/support/EmptyRows";
import { getDatabase } from "~/db.server";
import { supportRedirect as redirect } from "~/support/headers.server";
import { EVENT_TYPES } from "~/events/catalogue";
import { EVENT_STATUSES } from "~/events/statuses";
import { PERIOD_PRESETS } from "~/statistics/period";
import { actionResult, AUDIT_ACTION, auditRefusedAction, confirmationFor, isOperatorIntent, runOperatorAction } from "~/support/actions.server";
import { recordAudit } from "~/support/audit.server";
import { clientOf, hasRole, requirePost, requireStaff } from "~/support/auth.server";
import { listShopEvents, loadShopRecord, shopHistory, type ShopRecord } from "~/support/record.server";
import { formatMedianLatency } from "~/statistics/format";
import { shopExists } from "~/support/shops.server";

export const meta: MetaFunction = ({ params }) => [{ title: `${params.domain ?? "Shop"} · Support console` }, { name: "robots", content: "noindex, nofollow" }];

const TABS = ["overview", "events", "history"] as const;
type Tab = (typeof TABS)[number];

function shopParam(params: Record<string, string | undefined>): string {
  const domain = (params.domain ?? "").toLowerCase();
  if (!/^[a-z0-9][a-z0-9.-]{0,254}$/.test(domain)) throw Response.json({ message: "That is not a shop domain." }, { status: 404 });
  return domain;
}

export const loader = async (args: LoaderFunctionArgs) => {
  const db = getDatabase();
  const staff = await requireStaff(args, "viewer", db);
  const domain = shopParam(args.params);
  const url = new URL(args.request.url);
  const search = url.searchParams;
  const tab: Tab = (TABS as readonly string[]).includes(search.get("tab") ?? "") ? (search.get("tab") as Tab) : "overview";
  if (!(await shopExists(db, domain))) throw Response.json({ message: `No shop ${domain} is known to the app.` }, { status: 404 });

  const operator = hasRole(staff, "operator");
  const confirmIntent = search.get("confirm");
  const [record, events, history, confirmation, done] = await Promise.all([
    loadShopRecord(db, domain, search),
    tab === "events" ? listShopEvents(db, domain, search) : null,
    tab === "history" ? shopHistory(db, domain) : null,
    operator && isOperatorIntent(confirmIntent) ? confirmationFor(db, domain, confirmIntent, search) : null,
    actionResult(db, staff, domain, search.get("done")),
  ]);
  await recordAudit(db, {
    user: { id: staff.userId, email: staff.email },
    action: tab === "events" ? "shop.events_viewed" : tab === "history" ? "shop.history_viewed" : "shop.viewed",
    outcome: "success",
    shopDomain: domain,
    details: {
      period: record.statistics.period.key,
      ...(tab === "events" ? { status: events?.filter.status ?? null, type: events?.filter.type ?? null } : {}),
      ...(confirmation ? { confirmationShown: confirmation.intent } : {}),
    },
    client: clientOf(args),
  });
  return {
    staff: { email: staff.email, role: staff.role, csrf: staff.csrfToken },
    operator,
    tab,
    record,
    events,
    history,
    confirmation,
    done,
  };
};

export const action = async (args: ActionFunctionArgs) => {
  const db = getDatabase();
  const domain = shopParam(args.params);
  const form = await args.request.formData();
  const intent = form.get("intent");
  const staff = await requirePost(args, form, "operator", isOperatorIntent(intent) ? AUDIT_ACTION[intent] : "access.denied", db);
  if (!isOperatorIntent(intent)) throw Response.json({ message: "Unknown action." }, { status: 400 });
  if (!(await shopExists(db, domain))) throw Response.json({ message: `No shop ${domain} is known to the app.` }, { status: 404 });
  if (form.get("confirmed") !== "yes") {
    await auditRefusedAction(db, staff, domain, intent, "not confirmed", clientOf(args));
    throw Response.json({ message: "Confirm the action first." }, { status: 400 });
  }
  const result = await runOperatorAction(db, staff, domain, intent, form, clientOf(args));
  const back = new URL(args.request.url).searchParams;
  for (const name of ["confirm", "event", "done", "index", "_data"]) back.delete(name);
  if (result.auditId) back.set("done", result.auditId);
  return redirect(`/support/shops/${encodeURIComponent(domain)}?${back.toString()}`);
};

type Data = ReturnType<typeof useLoaderData<typeof loader>>;

export default function SupportShop() {
  const data = useLoaderData<typeof loader>();
  const { staff, record, tab, confirmation, done, operator } = data;
  const [search] = useSearchParams();
  const base = `/support/shops/${encodeURIComponent(record.domain)}`;
  const link = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(search);
    for (const name of ["confirm", "event", "done", "after"]) next.delete(name);
    for (const [name, value] of Object.entries(changes)) {
      if (value === null) next.delete(name);
      else next.set(name, value);
    }
    const query = next.toString();
    return `${base}${query ? `?${query}` : ""}`;
  };
  const cancelUrl = link({});
  return (
    <SupportFrame staff={staff}>
      <Page
        backAction={{ content: "Shops", url: "/support/shops" }}
        title={record.domain}
        titleMetadata={
          <InlineStack gap="100">
            {record.uninstalledAt ? <Badge>Uninstalled</Badge> : <Badge tone="success">Installed</Badge>}
            {record.hold.held ? <Badge tone="warning">Deliveries held</Badge> : null}
          </InlineStack>
        }
        subtitle={record.postscript.shopName ? `Postscript shop: ${record.postscript.shopName}` : undefined}
      >
        <BlockStack gap="400">
          {done ? (
            <Banner tone={done.ok ? "success" : "critical"} title={done.ok ? "Done" : "Not done"}>
              <p>{done.message}</p>
            </Banner>
          ) : null}
          {confirmation ? <ConfirmCard confirmation={confirmation} csrf={staff.csrf} cancelUrl={cancelUrl} /> : null}
          <nav aria-label="Shop record">
            <ButtonGroup variant="segmented">
              {TABS.map((t) => (
                <Button key={t} url={link({ tab: t === "overview" ? null : t })} variant={tab === t ? "primary" : undefined}>
                  {t === "overview" ? "Overview" : t === "events" ? "Event log" : "Configuration history"}
                </Button>
              ))}
            </ButtonGroup>
          </nav>
          {tab === "overview" ? <Overview data={data} link={link} operator={operator} /> : null}
          {tab === "events" && data.events ? <Events data={data} link={link} operator={operator} /> : null}
          {tab === "history" && data.history ? <History data={data} /> : null}
        </BlockStack>
      </Page>
    </SupportFrame>
  );
}

function PeriodPicker({ current, link }: { current: string; link: (c: Record<string, string | null>) => string }) {
  return (
    <ButtonGroup variant="segmented">
      {PERIOD_PRESETS.map((p) => (
        <Button key={p.id} size="slim" url={link({ period: p.id, from: null, to: null })} variant={current === p.id ? "primary" : undefined}>
          {p.label}
        </Button>
      ))}
    </ButtonGroup>
  );
}

function Overview({ data, link, operator }: { data: Data; link: (c: Record<string, string | null>) => string; operator: boolean }) {
  const { record } = data;
  const tz = record.timeZone.name;
  const stats = record.statistics;
  const enabled = record.eventTypes.filter((e) => e.enabled);
  const disabled = record.eventTypes.filter((e) => !e.enabled);
  const rate = percent(stats.successRate);
  return (
    <Layout>
      <Layout.Section>
        <Card>
          <BlockStack gap="400">
            <InlineStack align="space-between" blockAlign="center" gap="200">
              <Text as="h2" variant="headingMd">
                Deliveries · {stats.period.label}
              </Text>
              <PeriodPicker current={stats.period.key} link={link} />
            </InlineStack>
            <Text as="p" tone="subdued" variant="bodySm">
              Events received {stats.period.range} ({stats.period.startLabel} – {stats.period.endLabel}, {tz}
              {record.timeZone.known ? "" : "; the shop's time zone is not known"}), compared with the period before. The same figures the merchant
              sees in the Integration Overview.
            </Text>
            {stats.period.problem ? <Banner tone="warning">{stats.period.problem}</Banner> : null}
            <InlineGrid columns={{ xs: 2, sm: 3, md: 7 }} gap="300">
              <Figure label="Received" value={stats.totals.received} previous={stats.previous.received} />
              <Figure label="Delivered" value={stats.totals.delivered} previous={stats.previous.delivered} />
              <Figure label="Skipped" value={stats.totals.skipped} previous={stats.previous.skipped} />
              <Figure label="Failed" value={stats.totals.failed} previous={stats.previous.failed} tone={stats.totals.failed ? "critical" : undefined} />
              <Figure label="Waiting" value={stats.totals.waiting} previous={stats.previous.waiting} />
              <Figure label="Success rate" value={rate} previous={percent(stats.previousSuccessRate)} />
              <Figure label="Median Loop → Postscript" value={formatMedianLatency(stats.medianLatency)} />
            </InlineGrid>
            <Divider />
            <InlineStack align="space-between" blockAlign="center">
              <Text as="h3" variant="headingSm">
                Error groups
              </Text>
              {operator ? (
                <Button url={link({ confirm: "replay-failed" })} disabled={stats.totals.failed === 0}>
                  Replay failed events…
                </Button>
              ) : null}
            </InlineStack>
            {stats.errors.length === 0 ? (
              <Text as="p" tone="subdued">
                No skipped, failed or waiting events in this period.
              </Text>
            ) : (
              <DataTable
                columnContentTypes={["text", "text", "numeric", "text"]}
                headings={["Reason", "Outcome", "Events", "Last"]}
                rows={stats.errors.map((e) => [
                  <div key="r" style={{ maxWidth: 420, whiteSpace: "normal" }}>
                    <BlockStack gap="050">
                      <Text as="span" fontWeight="medium">
                        {e.title}
                      </Text>
                      <Text as="span" tone="subdued" variant="bodySm">
                        {e.meaning} ({e.code})
                      </Text>
                    </BlockStack>
                  </div>,
                  e.current ? <Badge tone="warning">Waiting now</Badge> : e.outcome === "failed" ? <Badge tone="critical">Failed</Badge> : <Badge>{e.outcome === "skipped" ? "Skipped" : "Waiting"}</Badge>,
                  e.count,
                  <Time key="t" iso={e.lastAt} timeZone={tz} />,
                ])}
              />
            )}
            <Text as="p" tone="subdued" variant="bodySm">
              Right now: {stats.now.pending} pending (retrying or due), {stats.now.paused} paused, {stats.now.unmapped} not yet mapped.
            </Text>
          </BlockStack>
        </Card>
      </Layout.Section>

      <Layout.Section variant="oneHalf">
        <BlockStack gap="400">
          <TitledCard title="Postscript" badge={<ConnectionBadge status={record.postscript.status} />}>
            {record.postscript.actionNeededReason ? <Banner tone="critical">{record.postscript.actionNeededReason}</Banner> : null}
            <Facts
              rows={[
                ["Private API key", record.postscript.keyMasked],
                ["Postscript shop", record.postscript.shopName],
                ["Label", record.postscript.label],
                ["Connected", <Time key="c" iso={record.postscript.connectedAt} timeZone={tz} />],
                ["Last verified", <Time key="v" iso={record.postscript.lastVerifiedAt} timeZone={tz} />],
                ["Disconnected", record.postscript.disconnectedAt ? <Time key="d" iso={record.postscript.disconnectedAt} timeZone={tz} /> : "—"],
                ["Partner mode", record.postscript.partnerMode ? "Yes" : "No"],
              ]}
            />
            {operator ? (
              <InlineStack align="end">
                <Button url={link({ confirm: "reverify" })} disabled={!record.postscript.keyMasked || record.postscript.status === "disconnected"}>
                  Verify key again…
                </Button>
              </InlineStack>
            ) : null}
          </TitledCard>
          <TitledCard title="Loop" badge={<ConnectionBadge status={record.loop.status} />}>
            {record.loop.actionNeededReason ? <Banner tone="critical">{record.loop.actionNeededReason}</Banner> : null}
            <Facts
              rows={[
                ["Set-up", record.loop.mode === "api" ? "API token (the app manages the webhooks)" : record.loop.mode === "manual" ? "Manual webhooks" : "—"],
                ["API token", record.loop.tokenMasked],
                ["Signing secrets", record.loop.manualSecrets.length ? record.loop.manualSecrets.map((s) => s.masked).join(", ") : "—"],
                ["Topics subscribed", `${record.loop.topics.filter((t) => t.subscribed).length} of ${record.loop.topics.length}`],
                ["Connected", <Time key="c" iso={record.loop.connectedAt} timeZone={tz} />],
                ["Disconnected", record.loop.disconnectedAt ? <Time key="d" iso={record.loop.disconnectedAt} timeZone={tz} /> : "—"],
              ]}
            />
          </TitledCard>
        </BlockStack>
      </Layout.Section>

      <Layout.Section variant="oneHalf">
        <BlockStack gap="400">
          <TitledCard title="Deliveries" badge={record.hold.held ? <Badge tone="warning">Held by support</Badge> : <Badge tone="success">Running</Badge>}>
            {record.hold.held ? (
              <Text as="p">
                Held since <Time iso={record.hold.since} timeZone={tz} /> by {record.hold.by ?? "support"}. Events wait; nothing is dropped.
              </Text>
            ) : (
              <Text as="p" tone="subdued">
                Events are sent to Postscript as they arrive.
              </Text>
            )}
            {operator ? (
              <InlineStack align="end">
                {record.hold.held ? (
                  <Button url={link({ confirm: "release" })}>Release hold…</Button>
                ) : (
                  <Button url={link({ confirm: "hold" })} tone="critical">
                    Hold deliveries…
                  </Button>
                )}
              </InlineStack>
            ) : null}
          </TitledCard>
          <Card>
            <BlockStack gap="300">
              <Text as="h2" variant="headingMd">
                Shop
              </Text>
              <Facts
                rows={[
                  ["Installed", <Time key="i" iso={record.installedAt} timeZone={tz} />],
                  ["Uninstalled", record.uninstalledAt ? <Time key="u" iso={record.uninstalledAt} timeZone={tz} /> : "—"],
                  ["Shopify scopes", record.scopes.length ? record.scopes.join(", ") : "—"],
                  ["Time zone", record.timeZone.known ? tz : "Not known (UTC used)"],
                  ["Payment retries assumed", String(record.paymentRetryCount)],
                  ["Test recipient", [record.testRecipient.email, record.testRecipient.phone].filter(Boolean).join(", ") || "—"],
                ]}
              />
            </BlockStack>
          </Card>
          <Card>
            <BlockStack gap="300">
              <Text as="h2" variant="headingMd">
                Event types · {enabled.length} of {record.eventTypes.length} sent
              </Text>
              <InlineStack gap="100">
                {enabled.map((e) => (
                  <Badge key={e.type} tone="success">
                    {e.type}
                  </Badge>
                ))}
              </InlineStack>
              {disabled.length ? (
                <BlockStack gap="100">
                  <Text as="p" tone="subdued">
                    Turned off by the merchant:
                  </Text>
                  <InlineStack gap="100">
                    {disabled.map((e) => (
                      <Badge key={e.type}>{e.type}</Badge>
                    ))}
                  </InlineStack>
                </BlockStack>
              ) : null}
            </BlockStack>
          </Card>
        </BlockStack>
      </Layout.Section>
      <Layout.Section>
        <SubscriberSync sync={record.subscriberSync} timeZone={tz} />
      </Layout.Section>
      <Layout.Section>
        <UnusedLoopFields rows={record.unusedLoopFields} timeZone={tz} />
      </Layout.Section>
    </Layout>
  );
}

/** The shop's subscriber properties in Postscript: the merchant's figures and the latest customers, masked. */
function SubscriberSync({ sync, timeZone }: { sync: ShopRecord["subscriberSync"]; timeZone: string }) {
  const { figures, rows } = sync;
  return (
    <TitledCard title="Subscriber properties" badge={figures.enabled ? <Badge tone="success">Syncing on</Badge> : <Badge>Syncing off</Badge>}>
      <InlineGrid columns={{ xs: 2, md: 4 }} gap="300">
        <Figure label="Synced" value={figures.synced} />
        <Figure label="Not subscribers" value={figures.notSubscribers} />
        <Figure label="Failed" value={figures.failed} tone={figures.failed > 0 ? "critical" : undefined} />
        <Figure label="Waiting" value={figures.waiting} />
      </InlineGrid>
      {figures.problems.map((p) => (
        <Text key={`${p.kind}|${p.detail ?? ""}`} as="p">
          {p.title} ({p.kind}): {p.count}
          {p.detail ? ` · ${p.detail}` : ""}
        </Text>
      ))}
      {rows.length === 0 ? (
        <Text as="p" tone="subdued">
          No customer has had properties to send yet.
        </Text>
      ) : (
        <DataTable
          columnContentTypes={["text", "text", "text", "text", "numeric", "text", "text"]}
          headings={["Customer", "Contact", "Subscriber", "Status", "Properties", "Synced", "Next"]}
          rows={rows.map((r) => [
            r.customer,
            [r.email, r.phone].filter(Boolean).join(", ") || "—",
            r.subscriberId ?? "—",
            r.problem ? `${r.status}: ${r.problem}` : r.status,
            r.sentProperties,
            <Time key="s" iso={r.syncedAt} timeZone={timeZone} />,
            <Time key="n" iso={r.dueAt} timeZone={timeZone} />,
          ])}
        />
      )}
    </TitledCard>
  );
}

function Figure({ label, value, previous, tone }: { label: string; value: number | string; previous?: number | string; tone?: "critical" }) {
  return (
    <Box padding="300" background="bg-surface-secondary" borderRadius="200">
      <BlockStack gap="100">
        <Text as="span" tone="subdued" variant="bodySm">
          {label}
        </Text>
        <Text as="span" variant="headingLg" tone={tone}>
          {value}
        </Text>
        {previous !== undefined ? (
          <Text as="span" tone="subdued" variant="bodySm">
            before: {previous}
          </Text>
        ) : null}
      </BlockStack>
    </Box>
  );
}

function percent(ratio: number | null): string {
  return ratio === null ? "—" : `${(ratio * 100).toFixed(1)}%`;
}

function Events({ data, link, operator }: { data: Data; link: (c: Record<string, string | null>) => string; operator: boolean }) {
  const events = data.events!;
  const tz = data.record.timeZone.name;
  const base = `/support/shops/${encodeURIComponent(data.record.domain)}`;
  return (
    <BlockStack gap="300">
      <EventFilters period={events.period.key} status={events.filter.status} type={events.filter.type} />
      <Text as="p" tone="subdued" variant="bodySm">
        Events received {events.period.startLabel} – {events.period.endLabel} ({tz}), newest first. Customer email and phone are partly masked.
      </Text>
      <Card padding="0">
        <IndexTable
          resourceName={{ singular: "event", plural: "events" }}
          itemCount={events.page.rows.length}
          selectable={false}
          emptyState={
            <EmptyRows>No events match.</EmptyRows>
          }
          headings={[{ title: "Received" }, { title: "Event" }, { title: "Status" }, { title: "Attempts" }, { title: "Customer" }, { title: "Subscription" }, { title: "" }]}
        >
          {events.page.rows.map((e, index) => (
            <IndexTable.Row id={e.id} key={e.id} position={index}>
              <IndexTable.Cell>
                <Link url={`${base}/events/${e.id}`} removeUnderline>
                  <Time iso={e.receivedAt} timeZone={tz} seconds />
                </Link>
              </IndexTable.Cell>
              <IndexTable.Cell>
                <BlockStack gap="050" inlineAlign="start">
                  <Text as="span">{e.type === "unknown" ? e.topic : e.type}</Text>
                  {e.isTest ? <Badge tone="info">Test</Badge> : null}
                </BlockStack>
              </IndexTable.Cell>
              <IndexTable.Cell>
                <BlockStack gap="050" inlineAlign="start">
                  <EventStatusBadge status={e.status} />
                  {e.reasonTitle ? (
                    <Text as="span" tone="subdued" variant="bodySm">
                      {e.reasonTitle}
                    </Text>
                  ) : null}
                </BlockStack>
              </IndexTable.Cell>
              <IndexTable.Cell>
                <BlockStack gap="050">
                  <Text as="span" numeric>
                    {e.attempts}
                  </Text>
                  {e.lastAttempt ? (
                    <Text as="span" tone="subdued" variant="bodySm">
                      last: {e.lastAttempt.outcome}
                      {e.lastAttempt.httpStatus ? ` (${e.lastAttempt.httpStatus})` : ""}
                    </Text>
                  ) : null}
                </BlockStack>
              </IndexTable.Cell>
              <IndexTable.Cell>
                <BlockStack gap="050">
                  {e.email ? <Text as="span">{e.email}</Text> : null}
                  {e.phone ? <Text as="span">{e.phone}</Text> : null}
                  {!e.email && !e.phone ? "—" : null}
                </BlockStack>
              </IndexTable.Cell>
              <IndexTable.Cell>{e.subscriptionKey ?? "—"}</IndexTable.Cell>
              <IndexTable.Cell>
                <InlineStack gap="200" wrap={false}>
                  <Link url={`${base}/events/${e.id}`}>Details</Link>
                  {operator && e.status === "failed" ? <Link url={link({ tab: "events", confirm: "replay-one", event: e.id })}>Replay…</Link> : null}
                </InlineStack>
              </IndexTable.Cell>
            </IndexTable.Row>
          ))}
        </IndexTable>
      </Card>
      {events.page.hasNext && events.page.nextCursor ? (
        <InlineStack align="center">
          <Button url={link({ tab: "events", after: events.page.nextCursor })}>Older events</Button>
        </InlineStack>
      ) : null}
    </BlockStack>
  );
}

function EventFilters(props: { period: string; status: string | null; type: string | null }) {
  const [period, setPeriod] = useState(PERIOD_PRESETS.some((p) => p.id === props.period) ? props.period : "7d");
  const [status, setStatus] = useState(props.status ?? "");
  const [type, setType] = useState(props.type ?? "");
  return (
    <Card>
      <Form method="get">
        <input type="hidden" name="tab" value="events" />
        <InlineStack gap="300" blockAlign="end">
          <Select label="Period" name="period" options={PERIOD_PRESETS.map((p) => ({ label: p.label, value: p.id }))} value={period} onChange={setPeriod} />
          <Select
            label="Status"
            name="status"
            options={[{ label: "Any status", value: "" }, ...EVENT_STATUSES.map((s) => ({ label: s.charAt(0).toUpperCase() + s.slice(1), value: s }))]}
            value={status}
            onChange={setStatus}
          />
          <Select
            label="Event type"
            name="type"
            options={[{ label: "Any type", value: "" }, ...EVENT_TYPES.map((e) => ({ label: e.type, value: e.type }))]}
            value={type}
            onChange={setType}
          />
          <Button submit>Filter</Button>
        </InlineStack>
      </Form>
    </Card>
  );
}

function History({ data }: { data: Data }) {
  const tz = data.record.timeZone.name;
  const history = data.history!;
  return (
    <Card padding="0">
      {history.length === 0 ? (
        <EmptyRows>No configuration changes recorded.</EmptyRows>
      ) : (
        <DataTable
          columnContentTypes={["text", "text", "text", "text"]}
          headings={["When", "Who", "What", "Details"]}
          rows={history.map((c) => [
            <Time key="w" iso={c.createdAt} timeZone={tz} />,
            c.actor === "support" ? <Badge tone="attention">Support</Badge> : c.actor === "system" ? <Badge>App</Badge> : <Badge tone="info">Merchant</Badge>,
            c.action,
            <Text key="d" as="span" variant="bodySm" breakWord>
              {Object.entries(c.details)
                .filter(([, v]) => v !== null && !(Array.isArray(v) && v.length === 0))
                .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(", ") : String(v)}`)
                .join(" · ") || "—"}
            </Text>,
          ])}
        />
      )}
    </Card>
  );
}
