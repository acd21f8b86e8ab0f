// Postscript's page, with the tabs Loop's own Postscript integration has: Set up, Integration overview,
// Settings (?tab=… so a tab can be linked and reloaded). Every loader and action starts with the Shopify
// session and works on that shop's rows only; the logic lives in app/connections and app/settings.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData, useLocation, useNavigate, useNavigation, useSearchParams } from "@remix-run/react";
import { Banner, InlineStack, Layout, Page, Spinner, Tabs, Text } from "@shopify/polaris";
import { useCallback, useState } from "react";
import { FetcherToasts } from "~/components/common/FetcherToasts";
import { HealthLine } from "~/components/common/HealthLine";
import { useLiveRefresh } from "~/components/common/useLiveRefresh";
import { StatusBadge } from "~/components/common/StatusBadge";
import { OverviewTab } from "~/components/postscript/OverviewTab";
import { SEND_TEST_FETCHER_KEY } from "~/components/postscript/EventSettings";
import { BACKFILL_FETCHER_KEY } from "~/components/postscript/BackfillCard";
import { SettingsTab } from "~/components/postscript/SettingsTab";
import { SetUpTab } from "~/components/postscript/SetUpTab";
import { isPostscriptTab, POSTSCRIPT_TABS, type PostscriptActionData, type PostscriptTab } from "~/components/postscript/types";
import { loopConnectionStatus } from "~/connections/loop.server";
import {
  connectPostscript,
  disconnectPostscript,
  postscriptClientFor,
  postscriptConnectionView,
  postscriptCredentials,
  verifyPostscript,
} from "~/connections/postscript.server";
import { sentence } from "~/connections/sentence";
import { getDatabase } from "~/db.server";
import { backfillProgress, cancelBackfill, startBackfill } from "~/delivery/property-backfill.server";
import { sendTestEvent, sendTestEventToNewRecipient } from "~/delivery/test-events.server";
import { setupChecklist } from "~/integrations/checklist.server";
import { readShopSettings, saveEventChoices, savePaymentRetryCount, savePropertySync, saveTestRecipient } from "~/settings/shop-settings.server";
import { loadOverview } from "~/statistics/overview.server";
import { deliveryHealth, readWaitingGroups } from "~/statistics/health.server";
import { statisticsTimeZone } from "~/statistics/time-zone.server";
import { flowTriggerViews } from "~/flow/usage.server";
import { shopTimeZone } from "~/shopify/time-zone.server";
import { authenticate } from "~/shopify.server";
import { IntegrationOverview } from "~/components/overview/IntegrationOverview";

export const meta: MetaFunction = () => [{ title: "Postscript · Loop → Postscript" }];

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const db = getDatabase();
  const [connection, settings, loopState, flowTriggers, backfill] = await Promise.all([
    postscriptConnectionView(db, session.shop),
    readShopSettings(db, session.shop),
    loopConnectionStatus(db, session.shop),
    flowTriggerViews(db, session.shop),
    backfillProgress(db, session.shop),
  ]);
  // The Integration overview's statistics are read only when that tab is shown (the default once connected).
  const url = new URL(request.url);
  const requested = url.searchParams.get("tab");
  const connected = connection.status === "connected" || connection.status === "action_needed";
  const showsOverview = requested === "overview" || (!isPostscriptTab(requested) && connected);
  // Once connected, Set up shows what is left to do (also when the page opened on Set up and the key was just
  // connected there, with no tab in the address).
  const showsSetUp = requested === "setup" || !isPostscriptTab(requested);
  const checklist = connected && showsSetUp ? await setupChecklist(db, session.shop) : null;
  let overview = null;
  let health = null;
  if (connected) {
    // The overview checks the stored zone against Shopify; the other tabs use the stored one (no Shopify call).
    const timeZone = showsOverview ? await statisticsTimeZone(db, session.shop) : await shopTimeZone(db, session.shop);
    const now = new Date();
    // Both read the waiting events; on the overview tab they share one read.
    const waiting = showsOverview ? await readWaitingGroups(db, session.shop) : undefined;
    [overview, health] = await Promise.all([
      showsOverview ? loadOverview(db, session.shop, { timeZone, postscript: connection, loopStatus: loopState, settings, waiting }, url.searchParams, now) : null,
      deliveryHealth(db, session.shop, { timeZone: timeZone.name, postscriptStatus: connection.status, actionNeededAt: connection.actionNeededAt, deliveriesPausedAt: settings.deliveriesPausedAt, waiting }, now),
    ]);
  } else if (showsOverview) {
    const timeZone = await statisticsTimeZone(db, session.shop);
    overview = await loadOverview(db, session.shop, { timeZone, postscript: connection, loopStatus: loopState, settings }, url.searchParams);
  }
  return { connection, settings, loopState, overview, health, flowTriggers, checklist, backfill };
};


