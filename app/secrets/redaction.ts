// The one place that knows what a credential looks like inside free text (log lines, attempt messages, change
// details shown to support staff), so a key quoted in an error or a header never reaches a reader.

export const REDACTED = "[redacted]";

/** Credentials recognisable by their shape: Postscript/Stripe-style prefixed keys, Shopify tokens, bearer values. */
const KNOWN_SHAPES: RegExp[] = [
  /\b(?:sk|pk|rk|whsec|shpat|shpss|shpca|shppa)_[A-Za-z0-9_-]{6,}/g,
  /\bBearer\s+[A-Za-z0-9._~+/=-]{8,}/gi,
];

/**
 * Any long opaque token (32+ base64/url-safe characters): a credential of an unknown shape. It also matches UUIDs,
 * hashes and file paths, which text shown to support staff can do without; logs keep them (opaqueTokens: false),
 * a developer needs them to find the event or the failing code.
 */
const OPAQUE_TOKEN = /\b[A-Za-z0-9+/_-]{32,}={0,2}/g;

export interface RedactionOptions {
  /** Also cut out long opaque tokens (see OPAQUE_TOKEN); on unless turned off. */
  opaqueTokens?: boolean;
}

/** Free text with anything credential-shaped replaced by "[redacted]". */
export function redactCredentials(text: string, options?: RedactionOptions): string;
export function redactCredentials(text: string | null | undefined, options?: RedactionOptions): string | null;
export function redactCredentials(text: string | null | undefined, options: RedactionOptions = {}): string | null {
  if (text == null) return null;
  const patterns = options.opaqueTokens === false ? KNOWN_SHAPES : [...KNOWN_SHAPES, OPAQUE_TOKEN];
  return patterns.reduce((out, pattern) => out.replace(pattern, REDACTED), text);
}

/** Field names whose values are secrets whatever they look like. */
const SECRET_FIELD = /(secret|token|password|authorization|api_?key|private_?key|signature|cookie|hmac)/i;

export function isSecretFieldName(name: string): boolean {
  return SECRET_FIELD.test(name);
}
