// Shopify Admin GraphQL stand-in: a loopback server answering POST /admin/api/<version>/graphql.json for the
// operations the app needs — `customer(id:)`, `customerGenerateAccountActivationUrl(customerId:)`, `shop` and
// `flowTriggerReceive(handle:, payload:)` (payloads checked against the app's extensions/) — with
// Admin-API-shaped responses (extensions.cost, userErrors, top-level errors, THROTTLED, 401), and the token
// endpoint POST /admin/oauth/access_token (token exchange, refresh of expiring offline tokens).
// Development/test tool only; not part of the production app. Wire details live in app/shopify/admin-protocol.ts.
import { randomBytes, randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { PERSONAS } from "../loop/personas";
import { loadFlowExtensions, triggerPayloadProblems, type FlowExtension } from "./flow-extensions";
import { GraphQLSyntaxError, parseDocument, resolveValue, type Field, type Operation } from "./graphql";
import { parseTokenRequest, TokenStore, type OAuthClient } from "./oauth";
import {
  ACCESS_TOKEN_HEADER,
  ACCESS_TOKEN_PATH,
  CUSTOMER_STATES,
  DEFAULT_API_VERSION,
  DEFAULT_BUCKET,
  FIELD_COSTS,
  GRAPHQL_PATH_RE,
  INVALID_TOKEN_BODY,
  SANDBOX_PATHS,
  THROTTLED_ERROR,
  USER_ERRORS,
  activationUrl,
  customerGid,
  graphqlPath,
  parseCustomerGid,
  type CostExtension,
  type CustomerState,
} from "../../app/shopify/admin-protocol";

export const DEMO_SHOP = "demo-shop.myshopify.com";
/** Fake offline access token accepted by default (not a secret). */
export const DEMO_ACCESS_TOKEN = "shpat_sandbox_demo_0123456789abcdef";

export interface ShopifyCustomer {
  /** gid://shopify/Customer/<n> */
  id: string;
  state: CustomerState;
  email: string | null;
  phone: string | null;
  firstName: string | null;
  lastName: string | null;
  createdAt: string;
  updatedAt: string;
  numberOfOrders: number;
  tags: string[];
  emailMarketingState: "SUBSCRIBED" | "NOT_SUBSCRIBED" | "UNSUBSCRIBED";
  smsMarketingState: "SUBSCRIBED" | "NOT_SUBSCRIBED" | "UNSUBSCRIBED";
}

/** Input for seeding/adding customers: id may be a gid or the numeric id; missing fields get defaults. */
export type CustomerInput = Partial<Omit<ShopifyCustomer, "id">> & { id?: string | number };

const SEED_TIME = "2024-03-01T10:00:00Z";

/** Seed customers: the Loop personas (same Shopify ids, so a Loop demo event finds its customer here) plus one SMS-only customer. */
export const SEED_CUSTOMERS: CustomerInput[] = [
  ...PERSONAS.map((p, i) => ({
    id: p.shopifyCustomerId,
    state: p.shopifyState,
    email: p.email,
    phone: p.shopifyPhone,
    firstName: p.firstName,
    lastName: p.lastName,
    numberOfOrders: 1 + (i % 7),
    tags: ["loop-subscriber"],
    smsMarketingState: p.shopifyPhone ? ("SUBSCRIBED" as const) : ("NOT_SUBSCRIBED" as const),
  })),
  { id: 7400000099, state: "DISABLED", email: null, phone: "+12025550199", firstName: "Riley", lastName: "Brooks", numberOfOrders: 0, tags: [], smsMarketingState: "SUBSCRIBED" },
];

export interface RequestLog {
  at: string;
  apiVersion: string | null;
  authorized: boolean;
  operationType: string | null;
  operationName: string | null;
  rootFields: string[];
  variables: Record<string, unknown>;
  status: number;
  throttled: boolean;
  errors: string[];
}

export interface ShopifyStandInState {
  shopDomain: string;
  customers: Map<string, ShopifyCustomer>;
  /** Access and refresh tokens, and the token endpoint's request log. */
  oauth: TokenStore;
  acceptAnyToken: boolean;
  ianaTimezone: string;
  faults: { throttle: boolean; failNext: { count: number; status: number } | null; latencyMs: number };
  bucket: { maximumAvailable: number; restoreRate: number; available: number; updatedAtMs: number };
  requests: RequestLog[];
  activationUrls: Array<{ customerId: string; url: string; at: string }>;
  /** Every flowTriggerReceive call: the handle, the payload and the userErrors Shopify would answer (none: accepted). */
  flowTriggers: FlowTriggerCall[];
}

export interface FlowTriggerCall {
  at: string;
  handle: string | null;
  payload: unknown;
  userErrors: Array<{ field: string[]; message: string }>;
}

export interface ShopifyStandInOptions {
  port?: number;
  host?: string;
  shopDomain?: string;
  /** Replace the seed customers (default SEED_CUSTOMERS). */
  customers?: CustomerInput[];
  /** Non-expiring offline tokens accepted from the start (default: the demo token). */
  accessTokens?: string[];
  /** Accept any non-empty token (handy when the app's session token is not known in advance). */
  acceptAnyToken?: boolean;
  /** The app's client id and secret: the token endpoint then checks them, and session tokens' signatures. */
  client?: OAuthClient;
  /** Lifetime of expiring offline tokens (default 3600 s, as Shopify's), and of refresh tokens (90 days). */
  offlineTokenLifetimeS?: number;
  refreshTokenLifetimeS?: number;
  /** The shop's time zone (`shop { ianaTimezone }`), default America/New_York. */
  ianaTimezone?: string;
  bucket?: Partial<{ maximumAvailable: number; restoreRate: number }>;
  /** The app's Flow trigger extensions (default: read from extensions/), against which flowTriggerReceive checks payloads. */
  flowExtensions?: FlowExtension[];
  log?: (line: string) => void;
}

export interface ShopifyStandIn {
  url: string;
  port: number;
  state: ShopifyStandInState;
  /** Full Admin GraphQL URL for a version, e.g. graphqlUrl("2025-01"). */
  graphqlUrl(version?: string): string;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------
// Schema subset: which fields exist on which type (for validation and projection)
// ---------------------------------------------------------------------------------------------------------

interface FieldDef {
  /** Object type name, or null for scalars / enums / lists of scalars. */
  type: string | null;
  args?: Record<string, { type: string; required: boolean }>;
}

const SCHEMA: Record<string, Record<string, FieldDef>> = {
  QueryRoot: {
    customer: { type: "Customer", args: { id: { type: "ID!", required: true } } },
    shop: { type: "Shop" },
  },
  Mutation: {
    customerGenerateAccountActivationUrl: {
      type: "CustomerGenerateAccountActivationUrlPayload",
      args: { customerId: { type: "ID!", required: true } },
    },
    flowTriggerReceive: {
      type: "FlowTriggerReceivePayload",
      args: { handle: { type: "String", required: false }, payload: { type: "JSON", required: false }, body: { type: "String", required: false } },
    },
  },
  FlowTriggerReceivePayload: { userErrors: { type: "UserError" } },
  Customer: {
    id: { type: null }, state: { type: null }, email: { type: null }, phone: { type: null }, firstName: { type: null },
    lastName: { type: null }, displayName: { type: null }, verifiedEmail: { type: null }, createdAt: { type: null },
    updatedAt: { type: null }, tags: { type: null }, note: { type: null }, numberOfOrders: { type: null },
    defaultEmailAddress: { type: "CustomerEmailAddress" }, defaultPhoneNumber: { type: "CustomerPhoneNumber" },
  },
  CustomerEmailAddress: { emailAddress: { type: null }, marketingState: { type: null } },
  CustomerPhoneNumber: { phoneNumber: { type: null }, marketingState: { type: null } },
  CustomerGenerateAccountActivationUrlPayload: { accountActivationUrl: { type: null }, userErrors: { type: "UserError" } },
  UserError: { field: { type: null }, message: { type: null } },
  Shop: {
    id: { type: null }, name: { type: null }, myshopifyDomain: { type: null }, email: { type: null }, currencyCode: { type: null },
    ianaTimezone: { type: null },
  },
};

interface GqlError {
  message: string;
  locations?: Array<{ line: number; column: number }>;
  path?: Array<string | number>;
  extensions?: Record<string, unknown>;
}

function validate(op: Operation, variables: Record<string, unknown>): GqlError[] {
  const errors: GqlError[] = [];
  const declared = new Set(op.variables.map((v) => v.name));
  for (const v of op.variables) {
    if (v.type.endsWith("!") && (variables[v.name] === undefined || variables[v.name] === null) && !v.defaultValue) {
      errors.push({
        message: `Variable $${v.name} of type ${v.type} was provided invalid value`,
        extensions: { value: variables[v.name] ?? null, problems: [{ path: [], explanation: "Expected value to not be null" }] },
      });
    }
  }
  const walk = (typeName: string, fields: Field[], path: Array<string | number>) => {
    for (const f of fields) {
      const fieldPath = [...path, f.alias ?? f.name];
      const loc = [{ line: f.line, column: f.column }];
      if (f.name === "__typename") continue;
      const def = SCHEMA[typeName]?.[f.name];
      if (!def) {
        errors.push({
          message: `Field '${f.name}' doesn't exist on type '${typeName}'`,
          locations: loc,
          path: fieldPath,
          extensions: { code: "undefinedField", typeName, fieldName: f.name },
        });
        continue;
      }
      for (const [argName, argDef] of Object.entries(def.args ?? {})) {
        if (argDef.required && !(argName in f.args)) {
          errors.push({
            message: `Field '${f.name}' is missing required arguments: ${argName}`,
            locations: loc,
            path: fieldPath,
            extensions: { code: "missingRequiredArguments", className: "Field", name: f.name, arguments: argName },
          });
        }
      }
      for (const [argName, value] of Object.entries(f.args)) {
        if (!def.args?.[argName]) {
          errors.push({
            message: `Field '${f.name}' doesn't accept argument '${argName}'`,
            locations: loc,
            path: [...fieldPath, argName],
            extensions: { code: "argumentNotAccepted", name: f.name, typeName: "Field", argumentName: argName },
          });
        } else if (value.kind === "variable" && !declared.has(value.name)) {
          errors.push({
            message: `Variable $${value.name} is used by ${op.name ?? "anonymous " + op.type} but not declared`,
            locations: loc,
            path: [...fieldPath, argName],
            extensions: { code: "variableNotDefined", variableName: value.name },
          });
        }
      }
      if (def.type && !f.selections) {
        errors.push({
          message: `Field must have selections (field '${f.name}' returns ${def.type} but has no selections. Did you mean '${f.name} { ... }'?)`,
          locations: loc,
          path: fieldPath,
          extensions: { code: "selectionMismatch", nodeName: `field '${f.name}'`, typeName: def.type },
        });
      } else if (!def.type && f.selections) {
        errors.push({
          message: `Selections can't be made on scalars (field '${f.name}' returns a scalar but has selections [${f.selections.map((s) => s.name).join(", ")}])`,
          locations: loc,
          path: fieldPath,
          extensions: { code: "selectionMismatch", nodeName: `field '${f.name}'` },
        });
      } else if (def.type && f.selections) {
        walk(def.type, f.selections, fieldPath);
      }
    }
  };
  const root = op.type === "query" ? "QueryRoot" : op.type === "mutation" ? "Mutation" : "Subscription";
  if (op.type === "subscription") {
    errors.push({ message: "Subscriptions are not supported by the Admin API stand-in", extensions: { code: "undefinedOperation" } });
  } else walk(root, op.selections, [op.type]);
  return errors;
}

/** Keep only the selected fields (with aliases and __typename). */
function project(value: unknown, typeName: string, selections: Field[] | null): unknown {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map((v) => project(v, typeName, selections));
  if (!selections) return value;
  const obj = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const f of selections) {
    const key = f.alias ?? f.name;
    if (f.name === "__typename") out[key] = typeName;
    else out[key] = project(obj[f.name], SCHEMA[typeName]?.[f.name]?.type ?? "", f.selections);
  }
  return out;
}

function customerObject(c: ShopifyCustomer): Record<string, unknown> {
  const displayName = [c.firstName, c.lastName].filter(Boolean).join(" ") || c.email || c.phone || "";
  return {
    id: c.id,
    state: c.state,
    email: c.email,
    phone: c.phone,
    firstName: c.firstName,
    lastName: c.lastName,
    displayName,
    verifiedEmail: c.state === "ENABLED",
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    tags: c.tags,
    note: null,
    numberOfOrders: String(c.numberOfOrders), // UnsignedInt64 is serialized as a string
    defaultEmailAddress: c.email ? { emailAddress: c.email, marketingState: c.emailMarketingState } : null,
    defaultPhoneNumber: c.phone ? { phoneNumber: c.phone, marketingState: c.smsMarketingState } : null,
  };
}

function normalizeCustomer(input: CustomerInput, fallbackId: () => string): ShopifyCustomer {
  const numeric = input.id === undefined ? fallbackId() : parseCustomerGid(String(input.id)) ?? (/^\d+$/.test(String(input.id)) ? String(input.id) : null);
  if (!numeric) throw new Error(`invalid customer id ${JSON.stringify(input.id)} (use a number or gid://shopify/Customer/<n>)`);
  const state = input.state ?? "DISABLED";
  if (!CUSTOMER_STATES.includes(state)) throw new Error(`invalid state ${JSON.stringify(state)}; one of ${CUSTOMER_STATES.join(", ")}`);
  return {
    id: customerGid(numeric),
    state,
    email: input.email ?? null,
    phone: input.phone ?? null,
    firstName: input.firstName ?? null,
    lastName: input.lastName ?? null,
    createdAt: input.createdAt ?? SEED_TIME,
    updatedAt: input.updatedAt ?? input.createdAt ?? SEED_TIME,
    numberOfOrders: input.numberOfOrders ?? 0,
    tags: input.tags ?? [],
    emailMarketingState: input.emailMarketingState ?? "NOT_SUBSCRIBED",
    smsMarketingState: input.smsMarketingState ?? "NOT_SUBSCRIBED",
  };
}

// ---------------------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------------------

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readBody(req: http.IncomingMessage, limit = 1_000_000): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, "body too large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Content-Length": String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

export async function startShopifyAdminStandIn(opts: ShopifyStandInOptions = {}): Promise<ShopifyStandIn> {
  const log = opts.log ?? (() => {});
  const bucketMax = opts.bucket?.maximumAvailable ?? DEFAULT_BUCKET.maximumAvailable;
  const state: ShopifyStandInState = {
    shopDomain: opts.shopDomain ?? DEMO_SHOP,
    customers: new Map(),
    oauth: new TokenStore({
      shopDomain: opts.shopDomain ?? DEMO_SHOP,
      scope: "read_customers,write_customers",
      client: opts.client,
      staticTokens: opts.accessTokens ?? [DEMO_ACCESS_TOKEN],
      offlineTokenLifetimeS: opts.offlineTokenLifetimeS,
      refreshTokenLifetimeS: opts.refreshTokenLifetimeS,
    }),
    acceptAnyToken: opts.acceptAnyToken ?? false,
    ianaTimezone: opts.ianaTimezone ?? "America/New_York",
    faults: { throttle: false, failNext: null, latencyMs: 0 },
    bucket: { maximumAvailable: bucketMax, restoreRate: opts.bucket?.restoreRate ?? DEFAULT_BUCKET.restoreRate, available: bucketMax, updatedAtMs: Date.now() },
    requests: [],
    activationUrls: [],
    flowTriggers: [],
  };
  const triggers = new Map((opts.flowExtensions ?? loadFlowExtensions()).filter((e) => e.type === "flow_trigger").map((e) => [e.handle, e]));
  /** As Shopify answers a trigger call: a userError for an unknown handle, a payload over 50 kB or one that does not fit the trigger's fields. */
  const receiveFlowTrigger = (handle: unknown, payload: unknown): FlowTriggerCall => {
    const call: FlowTriggerCall = { at: new Date().toISOString(), handle: typeof handle === "string" ? handle : null, payload, userErrors: [] };
    const trigger = typeof handle === "string" ? triggers.get(handle) : undefined;
    if (!trigger) call.userErrors.push({ field: ["handle"], message: `Could not find a trigger with handle ${String(handle)}` });
    else if (Buffer.byteLength(JSON.stringify(payload ?? null)) > 50_000) call.userErrors.push({ field: ["payload"], message: "Payload exceeds the 50 KB limit" });
    else for (const problem of triggerPayloadProblems(trigger, payload)) call.userErrors.push({ field: ["payload"], message: problem });
    state.flowTriggers.push(call);
    return call;
  };
  let nextCustomerId = 7500000001;
  const fallbackId = () => String(nextCustomerId++);
  const addCustomer = (input: CustomerInput): ShopifyCustomer => {
    const c = normalizeCustomer(input, fallbackId);
    state.customers.set(parseCustomerGid(c.id) as string, c);
    return c;
  };
  for (const c of opts.customers ?? SEED_CUSTOMERS) addCustomer(c);

  const refill = () => {
    const now = Date.now();
    const b = state.bucket;
    b.available = Math.min(b.maximumAvailable, b.available + ((now - b.updatedAtMs) / 1000) * b.restoreRate);
    b.updatedAtMs = now;
  };
  const throttleStatus = () => ({
    maximumAvailable: state.bucket.maximumAvailable,
    currentlyAvailable: Math.floor(state.bucket.available),
    restoreRate: state.bucket.restoreRate,
  });

  function tokenSummary() {
    const now = Date.now();
    const { oauth } = state;
    return {
      acceptAnyToken: state.acceptAnyToken,
      offlineTokenLifetimeS: oauth.offlineTokenLifetimeS,
      refreshTokenLifetimeS: oauth.refreshTokenLifetimeS,
      accessTokens: [...oauth.access].map(([token, t]) => ({ token, expiresAt: t.expiresAtMs === null ? null : new Date(t.expiresAtMs).toISOString(), valid: t.expiresAtMs === null || t.expiresAtMs > now })),
      refreshTokens: [...oauth.refresh].map(([token, t]) => ({ token, expiresAt: new Date(t.expiresAtMs).toISOString(), retired: t.retired })),
      tokenRequests: oauth.requests,
    };
  }

  async function handleTokenEndpoint(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (req.method !== "POST") return sendJson(res, 405, { errors: "Method Not Allowed" });
    const params = parseTokenRequest(await readBody(req), req.headers["content-type"] ?? "");
    const result = state.oauth.handle(params);
    log(`[shopify] token ${params.grant_type ?? "?"} → ${result.status}`);
    return sendJson(res, result.status, result.body);
  }

  function tokenOk(token: string | undefined): boolean {
    if (!token) return false;
    return state.acceptAnyToken || state.oauth.accepts(token);
  }

  /** Execute one validated operation. */
  function execute(op: Operation, variables: Record<string, unknown>): { data: Record<string, unknown> | null; errors: GqlError[] } {
    const data: Record<string, unknown> = {};
    const errors: GqlError[] = [];
    for (const f of op.selections) {
      const key = f.alias ?? f.name;
      if (f.name === "__typename") {
        data[key] = op.type === "query" ? "QueryRoot" : "Mutation";
        continue;
      }
      if (f.name === "shop") {
        data[key] = project({ id: "gid://shopify/Shop/1", name: "Demo Shop", myshopifyDomain: state.shopDomain, email: "owner@example.com", currencyCode: "USD", ianaTimezone: state.ianaTimezone }, "Shop", f.selections);
        continue;
      }
      if (f.name === "flowTriggerReceive") {
        const call = receiveFlowTrigger(resolveValue(f.args.handle ?? { kind: "null" }, variables), resolveValue(f.args.payload ?? { kind: "null" }, variables));
        data[key] = project({ userErrors: call.userErrors }, "FlowTriggerReceivePayload", f.selections);
        continue;
      }
      const argName = f.name === "customer" ? "id" : "customerId";
      const raw = resolveValue(f.args[argName], variables);
      const numeric = parseCustomerGid(raw);
      if (numeric === null) {
        errors.push({
          message: `Invalid global id '${String(raw)}'`,
          locations: [{ line: f.line, column: f.column }],
          path: [op.type, key, argName],
          extensions: { code: "argumentLiteralsIncompatible", typeName: "CoercionError" },
        });
        data[key] = null;
        continue;
      }
      const customer = state.customers.get(numeric) ?? null;
      if (f.name === "customer") {
        data[key] = customer ? project(customerObject(customer), "Customer", f.selections) : null;
        continue;
      }
      // customerGenerateAccountActivationUrl
      let payload: Record<string, unknown>;
      if (!customer) payload = { accountActivationUrl: null, userErrors: [USER_ERRORS.customerNotFound] };
      else if (customer.state === "ENABLED") payload = { accountActivationUrl: null, userErrors: [USER_ERRORS.alreadyEnabled] };
      else {
        const url = activationUrl(state.shopDomain, numeric, randomBytes(16).toString("hex"), Math.floor(Date.now() / 1000));
        state.activationUrls.push({ customerId: customer.id, url, at: new Date().toISOString() });
        payload = { accountActivationUrl: url, userErrors: [] };
      }
      data[key] = project(payload, "CustomerGenerateAccountActivationUrlPayload", f.selections);
    }
    return { data: errors.length > 0 && Object.values(data).every((v) => v === null) ? null : data, errors };
  }

  async function handleGraphql(req: http.IncomingMessage, res: http.ServerResponse, apiVersion: string): Promise<void> {
    const entry: RequestLog = {
      at: new Date().toISOString(),
      apiVersion,
      authorized: false,
      operationType: null,
      operationName: null,
      rootFields: [],
      variables: {},
      status: 200,
      throttled: false,
      errors: [],
    };
    state.requests.push(entry);
    if (state.requests.length > 2_000) state.requests.splice(0, state.requests.length - 2_000);
    const headers = { "X-Request-Id": randomUUID(), "X-Shopify-API-Version": apiVersion };
    const reply = (status: number, body: unknown) => {
      entry.status = status;
      sendJson(res, status, body, headers);
    };

    if (state.faults.latencyMs > 0) await new Promise((r) => setTimeout(r, state.faults.latencyMs));
    if (req.method !== "POST") return reply(405, { errors: "Method Not Allowed" });
    const token = req.headers[ACCESS_TOKEN_HEADER];
    if (!tokenOk(typeof token === "string" ? token : undefined)) {
      entry.errors.push("invalid token");
      return reply(401, INVALID_TOKEN_BODY);
    }
    entry.authorized = true;
    if (state.faults.failNext && state.faults.failNext.count > 0) {
      const status = state.faults.failNext.status;
      if (--state.faults.failNext.count <= 0) state.faults.failNext = null;
      entry.errors.push(`injected ${status}`);
      return reply(status, { errors: status === 503 ? "Service Unavailable" : "Internal Server Error" });
    }

    const text = await readBody(req);
    let query: unknown;
    let variables: Record<string, unknown> = {};
    let operationName: string | undefined;
    if ((req.headers["content-type"] ?? "").includes("application/graphql")) query = text;
    else {
      try {
        const body = JSON.parse(text) as Record<string, unknown>;
        query = body.query;
        if (body.variables && typeof body.variables === "object") variables = body.variables as Record<string, unknown>;
        if (typeof body.operationName === "string") operationName = body.operationName;
      } catch {
        query = undefined;
      }
    }
    entry.variables = variables;
    if (typeof query !== "string" || query.trim() === "") {
      entry.errors.push("missing query");
      return reply(400, { errors: { query: "Required parameter missing or invalid" } });
    }

    let op: Operation;
    try {
      const ops = parseDocument(query);
      const chosen = operationName ? ops.find((o) => o.name === operationName) : ops.length === 1 ? ops[0] : undefined;
      if (!chosen) {
        const message = operationName ? `No operation named "${operationName}"` : "An operation name is required";
        entry.errors.push(message);
        return reply(200, { errors: [{ message }] });
      }
      op = chosen;
    } catch (e) {
      if (!(e instanceof GraphQLSyntaxError)) throw e;
      entry.errors.push(e.message);
      return reply(200, { errors: [{ message: e.message, locations: [{ line: e.line, column: e.column }] }] });
    }
    entry.operationType = op.type;
    entry.operationName = op.name ?? null;
    entry.rootFields = op.selections.map((f) => f.name);

    const validationErrors = validate(op, variables);
    if (validationErrors.length > 0) {
      entry.errors.push(...validationErrors.map((e) => e.message));
      return reply(200, { errors: validationErrors });
    }

    const requested = op.selections.reduce((s, f) => s + (FIELD_COSTS[f.name] ?? (f.name === "__typename" ? 0 : 1)), 0);
    refill();
    if (state.faults.throttle || requested > state.bucket.available) {
      entry.throttled = true;
      entry.errors.push("Throttled");
      const cost: CostExtension = {
        requestedQueryCost: requested,
        actualQueryCost: null,
        throttleStatus: state.faults.throttle ? { ...throttleStatus(), currentlyAvailable: 0 } : throttleStatus(),
      };
      return reply(200, { errors: [THROTTLED_ERROR], extensions: { cost } });
    }
    const { data, errors } = execute(op, variables);
    state.bucket.available -= requested;
    const cost: CostExtension = { requestedQueryCost: requested, actualQueryCost: requested, throttleStatus: throttleStatus() };
    entry.errors.push(...errors.map((e) => e.message));
    log(`[shopify] ${op.type} ${entry.rootFields.join(",")} ${JSON.stringify(variables)} → ${errors.length ? "errors" : "ok"}`);
    return reply(200, { ...(errors.length ? { errors } : {}), data, extensions: { cost } });
  }

  async function handleSandbox(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? "GET";
    const path = url.pathname;
    const readJson = async (): Promise<unknown> => {
      const text = (await readBody(req)).trim();
      if (!text) return {};
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new HttpError(400, "body must be JSON");
      }
    };

    if (path === SANDBOX_PATHS.customers) {
      if (method === "POST") {
        const body = await readJson();
        const list: unknown[] = Array.isArray(body) ? body : Array.isArray((body as { customers?: unknown }).customers) ? (body as { customers: unknown[] }).customers : [body];
        try {
          const added = list.map((c) => addCustomer(c as CustomerInput));
          return sendJson(res, 200, { customers: added });
        } catch (e) {
          throw new HttpError(400, (e as Error).message);
        }
      }
      if (method === "GET") return sendJson(res, 200, { customers: [...state.customers.values()] });
    }
    if (path === SANDBOX_PATHS.faults) {
      if (method === "POST") {
        const body = (await readJson()) as Record<string, unknown>;
        if (typeof body.throttle === "boolean") state.faults.throttle = body.throttle;
        if (typeof body.latencyMs === "number") state.faults.latencyMs = Math.max(0, body.latencyMs);
        if (body.failNext === null) state.faults.failNext = null;
        else if (body.failNext && typeof body.failNext === "object") {
          const f = body.failNext as Record<string, unknown>;
          state.faults.failNext = { count: Number(f.count ?? 1), status: Number(f.status ?? 500) };
        }
        const bucket = body.bucket as Record<string, unknown> | undefined;
        if (bucket && typeof bucket === "object") {
          refill();
          if (typeof bucket.maximumAvailable === "number") state.bucket.maximumAvailable = bucket.maximumAvailable;
          if (typeof bucket.restoreRate === "number") state.bucket.restoreRate = bucket.restoreRate;
          if (typeof bucket.currentlyAvailable === "number") state.bucket.available = bucket.currentlyAvailable;
          state.bucket.available = Math.min(state.bucket.available, state.bucket.maximumAvailable);
        }
      }
      if (method === "POST" || method === "GET") {
        refill();
        return sendJson(res, 200, { faults: state.faults, throttleStatus: throttleStatus() });
      }
    }
    if (path === SANDBOX_PATHS.flowTriggers) {
      if (method === "GET") return sendJson(res, 200, { calls: state.flowTriggers });
      if (method === "DELETE") {
        state.flowTriggers.length = 0;
        return sendJson(res, 200, { cleared: true });
      }
    }
    if (path === SANDBOX_PATHS.requests) {
      if (method === "GET") return sendJson(res, 200, { requests: state.requests });
      if (method === "DELETE") {
        state.requests.length = 0;
        return sendJson(res, 200, { cleared: true });
      }
    }
    if (path === SANDBOX_PATHS.tokens && (method === "POST" || method === "GET")) {
      const body = method === "POST" ? ((await readJson()) as Record<string, unknown>) : {};
      const oauth = state.oauth;
      if (typeof body.token === "string" && body.token) oauth.addStatic(body.token);
      if (typeof body.acceptAnyToken === "boolean") state.acceptAnyToken = body.acceptAnyToken;
      if (typeof body.offlineTokenLifetimeS === "number" && body.offlineTokenLifetimeS > 0) oauth.offlineTokenLifetimeS = body.offlineTokenLifetimeS;
      if (typeof body.refreshTokenLifetimeS === "number" && body.refreshTokenLifetimeS > 0) oauth.refreshTokenLifetimeS = body.refreshTokenLifetimeS;
      if (body.expireAccessTokens === true) oauth.expireAccessTokens();
      if (body.revokeRefreshTokens === true) oauth.revokeRefreshTokens();
      if (body.uninstall === true) oauth.revokeAll();
      return sendJson(res, 200, tokenSummary());
    }
    if (path === SANDBOX_PATHS.shop && (method === "POST" || method === "GET")) {
      const body = method === "POST" ? ((await readJson()) as Record<string, unknown>) : {};
      if (typeof body.ianaTimezone === "string" && body.ianaTimezone) state.ianaTimezone = body.ianaTimezone;
      return sendJson(res, 200, { shopDomain: state.shopDomain, ianaTimezone: state.ianaTimezone });
    }
    if (path === SANDBOX_PATHS.state && method === "GET") {
      refill();
      return sendJson(res, 200, {
        shopDomain: state.shopDomain,
        ianaTimezone: state.ianaTimezone,
        customers: [...state.customers.values()],
        ...tokenSummary(),
        faults: state.faults,
        throttleStatus: throttleStatus(),
        activationUrls: state.activationUrls,
        requests: state.requests.length,
      });
    }
    throw new HttpError(404, `no sandbox route ${method} ${path}`);
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const run = async () => {
      const m = GRAPHQL_PATH_RE.exec(url.pathname);
      if (m) return handleGraphql(req, res, m[1]);
      if (url.pathname === ACCESS_TOKEN_PATH) return handleTokenEndpoint(req, res);
      if (url.pathname.startsWith("/__sandbox/")) return handleSandbox(req, res, url);
      if (url.pathname === "/" && req.method === "GET") {
        return sendJson(res, 200, {
          service: "Shopify Admin GraphQL stand-in (sandbox; not Shopify)",
          graphql: "/admin/api/<version>/graphql.json",
          tokenEndpoint: ACCESS_TOKEN_PATH,
          tokenHeader: "X-Shopify-Access-Token",
          demo: { shopDomain: state.shopDomain, accessToken: DEMO_ACCESS_TOKEN },
          sandbox: SANDBOX_PATHS,
        });
      }
      return sendJson(res, 404, { errors: "Not Found" });
    };
    run().catch((e: unknown) => {
      if (res.headersSent) return res.end();
      sendJson(res, e instanceof HttpError ? e.status : 500, { error: (e as Error).message });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = !opts.host || opts.host === "0.0.0.0" || opts.host === "::" ? "127.0.0.1" : opts.host;
  const base = `http://${host}:${port}`;
  return {
    url: base,
    port,
    state,
    graphqlUrl: (version = DEFAULT_API_VERSION) => base + graphqlPath(version),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
