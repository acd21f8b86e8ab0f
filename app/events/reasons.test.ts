import { describe, expect, it } from "vitest";
import { LOG_REASON_CODES, REASON_CODES, reasonInfo, reasonTitle } from "./reasons";

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
