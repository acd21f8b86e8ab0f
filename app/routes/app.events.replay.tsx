// Replays failed events: one (from its detail page) or every failed event of a period (from the overview).
// A replayed event goes through the normal pipeline again (order, pace, staleness). Scoped by the session's shop.
import type { ActionFunctionArgs } from "@remix-run/node";
import { getDatabase } from "~/db.server";
import { replayRequest } from "~/delivery/replay-request.server";
import { authenticate } from "~/shopify.server";

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return replayRequest(getDatabase(), session.shop, await request.formData());
};
