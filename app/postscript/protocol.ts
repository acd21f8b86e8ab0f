/**
 * Postscript wire contract, as far as it is known, kept in ONE place. docs/protocols.md (Postscript) says what
 * each rule rests on: "documented" (Postscript's docs or code it maintains), "observed" (third-party
 * integrations) or "assumed" (nothing public says it). Where an assumption matters to a client, the stand-in
 * makes it configurable (see `ContractOptions`).
 *
 * This module has no I/O: validation functions return either a value or a list of v2-style errors, so they
 * can be unit-tested without a server. Both sides of the wire use it: the app's client (app/postscript) and
 * the local stand-in (sandbox/postscript), so they cannot drift apart.
 */

// ---------------------------------------------------------------------------------------------------------
// Paths
// ---------------------------------------------------------------------------------------------------------

// Documented: https://api.postscript.io, v2 paths under /api/v2/<resource>.
export const API_PREFIX = "/api/v2";
export const PATHS = {
  // "Verify Identity"; Postscript's own Segment destination uses it to test a key.
  me: "/api/v2/me",
  // Create custom event.
  events: "/api/v2/events",
  // List/lookup, get, update.
  subscribers: "/api/v2/subscribers",
} as const;
export const SUBSCRIBER_PATH_RE = /^\/api\/v2\/subscribers\/([^/]+)$/;

// Control API of the stand-in (not part of Postscript).
export const CONTROL_PREFIX = "/__sandbox";

// ---------------------------------------------------------------------------------------------------------
// Keys and authentication
// ---------------------------------------------------------------------------------------------------------

// Documented: shops use `Authorization: Bearer sk_…` (the PRIVATE key); the public `pk_` key does not
// authenticate. Partners: `Authorization: Bearer sk_partner_…` + `X-Postscript-Shop-Token: <shop sk_…>`.
// Legacy `Authorization: Basic base64("<private key>:")` "is still supported".
// Assumed: the exact key length/charset is undocumented (the docs' example is `sk_1234567890abc`). The stand-in
// GENERATES `sk_` + 32 hex chars (and `pk_` + the same 32 hex as the public counterpart), but ACCEPTS any
// known key matching the loose patterns below, so seeded keys like `sk_demo_<32 hex>` work.
export const SHOP_TOKEN_HEADER = "x-postscript-shop-token";
export const PRIVATE_KEY_RE = /^sk_[A-Za-z0-9_]+$/;
export const PUBLIC_KEY_RE = /^pk_[A-Za-z0-9_]+$/;
export const PARTNER_KEY_PREFIX = "sk_partner_";
export const GENERATED_KEY_HEX_LENGTH = 32;

export function isPartnerKey(token: string): boolean {
  return token.startsWith(PARTNER_KEY_PREFIX);
}

export type ParsedAuthorization =
  | { ok: true; scheme: "bearer" | "basic"; token: string }
  | { ok: false; reason: "missing" | "malformed" };

/** Parses the Authorization header (Bearer or legacy Basic with empty password). */
export function parseAuthorization(header: string | undefined): ParsedAuthorization {
  if (header === undefined || header.trim() === "") return { ok: false, reason: "missing" };
  const m = /^(\S+)\s+(\S+)\s*$/.exec(header.trim());
  if (!m) return { ok: false, reason: "malformed" };
  const scheme = m[1].toLowerCase();
  const value = m[2];
  if (scheme === "bearer") return { ok: true, scheme: "bearer", token: value };
  if (scheme === "basic") {
    // Documented: Basic base64("<private key>:") with an EMPTY password.
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return { ok: false, reason: "malformed" };
    const decoded = Buffer.from(value, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon <= 0) return { ok: false, reason: "malformed" };
    // Assumed: a non-empty password is treated as malformed (the docs only describe the empty-password form).
    if (decoded.slice(colon + 1) !== "") return { ok: false, reason: "malformed" };
    return { ok: true, scheme: "basic", token: decoded.slice(0, colon) };
  }
  return { ok: false, reason: "malformed" };
}

