import type { LoaderFunctionArgs } from "@remix-run/node";
import { authenticate } from "~/shopify.server";

// /auth/* belongs to @shopify/shopify-app-remix (session-token bounce page, exit-iframe, login redirects).
export const loader = async ({ request }: LoaderFunctionArgs) => {
  await authenticate.admin(request);
  return null;
};