const FETCHER_KEYS = [
  "postscript-connect",
  "postscript-replace",
  "postscript-verify",
  "postscript-disconnect",
  "postscript-save-events",
  "postscript-save-retry-count",
  "postscript-save-test-recipient",
  "postscript-save-property-sync",
  BACKFILL_FETCHER_KEY,
  SEND_TEST_FETCHER_KEY,
] as const;

export const action = async ({ request }: ActionFunctionArgs): Promise<PostscriptActionData> => {
  const { session } = await authenticate.admin(request);
  const db = getDatabase();
  const shop = session.shop;
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  const respond = (result: { ok: boolean; message: string; field?: string; warning?: string }): PostscriptActionData => ({ intent, ...result });
  switch (intent) {
    case "connect":
    case "replace":
      return respond(await connectPostscript(db, shop, { apiKey: form.get("apiKey"), label: form.get("label") }));
    case "verify":
      return respond(await verifyPostscript(db, shop));
    case "disconnect":
      return respond(await disconnectPostscript(db, shop));
    case "save-events":
      return respond(await saveEventChoices(db, shop, form.getAll("enabled")));
    case "save-retry-count":
      return respond(await savePaymentRetryCount(db, shop, form.get("paymentRetryCount")));
    case "send-test-event": {
      const clientFor = async (forShop: string) => {
        const credentials = await postscriptCredentials(db, forShop);
        return credentials ? postscriptClientFor(credentials.apiKey) : null;
      };
      // The Set up tab asks for the recipient with the test when none is set yet.
      return respond(
        form.has("testEmail") || form.has("testPhone")
          ? await sendTestEventToNewRecipient(db, shop, form.get("type"), { testEmail: form.get("testEmail"), testPhone: form.get("testPhone") }, clientFor)
          : await sendTestEvent(db, shop, form.get("type"), clientFor),
      );
    }
    case "save-property-sync":
      return respond(await savePropertySync(db, shop, form.get("propertySyncEnabled")));
    case "start-backfill": {
      const started = await startBackfill(db, shop);
      return respond(started.ok ? { ok: true, message: "Backfill started" } : started);
    }
    case "cancel-backfill":
      return respond((await cancelBackfill(db, shop)) ? { ok: true, message: "Backfill cancelled" } : { ok: false, message: "The backfill had already finished." });
    case "save-test-recipient":
      return respond(
        await saveTestRecipient(db, shop, { testEmail: form.get("testEmail"), testPhone: form.get("testPhone") }, async (contact) => {
          const credentials = await postscriptCredentials(db, shop);
          return credentials ? postscriptClientFor(credentials.apiKey).findSubscriber(contact) : null;
        }),
      );
    default:
      throw new Response(`Unknown action "${intent}"`, { status: 400 });
  }
};

// One array for the page's life: Polaris Tabs measures every tab again (a layout of the whole page, about 100 ms
// on a slow phone) whenever it is handed a new one, which a page render (a refresh, a navigation) would do.
const TABS = POSTSCRIPT_TABS.map((t) => ({ ...t, panelID: `${t.id}-panel` }));

