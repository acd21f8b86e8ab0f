import { describe, expect, it } from "vitest";
import { scrapeAuthorized } from "./metrics.server";

describe("scrapeAuthorized", () => {
  const token = "metrics-token-0123456789";

  it("accepts exactly the configured bearer token", () => {
    expect(scrapeAuthorized(`Bearer ${token}`, token)).toBe(true);
    expect(scrapeAuthorized(`bearer ${token}`, token)).toBe(true);
  });

  it("refuses a missing, empty, partial, longer or differently sent token", () => {
    expect(scrapeAuthorized(null, token)).toBe(false);
    expect(scrapeAuthorized("", token)).toBe(false);
    expect(scrapeAuthorized("Bearer ", token)).toBe(false);
    expect(scrapeAuthorized(`Bearer ${token.slice(0, -1)}`, token)).toBe(false);
    expect(scrapeAuthorized(`Bearer ${token}x`, token)).toBe(false);
    expect(scrapeAuthorized(token, token)).toBe(false);
    expect(scrapeAuthorized(`Basic ${Buffer.from(`prometheus:${token}`).toString("base64")}`, token)).toBe(false);
  });
});
