import type { ActionFunctionArgs } from "@remix-run/node";
import { handleShopRedact } from "~/compliance/compliance.server";
import { getDatabase } from "~/db.server";
import { authenticate } from "~/shopify.server";

// Mandatory privacy webhook: authenticate.webhook answers 401 to a bad HMAC, as the App Store requires.
export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop, payload, webhookId } = await authenticate.webhook(request);
  await handleShopRedact({ db: getDatabase(), shop, webhookId, payload });
  return new Response();
};