export default function PostscriptIntegration() {
  const { connection, settings, loopState, overview, health, flowTriggers, checklist, backfill } = useLoaderData<typeof loader>();
  const [searchParams] = useSearchParams();
  const navigate = useNavigate();
  const navigation = useNavigation();
  const location = useLocation();
  // Another tab, period or filter of this page is on its way (a refresh in the background does not count).
  const loading = navigation.state === "loading" && navigation.location?.pathname === location.pathname;
  const requested = searchParams.get("tab");
  const connected = connection.status === "connected" || connection.status === "action_needed";
  // Chosen when the page opens, so connecting on Set up does not move the merchant to another tab.
  const [defaultTab] = useState<PostscriptTab>(connected ? "overview" : "setup");
  const tab: PostscriptTab = isPostscriptTab(requested) ? requested : defaultTab;
  // Settings holds forms being edited: only the overview (and the health line with it) refreshes itself.
  useLiveRefresh(tab === "overview" && connected);
  const selectTab = useCallback(
    (index: number) => {
      const next = new URLSearchParams(searchParams);
      next.delete("id_token"); // a session token is single-use and short-lived; never keep it in a link
      next.set("tab", POSTSCRIPT_TABS[index].id);
      navigate({ search: `?${next.toString()}` }, { preventScrollReset: true });
    },
    [navigate, searchParams],
  );

  return (
    <Page
      title="Postscript"
      subtitle="SMS marketing: Loop subscription events as Postscript Custom Events"
      titleMetadata={<StatusBadge state={connection.status} />}
      backAction={{ content: "Integrations", url: "/app" }}
    >
      <FetcherToasts fetcherKeys={FETCHER_KEYS} />
      <Layout>
        {connection.status === "action_needed" ? (
          <Layout.Section>
            <Banner
              tone="critical"
              title="Postscript rejected the API key"
              action={tab === "settings" ? undefined : { content: "Replace key", url: "?tab=settings" }}
            >
              <p>
                {sentence(connection.actionNeededReason ?? "Postscript no longer accepts the key")} Events are kept and wait: they are sent once you replace the key
                with one that works (or verify it again, if Postscript accepts it now). A rejected key is usually one that was deleted in Postscript, or a
                plan without API access.
              </p>
            </Banner>
          </Layout.Section>
        ) : null}
        {health ? (
          <Layout.Section>
            <HealthLine health={health} />
          </Layout.Section>
        ) : null}
        <Layout.Section>
          <Tabs tabs={TABS} selected={POSTSCRIPT_TABS.findIndex((t) => t.id === tab)} onSelect={selectTab} />
        </Layout.Section>
        {loading ? (
          <Layout.Section>
            <Loading />
          </Layout.Section>
        ) : null}
        {/* display: contents keeps the panel out of the Layout's flex flow, so Settings can use annotated sections. */}
        <div id={`${tab}-panel`} role="tabpanel" aria-busy={loading} style={{ display: "contents" }}>
          {tab === "setup" ? (
            <Layout.Section>
              <SetUpTab connection={connection} loopState={loopState} checklist={checklist} testRecipient={settings} />
            </Layout.Section>
          ) : null}
          {tab === "overview" ? (
            <Layout.Section>
              {overview ? (
                <IntegrationOverview data={overview} showConnectionBanner={false} />
              ) : (
                <OverviewTab postscriptState={connection.status} loopState={loopState} />
              )}
            </Layout.Section>
          ) : null}
          {tab === "settings" ? <SettingsTab connection={connection} settings={settings} flowTriggers={flowTriggers} backfill={backfill} /> : null}
        </div>
      </Layout>
    </Page>
  );
}

function Loading() {
  return (
    <InlineStack gap="200" blockAlign="center">
      <Spinner size="small" accessibilityLabel="Loading" />
      <Text as="span" tone="subdued">
        Loading…
      </Text>
    </InlineStack>
  );
}
