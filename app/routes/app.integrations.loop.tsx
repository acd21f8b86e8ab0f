// Loop Subscriptions, the event source: connect with a Loop Admin API token (the app subscribes to Loop's
// webhooks itself), or add the webhooks in Loop admin and paste their signing secrets. Every loader and
// action starts with the Shopify session and works on that shop's rows only (logic: app/connections/loop.server.ts).
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useFetcher, useLoaderData } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, Collapsible, DescriptionList, InlineStack, Layout, List, Page as PolarisPage, Text } from "@shopify/polaris";
import { useCallback, useState, type ReactNode } from "react";
import { DisconnectModal } from "~/components/common/DisconnectModal";
import { FetcherToasts } from "~/components/common/FetcherToasts";
import { FormattedDate } from "~/components/common/FormattedDate";
import { StatusBadge } from "~/components/common/StatusBadge";
import { useFetcherDone } from "~/components/common/useFetcherDone";
import { ManualSetup } from "~/components/loop/ManualSetup";
import { TokenForm, TokenInstructions } from "~/components/loop/TokenForm";
import { TopicList } from "~/components/loop/TopicList";
import type { LoopActionData, LoopConnectionData } from "~/components/loop/types";
import { postscriptConnectionStatus } from "~/connections/postscript.server";
import { sentence } from "~/connections/sentence";
import { addManualLoopSecret, connectLoopWithToken, disconnectLoop, loopConnectionView, removeManualLoopSecret } from "~/connections/loop.server";
import { getDatabase } from "~/db.server";
import { authenticate } from "~/shopify.server";

export const meta: MetaFunction = () => [{ title: "Loop Subscriptions · Loop → Postscript" }];

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const db = getDatabase();
  const [connection, postscriptState] = await Promise.all([loopConnectionView(db, session.shop), postscriptConnectionStatus(db, session.shop)]);
  return { connection, postscriptState };
};

const FETCHER_KEYS = ["loop-connect-token", "loop-add-secret", "loop-remove-secret", "loop-disconnect"] as const;

export const action = async ({ request }: ActionFunctionArgs): Promise<LoopActionData> => {
  const { session } = await authenticate.admin(request);
  const db = getDatabase();
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  switch (intent) {
    case "connect-token":
      return { intent, ...(await connectLoopWithToken(db, session.shop, form.get("token"))) };
    case "add-secret":
      return { intent, ...(await addManualLoopSecret(db, session.shop, form.get("secret"), form.getAll("topics"))) };
    case "remove-secret":
      return { intent, ...(await removeManualLoopSecret(db, session.shop, form.get("secretId"))) };
    case "disconnect":
      return { intent, ...(await disconnectLoop(db, session.shop)) };
    default:
      throw new Response(`Unknown action "${intent}"`, { status: 400 });
  }
};

export default function LoopIntegration() {
  const { connection, postscriptState } = useLoaderData<typeof loader>();
  const connected = connection.status === "connected" || connection.status === "action_needed";
  const postscriptConnected = postscriptState === "connected" || postscriptState === "action_needed";
  return (
    <Page connection={connection}>
      <FetcherToasts fetcherKeys={FETCHER_KEYS} />
      <Layout>
        <ResultBanners />
        {connection.status === "action_needed" && connection.actionNeededReason ? (
          <Layout.Section>
            <Banner tone="warning" title="Loop is only partly connected">
              <p>{sentence(connection.actionNeededReason)}</p>
            </Banner>
          </Layout.Section>
        ) : null}
        {connected && !postscriptConnected ? (
          <Layout.Section>
            <NextConnectPostscript />
          </Layout.Section>
        ) : null}
        <Layout.Section>
          {connected && connection.mode === "api" ? <ApiConnection connection={connection} /> : null}
          {connected && connection.mode === "manual" ? <ManualConnection connection={connection} /> : null}
          {!connected ? <NotConnected connection={connection} /> : null}
        </Layout.Section>
      </Layout>
    </Page>
  );
}

