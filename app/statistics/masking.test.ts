import { describe, expect, it } from "vitest";
import { maskEmail, maskedJson, maskPersonalData, maskPhone } from "./masking";

describe("masking phone numbers and emails", () => {
  it("keeps the first letter and the domain of an email", () => {
    expect(maskEmail("ava.thompson@example.com")).toBe("a•••@example.com");
    expect(maskEmail("x@example.com")).toBe("x•••@example.com");
    expect(maskEmail("not-an-email")).toBe("•••");
  });

  it("keeps the country code and the last four digits of a phone number", () => {
    expect(maskPhone("+12015550101")).toBe("+1••••••0101");
    expect(maskPhone("+447700900123")).toBe("+44••••••0123");
    expect(maskPhone("+4915200000123")).toBe("+49•••••••0123");
    expect(maskPhone("(201) 555-0101")).toBe("(•••) •••-0101");
    expect(maskPhone("12345")).toBe("•••45");
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
});
