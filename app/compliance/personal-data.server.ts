// The privacy webhooks (customers/data_request, customers/redact, shop/redact) must act on every piece of
// data this app holds. Each feature that stores shop or customer data describes it as a PersonalDataOwner
// and is added to the list in owners.server.ts, so no feature can be forgotten.
import type { Database } from "~/db.server";

export interface CustomerRef {
  /** Shopify customer id (numeric, as in the webhook payload). */
  id?: string;
  email?: string;
  phone?: string;
}

export interface PersonalDataOwner {
  /** Shown in the compliance record, e.g. "sessions and shop record". */
  name: string;
  /** What this feature holds about the customer, for the merchant to hand over. */
  exportCustomer(db: Database, shop: string, customer: CustomerRef): Promise<unknown[]>;
  /** Deletes or anonymises what this feature holds about the customer; returns how many records changed. */
  redactCustomer(db: Database, shop: string, customer: CustomerRef): Promise<number>;
  /** Deletes everything this feature holds for the shop; returns how many records were removed. */
  redactShop(db: Database, shop: string): Promise<number>;
}
