import type { HeadersFunction, LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import { Link, Outlet, useLoaderData, useRouteError } from "@remix-run/react";
import { NavMenu } from "@shopify/app-bridge-react";
import polarisStyles from "@shopify/polaris/build/esm/styles.css";
import { boundary } from "@shopify/shopify-app-remix/server";
import { AppProvider } from "~/components/AppProvider";
import { getConfig } from "~/config/env.server";
import { authenticate } from "~/shopify.server";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: polarisStyles }];

export const loader = async ({ request }: LoaderFunctionArgs) => {
  await authenticate.admin(request);
  const config = getConfig();
  return {
    apiKey: config.SHOPIFY_API_KEY,
    // Normally unset (Shopify's CDN); the demo points it at the development shim (server/dev-shim.ts).
    appBridgeUrl: config.APP_BRIDGE_URL,
  };
};

export default function App() {
  const { apiKey, appBridgeUrl } = useLoaderData<typeof loader>();
  return (
    <AppProvider apiKey={apiKey} appBridgeUrl={appBridgeUrl}>
      <NavMenu>
        <Link to="/app" rel="home">
          Integrations
        </Link>
        <Link to="/app/events">Event log</Link>
      </NavMenu>
      {/* The page's main landmark: the admin's own navigation is outside this frame. */}
      <main>
        <Outlet />
      </main>
    </AppProvider>
  );
}

// Shopify needs Remix to catch thrown responses (App Bridge redirects) so that headers are included.
export function ErrorBoundary() {
  return boundary.error(useRouteError());
}

export const headers: HeadersFunction = (headersArgs) => boundary.headers(headersArgs);
