// The app's configuration: read once from the environment at start-up and validated, so a missing or
// malformed variable stops the process with a message that names it and says how to fix it. Every variable
// is documented in .env.example (a test keeps the two in step).
import { z } from "zod";
import { DEFAULT_DATABASE_URL } from "./defaults";

const booleanFlag = z
  .enum(["true", "false", "1", "0", ""])
  .default("false")
  .transform((value) => value === "true" || value === "1");

/** "kid:base64" pairs, newest first. Each key must decode to exactly 32 bytes (AES-256). */
const encryptionKeys = z
  .string({ required_error: "is required" })
  .min(1, "is required")
  .transform((raw, ctx) => {
    const keys: { id: string; key: Buffer }[] = [];
    for (const part of raw.split(",").map((p) => p.trim()).filter(Boolean)) {
      const match = /^([A-Za-z0-9_-]{1,32}):([A-Za-z0-9+/=_-]+)$/.exec(part);
      const key = match ? Buffer.from(match[2], "base64") : undefined;
      if (!match || !key || key.length !== 32) {
        ctx.addIssue({ code: "custom", message: "each entry must be <key id>:<32 bytes in base64>" });
        return z.NEVER;
      }
      keys.push({ id: match[1], key });
    }
    if (new Set(keys.map((k) => k.id)).size !== keys.length) {
      ctx.addIssue({ code: "custom", message: "key ids must be unique" });
      return z.NEVER;
    }
    return keys;
  });

export const configSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().min(1).default("0.0.0.0"),
    SHOPIFY_API_KEY: z.string({ required_error: "is required" }).min(1, "is required"),
    SHOPIFY_API_SECRET: z.string({ required_error: "is required" }).min(1, "is required"),
    SHOPIFY_APP_URL: z.string({ required_error: "is required" }).url("must be an absolute URL such as https://app.example.com"),
    SCOPES: z
      .string()
      .default("read_customers,write_customers")
      .transform((s) => s.split(",").map((scope) => scope.trim()).filter(Boolean)),
    SHOP_CUSTOM_DOMAIN: z.string().optional(),
    DATABASE_URL: z
      .string()
      .default(DEFAULT_DATABASE_URL)
      .refine((url) => /^(file:|postgres(ql)?:\/\/)/i.test(url), "must start with file: (SQLite) or postgres:// (PostgreSQL)"),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
    SECRETS_ENCRYPTION_KEYS: encryptionKeys,
    POSTSCRIPT_API_URL: z.string().url("must be an absolute URL").default("https://api.postscript.io"),
    POSTSCRIPT_PARTNER_KEY: z
      .string()
      .regex(/^sk_partner_[A-Za-z0-9_]+$/, "must be a Postscript partner key (sk_partner_…)")
      .optional(),
    POSTSCRIPT_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
    LOOP_API_URL: z.string().url("must be an absolute URL").default("https://api.loopsubscriptions.com"),
    LOOP_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
    // Loop's subscription list (the backfill reads it) is assumed, not documented: its path below the Admin API
    // base and the page size it allows can be corrected here once a live store shows them.
    LOOP_SUBSCRIPTION_LIST_PATH: z.string().regex(/^\/[A-Za-z0-9/_-]*$/, "must be a path such as /subscription").default("/subscription"),
    LOOP_SUBSCRIPTION_PAGE_SIZE: z.coerce.number().int().min(1).max(250).default(50),
    LOOP_WEBHOOK_REMOVAL_WINDOW_MS: z.coerce.number().int().min(1_000).default(86_400_000),
    LOOP_WEBHOOK_MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(10_485_760).default(262_144),
    // X-Loop-Webhook-Created-At further in the past than Loop's 48 h of retries (plus a margin for clocks and the
    // last retry), or ahead of our clock, is not a delivery Loop would make: refused as a replay.
    LOOP_WEBHOOK_MAX_AGE_MS: z.coerce.number().int().min(60_000).default(49 * 3_600_000),
    LOOP_WEBHOOK_MAX_AHEAD_MS: z.coerce.number().int().min(0).default(300_000),
    // Every other request body: Shopify's webhooks (app/uninstalled and the compliance topics are small) and the
    // app's own forms. Bigger bodies get 413 before they are read, so a large POST cannot fill the memory.
    SHOPIFY_WEBHOOK_MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(10_485_760).default(1_048_576),
    FORM_MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(10_485_760).default(131_072),
    // Slow clients: Loop and Shopify give up on a webhook after a few seconds, so a request that takes longer to
    // arrive than these is not one of theirs, and holding its connection only uses up file descriptors.
    HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
    HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
    HTTP_BODY_IDLE_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5_000),
    HTTP_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
    HTTP_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(100_000).default(1_000),
    LOOP_SIGNATURE_ENCODINGS: z
      .string()
      .default("base64,hex")
      .transform((s) => s.split(",").map((e) => e.trim()).filter(Boolean))
      .pipe(z.array(z.enum(["base64", "hex"])).min(1, "list base64, hex or both")),
    // Postscript's documented limit per key; the app keeps every one-second window at Postscript within it.
    POSTSCRIPT_RATE_LIMIT_PER_SECOND: z.coerce.number().int().min(1).max(1000).default(15),
    // A request whose answer is slower than this is assumed to have reached Postscript this long after it was
    // sent (an answer proves arrival; nothing else does). Doubled for a minute after each 429.
    POSTSCRIPT_ARRIVAL_MARGIN_MS: z.coerce.number().int().min(0).max(1000).default(1000),
    POSTSCRIPT_RATE_LIMIT_SCOPE: z.enum(["token", "partner"]).default("token"),
    DELIVERY_BACKOFF_BASE_MS: z.coerce.number().int().min(10).default(2_000),
    DELIVERY_BACKOFF_MAX_MS: z.coerce.number().int().min(10).default(600_000),
    DELIVERY_RETRY_WINDOW_MS: z.coerce.number().int().min(1_000).default(86_400_000),
    DELIVERY_ORDERING_MAX_WAIT_MS: z.coerce.number().int().min(0).default(900_000),
    DELIVERY_LEASE_MS: z.coerce.number().int().min(1_000).default(30_000),
    DELIVERY_POLL_INTERVAL_MS: z.coerce.number().int().min(10).default(500),
    DELIVERY_MAX_SHOPS_PER_WORKER: z.coerce.number().int().min(1).default(1_000),
    PROPERTY_SYNC_DELAY_MS: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
    PROPERTY_SYNC_RECHECK_MS: z.coerce.number().int().min(60_000).default(86_400_000),
    SHOPIFY_ADMIN_API_ORIGIN: z.string().url("must be an absolute URL").optional(),
    EVENT_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
    FLOW_TRIGGERS_ONLY_WHEN_USED: z
      .enum(["true", "false", "1", "0"])
      .default("true")
      .transform((value) => value === "true" || value === "1"),
    FLOW_INCIDENT_QUIET_MINUTES: z.coerce.number().int().min(1).max(10_080).default(60),
    FLOW_TRIGGER_POLL_INTERVAL_MS: z.coerce.number().int().min(100).default(5_000),
    ROLLUP_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(730),
    PROCESS_ROLE: z.enum(["all", "web", "worker"]).default("all"),
    LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(120_000).default(10_000),
    APP_BRIDGE_URL: z
      .string()
      .refine((v) => v.startsWith("/") || /^https?:\/\//.test(v), "must be an http(s) URL or a path on this app")
      .optional(),
    DEV_APP_BRIDGE_SHIM: booleanFlag,
    DEV_SHOP_DOMAIN: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/, "must be a *.myshopify.com domain")
      .default("demo-shop.myshopify.com"),
    // Support console (/support): signs the staff session cookie. Required in production.
    SUPPORT_SESSION_SECRET: z.string().min(32, "must be at least 32 characters (e.g. 32 random bytes in base64)").optional(),
    SUPPORT_SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).max(1440).default(30),
    SUPPORT_SESSION_MAX_HOURS: z.coerce.number().int().min(1).max(168).default(12),
    SUPPORT_SIGNIN_MAX_FAILURES: z.coerce.number().int().min(1).max(100).default(5),
    SUPPORT_SIGNIN_IP_MAX_FAILURES: z.coerce.number().int().min(1).max(10_000).default(20),
    SUPPORT_SIGNIN_LOCKOUT_MINUTES: z.coerce.number().int().min(1).max(1440).default(15),
    TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
    // Bearer token Prometheus sends to GET /metrics; unset, the endpoint does not exist (404).
    METRICS_TOKEN: z.string().min(16, "must be at least 16 characters (e.g. 24 random bytes in base64)").optional(),
  });

