// Fixed customer personas shared by the Loop payload generator and the Shopify Admin stand-in
// (sandbox/shopify/server.ts seeds its customers from this list), so an end-to-end demo lines up: a Loop event
// for a persona finds the same customer (same Shopify id) in the Shopify stand-in.
//
// Variety on purpose: five currencies; customers with a phone on the Loop customer, only on the shipping
// address, only in Shopify (a Loop customer's phone is seen only in third-party client code — the app needs a
// fallback lookup), or nowhere; Shopify account states ENABLED / DISABLED / INVITED / DECLINED (customer_activation
// has no Loop topic and is derived from the account state). Phone numbers are from fictional/drama ranges; e-mails use example.com.

export type Currency = "USD" | "CAD" | "GBP" | "EUR" | "AUD";
export type ShopifyCustomerState = "DISABLED" | "INVITED" | "ENABLED" | "DECLINED";

export interface Persona {
  key: string;
  /** Loop's own customer id (payload.customer.id). */
  loopCustomerId: number;
  /** Shopify customer id (payload.customer.shopifyId; gid://shopify/Customer/<id> in the Admin API). */
  shopifyCustomerId: number;
  firstName: string;
  lastName: string;
  email: string;
  /** customer.phone in Loop payloads (null = Loop has none). */
  phone: string | null;
  /** shippingAddress.phone in Loop payloads. */
  shippingPhone: string | null;
  currency: Currency;
  address: { address1: string; address2: string | null; city: string; zip: string; provinceCode: string | null; countryCode: string };
  /** Customer account state in Shopify (Admin GraphQL Customer.state). */
  shopifyState: ShopifyCustomerState;
  /** Customer.phone in Shopify — may differ from what Loop sends. */
  shopifyPhone: string | null;
}

