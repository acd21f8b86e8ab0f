// Polaris for the support console: its own AppProvider (no App Bridge: the console is not embedded in
// Shopify admin), with Remix links for client-side navigation.
import { Link } from "@remix-run/react";
import { AppProvider } from "@shopify/polaris";
import type { LinkLikeComponentProps } from "@shopify/polaris/build/ts/src/utilities/link";
import englishI18n from "@shopify/polaris/locales/en.json";
import { forwardRef, type ReactNode } from "react";

const RemixPolarisLink = forwardRef<HTMLAnchorElement, LinkLikeComponentProps>(function RemixPolarisLink({ url, external, ...props }, ref) {
  if (external || /^https?:/.test(url)) return <a {...props} href={url} ref={ref} rel="noreferrer" />;
  return <Link {...props} to={url} ref={ref} />;
});

export function SupportProvider({ children }: { children: ReactNode }) {
  return (
    <AppProvider i18n={englishI18n} linkComponent={RemixPolarisLink}>
      {children}
    </AppProvider>
  );
}
