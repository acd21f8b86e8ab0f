import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
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

describe("Shopify Admin GraphQL stand-in", () => {
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

    await fetch(`${shopify.url}/__sandbox/faults`, { method: "POST", body: JSON.stringify({ throttle: false, bucket: { currentlyAvailable: 5 } }) });
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