function Page({ connection, children }: { connection: LoopConnectionData; children: ReactNode }) {
  return (
    <PolarisPage
      title="Loop Subscriptions"
      subtitle="The source of the events: Loop sends them to this app"
      titleMetadata={<StatusBadge state={connection.status} />}
      backAction={{ content: "Integrations", url: "/app" }}
    >
      {children}
    </PolarisPage>
  );
}

/** Results that outlive their form: partial connections and webhooks Loop would not remove. */
function ResultBanners() {
  const connect = useFetcher<LoopActionData>({ key: "loop-connect-token" });
  const disconnect = useFetcher<LoopActionData>({ key: "loop-disconnect" });
  const results = [connect, disconnect]
    .map((f) => (f.state === "idle" ? f.data : undefined))
    .filter((r): r is LoopActionData => Boolean(r && (r.notRemoved?.length || r.missing?.length)));
  return (
    <>
      {results.map((r) => (
        <Layout.Section key={r.intent}>
          <Banner tone="warning" title={r.intent === "disconnect" ? "Some webhooks are still in Loop" : "Loop did not accept every subscription"}>
            <BlockStack gap="200">
              <p>{r.message}</p>
              {r.notRemoved?.length ? (
                <List>
                  {r.notRemoved.map((n) => (
                    <List.Item key={n.loopWebhookId}>
                      <code>{n.topic}</code> (webhook {n.loopWebhookId}): {n.reason}
                    </List.Item>
                  ))}
                </List>
              ) : null}
            </BlockStack>
          </Banner>
        </Layout.Section>
      ))}
    </>
  );
}

function NotConnected({ connection }: { connection: LoopConnectionData }) {
  const [manualOpen, setManualOpen] = useState(connection.manualSecrets.length > 0);
  return (
    <BlockStack gap="400">
      {connection.status === "disconnected" ? (
        <Banner tone="info">
          <p>
            Loop was disconnected on <FormattedDate iso={connection.disconnectedAt} />. Connect again to receive events.
          </p>
        </Banner>
      ) : null}
      <Card>
        <BlockStack gap="300">
          <Text as="h2" variant="headingMd">
            Connect with a Loop API token (recommended)
          </Text>
          <Text as="p" tone="subdued">
            The app checks the token with Loop, then subscribes to the {connection.topics.length} Loop topics it turns into Postscript events.
          </Text>
          <TokenInstructions />
          <TokenForm submitLabel="Connect" />
        </BlockStack>
      </Card>
      <Card>
        <BlockStack gap="300">
          <InlineStack align="space-between" blockAlign="center">
            <Text as="h2" variant="headingMd">
              Or add the webhooks in Loop yourself
            </Text>
            <Button variant="plain" onClick={() => setManualOpen((open) => !open)} ariaExpanded={manualOpen} ariaControls="manual-setup">
              {manualOpen ? "Hide" : "Show how"}
            </Button>
          </InlineStack>
          <Text as="p" tone="subdued">
            For stores that prefer not to give the app a token: you create the webhooks in Loop admin and paste their signing secret here.
          </Text>
          <Collapsible id="manual-setup" open={manualOpen}>
            <ManualSetup connection={connection} />
          </Collapsible>
        </BlockStack>
      </Card>
    </BlockStack>
  );
}

