import type { ActionFunctionArgs } from "@remix-run/node";
import { ingestLoopWebhook } from "~/ingest/loop-webhook.server";
import { loopIngestion } from "~/ingest/runtime.server";

// Loop's webhooks for every connected shop (the address each subscription was given is /webhooks/loop?shop=…).
// Authentication is Loop's X-Loop-Signature, checked against the shop's stored signing secrets.
// The production server answers POST /webhooks/loop on a fast path before Remix (app/ingest/http.server.ts)
// with the same code and dependencies; this route serves it wherever Remix sees the request.
export const action = async ({ request }: ActionFunctionArgs) => ingestLoopWebhook(request, loopIngestion());

export const loader = () => new Response(null, { status: 405, headers: { Allow: "POST" } });
