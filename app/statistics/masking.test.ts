import { describe, expect, it } from "vitest";
import { maskEmail, maskedJson, maskPersonalData, maskPhone, maskPortalTokens } from "./masking";

describe("masking phone numbers and emails", () => {
  it("keeps the first letter and the domain of an email", () => {
    expect(maskEmail("ava.thompson@example.com")).toBe("a•••@example.com");
    expect(maskEmail("x@example.com")).toBe("x•••@example.com");
    expect(maskEmail("not-an-email")).toBe("•••");
    // The support console shows the same as the merchant's screens (it used to show "ja•••@e•••.com").
    expect(maskEmail("jane.customer@example.com")).toBe("j•••@example.com");
    expect(maskEmail(null)).toBeNull();
  });

  it("keeps the country code and the last four digits of a phone number", () => {
    expect(maskPhone("+12015550101")).toBe("+1••••••0101");
    expect(maskPhone("+447700900123")).toBe("+44••••••0123");
    expect(maskPhone("+4915200000123")).toBe("+49•••••••0123");
    expect(maskPhone("(201) 555-0101")).toBe("(•••) •••-0101");
    expect(maskPhone("12345")).toBe("•••45");
    // The support console used to show "+1 ••• ••• ••67" and "+44 ••• ••• ••23".
    expect(maskPhone("+15551234567")).toBe("+1••••••4567");
    expect(maskPhone("+447700900123")).toBe("+44••••••0123");
    expect(maskPhone(null)).toBeNull();
  });

  it("masks by key anywhere in a payload, and emails in any text", () => {
    const payload = {
      payload: {
        id: 123,
        customer: { email: "Ava@Example.com", phone: "+12015550101", firstName: "Ava" },
        shippingAddress: { phone: "+1 201 555 0101", zip: "07030" },
        notes: ["call ava@example.com later"],
        smsPhoneNumber: 12015550101,
      },
    };
    expect(maskPersonalData(payload)).toEqual({
      payload: {
        id: 123,
        customer: { email: "A•••@Example.com", phone: "+1••••••0101", firstName: "Ava" },
        shippingAddress: { phone: "+1 ••• ••• 0101", zip: "07030" },
        notes: ["call a•••@example.com later"],
        smsPhoneNumber: "•••••••0101",
      },
    });
  });

  it("formats JSON for display and never returns the raw value", () => {
    expect(maskedJson('{"email":"ava@example.com"}')).toBe('{\n  "email": "a•••@example.com"\n}');
    expect(maskedJson("not json ava@example.com")).toBe("not json a•••@example.com");
    expect(maskedJson(null)).toBeNull();
  });

  it("masks a portal link's session token to its last four characters, anywhere in text, and all of a short one", () => {
    const link = "https://demo-shop.myshopify.com/a/loop_subscriptions/customer/61000001?sessionToken=be82dc59d3494bce41cb30b15cb97ef6154a017c";
    expect(maskPortalTokens(link)).toBe("https://demo-shop.myshopify.com/a/loop_subscriptions/customer/61000001?sessionToken=••••017c");
    expect(maskPortalTokens("see https://x.example/p?a=1&sessionToken=abcdefghijkl&b=2 now")).toBe("see https://x.example/p?a=1&sessionToken=••••ijkl&b=2 now");
    expect(maskPortalTokens("https://x.example/p?SESSIONTOKEN=short")).toBe("https://x.example/p?SESSIONTOKEN=••••");
    expect(maskPersonalData({ properties: { customer_portal_link: link } })).toEqual({
      properties: { customer_portal_link: "https://demo-shop.myshopify.com/a/loop_subscriptions/customer/61000001?sessionToken=••••017c" },
    });
    expect(maskedJson(`not json ${link}`)).toBe("not json https://demo-shop.myshopify.com/a/loop_subscriptions/customer/61000001?sessionToken=••••017c");
  });
});
