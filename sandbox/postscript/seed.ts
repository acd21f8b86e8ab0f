/**
 * Default seed for the Postscript stand-in. All keys are FAKE and fixed so demos and docs can print them.
 * Shape: `sk_demo_` + 32 hex for shops, `sk_partner_demo_` + 32 hex for the partner (real key formats beyond
 * the `sk_` / `pk_` / `sk_partner_` prefixes are undocumented, see protocol.ts).
 */
import type { SeedData, SeedSubscriber } from "./store";

export const DEMO_SHOP_KEY = "sk_demo_c0ffee1234567890abcdef1234567890";
export const DEMO_SHOP_PUBLIC_KEY = "pk_demo_c0ffee1234567890abcdef1234567890";
export const DEMO_SHOP_ID = "shop_c0ffee00000001";
export const DEMO_SHOP_NAME = "Demo Coffee Co";

export const TEA_SHOP_KEY = "sk_demo_7ea7ea0123456789abcdef0123456789";
export const TEA_SHOP_ID = "shop_7ea7ea00000002";
export const TEA_SHOP_NAME = "Tea Time Supply";

export const VITAMIN_SHOP_KEY = "sk_demo_b17a11170123456789abcdef01234567";
export const VITAMIN_SHOP_ID = "shop_b17a1100000003";
export const VITAMIN_SHOP_NAME = "Vitamin Vault";

export const DEMO_PARTNER_KEY = "sk_partner_demo_0123456789abcdef0123456789abcdef";
export const DEMO_PARTNER_ID = "partner_demo000001";
export const DEMO_PARTNER_NAME = "Loop Bridge Demo";

/** Subscribers of Demo Coffee Co, chosen to cover the lookup edge cases. */
export const DEMO_SUBSCRIBERS = {
  /** email + E.164 phone + Shopify customer. */
  ana: { id: "s_c0ffee0000000001", email: "ana@example.com", phone_number: "+15555550101" },
  /** phone only, stored digits-only (the stored format is undocumented, both appear in docs). */
  ben: { id: "s_c0ffee0000000002", email: null, phone_number: "15555550102" },
  /** email only, no phone. */
  cara: { id: "s_c0ffee0000000003", email: "cara@example.com", phone_number: null },
  /** two subscribers sharing one email: older … */
  dana: { id: "s_c0ffee0000000004", email: "shared@example.com", phone_number: "+15555550104" },
  /** … and newer. */
  dora: { id: "s_c0ffee0000000005", email: "shared@example.com", phone_number: "+15555550105" },
  /** opted out of promotional messages. */
  eve: { id: "s_c0ffee0000000006", email: "eve@example.com", phone_number: "+15555550106" },
} as const;

function teaSubscribers(n: number): SeedSubscriber[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `s_7ea7ea${String(i + 1).padStart(10, "0")}`,
    phone_number: `+1555556${String(i + 1).padStart(4, "0")}`,
    email: i % 3 === 0 ? `tea${i + 1}@example.com` : null,
    shopify_customer_id: 8_000_000_000 + i + 1,
  }));
}

export function defaultSeed(): SeedData {
  const s = DEMO_SUBSCRIBERS;
  return {
    partners: [{ id: DEMO_PARTNER_ID, name: DEMO_PARTNER_NAME, key: DEMO_PARTNER_KEY }],
    shops: [
      {
        id: DEMO_SHOP_ID,
        name: DEMO_SHOP_NAME,
        key: DEMO_SHOP_KEY,
        publicKey: DEMO_SHOP_PUBLIC_KEY,
        subscribers: [
          { ...s.ana, shopify_customer_id: 7_000_000_001, properties: { favourite_roast: "dark" }, tags: ["VIP"] },
          { ...s.ben },
          { ...s.cara },
          { ...s.dana, created_at: "2024-02-01T10:00:00.000Z" },
          { ...s.dora, created_at: "2024-03-01T10:00:00.000Z" },
          { ...s.eve, can_send: { promotional: false, transactional: true } },
        ],
      },
      // 45 subscribers → 3 pages of 20 for paging tests.
      { id: TEA_SHOP_ID, name: TEA_SHOP_NAME, key: TEA_SHOP_KEY, subscribers: teaSubscribers(45) },
      { id: VITAMIN_SHOP_ID, name: VITAMIN_SHOP_NAME, key: VITAMIN_SHOP_KEY, subscribers: [] },
    ],
  };
}
