// The embedded app's provider: Polaris with Remix links, plus the App Bridge script. It does what
// `AppProvider` from @shopify/shopify-app-remix/react does; that module imports its JSON with an import
// attribute (`with { type: "json" }`) that the Remix classic compiler's esbuild (0.17) cannot parse, so the
// client bundle would not build. Keep it in step with the library's component when upgrading.
import { Link, useNavigate } from "@remix-run/react";
import { AppProvider as PolarisAppProvider, type AppProviderProps as PolarisProps } from "@shopify/polaris";
import type { LinkLikeComponentProps } from "@shopify/polaris/build/ts/src/utilities/link";
import englishI18n from "@shopify/polaris/locales/en.json";
import { forwardRef, useEffect, type ReactNode } from "react";

const SHOPIFY_APP_BRIDGE_URL = "https://cdn.shopify.com/shopifycloud/app-bridge.js";

const RemixPolarisLink = forwardRef<HTMLAnchorElement, LinkLikeComponentProps>(function RemixPolarisLink(
  { url, ...props },
  ref,
) {
  return <Link {...props} to={url} ref={ref} />;
});

interface Props extends Omit<PolarisProps, "linkComponent" | "i18n"> {
  apiKey: string;
  /** Defaults to Shopify's CDN; the development shim replaces it (APP_BRIDGE_URL). */
  appBridgeUrl?: string;
  children: ReactNode;
}

export function AppProvider({ apiKey, appBridgeUrl = SHOPIFY_APP_BRIDGE_URL, children, ...polarisProps }: Props) {
  const navigate = useNavigate();
  useEffect(() => {
    // App Bridge announces clicks in the admin's navigation menu with this event.
    const handleNavigate = (event: Event) => {
      const href = (event.target as Element | null)?.getAttribute("href");
      if (href) navigate(href);
    };
    addEventListener("shopify:navigate", handleNavigate);
    return () => removeEventListener("shopify:navigate", handleNavigate);
  }, [navigate]);

  return (
    <>
      <script src={appBridgeUrl} data-api-key={apiKey} />
      <PolarisAppProvider {...polarisProps} linkComponent={RemixPolarisLink} i18n={englishI18n}>
        {children}
      </PolarisAppProvider>
    </>
  );
}
