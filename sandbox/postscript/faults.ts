/**
 * Run-time fault injection for the Postscript stand-in (none of this is Postscript behaviour; it exists so
 * the forwarder's retry/timeout/idempotency logic can be exercised).
 *
 * Rates are DETERMINISTIC. Default mode "spread": the n-th eligible request (n = 1, 2, …, counted per fault
 * kind since the faults were last set) is faulted when floor(n·rate) > floor((n−1)·rate). So rate 0.5 faults
 * exactly requests 2, 4, 6…; rate 0.25 faults 4, 8, 12…; rate 1 faults all. Mode "random" uses a seeded PRNG
 * (mulberry32), reproducible for a given seed.
 */
import { z } from "zod";

export const faultConfigSchema = z
  .object({
    /** Delay added before each (matching) request is processed. */
    latencyMs: z.number().int().min(0).max(120_000),
    /** Share (0..1) of matching requests answered with `errorStatus` before any processing. */
    errorRate: z.number().min(0).max(1),
    errorStatus: z.union([z.literal(500), z.literal(502), z.literal(503)]),
    /** Optional raw body for injected errors (default: JSON for 500, HTML for 502/503, as gateways do). */
    errorBody: z.string().max(100_000).optional(),
    /** Share of matching requests never answered; the socket stays open until the client gives up. */
    timeoutRate: z.number().min(0).max(1),
    /**
     * false (default): the timed-out request is NOT processed. true: it IS processed (event recorded) and
     * only the answer is lost: the case that makes a retry produce a duplicate event.
     */
    timeoutAfterProcessing: z.boolean(),
    /** Share of matching requests whose 2xx answer is replaced by a truncated, non-JSON body. Counted among
     * requests that would have been answered 2xx. */
    malformedRate: z.number().min(0).max(1),
    /** Keys (shop sk_, partner sk_partner_) answered 401 from now on. Applies to all paths. */
    revokedKeys: z.array(z.string()),
    /** Overrides the per-token limit at run time. Applies to all paths. */
    rateLimitPerSecond: z.number().int().min(1).max(100_000).optional(),
    /** Send Retry-After on 429 (overrides the server option). */
    retryAfterOn429: z.boolean().optional(),
    /** Restrict latency/error/timeout/malformed to these paths (exact, or prefix when ending in `*`). */
    paths: z.array(z.string()).optional(),
    mode: z.enum(["spread", "random"]),
    seed: z.number().int(),
  })
  .strict();

export type FaultConfig = z.infer<typeof faultConfigSchema>;
export const faultPatchSchema = faultConfigSchema.partial().strict();
export type FaultPatch = z.infer<typeof faultPatchSchema>;

export const NO_FAULTS: FaultConfig = {
  latencyMs: 0,
  errorRate: 0,
  errorStatus: 500,
  timeoutRate: 0,
  timeoutAfterProcessing: false,
  malformedRate: 0,
  revokedKeys: [],
  mode: "spread",
  seed: 1,
};

type Kind = "error" | "timeout" | "malformed";

/** mulberry32: small, seedable PRNG. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pathMatches(patterns: string[] | undefined, path: string): boolean {
  if (!patterns || patterns.length === 0) return true;
  return patterns.some((p) => (p.endsWith("*") ? path.startsWith(p.slice(0, -1)) : path === p));
}

export class FaultController {
  private config: FaultConfig = { ...NO_FAULTS, revokedKeys: [] };
  private counters: Record<Kind, number> = { error: 0, timeout: 0, malformed: 0 };
  private rngs: Record<Kind, () => number> = this.makeRngs();

  get current(): FaultConfig {
    return { ...this.config, revokedKeys: [...this.config.revokedKeys] };
  }

  /** Merges a partial config into the current one and restarts the deterministic counters. */
  set(patch: FaultPatch): FaultConfig {
    this.config = { ...this.config, ...patch };
    this.restart();
    return this.current;
  }

  reset(): void {
    this.config = { ...NO_FAULTS, revokedKeys: [] };
    this.restart();
  }

  isRevoked(key: string): boolean {
    return this.config.revokedKeys.includes(key);
  }

  applies(path: string): boolean {
    return pathMatches(this.config.paths, path);
  }

  latencyFor(path: string): number {
    return this.applies(path) ? this.config.latencyMs : 0;
  }

  /** Decides (and counts) whether this request is faulted with `kind`. Call once per eligible request. */
  hit(kind: Kind, path: string): boolean {
    if (!this.applies(path)) return false;
    const rate = kind === "error" ? this.config.errorRate : kind === "timeout" ? this.config.timeoutRate : this.config.malformedRate;
    if (rate <= 0) return false;
    if (this.config.mode === "random") return this.rngs[kind]() < rate;
    const n = ++this.counters[kind];
    // 1e-9 guards against float products like 0.3 * 10 = 3.0000000000000004 vs 2.9999999999999996.
    return Math.floor(n * rate + 1e-9) > Math.floor((n - 1) * rate + 1e-9);
  }

  private restart(): void {
    this.counters = { error: 0, timeout: 0, malformed: 0 };
    this.rngs = this.makeRngs();
  }

  private makeRngs(): Record<Kind, () => number> {
    const seed = this.config?.seed ?? 1;
    return { error: mulberry32(seed), timeout: mulberry32(seed + 1), malformed: mulberry32(seed + 2) };
  }
}

export function defaultErrorBody(status: 500 | 502 | 503): { contentType: string; body: string } {
  if (status === 500) {
    return { contentType: "application/json", body: JSON.stringify({ errors: [{ msg: "Internal Server Error", type: "v2.internal_error" }] }) };
  }
  const text = status === 502 ? "502 Bad Gateway" : "503 Service Temporarily Unavailable";
  return { contentType: "text/html", body: `<html>\r\n<head><title>${text}</title></head>\r\n<body>\r\n<center><h1>${text}</h1></center>\r\n</body>\r\n</html>\r\n` };
}