export const PERSONAS: readonly Persona[] = [
  {
    key: "ava", loopCustomerId: 61000001, shopifyCustomerId: 7400000001, firstName: "Ava", lastName: "Thompson",
    email: "ava.thompson@example.com", phone: "+12015550101", shippingPhone: "+12015550101", currency: "USD",
    address: { address1: "120 Orchard St", address2: "Apt 4B", city: "New York", zip: "10002", provinceCode: "NY", countryCode: "US" },
    shopifyState: "ENABLED", shopifyPhone: "+12015550101",
  },
  {
    key: "liam", loopCustomerId: 61000002, shopifyCustomerId: 7400000002, firstName: "Liam", lastName: "Garcia",
    email: "liam.garcia@example.com", phone: null, shippingPhone: "+13125550142", currency: "USD",
    address: { address1: "845 W Madison St", address2: null, city: "Chicago", zip: "60607", provinceCode: "IL", countryCode: "US" },
    shopifyState: "DISABLED", shopifyPhone: "+13125550142",
  },
  {
    key: "olivia", loopCustomerId: 61000003, shopifyCustomerId: 7400000003, firstName: "Olivia", lastName: "Chen",
    email: "olivia.chen@example.com", phone: "+14165550123", shippingPhone: null, currency: "CAD",
    address: { address1: "88 Blue Jays Way", address2: "Unit 1203", city: "Toronto", zip: "M5V 2G3", provinceCode: "ON", countryCode: "CA" },
    shopifyState: "INVITED", shopifyPhone: "+14165550123",
  },
  {
    key: "noah", loopCustomerId: 61000004, shopifyCustomerId: 7400000004, firstName: "Noah", lastName: "Martin",
    email: "noah.martin@example.com", phone: null, shippingPhone: null, currency: "CAD",
    address: { address1: "555 Seymour St", address2: null, city: "Vancouver", zip: "V6B 3H6", provinceCode: "BC", countryCode: "CA" },
    shopifyState: "ENABLED", shopifyPhone: null,
  },
  {
    key: "amelia", loopCustomerId: 61000005, shopifyCustomerId: 7400000005, firstName: "Amelia", lastName: "Hughes",
    email: "amelia.hughes@example.com", phone: "+447700900123", shippingPhone: "+447700900123", currency: "GBP",
    address: { address1: "21 Old Street", address2: null, city: "London", zip: "EC1V 9HX", provinceCode: null, countryCode: "GB" },
    shopifyState: "DISABLED", shopifyPhone: "+447700900123",
  },
  {
    key: "george", loopCustomerId: 61000006, shopifyCustomerId: 7400000006, firstName: "George", lastName: "Patel",
    email: "george.patel@example.com", phone: null, shippingPhone: null, currency: "GBP",
    address: { address1: "3 Deansgate", address2: "Flat 12", city: "Manchester", zip: "M3 1AZ", provinceCode: null, countryCode: "GB" },
    shopifyState: "ENABLED", shopifyPhone: "+447700900456",
  },
  {
    key: "sophie", loopCustomerId: 61000007, shopifyCustomerId: 7400000007, firstName: "Sophie", lastName: "Müller",
    email: "sophie.mueller@example.com", phone: "+4915200000123", shippingPhone: "+4915200000123", currency: "EUR",
    address: { address1: "Torstraße 109", address2: null, city: "Berlin", zip: "10119", provinceCode: null, countryCode: "DE" },
    shopifyState: "ENABLED", shopifyPhone: "+4915200000123",
  },
  {
    key: "lucas", loopCustomerId: 61000008, shopifyCustomerId: 7400000008, firstName: "Lucas", lastName: "Dubois",
    email: "lucas.dubois@example.com", phone: null, shippingPhone: null, currency: "EUR",
    address: { address1: "14 Rue Oberkampf", address2: null, city: "Paris", zip: "75011", provinceCode: null, countryCode: "FR" },
    shopifyState: "DECLINED", shopifyPhone: null,
  },
  {
    key: "chloe", loopCustomerId: 61000009, shopifyCustomerId: 7400000009, firstName: "Chloe", lastName: "Wilson",
    email: "chloe.wilson@example.com", phone: "+61491570156", shippingPhone: "+61491570156", currency: "AUD",
    address: { address1: "200 George St", address2: "Level 5", city: "Sydney", zip: "2000", provinceCode: "NSW", countryCode: "AU" },
    shopifyState: "DISABLED", shopifyPhone: "+61491570156",
  },
  {
    key: "jack", loopCustomerId: 61000010, shopifyCustomerId: 7400000010, firstName: "Jack", lastName: "Nguyen",
    email: "jack.nguyen@example.com", phone: "+61491570110", shippingPhone: null, currency: "AUD",
    address: { address1: "71 Collins St", address2: null, city: "Melbourne", zip: "3000", provinceCode: "VIC", countryCode: "AU" },
    shopifyState: "INVITED", shopifyPhone: null,
  },
  {
    key: "emma", loopCustomerId: 61000011, shopifyCustomerId: 7400000011, firstName: "Emma", lastName: "Johnson",
    email: "emma.johnson@example.com", phone: "+15055550177", shippingPhone: "+15055550177", currency: "USD",
    address: { address1: "400 Central Ave SW", address2: null, city: "Albuquerque", zip: "87102", provinceCode: "NM", countryCode: "US" },
    shopifyState: "ENABLED", shopifyPhone: "+15055550177",
  },
  {
    key: "mason", loopCustomerId: 61000012, shopifyCustomerId: 7400000012, firstName: "Mason", lastName: "Lee",
    email: "mason.lee@example.com", phone: null, shippingPhone: null, currency: "USD",
    address: { address1: "1 Ferry Building", address2: "Suite 50", city: "San Francisco", zip: "94111", provinceCode: "CA", countryCode: "US" },
    shopifyState: "DISABLED", shopifyPhone: null,
  },
];

export function personaByKey(key: string): Persona | undefined {
  return PERSONAS.find((p) => p.key === key);
}
