// The app's only Shopify Admin API calls, through the shop's offline session: read a customer's account
// state, email and phone, and generate an account activation URL (for customer_activation events). The wire
// contract is in ./admin-protocol (shared with the local stand-in). Like the other clients, results say what
// happened instead of throwing, so the pipeline can retry what is worth retrying.
import { z } from "zod";
import { getConfig } from "~/config/env.server";
import type { Database } from "~/db.server";
import { apiVersion } from "~/shopify.server";
import { ACCESS_TOKEN_HEADER, CUSTOMER_STATES, customerGid, graphqlPath, type CustomerState } from "./admin-protocol";

export interface ShopifyCustomer {
  id: string;
  state: CustomerState;
  email: string | null;
  phone: string | null;
  firstName: string | null;
}

export type AdminFailureKind = "not_found" | "throttled" | "unauthorized" | "unavailable" | "user_error";
export type AdminResult<T> = { ok: true; value: T } | { ok: false; kind: AdminFailureKind; message: string; retryAfterMs?: number };

const CUSTOMER_QUERY = `query customer($id: ID!) {
  customer(id: $id) { id state email phone firstName }
}`;

const ACTIVATION_MUTATION = `mutation customerGenerateAccountActivationUrl($customerId: ID!) {
  customerGenerateAccountActivationUrl(customerId: $customerId) {
    accountActivationUrl
    userErrors { field message }
  }
}`;

const costSchema = z
  .object({
    requestedQueryCost: z.number(),
    throttleStatus: z.object({ currentlyAvailable: z.number(), restoreRate: z.number() }),
  })
  .partial()
  .passthrough();

const responseSchema = z.object({
  data: z.record(z.unknown()).nullable().optional(),
  errors: z.union([z.array(z.object({ message: z.string(), extensions: z.object({ code: z.string() }).partial().passthrough().optional() })), z.string()]).optional(),
  extensions: z.object({ cost: costSchema.optional() }).passthrough().optional(),
});

const customerSchema = z.object({
  id: z.string(),
  state: z.enum(CUSTOMER_STATES),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  firstName: z.string().nullable().optional(),
});

export interface AdminClientOptions {
  db: Database;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

async function offlineToken(db: Database, shop: string): Promise<string | null> {
  const session = await db.session.findUnique({ where: { id: `offline_${shop}` }, select: { accessToken: true } });
  return session?.accessToken ?? null;
}

function adminOrigin(shop: string): string {
  // Development and tests point the app at the local stand-in; production always talks to the shop itself.
  return getConfig().SHOPIFY_ADMIN_API_ORIGIN ?? `https://${shop}`;
}

async function graphql(
  options: AdminClientOptions,
  shop: string,
  query: string,
  variables: Record<string, unknown>,
): Promise<AdminResult<Record<string, unknown>>> {
  const token = await offlineToken(options.db, shop);
  if (!token) return { ok: false, kind: "unauthorized", message: "The shop has no offline session (the app is not installed)" };
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(`${adminOrigin(shop)}${graphqlPath(apiVersion)}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", [ACCESS_TOKEN_HEADER]: token },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
  } catch (error) {
    return { ok: false, kind: "unavailable", message: `Shopify could not be reached (${(error as Error).name})` };
  }
  if (response.status === 401 || response.status === 403) {
    return { ok: false, kind: "unauthorized", message: `Shopify refused the shop's access token (${response.status})` };
  }
  if (response.status === 429 || response.status >= 500) {
    return { ok: false, kind: "unavailable", message: `Shopify answered ${response.status}`, retryAfterMs: 2_000 };
  }
  const parsed = responseSchema.safeParse(await response.json().catch(() => null));
  if (!parsed.success) return { ok: false, kind: "unavailable", message: "Shopify's answer was not in the documented format" };
  const { data, errors, extensions } = parsed.data;
  if (Array.isArray(errors) && errors.some((e) => e.extensions?.code === "THROTTLED")) {
    // Leaky bucket: wait until enough points have come back for this query.
    const cost = extensions?.cost;
    const missing = (cost?.requestedQueryCost ?? 10) - (cost?.throttleStatus?.currentlyAvailable ?? 0);
    const rate = cost?.throttleStatus?.restoreRate ?? 50;
    return { ok: false, kind: "throttled", message: "Shopify throttled the request", retryAfterMs: Math.max(1_000, Math.ceil((missing / rate) * 1000)) };
  }
  if (errors) {
    const message = typeof errors === "string" ? errors : errors.map((e) => e.message).join("; ");
    return { ok: false, kind: "user_error", message };
  }
  return { ok: true, value: data ?? {} };
}

export async function fetchCustomer(options: AdminClientOptions, shop: string, customerId: string): Promise<AdminResult<ShopifyCustomer>> {
  const result = await graphql(options, shop, CUSTOMER_QUERY, { id: customerGid(customerId) });
  if (!result.ok) return result;
  if (result.value.customer === null) return { ok: false, kind: "not_found", message: `Shopify has no customer ${customerId}` };
  const customer = customerSchema.safeParse(result.value.customer);
  if (!customer.success) return { ok: false, kind: "unavailable", message: "Shopify's customer was not in the documented format" };
  return { ok: true, value: { ...customer.data, firstName: customer.data.firstName ?? null } };
}

export async function generateActivationUrl(options: AdminClientOptions, shop: string, customerId: string): Promise<AdminResult<string>> {
  const result = await graphql(options, shop, ACTIVATION_MUTATION, { customerId: customerGid(customerId) });
  if (!result.ok) return result;
  const payload = z
    .object({ accountActivationUrl: z.string().nullable(), userErrors: z.array(z.object({ message: z.string() })) })
    .safeParse(result.value.customerGenerateAccountActivationUrl);
  if (!payload.success) return { ok: false, kind: "unavailable", message: "Shopify's answer was not in the documented format" };
  if (payload.data.userErrors.length || !payload.data.accountActivationUrl) {
    return { ok: false, kind: "user_error", message: payload.data.userErrors.map((e) => e.message).join("; ") || "No activation URL" };
  }
  return { ok: true, value: payload.data.accountActivationUrl };
}
