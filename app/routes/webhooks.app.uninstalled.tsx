import type { ActionFunctionArgs } from "@remix-run/node";
import { forgetConnectionSecrets } from "~/connections/personal-data.server";
import { getDatabase } from "~/db.server";
import { recordUninstall } from "~/shopify/installs.server";
import { authenticate } from "~/shopify.server";

// Webhooks can arrive more than once and after the shop is gone; every step is idempotent. The shop's
// Postscript key, Loop token and webhook secrets go at once: the app no longer acts for this shop. The app's
// webhooks at Loop are removed later by a background job written in the same transaction (a dozen requests to
// Loop may take longer than the 5 s Shopify waits, and the job outlives a restart).
export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop } = await authenticate.webhook(request);
  const db = getDatabase();
  await recordUninstall(db, shop);
  await forgetConnectionSecrets(db, shop);
  return new Response();
};
