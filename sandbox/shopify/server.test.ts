import { API_KEY, API_SECRET_KEY, getJwt } from "@shopify/shopify-api/test-helpers";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { DEMO_ACCESS_TOKEN, startShopifyAdminStandIn, type ShopifyStandIn } from "./server";

let shopify: ShopifyStandIn;
beforeAll(async () => {
  shopify = await startShopifyAdminStandIn({ port: 0 });
});
afterAll(async () => {
  await shopify.close();
});
afterEach(() => {
  shopify.state.faults.throttle = false;
  shopify.state.faults.failNext = null;
  shopify.state.bucket.available = shopify.state.bucket.maximumAvailable;
  shopify.state.bucket.restoreRate = 100;
});

const CUSTOMER_QUERY = `#graphql
  query CustomerState($id: ID!) {
    customer(id: $id) { id state email phone }
  }`;
const ACTIVATION_MUTATION = `#graphql
  mutation Activate($customerId: ID!) {
    customerGenerateAccountActivationUrl(customerId: $customerId) {
      accountActivationUrl
      userErrors { field message }
    }
  }`;

async function gql(query: string, variables: Record<string, unknown> = {}, token: string | null = DEMO_ACCESS_TOKEN, version = "2025-01") {
  const res = await fetch(shopify.graphqlUrl(version), {
    method: "POST",
    headers: { "Content-Type": "application/json", ...(token !== null ? { "X-Shopify-Access-Token": token } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, json: (await res.json()) as any };
}

const gid = (n: number | string) => `gid://shopify/Customer/${n}`;

function expectCost(json: any, requested: number, actual: number | null) {
  expect(json.extensions.cost).toMatchObject({ requestedQueryCost: requested, actualQueryCost: actual });
  const t = json.extensions.cost.throttleStatus;
  expect(t).toEqual({ maximumAvailable: 2000, currentlyAvailable: expect.any(Number), restoreRate: 100 });
}

const FLOW_TRIGGER = `#graphql
  mutation flowTriggerReceive($handle: String, $payload: JSON) {
    flowTriggerReceive(handle: $handle, payload: $payload) { userErrors { field message } }
  }`;

describe("Shopify Admin GraphQL stand-in", () => {
  it("records flowTriggerReceive calls and refuses, with userErrors, payloads that do not fit the trigger's declared fields", async () => {
    const ok = await gql(FLOW_TRIGGER, { handle: "deliveries-back-to-normal", payload: { events_waiting: 3, settings_url: "https://demo-shop.myshopify.com/admin/apps/x" } });
    expect(ok.json.data.flowTriggerReceive).toEqual({ userErrors: [] });
    const wrong = await gql(FLOW_TRIGGER, { handle: "deliveries-back-to-normal", payload: { events_waiting: "3", colour: "red" } });
    expect(wrong.json.data.flowTriggerReceive.userErrors).toEqual([
      { field: ["payload"], message: "colour is not a field of trigger deliveries-back-to-normal" },
      { field: ["payload"], message: "events_waiting is not a valid number_integer" },
      { field: ["payload"], message: "settings_url is missing" },
    ]);
    const unknown = await gql(FLOW_TRIGGER, { handle: "no-such-trigger", payload: {} });
    expect(unknown.json.data.flowTriggerReceive.userErrors).toEqual([{ field: ["handle"], message: "Could not find a trigger with handle no-such-trigger" }]);
    const recorded = (await (await fetch(`${shopify.url}/__sandbox/flow-triggers`)).json()) as any;
    expect(recorded.calls.map((c: any) => [c.handle, c.userErrors.length])).toEqual([
      ["deliveries-back-to-normal", 0],
      ["deliveries-back-to-normal", 3],
      ["no-such-trigger", 1],
    ]);
    await fetch(`${shopify.url}/__sandbox/flow-triggers`, { method: "DELETE" });
    expect(shopify.state.flowTriggers).toEqual([]);
  });

  it("answers the customer query with state, email and phone, plus extensions.cost", async () => {
    const enabled = await gql(CUSTOMER_QUERY, { id: gid(7400000001) });
    expect(enabled.status).toBe(200);
    expect(enabled.json.data.customer).toEqual({ id: gid(7400000001), state: "ENABLED", email: "ava.thompson@example.com", phone: "+12015550101" });
    expectCost(enabled.json, 1, 1);

    const notActivated = await gql(CUSTOMER_QUERY, { id: gid(7400000012) });
    expect(notActivated.json.data.customer).toMatchObject({ state: "DISABLED", phone: null });
    const invited = await gql(CUSTOMER_QUERY, { id: gid(7400000003) });
    expect(invited.json.data.customer.state).toBe("INVITED");

    const unknown = await gql(CUSTOMER_QUERY, { id: gid(1) });
    expect(unknown.json.data).toEqual({ customer: null });
    expect(unknown.json.errors).toBeUndefined();
  });

  it("returns only the selected fields, honours aliases, literals, nested selections and __typename", async () => {
    const { json } = await gql(`{ c: customer(id: "${gid(7400000006)}") { __typename state defaultPhoneNumber { phoneNumber } defaultEmailAddress { emailAddress } } }`);
    expect(json.data).toEqual({
      c: { __typename: "Customer", state: "ENABLED", defaultPhoneNumber: { phoneNumber: "+447700900456" }, defaultEmailAddress: { emailAddress: "george.patel@example.com" } },
    });
  });

  it("generates an activation URL for a customer whose account is not enabled", async () => {
    const { json } = await gql(ACTIVATION_MUTATION, { customerId: gid(7400000002) });
    const payload = json.data.customerGenerateAccountActivationUrl;
    expect(payload.userErrors).toEqual([]);
    expect(payload.accountActivationUrl).toMatch(/^https:\/\/demo-shop\.myshopify\.com\/account\/activate\/7400000002\/[0-9a-f]{32}-\d+$/);
    expectCost(json, 10, 10);
    expect(shopify.state.activationUrls.at(-1)?.url).toBe(payload.accountActivationUrl);
  });

  it("returns userErrors for an already enabled or unknown customer", async () => {
    const enabled = await gql(ACTIVATION_MUTATION, { customerId: gid(7400000001) });
    expect(enabled.json.data.customerGenerateAccountActivationUrl).toEqual({
      accountActivationUrl: null,
      userErrors: [{ field: ["customerId"], message: "Account already enabled" }],
    });
    const unknown = await gql(ACTIVATION_MUTATION, { customerId: gid(999) });
    expect(unknown.json.data.customerGenerateAccountActivationUrl.userErrors).toEqual([{ field: ["customerId"], message: "Customer does not exist" }]);
  });

  it("answers unknown operations, missing variables and syntax errors with top-level errors", async () => {
    const unknownField = await gql(`{ orders(first: 1) { nodes { id } } }`);
    expect(unknownField.status).toBe(200);
    expect(unknownField.json.data).toBeUndefined();
    expect(unknownField.json.errors[0]).toMatchObject({ message: "Field 'orders' doesn't exist on type 'QueryRoot'", extensions: { code: "undefinedField" } });

    const wrongRoot = await gql(`mutation { customer(id: "${gid(1)}") { id } }`);
    expect(wrongRoot.json.errors[0].message).toBe("Field 'customer' doesn't exist on type 'Mutation'");

    const missingVar = await gql(CUSTOMER_QUERY, {});
    expect(missingVar.json.errors[0].message).toBe("Variable $id of type ID! was provided invalid value");

    const syntax = await gql(`{ customer(id: `);
    expect(syntax.json.errors[0].message).toMatch(/Parse error/);

    const badGid = await gql(CUSTOMER_QUERY, { id: "12345" });
    expect(badGid.json.errors[0].message).toBe("Invalid global id '12345'");
  });

  it("throttled mode returns THROTTLED with cost info; the bucket also throttles when drained", async () => {
    await fetch(`${shopify.url}/__sandbox/faults`, { method: "POST", body: JSON.stringify({ throttle: true }) });
    const throttled = await gql(CUSTOMER_QUERY, { id: gid(7400000001) });
    expect(throttled.status).toBe(200);
    expect(throttled.json.errors).toEqual([{ message: "Throttled", extensions: { code: "THROTTLED", documentation: expect.any(String) } }]);
    expect(throttled.json.data).toBeUndefined();
    expectCost(throttled.json, 1, null);
    expect(throttled.json.extensions.cost.throttleStatus.currentlyAvailable).toBe(0);

    await fetch(`${shopify.url}/__sandbox/faults`, { method: "POST", body: JSON.stringify({ throttle: false, bucket: { currentlyAvailable: 5, restoreRate: 0 } }) });
    // Nothing restores meanwhile (restoreRate 0), however slow the machine.
    const mutation = await gql(ACTIVATION_MUTATION, { customerId: gid(7400000002) }); // costs 10 > 5 available
    expect(mutation.json.errors[0].extensions.code).toBe("THROTTLED");
    const query = await gql(CUSTOMER_QUERY, { id: gid(7400000001) }); // costs 1
    expect(query.json.data.customer.state).toBe("ENABLED");
  });

  it("returns 401 for a wrong or missing access token", async () => {
    for (const token of ["shpat_wrong", null]) {
      const { status, json } = await gql(CUSTOMER_QUERY, { id: gid(7400000001) }, token);
      expect(status).toBe(401);
      expect(json).toEqual({ errors: "[API] Invalid API key or access token (unrecognized login or wrong password)" });
    }
  });

  it("control plane: add customers, inject a 5xx, list requests", async () => {
    const added = await fetch(`${shopify.url}/__sandbox/customers`, {
      method: "POST",
      body: JSON.stringify({ customers: [{ id: 8800000001, state: "INVITED", email: "new@example.com", phone: "+12025550123" }] }),
    });
    expect(added.status).toBe(200);
    const { json } = await gql(CUSTOMER_QUERY, { id: gid(8800000001) });
    expect(json.data.customer).toEqual({ id: gid(8800000001), state: "INVITED", email: "new@example.com", phone: "+12025550123" });
    expect((await fetch(`${shopify.url}/__sandbox/customers`, { method: "POST", body: JSON.stringify({ id: "x", state: "ENABLED" }) })).status).toBe(400);

    await fetch(`${shopify.url}/__sandbox/faults`, { method: "POST", body: JSON.stringify({ failNext: { count: 1, status: 502 } }) });
    expect((await gql(CUSTOMER_QUERY, { id: gid(8800000001) })).status).toBe(502);
    expect((await gql(CUSTOMER_QUERY, { id: gid(8800000001) })).status).toBe(200);

    const log = (await (await fetch(`${shopify.url}/__sandbox/requests`)).json()) as { requests: any[] };
    const last = log.requests.at(-1);
    expect(last).toMatchObject({ apiVersion: "2025-01", authorized: true, operationType: "query", operationName: "CustomerState", rootFields: ["customer"], status: 200 });
    expect(last.variables).toEqual({ id: gid(8800000001) });
  });
});

describe("Shopify stand-in token endpoint (expiring offline tokens)", () => {
  const client = { id: API_KEY, secret: API_SECRET_KEY };
  const shop = "tokens.myshopify.com";
  let standIn: ShopifyStandIn;
  beforeAll(async () => {
    standIn = await startShopifyAdminStandIn({ shopDomain: shop, client, offlineTokenLifetimeS: 60, accessTokens: [] });
  });
  afterAll(() => standIn.close());

  async function token(body: Record<string, string>) {
    const res = await fetch(`${standIn.url}/admin/oauth/access_token`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ client_id: client.id, client_secret: client.secret, ...body }),
    });
    return { status: res.status, json: (await res.json()) as any };
  }
  const refresh = (refreshToken: string) => token({ grant_type: "refresh_token", refresh_token: refreshToken });
  async function exchange(overrides: Record<string, unknown> = {}, secret = client.secret) {
    const { token: sessionToken } = await getJwt("tokens", client.id, secret, overrides);
    return token({
      grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
      subject_token: sessionToken,
      subject_token_type: "urn:ietf:params:oauth:token-type:id_token",
      requested_token_type: "urn:shopify:params:oauth:token-type:offline-access-token",
      expiring: "1",
    });
  }
  async function shopQuery(accessToken: string) {
    const res = await fetch(standIn.graphqlUrl(), {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": accessToken },
      body: JSON.stringify({ query: "{ shop { myshopifyDomain } }" }),
    });
    return { status: res.status, json: (await res.json()) as any };
  }

  it("exchanges a session token for an expiring offline token with a refresh token", async () => {
    const { status, json } = await exchange();
    expect(status).toBe(200);
    expect(json).toEqual({
      access_token: expect.stringMatching(/^shpat_/),
      scope: "read_customers,write_customers",
      expires_in: 60,
      refresh_token: expect.stringMatching(/^shprt_/),
      refresh_token_expires_in: 90 * 86_400,
    });
    expect((await shopQuery(json.access_token)).json.data.shop.myshopifyDomain).toBe(shop);
  });

  it("refuses wrong client credentials, forged or expired session tokens and unknown grants", async () => {
    expect(await token({ grant_type: "refresh_token", refresh_token: "x", client_secret: "wrong" })).toMatchObject({ status: 401, json: { error: "invalid_client" } });
    expect(await exchange({}, "not-the-app-secret")).toMatchObject({ status: 400, json: { error: "invalid_subject_token" } });
    expect(await exchange({ exp: Math.floor(Date.now() / 1000) - 10 })).toMatchObject({ status: 400, json: { error: "invalid_subject_token" } });
    expect(await exchange({ dest: "https://other.myshopify.com" })).toMatchObject({ status: 400, json: { error: "invalid_subject_token" } });
    expect(await token({ grant_type: "password" })).toMatchObject({ status: 400, json: { error: "unsupported_grant_type" } });
  });

  it("rotates refresh tokens: a used one works until its replacement is first used, then it is retired", async () => {
    const first = (await exchange()).json;
    const second = await refresh(first.refresh_token);
    expect(second.status).toBe(200);
    expect(second.json.access_token).not.toBe(first.access_token);
    expect(second.json.refresh_token).not.toBe(first.refresh_token);
    // The answer to the first refresh may have been lost: the same refresh token still works.
    expect((await refresh(first.refresh_token)).status).toBe(200);
    const third = await refresh(second.json.refresh_token);
    expect(third.status).toBe(200);
    expect(await refresh(first.refresh_token)).toEqual({ status: 400, json: { error: "invalid_grant", error_description: "Token has been expired or revoked." } });
    expect((await refresh(third.json.refresh_token)).status).toBe(200);
  });

  it("refuses an expired offline token the way Shopify does, until it is refreshed", async () => {
    const pair = (await exchange()).json;
    await fetch(`${standIn.url}/__sandbox/tokens`, { method: "POST", body: JSON.stringify({ expireAccessTokens: true }) });
    expect(await shopQuery(pair.access_token)).toEqual({ status: 401, json: { errors: "[API] Invalid API key or access token (unrecognized login or wrong password)" } });
    const renewed = (await refresh(pair.refresh_token)).json;
    expect((await shopQuery(renewed.access_token)).status).toBe(200);
  });

  it("expires offline tokens after the configured lifetime", async () => {
    await fetch(`${standIn.url}/__sandbox/tokens`, { method: "POST", body: JSON.stringify({ offlineTokenLifetimeS: 0.2 }) });
    const pair = (await exchange()).json;
    expect(pair.expires_in).toBe(0.2);
    expect((await shopQuery(pair.access_token)).status).toBe(200);
    await vi.waitFor(async () => expect((await shopQuery(pair.access_token)).status).toBe(401));
    await fetch(`${standIn.url}/__sandbox/tokens`, { method: "POST", body: JSON.stringify({ offlineTokenLifetimeS: 60 }) });
  });

  it("revokes refresh tokens, and on uninstall every token at once", async () => {
    const pair = (await exchange()).json;
    await fetch(`${standIn.url}/__sandbox/tokens`, { method: "POST", body: JSON.stringify({ revokeRefreshTokens: true }) });
    expect((await refresh(pair.refresh_token)).json.error).toBe("invalid_grant");
    expect((await shopQuery(pair.access_token)).status).toBe(200);
    await fetch(`${standIn.url}/__sandbox/tokens`, { method: "POST", body: JSON.stringify({ uninstall: true }) });
    expect((await shopQuery(pair.access_token)).status).toBe(401);
    const state = (await (await fetch(`${standIn.url}/__sandbox/tokens`)).json()) as any;
    expect(state.tokenRequests.at(-1)).toMatchObject({ grantType: "refresh_token", status: 400, error: "invalid_grant" });
  });
});
