// Helpers for the support console's tests: staff accounts, a browser-like cookie jar, route calls with the
// client address the server would pass (context.clientIp), sign-in through the real routes, and a shop
// seeded with real sealed secrets (so tests can prove no response ever contains them).
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { APP_URL } from "@shopify/shopify-api/test-helpers";
import { loopTokenContext, loopWebhookSecretContext, postscriptKeyContext } from "~/connections/secret-contexts";
import type { Database } from "~/db.server";
import { transition } from "~/delivery/transitions.server";
import { lastFour, sealSecret } from "~/secrets/secrets.server";
import { createSupportUser } from "~/support/users.server";
import { loader as signInLoader, action as signInAction } from "~/routes/support.sign-in";
import { installShop } from "./shopify";

export const STAFF_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
export const STAFF_PASSWORD = "correct horse battery staple";

type RouteFunction = (args: LoaderFunctionArgs & ActionFunctionArgs) => unknown;

/** Cookies as a browser keeps them for the app's origin (name → value; Max-Age=0 removes). */
export class CookieJar {
  readonly cookies = new Map<string, string>();
  store(response: Response) {
    for (const header of response.headers.getSetCookie()) {
      const [pair, ...attributes] = header.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (attributes.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }
}

export interface CallOptions {
  jar?: CookieJar;
  method?: string;
  form?: Record<string, string>;
  params?: Record<string, string>;
  ip?: string;
  headers?: Record<string, string>;
}

/** A request as the browser sends it to the console (same-origin form posts say so). */
export function consoleRequest(path: string, { jar, method = "GET", form, headers = {} }: CallOptions = {}): Request {
  const h = new Headers({ "User-Agent": STAFF_UA, ...headers });
  if (jar && jar.cookies.size) h.set("Cookie", jar.header());
  let body: URLSearchParams | undefined;
  if (method === "POST") {
    if (!("Origin" in headers) && !("origin" in headers)) h.set("Origin", new URL(APP_URL).origin);
    if (!("Sec-Fetch-Site" in headers)) h.set("Sec-Fetch-Site", "same-origin");
    h.set("Content-Type", "application/x-www-form-urlencoded");
    body = new URLSearchParams(form ?? {});
  }
  return new Request(new URL(path, APP_URL), { method, headers: h, body });
}

/** Runs a loader/action like the server does (context.clientIp set) and returns the Response. */
export async function call(fn: RouteFunction, path: string, options: CallOptions = {}): Promise<Response> {
  const request = consoleRequest(path, options);
  return callWith(fn, request, options);
}

export async function callWith(fn: RouteFunction, request: Request, options: Pick<CallOptions, "jar" | "params" | "ip"> = {}): Promise<Response> {
  let response: Response;
  try {
    const result = await fn({ request, params: options.params ?? {}, context: { clientIp: options.ip ?? "203.0.113.7" } });
    response = result instanceof Response ? result : Response.json(result);
  } catch (thrown) {
    if (!(thrown instanceof Response)) throw thrown;
    response = thrown;
  }
  options.jar?.store(response);
  return response;
}

export async function addStaff(db: Database, email: string, role: "viewer" | "operator", password = STAFF_PASSWORD) {
  return createSupportUser(db, { email, role, password });
}

/** GETs the sign-in page (for its CSRF token and cookie), then posts the form. Returns the action's response. */
export async function submitSignIn(jar: CookieJar, email: string, password: string, ip?: string): Promise<Response> {
  const page = await call(signInLoader, "/support/sign-in", { jar, ip });
  const { csrf } = (await page.json()) as { csrf: string };
  return call(signInAction, "/support/sign-in", { jar, method: "POST", form: { csrf, email, password, next: "/support/shops" }, ip });
}

/** Signs in (password only) and returns the jar holding the session cookie. */
export async function signedIn(email: string, password = STAFF_PASSWORD, ip?: string): Promise<CookieJar> {
  const jar = new CookieJar();
  const response = await submitSignIn(jar, email, password, ip);
  if (response.status !== 302) throw new Error(`sign-in answered ${response.status}: ${await response.text()}`);
  return jar;
}

export const SECRETS = {
  postscriptKey: "sk_live_SuperSecretPostscriptKey_9f8e7d6c5b4a",
  loopToken: "loop_tok_VeryPrivateLoopAdminToken_1a2b3c4d5e6f",
  webhookSecret: "whsec_LoopSigningSecretNeverShown_7777aaaa",
  manualSecret: "manual_signing_secret_NEVER_SHOWN_0000zzzz",
};

export const CUSTOMER = { email: "jane.customer@example.com", phone: "+15551234567" };

/** A shop with real sealed secrets (Postscript key, Loop token, two webhook secrets) and events in every state. */
export async function seedShopWithSecrets(db: Database, domain: string, options: { postscriptShopName?: string; subscriptionKey?: string } = {}) {
  await installShop(db, domain);
  const key = sealSecret(SECRETS.postscriptKey, postscriptKeyContext(domain));
  await db.postscriptConnection.create({
    data: {
      shopDomain: domain,
      status: "connected",
      keyCiphertext: key.ciphertext,
      keyKeyId: key.keyId,
      keyLastFour: lastFour(SECRETS.postscriptKey),
      postscriptShopName: options.postscriptShopName ?? "Acme Coffee SMS",
      postscriptShopId: "ps-42",
      connectedAt: new Date(),
      lastVerifiedAt: new Date(),
    },
  });
  const token = sealSecret(SECRETS.loopToken, loopTokenContext(domain));
  await db.loopConnection.create({
    data: { shopDomain: domain, status: "connected", mode: "api", tokenCiphertext: token.ciphertext, tokenKeyId: token.keyId, tokenLastFour: lastFour(SECRETS.loopToken), connectedAt: new Date() },
  });
  const hook = sealSecret(SECRETS.webhookSecret, loopWebhookSecretContext(domain, "wh_1"));
  await db.loopWebhook.create({
    data: { shopDomain: domain, topic: "subscription/created", loopWebhookId: "wh_1", address: "https://app/webhooks/loop", secretCiphertext: hook.ciphertext, secretKeyId: hook.keyId, secretLastFour: lastFour(SECRETS.webhookSecret) },
  });
  const manual = sealSecret(SECRETS.manualSecret, loopWebhookSecretContext(domain, null));
  await db.loopWebhook.create({
    data: { shopDomain: domain, topic: "*", loopWebhookId: null, address: "https://app/webhooks/loop", secretCiphertext: manual.ciphertext, secretKeyId: manual.keyId, secretLastFour: lastFour(SECRETS.manualSecret) },
  });
  await db.shopSettings.upsert({ where: { shopDomain: domain }, create: { shopDomain: domain, testEmail: "owner@acme.example", testPhone: "+15559876543" }, update: {} });

  const ids: Record<string, string> = {};
  const now = Date.now();
  for (const [i, status] of (["delivered", "failed", "failed", "skipped", "pending"] as const).entries()) {
    const event = await db.event.create({
      data: {
        shopDomain: domain,
        dedupeKey: `wh-${domain}-${i}`,
        loopWebhookId: `wh-${i}`,
        topic: "subscription/created",
        eventType: null,
        status: "received",
        customerEmail: CUSTOMER.email,
        customerPhone: CUSTOMER.phone,
        subscriptionKey: options.subscriptionKey ?? "sub-778899",
        occurredAt: new Date(now - 60_000 * (i + 1)),
        receivedAt: new Date(now - 60_000 * (i + 1)),
        payload: JSON.stringify({ email: CUSTOMER.email }),
      },
    });
    // Through the pipeline's own state changes, so the statistics rollups agree.
    await transition(db, event, { status: "pending", eventType: "subscription_created" });
    const pending = { ...event, status: "pending", eventType: "subscription_created" };
    const startedAt = new Date(now - 30_000);
    if (status === "delivered") {
      await transition(db, pending, { status: "delivered", deliveredAt: new Date(), attempt: { startedAt, durationMs: 120, httpStatus: 200, outcome: "delivered" } });
    } else if (status === "failed") {
      await transition(db, pending, {
        status: "failed",
        reason: "postscript_rejected",
        reasonDetail: `Postscript answered 400 (key ${SECRETS.postscriptKey} was used)`,
        attempt: { startedAt, durationMs: 80, httpStatus: 400, outcome: "failed", errorClass: "rejected", message: `invalid subscriber; Authorization: Bearer ${SECRETS.postscriptKey}` },
      });
    } else if (status === "skipped") {
      await transition(db, pending, { status: "skipped", reason: "disabled", reasonDetail: "Turned off" });
    }
    ids[`${status}${i}`] = event.id;
  }
  return { failed: [ids.failed1, ids.failed2], delivered: ids.delivered0, pending: ids.pending4 };
}
