import type { ActionFunctionArgs } from "@remix-run/node";
import { forgetConnectionSecrets } from "~/connections/personal-data.server";
import { getDatabase } from "~/db.server";
import { recordUninstall } from "~/shops/shops.server";
import { authenticate } from "~/shopify.server";

// Webhooks can arrive more than once and after the shop is gone; both steps are idempotent. The shop's
// Postscript key, Loop token and webhook secrets go at once: the app no longer acts for this shop.
export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop } = await authenticate.webhook(request);
  const db = getDatabase();
  await recordUninstall(db, shop);
  await forgetConnectionSecrets(db, shop);
  return new Response();
};
