import type { ActionFunctionArgs } from "@remix-run/node";
import { getDatabase } from "~/db.server";
import { recordUninstall } from "~/shops/shops.server";
import { authenticate } from "~/shopify.server";

// Webhooks can arrive more than once and after the shop is gone; recordUninstall is idempotent.
export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop } = await authenticate.webhook(request);
  await recordUninstall(getDatabase(), shop);
  return new Response();
};
