// The app's Shopify customer lookups, through the shop's offline session (./admin.server, which renews an
// expired token first): read a customer's account state, email and phone, and generate an account activation
// URL (for customer_activation events). The wire contract is in ./admin-protocol (shared with the local
// stand-in). Results say what happened instead of throwing, so the pipeline can retry what is worth retrying.
import { z } from "zod";
import { CUSTOMER_STATES, customerGid, type CustomerState } from "./admin-protocol";
import { adminGraphql, type AdminCallOptions, type AdminResult } from "./admin.server";

export type { AdminFailureKind, AdminResult } from "./admin.server";

export interface ShopifyCustomer {
  id: string;
  state: CustomerState;
  email: string | null;
  phone: string | null;
  firstName: string | null;
}

const CUSTOMER_QUERY = `query customer($id: ID!) {
  customer(id: $id) { id state email phone firstName }
}`;

const ACTIVATION_MUTATION = `mutation customerGenerateAccountActivationUrl($customerId: ID!) {
  customerGenerateAccountActivationUrl(customerId: $customerId) {
    accountActivationUrl
    userErrors { field message }
  }
}`;

const customerSchema = z.object({
  id: z.string(),
  state: z.enum(CUSTOMER_STATES),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  firstName: z.string().nullable().optional(),
});

export async function fetchCustomer(options: AdminCallOptions, shop: string, customerId: string): Promise<AdminResult<ShopifyCustomer>> {
  const result = await adminGraphql(shop, CUSTOMER_QUERY, { id: customerGid(customerId) }, options);
  if (!result.ok) return result;
  if (result.value.customer === null) return { ok: false, kind: "not_found", message: `Shopify has no customer ${customerId}` };
  const customer = customerSchema.safeParse(result.value.customer);
  if (!customer.success) return { ok: false, kind: "unavailable", message: "Shopify's customer was not in the documented format" };
  return { ok: true, value: { ...customer.data, firstName: customer.data.firstName ?? null } };
}

export async function generateActivationUrl(options: AdminCallOptions, shop: string, customerId: string): Promise<AdminResult<string>> {
  const result = await adminGraphql(shop, ACTIVATION_MUTATION, { customerId: customerGid(customerId) }, options);
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
