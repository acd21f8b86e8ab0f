// The environment every test file starts from: the Shopify test-helper credentials (so session tokens and
// webhook HMACs made by @shopify/shopify-api/test-helpers are valid for the app) and a fixed test key.
import { API_KEY, API_SECRET_KEY, APP_URL } from "@shopify/shopify-api/test-helpers";

Object.assign(process.env, {
  NODE_ENV: "test",
  SHOPIFY_API_KEY: API_KEY,
  SHOPIFY_API_SECRET: API_SECRET_KEY,
  SHOPIFY_APP_URL: APP_URL,
  SECRETS_ENCRYPTION_KEYS: "test1:" + Buffer.alloc(32, 7).toString("base64"),
  LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
});