/** Masks a secret to its last 4 characters: we never want keys in logs. */
export function maskSecret(value: string): string {
  return value.length <= 4 ? "****" : `****${value.slice(-4)}`;
}

/** Masks an Authorization header value, keeping the scheme word (e.g. `Bearer ****1a2b`). */
export function maskAuthorization(value: string): string {
  const m = /^(\S+)\s+(.+)$/.exec(value.trim());
  return m ? `${m[1]} ${maskSecret(m[2])}` : maskSecret(value);
}

// ---------------------------------------------------------------------------------------------------------
// Error bodies
// ---------------------------------------------------------------------------------------------------------

/** One entry of the v2 error list (docs/protocols.md, Postscript errors): `{"errors":[{"ctx":{},"log":["…"],"msg":"…","type":"…"}]}`;
 * `loc` comes from the v2 access-denied shape `{"errors":[{"loc":[],"msg":…,"type":"v2.access_denied"}]}`. */
export interface V2Error {
  ctx: Record<string, unknown>;
  log: string[];
  msg: string;
  type: string;
  loc: (string | number)[];
}
export interface V2ErrorBody {
  errors: V2Error[];
}

export function v2Error(loc: (string | number)[], msg: string, type: string, ctx: Record<string, unknown> = {}): V2Error {
  // Assumed: `log` content is undocumented beyond ["string"]; we put the human message there too.
  return { ctx, log: [msg], msg, type, loc };
}

// Assumed: the `type` strings below follow pydantic v1 naming (the v2 error shape with loc/msg/type/ctx looks like
// pydantic's). Postscript's real `type` values for these cases are undocumented: clients must not rely on them.
export const ERROR_TYPES = {
  missing: "value_error.missing",
  extra: "value_error.extra",
  notString: "type_error.str",
  notObject: "type_error.dict",
  notInteger: "type_error.integer",
  regex: "value_error.str.regex",
  email: "value_error.email",
  datetime: "value_error.datetime",
  jsonDecode: "value_error.jsondecode",
  propertyValue: "type_error.property_value",
  tooManyProperties: "value_error.too_many_properties",
  notFound: "v2.not_found",
  methodNotAllowed: "v2.method_not_allowed",
  accessDenied: "v2.access_denied",
  payloadTooLarge: "v2.payload_too_large",
} as const;

// The 401 body is NOT documented (only the status has been observed). This default is assumed;
// the server accepts `unauthorizedBody` to change it. Clients should key off the status, not this body.
export const DEFAULT_UNAUTHORIZED_BODY = { errors: [{ msg: "Unauthorized", type: "v2.unauthorized" }] };

// Observed: the 429 body as quoted by RudderStack and API Evangelist (docs/protocols.md, Postscript rate limits).
export const RATE_LIMIT_BODY = { error_code: 3002, error_message: "Rate limit exceeded", success: false } as const;

// Documented: "We allow up to 15 requests per second on our endpoints", per token identity.
export const DEFAULT_RATE_LIMIT_PER_SECOND = 15;
export const RATE_LIMIT_WINDOW_MS = 1000;

// The documented 403 shape for v2 (compliance endpoints). Assumed: the stand-in uses it when a partner key
// without X-Postscript-Shop-Token calls a shop-scoped endpoint (real behaviour undocumented; API Evangelist says
// header confusion "produces confusing plan-limitation errors, not auth errors").
export const PARTNER_WITHOUT_SHOP_BODY: V2ErrorBody = {
  errors: [
    v2Error(
      [],
      "Access denied. You do not have permissions to access the requested resource.",
      ERROR_TYPES.accessDenied,
    ),
  ],
};

export function notFoundBody(what = "Not Found"): V2ErrorBody {
  // Assumed: the 404 body is undocumented for v2 subscribers (legacy keyword 404 uses {error_code:3001,…}).
  return { errors: [v2Error([], what, ERROR_TYPES.notFound)] };
}

// ---------------------------------------------------------------------------------------------------------
// occurred_at
// ---------------------------------------------------------------------------------------------------------

