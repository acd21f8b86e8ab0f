// Security headers of every response under /support (documents, data requests, errors): no framing, no
// caching, no referrer, no MIME sniffing, and a Content-Security-Policy that lets only this app's own scripts
// run (Remix's inline bootstrap scripts carry a per-request nonce; no 'unsafe-inline' for scripts). Applied
// in app/entry.server.tsx, which skips the embedded app's Shopify frame-ancestors header for these paths.
import { randomBytes } from "node:crypto";
import { redirect } from "@remix-run/node";
import { getConfig } from "~/config/env.server";

export function isSupportPath(pathname: string): boolean {
  // "/support.data" is the browser's data request for /support (Remix single fetch).
  return pathname === "/support" || pathname === "/support.data" || pathname.startsWith("/support/");
}

export function isSupportRequest(request: Request): boolean {
  return isSupportPath(new URL(request.url).pathname);
}

export function createNonce(): string {
  return randomBytes(16).toString("base64");
}

const COMMON: Record<string, string> = {
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
  "X-Content-Type-Options": "nosniff",
  "Cache-Control": "no-store",
  Pragma: "no-cache",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
  "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
  "X-Robots-Tag": "noindex, nofollow",
};

export function documentPolicy(nonce: string): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}'`,
    // Polaris sets style attributes (CSS custom properties) on its elements.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "frame-src 'none'",
    "object-src 'none'",
    "base-uri 'self'",
  ].join("; ");
}

const DATA_POLICY = "default-src 'none'; frame-ancestors 'none'; object-src 'none'; base-uri 'self'; form-action 'self'";

function applyCommon(headers: Headers) {
  for (const [name, value] of Object.entries(COMMON)) headers.set(name, value);
  if (getConfig().NODE_ENV === "production") headers.set("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
}

/** For an HTML document of the console. */
export function applySupportDocumentHeaders(headers: Headers, nonce: string) {
  applyCommon(headers);
  headers.set("Content-Security-Policy", documentPolicy(nonce));
}

/** For a data (JSON) or redirect response of the console; returns the response to send. */
export function withSupportDataHeaders(response: Response): Response {
  try {
    applyCommon(response.headers);
    response.headers.set("Content-Security-Policy", DATA_POLICY);
    return response;
  } catch {
    // Immutable headers (a response made by fetch): copy it.
    const copy = new Response(response.body, response);
    applyCommon(copy.headers);
    copy.headers.set("Content-Security-Policy", DATA_POLICY);
    return copy;
  }
}

/**
 * A redirect of the console. Remix sends a document request's redirect as it is (entry.server.tsx never sees
 * it), so the console's redirects carry the headers themselves.
 */
export function supportRedirect(url: string, init?: { headers?: HeadersInit }): Response {
  return withSupportDataHeaders(redirect(url, init));
}
