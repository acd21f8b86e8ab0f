import type { ActionFunctionArgs } from "@remix-run/node";
import { getConfig } from "~/config/env.server";
import { loopWebhookSecrets } from "~/connections/loop.server";
import { getDatabase } from "~/db.server";
import { ingestLoopWebhook } from "~/ingest/loop-webhook.server";

// Loop's webhooks for every connected shop (the address each subscription was given is /webhooks/loop?shop=…).
// Authentication is Loop's X-Loop-Signature, checked against the shop's stored signing secrets.
export const action = async ({ request }: ActionFunctionArgs) => {
  const config = getConfig();
  const db = getDatabase();
  return ingestLoopWebhook(request, {
    db,
    secretsFor: (shop, topic) => loopWebhookSecrets(db, shop, topic),
    maxBodyBytes: config.LOOP_WEBHOOK_MAX_BODY_BYTES,
    signatureEncodings: config.LOOP_SIGNATURE_ENCODINGS,
  });
};

export const loader = () => new Response(null, { status: 405, headers: { Allow: "POST" } });