// Documented: occurred_at optional, UTC, `%Y-%m-%d %H:%M:%S.%f`, e.g. `2025-06-20 00:00:00.000`.
// Python's strptime `%f` accepts 1–6 digits and the `.` is literal, so the fraction is required.
// Assumed: zero-padded 2-digit fields (strptime would also accept `2025-6-1`); ISO-8601 with `T`/`Z` is
// rejected (RudderStack had to fix exactly this bug). Whether Postscript also accepts ISO is unknown, so
// rejecting it is the safe contract for our client.
export const OCCURRED_AT_RE = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})\.(\d{1,6})$/;

/** Returns epoch ms (UTC) for a valid occurred_at, or null. Checks calendar validity. */
export function parseOccurredAt(value: string): number | null {
  const m = OCCURRED_AT_RE.exec(value);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
  const frac = m[7].padEnd(6, "0");
  const ms = Date.UTC(y, mo - 1, d, h, mi, s, Math.floor(Number(frac) / 1000));
  const check = new Date(ms);
  if (
    check.getUTCFullYear() !== y ||
    check.getUTCMonth() !== mo - 1 ||
    check.getUTCDate() !== d ||
    check.getUTCHours() !== h ||
    check.getUTCMinutes() !== mi ||
    check.getUTCSeconds() !== s
  ) {
    return null;
  }
  return ms;
}

/** Formats a time in the documented occurred_at format with millisecond precision (UTC). */
export function formatOccurredAt(ms: number): string {
  return new Date(ms).toISOString().replace("T", " ").replace("Z", "");
}

// ---------------------------------------------------------------------------------------------------------
// POST /api/v2/events
// ---------------------------------------------------------------------------------------------------------

// Documented: "We accept… lowercase letters (a-z), uppercase letters (A-Z), digits (0-9), and underscores
// (_)". Assumed: empty type rejected; no length limit documented, so none enforced.
export const EVENT_TYPE_RE = /^[A-Za-z0-9_]+$/;

// Documented request body fields. Assumed: unknown top-level fields are rejected (400) so that client typos
// (e.g. `event_type`, `occurredAt`) fail loudly; the real API may silently ignore them.
export const EVENT_FIELDS = ["type", "subscriber_id", "phone", "email", "occurred_at", "properties", "external_id"] as const;

// Assumed: "looks like an email"; Postscript's real email validation is undocumented.
export const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export type EventPropertyValue = string | boolean | number;
export interface CustomEventInput {
  type: string;
  subscriber_id?: string;
  phone?: string;
  email?: string;
  occurred_at?: string;
  properties?: Record<string, EventPropertyValue>;
  external_id?: string;
}

