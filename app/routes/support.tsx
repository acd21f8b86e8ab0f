// The support console's shell (/support/*): Polaris with its own provider and styles, outside Shopify admin.
// Every page below checks the staff session itself (app/support/auth.server.ts); this layout loads nothing.
import type { LinksFunction, MetaFunction } from "@remix-run/node";
import { isRouteErrorResponse, Outlet, useRouteError } from "@remix-run/react";
import { Banner, BlockStack, Button, Page, Text } from "@shopify/polaris";
import polarisStyles from "@shopify/polaris/build/esm/styles.css";
import { SupportFrame } from "~/components/support/SupportFrame";
import { SupportProvider } from "~/components/support/SupportProvider";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: polarisStyles }];

export const meta: MetaFunction = () => [{ title: "Support console · Loop → Postscript" }, { name: "robots", content: "noindex, nofollow" }];

export default function SupportLayout() {
  return (
    <SupportProvider>
      <Outlet />
    </SupportProvider>
  );
}

export function ErrorBoundary() {
  const error = useRouteError();
  const status = isRouteErrorResponse(error) ? error.status : 500;
  const data = isRouteErrorResponse(error) ? (error.data as { message?: unknown } | string | null) : null;
  const message =
    data && typeof data === "object" && typeof data.message === "string"
      ? data.message
      : status === 404
        ? "There is nothing here."
        : status === 403
          ? "You may not do this."
          : "Something went wrong. Try again; if it keeps happening, tell the engineering team.";
  const title = status === 404 ? "Not found" : status === 403 ? "Not allowed" : "Error";
  return (
    <SupportProvider>
      <SupportFrame staff={null}>
        <Page title={title} narrowWidth>
          <BlockStack gap="400">
            <Banner tone={status >= 500 ? "critical" : "warning"}>
              <Text as="p">{message}</Text>
            </Banner>
            <div>
              <Button url="/support/shops">Back to the shops</Button>
            </div>
          </BlockStack>
        </Page>
      </SupportFrame>
    </SupportProvider>
  );
}
