// Shopify Flow's "Send custom event to Postscript" action (extensions/send-postscript-event).
import type { ActionFunctionArgs } from "@remix-run/node";
import { getDatabase } from "~/db.server";
import { receiveFlowAction } from "~/flow/action.server";
import { authenticate } from "~/shopify.server";

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session, payload } = await authenticate.flow(request);
  const answer = await receiveFlowAction(getDatabase(), session.shop, payload);
  return Response.json({ message: answer.message }, { status: answer.status });
};