export type Validation<T> = { ok: true; value: T } | { ok: false; errors: V2Error[] };

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Validates a parsed JSON body for POST /api/v2/events. */
export function validateCustomEvent(body: unknown): Validation<CustomEventInput> {
  if (!isPlainObject(body)) {
    return { ok: false, errors: [v2Error(["body"], "value is not a valid dict", ERROR_TYPES.notObject)] };
  }
  const errors: V2Error[] = [];
  for (const key of Object.keys(body)) {
    if (!(EVENT_FIELDS as readonly string[]).includes(key)) {
      errors.push(v2Error(["body", key], "extra fields not permitted", ERROR_TYPES.extra));
    }
  }

  const out: CustomEventInput = { type: "" };

  // type: REQUIRED (documented)
  if (body.type === undefined || body.type === null) {
    errors.push(v2Error(["body", "type"], "field required", ERROR_TYPES.missing));
  } else if (typeof body.type !== "string") {
    errors.push(v2Error(["body", "type"], "str type expected", ERROR_TYPES.notString));
  } else if (!EVENT_TYPE_RE.test(body.type)) {
    errors.push(
      v2Error(
        ["body", "type"],
        "type may only contain letters (a-z, A-Z), digits (0-9) and underscores (_)",
        ERROR_TYPES.regex,
        { pattern: EVENT_TYPE_RE.source },
      ),
    );
  } else {
    out.type = body.type;
  }

  // Optional string fields. Assumed: JSON null is treated as absent (pydantic Optional[...] semantics).
  for (const key of ["subscriber_id", "phone", "email", "external_id"] as const) {
    const v = body[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== "string") {
      errors.push(v2Error(["body", key], "str type expected", ERROR_TYPES.notString));
      continue;
    }
    if (key === "email" && !EMAIL_RE.test(v)) {
      errors.push(v2Error(["body", "email"], "value is not a valid email address", ERROR_TYPES.email));
      continue;
    }
    // Documented phone: "E.164 recommended, other formats accepted" → any string, recorded as sent.
    out[key] = v;
  }

  // occurred_at (documented)
  if (body.occurred_at !== undefined && body.occurred_at !== null) {
    if (typeof body.occurred_at !== "string") {
      errors.push(v2Error(["body", "occurred_at"], "str type expected", ERROR_TYPES.notString));
    } else if (parseOccurredAt(body.occurred_at) === null) {
      errors.push(
        v2Error(
          ["body", "occurred_at"],
          `time data '${body.occurred_at}' does not match format '%Y-%m-%d %H:%M:%S.%f'`,
          ERROR_TYPES.datetime,
          { format: "%Y-%m-%d %H:%M:%S.%f" },
        ),
      );
    } else {
      out.occurred_at = body.occurred_at;
    }
  }

  // properties, documented: "strings, booleans, integers, floats, and datetime strings". Assumed: nested
  // objects/arrays are undocumented for EVENT properties → rejected so our client flattens them; null values
  // rejected. Keys with spaces are allowed (changelog 2023-02-02).
  if (body.properties !== undefined && body.properties !== null) {
    if (!isPlainObject(body.properties)) {
      errors.push(v2Error(["body", "properties"], "value is not a valid dict", ERROR_TYPES.notObject));
    } else {
      const props: Record<string, EventPropertyValue> = {};
      for (const [k, v] of Object.entries(body.properties)) {
        if (typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v))) {
          props[k] = v;
        } else {
          errors.push(
            v2Error(
              ["body", "properties", k],
              "property values must be a string, boolean, integer, float or datetime string",
              ERROR_TYPES.propertyValue,
            ),
          );
        }
      }
      out.properties = props;
    }
  }

  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: out };
}

// ---------------------------------------------------------------------------------------------------------
// Subscribers
// ---------------------------------------------------------------------------------------------------------

// Documented: no page-size parameter exists. Assumed: the stand-in's fixed page size is 20.
export const SUBSCRIBERS_PAGE_SIZE = 20;
// Documented: "Subscribers can have up to 50 custom properties."
export const MAX_SUBSCRIBER_PROPERTIES = 50;
// Documented sort: `{field}__asc|__desc` over these fields. Assumed default order: created_at ascending.
export const SUBSCRIBER_SORT_FIELDS = ["created_at", "updated_at", "phone_number", "shopify_customer_id"] as const;
export type SubscriberSortField = (typeof SUBSCRIBER_SORT_FIELDS)[number];

