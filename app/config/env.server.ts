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
    LOOP_WEBHOOK_MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(10_485_760).default(262_144),
    LOOP_SIGNATURE_ENCODINGS: z
      .string()
      .default("base64,hex")
      .transform((s) => s.split(",").map((e) => e.trim()).filter(Boolean))
      .pipe(z.array(z.enum(["base64", "hex"])).min(1, "list base64, hex or both")),
    POSTSCRIPT_RATE_LIMIT_PER_SECOND: z.coerce.number().min(0.1).max(1000).default(14),
    POSTSCRIPT_RATE_LIMIT_BURST: z.coerce.number().int().min(1).max(100).default(1),
    POSTSCRIPT_RATE_LIMIT_SCOPE: z.enum(["token", "partner"]).default("token"),
    DELIVERY_BACKOFF_BASE_MS: z.coerce.number().int().min(10).default(2_000),
    DELIVERY_BACKOFF_MAX_MS: z.coerce.number().int().min(10).default(600_000),
    DELIVERY_RETRY_WINDOW_MS: z.coerce.number().int().min(1_000).default(86_400_000),
    DELIVERY_ORDERING_MAX_WAIT_MS: z.coerce.number().int().min(0).default(900_000),
    DELIVERY_LEASE_MS: z.coerce.number().int().min(1_000).default(30_000),
    DELIVERY_POLL_INTERVAL_MS: z.coerce.number().int().min(10).default(500),
    SHOPIFY_ADMIN_API_ORIGIN: z.string().url("must be an absolute URL").optional(),
    EVENT_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
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
  })
  .superRefine((config, ctx) => {
    if (config.SHOPIFY_ADMIN_API_ORIGIN && config.NODE_ENV === "production") {
      ctx.addIssue({
        code: "custom",
        path: ["SHOPIFY_ADMIN_API_ORIGIN"],
        message: "cannot be set when NODE_ENV=production (Admin API calls must go to the shop itself)",
      });
    }
    if (config.DEV_APP_BRIDGE_SHIM && config.NODE_ENV === "production") {
      ctx.addIssue({
        code: "custom",
        path: ["DEV_APP_BRIDGE_SHIM"],
        message: "cannot be enabled when NODE_ENV=production (it mints session tokens for a development shop)",
      });
    }
    if (!config.SUPPORT_SESSION_SECRET && config.NODE_ENV === "production") {
      ctx.addIssue({
        code: "custom",
        path: ["SUPPORT_SESSION_SECRET"],
        message: "is required when NODE_ENV=production (it signs the support console's session cookie)",
      });
    }
  });

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
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const result = configSchema.safeParse(cleaned);
  if (result.success) return result.data;
  throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join(".") || "(config)"} ${issue.message}`));
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
