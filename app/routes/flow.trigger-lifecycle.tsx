// Shopify Flow's trigger lifecycle callback (extensions/flow-trigger-usage): signed like a Flow action request.
import type { ActionFunctionArgs } from "@remix-run/node";
import { getDatabase } from "~/db.server";
import { recordTriggerUsage } from "~/flow/usage.server";
import { authenticate } from "~/shopify.server";

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session, payload } = await authenticate.flow(request);
  const answer = await recordTriggerUsage(getDatabase(), session.shop, payload);
  return Response.json({ message: answer.message }, { status: answer.status });
};