/** The documented subscriber object. Timestamps: ISO-8601 UTC strings (assumed; format undocumented). */
export interface SubscriberWire {
  id: string; // `s_…`
  email: string | null;
  phone_number: string | null;
  shopify_customer_id: number | null;
  ps_id: number;
  properties: Record<string, SubscriberPropertyValue>;
  tags: string[];
  subscriptions: { promotional: { can_send: boolean }; transactional: { can_send: boolean } };
  data: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

/** Documented PATCH values: "strings, integers, string arrays, or ISO 8601 date(time)" (dates are strings). */
export type SubscriberPropertyValue = string | number | string[];

/**
 * Assumed: the stored phone format is undocumented (examples show both `15555555555` and `+15555555555`;
 * Postscript's Segment destination queries digits-only). The stand-in compares
 * digits only, so E.164 and digits-only match each other. It does NOT add a default country code
 * (`5555555555` ≠ `15555555555`).
 */
export function phoneKey(phone: string): string {
  return phone.replace(/\D/g, "");
}

/** Assumed: email lookups are case-insensitive and trimmed (Datafly lowercases them). */
export function emailKey(email: string): string {
  return email.trim().toLowerCase();
}

export interface SubscriberPatchInput {
  properties?: Record<string, SubscriberPropertyValue>;
  tags?: string[];
  email?: string;
}

// Documented PATCH body fields we model. Assumed: other fields are rejected (400) to catch client typos.
export const SUBSCRIBER_PATCH_FIELDS = ["properties", "tags", "email"] as const;

const ISO_DATE_RE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
export function isIsoDateString(v: string): boolean {
  return ISO_DATE_RE.test(v) && !Number.isNaN(Date.parse(v.replace(" ", "T")));
}

/** Validates a PATCH /api/v2/subscribers/{id} body (the 50-property limit is checked after merging). */
export function validateSubscriberPatch(body: unknown): Validation<SubscriberPatchInput> {
  if (!isPlainObject(body)) {
    return { ok: false, errors: [v2Error(["body"], "value is not a valid dict", ERROR_TYPES.notObject)] };
  }
  const errors: V2Error[] = [];
  const out: SubscriberPatchInput = {};
  for (const key of Object.keys(body)) {
    if (!(SUBSCRIBER_PATCH_FIELDS as readonly string[]).includes(key)) {
      errors.push(v2Error(["body", key], "extra fields not permitted", ERROR_TYPES.extra));
    }
  }
  // Documented: "If properties is unset or null, it will be ignored."
  if (body.properties !== undefined && body.properties !== null) {
    if (!isPlainObject(body.properties)) {
      errors.push(v2Error(["body", "properties"], "value is not a valid dict", ERROR_TYPES.notObject));
    } else {
      const props: Record<string, SubscriberPropertyValue> = {};
      for (const [k, v] of Object.entries(body.properties)) {
        // Assumed: strictly the documented types: string (incl. ISO dates), integer, string[]. Booleans and floats
        // are NOT in the documented list, so they are rejected; a real shop may coerce them.
        if (typeof v === "string" || (typeof v === "number" && Number.isInteger(v))) {
          props[k] = v;
        } else if (Array.isArray(v) && v.every((x) => typeof x === "string")) {
          props[k] = v as string[];
        } else {
          errors.push(
            v2Error(
              ["body", "properties", k],
              "property values must be a string, integer, string array or ISO 8601 date(time) string",
              ERROR_TYPES.propertyValue,
            ),
          );
        }
      }
      out.properties = props;
    }
  }
  if (body.tags !== undefined && body.tags !== null) {
    if (!Array.isArray(body.tags) || !body.tags.every((t) => typeof t === "string")) {
      errors.push(v2Error(["body", "tags"], "value is not a valid list of strings", ERROR_TYPES.notString));
    } else {
      out.tags = body.tags as string[];
    }
  }
  if (body.email !== undefined && body.email !== null) {
    if (typeof body.email !== "string" || !EMAIL_RE.test(body.email)) {
      errors.push(v2Error(["body", "email"], "value is not a valid email address", ERROR_TYPES.email));
    } else {
      out.email = body.email;
    }
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: out };
}

// ---------------------------------------------------------------------------------------------------------
// Unverified behaviours, configurable
// ---------------------------------------------------------------------------------------------------------

export interface ContractOptions {
  /** Body of 401 responses. Undocumented; default DEFAULT_UNAUTHORIZED_BODY. */
  unauthorizedBody?: unknown;
  /** Send `Retry-After` (seconds) on 429. Not documented, so default false. */
  retryAfterOn429?: boolean;
  /**
   * external_id dedup. The field is documented; dedup is NOT (docs/protocols.md, custom events). Default "none":
   * every accepted request creates a new event (the pessimistic assumption our client must survive).
   * "return-existing": a repeat external_id (same shop) answers 202 with the ORIGINAL event id, records nothing.
   */
  externalIdDedup?: "none" | "return-existing";
  /** PATCH properties: merge (default; assumed from Segment sending only changed keys) or replace. */
  subscriberPropertiesPatch?: "merge" | "replace";
}
