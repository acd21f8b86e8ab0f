// Shopify Flow's flowTriggerReceive mutation (Admin GraphQL, the shop's offline session): starts the shop's
// workflows that begin with one of the app's trigger extensions, with the payload the extension declares.
import { z } from "zod";
import { adminGraphql, type AdminCallOptions, type AdminResult } from "./admin.server";

const FLOW_TRIGGER_MUTATION = `mutation flowTriggerReceive($handle: String, $payload: JSON) {
  flowTriggerReceive(handle: $handle, payload: $payload) { userErrors { field message } }
}`;

const answerSchema = z.object({ userErrors: z.array(z.object({ message: z.string() })) });

/** Sends one trigger; a payload Shopify refuses comes back as user_error with Shopify's messages. */
export async function receiveFlowTrigger(
  options: AdminCallOptions,
  shop: string,
  handle: string,
  payload: Record<string, unknown>,
): Promise<AdminResult<true>> {
  const result = await adminGraphql(shop, FLOW_TRIGGER_MUTATION, { handle, payload }, options);
  if (!result.ok) return result;
  const answer = answerSchema.safeParse(result.value.flowTriggerReceive);
  if (!answer.success) return { ok: false, kind: "unavailable", message: "Shopify's answer was not in the documented format" };
  if (answer.data.userErrors.length) return { ok: false, kind: "user_error", message: answer.data.userErrors.map((e) => e.message).join("; ").slice(0, 1000) };
  return { ok: true, value: true };
}
