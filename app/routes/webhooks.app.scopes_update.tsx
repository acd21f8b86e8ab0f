import type { ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { getDatabase } from "~/db.server";
import { updateScopes } from "~/shopify/installs.server";
import { authenticate } from "~/shopify.server";

const scopesUpdate = z.object({ current: z.array(z.string()) });

export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop, payload } = await authenticate.webhook(request);
  const parsed = scopesUpdate.safeParse(payload);
  if (!parsed.success) return new Response("payload.current must be a list of scopes", { status: 400 });
  await updateScopes(getDatabase(), shop, parsed.data.current);
  return new Response();
};