function ApiConnection({ connection }: { connection: LoopConnectionData }) {
  const [replacing, setReplacing] = useState(false);
  const close = useCallback(() => setReplacing(false), []);
  const subscribed = connection.topics.filter((t) => t.subscribed).length;
  return (
    <BlockStack gap="400">
      <Card>
        <BlockStack gap="400">
          <Text as="h2" variant="headingMd">
            Connected with an API token
          </Text>
          <DescriptionList
            gap="tight"
            items={[
              { term: "API token", description: <span data-testid="loop-token-masked">{connection.tokenMasked}</span> },
              { term: "Connected", description: <FormattedDate iso={connection.connectedAt} /> },
              { term: "Topics", description: `${subscribed} of ${connection.topics.length} subscribed` },
            ]}
          />
          <InlineStack gap="200">
            <Button onClick={() => setReplacing((open) => !open)} ariaExpanded={replacing} ariaControls="replace-token">
              {connection.status === "action_needed" ? "Connect again" : "Replace token"}
            </Button>
            <DisconnectButton mode="api" />
          </InlineStack>
          <Collapsible id="replace-token" open={replacing}>
            <BlockStack gap="300">
              <Text as="p" tone="subdued">
                Paste a token (a new one, or the same one to finish subscribing). The app replaces its subscriptions; it never creates duplicates.
              </Text>
              <TokenForm submitLabel="Connect" onDone={close} onCancel={close} />
            </BlockStack>
          </Collapsible>
        </BlockStack>
      </Card>
      <TechnicalDetails connection={connection} />
    </BlockStack>
  );
}

/** Once Loop is connected and Postscript is not, the page says what comes next instead of ending there. */
function NextConnectPostscript() {
  return (
    <Card>
      <BlockStack gap="300">
        <Text as="h2" variant="headingMd">
          Next: connect Postscript
        </Text>
        <Text as="p">Loop now sends its subscription events to this app. Connect Postscript so they reach your SMS flows; until then they are kept and wait.</Text>
        <InlineStack>
          <Button variant="primary" url="/app/integrations/postscript?tab=setup">
            Connect Postscript
          </Button>
        </InlineStack>
      </BlockStack>
    </Card>
  );
}

/** Where Loop sends the events and which topics are subscribed: for support conversations, folded away. */
function TechnicalDetails({ connection }: { connection: LoopConnectionData }) {
  const [open, setOpen] = useState(false);
  return (
    <Card>
      <BlockStack gap="300">
        <InlineStack align="space-between" blockAlign="center">
          <Text as="h2" variant="headingMd">
            Technical details
          </Text>
          <Button variant="plain" onClick={() => setOpen((shown) => !shown)} ariaExpanded={open} ariaControls="loop-technical-details">
            {open ? "Hide" : "Show"}
          </Button>
        </InlineStack>
        <Text as="p" tone="subdued">
          The address Loop sends the events to, and the Loop topics the app subscribed to. Nothing here needs changing.
        </Text>
        <Collapsible id="loop-technical-details" open={open}>
          <BlockStack gap="300">
            <DescriptionList gap="tight" items={[{ term: "Webhook URL", description: <code>{connection.address}</code> }]} />
            <TopicList topics={connection.topics} showStatus />
          </BlockStack>
        </Collapsible>
      </BlockStack>
    </Card>
  );
}

function ManualConnection({ connection }: { connection: LoopConnectionData }) {
  return (
    <Card>
      <BlockStack gap="400">
        <InlineStack align="space-between" blockAlign="center">
          <Text as="h2" variant="headingMd">
            Webhooks added in Loop admin
          </Text>
          <DisconnectButton mode="manual" />
        </InlineStack>
        <ManualSetup connection={connection} />
      </BlockStack>
    </Card>
  );
}

function DisconnectButton({ mode }: { mode: "api" | "manual" }) {
  const [open, setOpen] = useState(false);
  const fetcher = useFetcher<LoopActionData>({ key: "loop-disconnect" });
  useFetcherDone(fetcher, () => setOpen(false));
  return (
    <>
      <Button tone="critical" onClick={() => setOpen(true)}>
        Disconnect
      </Button>
      <DisconnectModal
        service="Loop"
        open={open}
        onClose={() => setOpen(false)}
        fetcher={fetcher}
        effect="The app stops accepting Loop's events, so nothing new reaches Postscript."
        detail={
          mode === "api"
            ? "The app removes its webhooks from Loop and deletes the token and signing secrets here. The history is kept."
            : "The signing secrets are deleted here. Remove the webhooks you created in Loop admin too. The history is kept."
        }
      />
    </>
  );
}