/**
 * Rules between variables. They read the raw environment, not the parsed one, so that they are reported in the
 * same pass as the schema's own problems: a refinement on the object would run only once every variable parsed,
 * and a missing SUPPORT_SESSION_SECRET would surface only after the other variables had been fixed.
 */
function crossVariableProblems(env: Record<string, string>): string[] {
  if (env.NODE_ENV !== "production") return [];
  const problems: string[] = [];
  if (env.SHOPIFY_ADMIN_API_ORIGIN) {
    problems.push("SHOPIFY_ADMIN_API_ORIGIN cannot be set when NODE_ENV=production (Admin API calls must go to the shop itself)");
  }
  if (booleanFlag.safeParse(env.DEV_APP_BRIDGE_SHIM).data) {
    problems.push("DEV_APP_BRIDGE_SHIM cannot be enabled when NODE_ENV=production (it mints session tokens for a development shop)");
  }
  if (!env.SUPPORT_SESSION_SECRET) {
    problems.push("SUPPORT_SESSION_SECRET is required when NODE_ENV=production (it signs the support console's session cookie)");
  }
  return problems;
}

export type AppConfig = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      "Invalid configuration:\n" +
        problems.map((p) => `  - ${p}`).join("\n") +
        "\nSet these variables in the environment or in .env (see .env.example for what each one means).",
    );
    this.name = "ConfigError";
  }
}

/** Parses an environment (process.env by default); throws ConfigError naming every bad variable. */
export function parseConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  // Treat empty strings as unset so `FOO=` in .env falls back to the default instead of failing oddly.
  const cleaned = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ""),
  );
  const result = configSchema.safeParse(cleaned);
  const problems = [
    ...(result.success ? [] : result.error.issues.map((issue) => `${issue.path.join(".") || "(config)"} ${issue.message}`)),
    ...crossVariableProblems(cleaned),
  ];
  if (!result.success || problems.length) throw new ConfigError(problems);
  return result.data;
}

let cached: AppConfig | undefined;

/** The validated configuration of this process, parsed on first use. */
export function getConfig(): AppConfig {
  cached ??= parseConfig();
  return cached;
}

/** Tests change the environment between cases; production never calls this. */
export function resetConfigForTests() {
  cached = undefined;
}
