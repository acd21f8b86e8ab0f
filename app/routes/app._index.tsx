import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { BlockStack, Card, Layout, Page, Text } from "@shopify/polaris";
import { getDatabase } from "~/db.server";
import { findShop } from "~/shops/shops.server";
import { authenticate } from "~/shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const shop = await findShop(getDatabase(), session.shop);
  return { shop: session.shop, installedAt: shop?.installedAt.toISOString() ?? null };
};

export default function Integrations() {
  const { shop, installedAt } = useLoaderData<typeof loader>();
  return (
    <Page title="Integrations">
      <Layout>
        <Layout.Section>
          <Card>
            <BlockStack gap="200">
              <Text as="h2" variant="headingMd">
                {shop}
              </Text>
              <Text as="p" tone="subdued">
                {installedAt ? `App installed ${new Date(installedAt).toLocaleDateString()}` : "App installed"}
              </Text>
            </BlockStack>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
