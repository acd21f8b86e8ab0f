// The retry wait shared by the jobs that call outside services again after a failure (delivery to Postscript,
// webhook removal at Loop).

export interface Backoff {
  backoffBaseMs: number;
  backoffMaxMs: number;
}

/**
 * Wait before retry number `attempt` (1 = the first retry): exponential with "equal jitter" (half fixed, half
 * random) so retries from many events do not arrive together; a Retry-After from the service wins when longer.
 */
export function retryDelayMs(attempt: number, policy: Backoff, random: () => number, retryAfterMs?: number): number {
  const exponential = Math.min(policy.backoffMaxMs, policy.backoffBaseMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.round(exponential / 2 + (random() * exponential) / 2);
  return retryAfterMs !== undefined ? Math.max(retryAfterMs, jittered) : jittered;
}
