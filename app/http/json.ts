// Reading a response body that should be JSON: a service that answers with something else (an HTML error page
// from a proxy, a truncated body) is a malformed answer for the caller to classify, not an exception.

/** The body parsed as JSON, or undefined when it is not JSON. */
export function parseJsonBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
