// The rate-budget fingerprint: one per token Postscript counts against, stable, and not the key.
import { describe, expect, it } from "vitest";
import { DEMO_PARTNER_KEY, DEMO_SHOP_KEY, TEA_SHOP_KEY } from "../../sandbox/postscript/seed";
import { postscriptRateKey } from "./rate-key.server";

describe("postscriptRateKey", () => {
  it("is the same for the same key, differs between keys, and holds no part of the key", () => {
    const demo = postscriptRateKey({ apiKey: DEMO_SHOP_KEY });
    expect(demo).toMatch(/^[0-9a-f]{32}$/);
    expect(postscriptRateKey({ apiKey: DEMO_SHOP_KEY })).toBe(demo);
    expect(postscriptRateKey({ apiKey: TEA_SHOP_KEY })).not.toBe(demo);
    for (const part of [DEMO_SHOP_KEY.slice(3, 11), DEMO_SHOP_KEY.slice(-4)]) expect(demo).not.toContain(part);
  });

  it("with a partner key: one budget per partner+shop pair, or one for the partner when so configured", () => {
    const pairDemo = postscriptRateKey({ apiKey: DEMO_SHOP_KEY, partnerKey: DEMO_PARTNER_KEY });
    const pairTea = postscriptRateKey({ apiKey: TEA_SHOP_KEY, partnerKey: DEMO_PARTNER_KEY });
    expect(pairDemo).not.toBe(pairTea);
    expect(pairDemo).not.toBe(postscriptRateKey({ apiKey: DEMO_SHOP_KEY }));
    const partnerDemo = postscriptRateKey({ apiKey: DEMO_SHOP_KEY, partnerKey: DEMO_PARTNER_KEY }, "partner");
    expect(postscriptRateKey({ apiKey: TEA_SHOP_KEY, partnerKey: DEMO_PARTNER_KEY }, "partner")).toBe(partnerDemo);
    expect(postscriptRateKey({ apiKey: DEMO_SHOP_KEY }, "partner")).toBe(postscriptRateKey({ apiKey: DEMO_SHOP_KEY }));
  });
});
