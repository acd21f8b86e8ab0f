// One outbound HTTP request with a timeout, for the clients of the services the app talks to (Postscript,
// Loop). It reads the whole body and measures the time, and turns "no answer" into a result instead of an
// exception: the callers classify timeouts and unreachable hosts as retryable failures.

export type TimedFetchResult =
  | { ok: true; response: Response; text: string; durationMs: number }
  | { ok: false; kind: "timeout" | "unavailable"; message: string; durationMs: number };

/** undici reports "fetch failed" and hides the reason (ECONNREFUSED, ENOTFOUND…) in the cause. */
export function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string; errors?: { code?: string }[] } })?.cause;
  return cause?.code ?? cause?.errors?.[0]?.code ?? cause?.message ?? (error instanceof Error ? error.message : "network error");
}

export async function timedFetch(
  fetchImpl: typeof fetch,
  url: string,
  init: RequestInit,
  timeoutMs: number,
  serviceName: string,
): Promise<TimedFetchResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const response = await fetchImpl(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    return { ok: true, response, text, durationMs: elapsed() };
  } catch (error) {
    const timedOut = error instanceof DOMException && (error.name === "TimeoutError" || error.name === "AbortError");
    return timedOut
      ? { ok: false, kind: "timeout", message: `${serviceName} did not answer within ${timeoutMs / 1000} s`, durationMs: elapsed() }
      : { ok: false, kind: "unavailable", message: `${serviceName} could not be reached (${networkReason(error)})`, durationMs: elapsed() };
  }
}
