import { describe, expect, it } from "vitest";
import { isSecretFieldName, redactCredentials } from "./redaction";

const UUID = "3f2b8c1e-9a4d-4e6f-8b2a-1c3d5e7f9a0b";

describe("redactCredentials", () => {
  it.each([
    ["Postscript private key", "key sk_live_abcdef123456 refused", "key [redacted] refused"],
    ["Postscript partner key", "partner sk_partner_A1b2C3d4E5 failed", "partner [redacted] failed"],
    ["publishable key", "pk_test_abcdef1 here", "[redacted] here"],
    ["restricted key", "rk_live_abcdef1", "[redacted]"],
    ["webhook signing secret", "secret whsec_abcdef123", "secret [redacted]"],
    ["Shopify admin token", "token shpat_0123456789abcdef", "token [redacted]"],
    ["Shopify shared secret", "shpss_0123456789abcdef.", "[redacted]."],
    ["Shopify custom-app token", "shpca_0123456789", "[redacted]"],
    ["Shopify private-app password", "shppa_0123456789", "[redacted]"],
    ["bearer value", "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig", "Authorization: [redacted]"],
    ["bearer in lower case", "authorization: bearer abcdefgh12345", "authorization: [redacted]"],
    ["long opaque token", `token=${"Ab9_".repeat(10)} end`, "token=[redacted] end"],
  ])("cuts out a %s", (_name, text, expected) => {
    expect(redactCredentials(text)).toBe(expected);
  });

  it.each([
    "HTTP 400: subscriber not found",
    "shop a.myshopify.com, event 12345, order #1001",
    "sku_12345678 and task_abcdefgh are not keys",
    "Bearer short",
    "sk_abc is too short to be a key",
  ])("leaves ordinary text alone: %s", (text) => {
    expect(redactCredentials(text)).toBe(text);
  });

  it("treats a UUID as an opaque token for support staff, but keeps it (and file paths) in logs", () => {
    expect(redactCredentials(`event ${UUID}`)).toBe("event [redacted]");
    const logged = `event ${UUID} at /srv/app/build/server/delivery/worker_server_index:12`;
    expect(redactCredentials(logged, { opaqueTokens: false })).toBe(logged);
    expect(redactCredentials("Bearer abcdefgh12345 sk_live_abcdef1", { opaqueTokens: false })).toBe("[redacted] [redacted]");
  });

  it("passes null through", () => {
    expect(redactCredentials(null)).toBeNull();
    expect(redactCredentials(undefined)).toBeNull();
  });
});

describe("isSecretFieldName", () => {
  it.each(["apiKey", "api_key", "signingSecret", "accessToken", "password", "Authorization", "privateKey", "x-loop-signature", "cookie", "hmac"])(
    "%s is a secret field",
    (name) => expect(isSecretFieldName(name)).toBe(true),
  );
  it.each(["shop", "status", "skip", "eventId", "keyVersion"])("%s is not", (name) => expect(isSecretFieldName(name)).toBe(false));
});
