// Integrations: the app's home, modelled on Loop's own Integrations page. The set-up checklist until both
// connections are made, a banner for any connection that needs the merchant, a card per destination (from
// the integrations registry) and the event source, Loop.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Banner, BlockStack, InlineGrid, Layout, Page, Text } from "@shopify/polaris";
import { IntegrationCard } from "~/components/integrations/IntegrationCard";
import { SetupChecklist } from "~/components/integrations/SetupChecklist";
import { useLiveRefresh } from "~/components/common/useLiveRefresh";
import { loopConnectionView } from "~/connections/loop.server";
import { sentence } from "~/connections/sentence";
import { getDatabase } from "~/db.server";
import { recordFlowBuilderOpened, setupChecklist } from "~/integrations/checklist.server";
import { integrationCards } from "~/integrations/registry.server";
import { readDeliveryHealth } from "~/statistics/health.server";
import { authenticate } from "~/shopify.server";
import { z } from "zod";

export const meta: MetaFunction = () => [{ title: "Integrations · Loop → Postscript" }];

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const db = getDatabase();
  const [checklist, cards, loop, health] = await Promise.all([
    setupChecklist(db, session.shop),
    integrationCards(db, session.shop),
    loopConnectionView(db, session.shop),
    readDeliveryHealth(db, session.shop),
  ]);
  const subscribed = loop.topics.filter((t) => t.subscribed).length;
  return {
    shop: session.shop,
    checklist,
    cards,
    // Only Postscript delivers today; the line shows under its card once it is connected.
    health: { postscript: cards.some((card) => card.id === "postscript" && card.state !== "not_connected") ? health : null },
    loop: {
      state: loop.status,
      detail:
        loop.status === "connected" || loop.status === "action_needed"
          ? loop.mode === "manual"
            ? `Webhooks added in Loop admin · ${loop.manualSecrets.length} signing secret${loop.manualSecrets.length === 1 ? "" : "s"}`
            : `Subscribed to ${subscribed} of ${loop.topics.length} topics · token ${loop.tokenMasked ?? ""}`.trim()
          : null,
      actionNeededReason: loop.status === "action_needed" ? loop.actionNeededReason : null,
    },
  };
};

// The checklist's last step opens Postscript's Flow Builder in a new tab; this records that it was opened.
export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const form = await request.formData();
  const intent = z.literal("flow-builder-opened").safeParse(form.get("intent"));
  if (!intent.success) throw new Response("Unknown action", { status: 400 });
  await recordFlowBuilderOpened(getDatabase(), session.shop);
  return { ok: true };
};

export default function Integrations() {
  const { checklist, cards, loop, health } = useLoaderData<typeof loader>();
  useLiveRefresh();
  return (
    <Page title="Integrations" subtitle="Loop Subscriptions events, sent to the tools you use">
      <Layout>
        {cards
          .filter((card) => card.alert)
          .map((card) => (
            <Layout.Section key={`alert-${card.id}`}>
              <Banner tone="critical" title={card.alert!.title} action={{ content: card.alert!.actionLabel, url: card.alert!.actionUrl }}>
                <p>{card.alert!.body}</p>
              </Banner>
            </Layout.Section>
          ))}
        {loop.actionNeededReason ? (
          <Layout.Section>
            <Banner tone="warning" title="Loop is only partly connected" action={{ content: "Open Loop connection", url: "/app/integrations/loop" }}>
              <p>{sentence(loop.actionNeededReason)}</p>
            </Banner>
          </Layout.Section>
        ) : null}
        {checklist.visible ? (
          <Layout.Section>
            <SetupChecklist steps={checklist.steps} doneCount={checklist.doneCount} />
          </Layout.Section>
        ) : null}
        <Layout.Section>
          <BlockStack gap="300">
            <Text as="h2" variant="headingMd">
              Destinations
            </Text>
            <InlineGrid columns={{ xs: 1, md: 2 }} gap="400">
              {cards.map((card) => (
                <IntegrationCard
                  key={card.id}
                  name={card.name}
                  summary={card.summary}
                  logo={card.logo}
                  url={card.url}
                  state={card.state}
                  detail={card.detail}
                  health={card.id === "postscript" ? health.postscript : null}
                />
              ))}
            </InlineGrid>
          </BlockStack>
        </Layout.Section>
        <Layout.Section>
          <BlockStack gap="300">
            <Text as="h2" variant="headingMd">
              Event source
            </Text>
            <InlineGrid columns={{ xs: 1, md: 2 }} gap="400">
              <IntegrationCard
                name="Loop Subscriptions"
                summary="Sends your subscription events (created, paused, upcoming order, payment failed…) to this app."
                logo="/integrations/loop.svg"
                url="/app/integrations/loop"
                state={loop.state}
                detail={loop.detail}
                setUpLabel="Connect Loop"
              />
            </InlineGrid>
          </BlockStack>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
