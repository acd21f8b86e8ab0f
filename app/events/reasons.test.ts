import { describe, expect, it } from "vitest";
import { attemptFailureTitle, inPlainWords, LOG_REASON_CODES, REASON_CODES, reasonInfo, reasonTitle } from "./reasons";

describe("the catalogue of reasons", () => {
  it("describes every code the pipeline records to both the merchant and support", () => {
    for (const code of REASON_CODES) {
      expect(reasonInfo(code).meaning, code).not.toBe("An error this version of the app does not describe yet.");
      expect(reasonTitle(code, "support"), code).not.toBe(code);
    }
    expect(reasonTitle("held_by_support", "merchant")).toBe("Held by support");
    expect(reasonTitle("held_by_support", "support")).toBe("Deliveries held by support");
  });

  it("names a code it does not know readably, and offers the merchant's filter only reasons that end an event", () => {
    expect(reasonTitle("brand_new_reason", "merchant")).toBe("brand new reason");
    expect(reasonTitle("brand_new_reason", "support")).toBe("brand_new_reason");
    expect(LOG_REASON_CODES).not.toContain("held_by_support");
    expect(LOG_REASON_CODES).toHaveLength(REASON_CODES.length - 1);
  });
});

describe("free text in the merchant's words", () => {
  it("says the services' HTTP status codes in words and leaves out network error codes", () => {
    expect(inPlainWords("Gave up after 9 attempts: Postscript answered 503")).toBe("Gave up after 9 attempts: Postscript had a problem on its side");
    expect(inPlainWords("Postscript answered 401 Unauthorized")).toBe("Postscript refused the access key");
    expect(inPlainWords("Loop answered 429")).toBe("Loop asked the app to slow down");
    expect(inPlainWords("Postscript answered 422")).toBe("Postscript refused the request");
    expect(inPlainWords("Shopify refused the shop's access token (401)")).toBe("Shopify refused the shop's access token");
    expect(inPlainWords("Postscript could not be reached (ECONNREFUSED)")).toBe("Postscript could not be reached");
    // Postscript's own words and the ids in them stay as they were.
    expect(inPlainWords("phone: value is not a valid phone number (AB)")).toBe("phone: value is not a valid phone number (AB)");
    expect(inPlainWords("order 4012 was processed")).toBe("order 4012 was processed");
  });

  it("names each failed attempt's class", () => {
    expect(attemptFailureTitle("timeout")).toBe("Postscript did not answer in time");
    expect(attemptFailureTitle("unavailable")).toBe("Postscript had a problem or could not be reached");
    expect(attemptFailureTitle("something_new")).toBe("something new");
  });
});
