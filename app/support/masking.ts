// A last line of defence for free text support reads (attempt messages, reasons) that could quote a
// credential: anything shaped like an API key, token or bearer value is cut out. Customers' emails and phones
// are masked by app/statistics/masking.ts, the one rule every screen uses.

const CREDENTIAL_PATTERNS: RegExp[] = [
  /\b(?:sk|pk|rk|whsec|shpat|shpss|shpca|shppa)_[A-Za-z0-9_-]{6,}/g,
  /\bBearer\s+[A-Za-z0-9._~+/=-]{8,}/gi,
  /\b[A-Za-z0-9+/_-]{32,}={0,2}/g,
];

/** Free text with anything credential-shaped replaced by "[redacted]". */
export function redactCredentials(text: string | null | undefined): string | null {
  if (text == null) return null;
  return CREDENTIAL_PATTERNS.reduce((out, pattern) => out.replace(pattern, "[redacted]"), text);
}
