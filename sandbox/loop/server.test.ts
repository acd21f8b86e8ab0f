import { createHmac } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { generatePayload } from "./payloads";
import { WEBHOOK_HEADERS, verifySignature } from "../../app/loop/protocol";
import { startWebhookReceiver, type Responder, type WebhookReceiver } from "./receiver";
import { DEMO_READONLY_TOKEN, DEMO_SHOP, DEMO_TOKEN, SECOND_TOKEN, startLoopStandIn, type LoopStandIn } from "./server";
import { waitFor } from "../../tests/support/wait";

let loop: LoopStandIn;
const receivers: WebhookReceiver[] = [];

beforeAll(async () => {
  loop = await startLoopStandIn({ port: 0, seed: 1, sender: { timeoutMs: 500, retries: { maxAttempts: 3, delaysMs: [20] } } });
});
afterAll(async () => {
  await loop.close();
});
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
  loop.state.webhooks.clear();
  loop.state.deliveries.length = 0;
  loop.sender.setOptions({ signatureEncoding: "base64", duplicateRate: 0, outOfOrder: false });
  loop.state.settings.duplicateSubscribe = "reject";
});

async function receiver(respond?: Responder) {
  const r = await startWebhookReceiver({ respond });
  receivers.push(r);
  return r;
}

async function api(method: string, path: string, token: string | null, body?: unknown, extraHeaders: Record<string, string> = {}) {
  const res = await fetch(`${loop.url}/admin/2023-10${path}`, {
    method,
    headers: { ...(token ? { "X-Loop-Token": token } : {}), ...(body ? { "Content-Type": "application/json" } : {}), ...extraHeaders },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, json: (await res.json()) as { success: boolean; message: string; code: number; data: any } };
}

async function control(method: string, path: string, body?: unknown) {
  const res = await fetch(`${loop.url}${path}`, {
    method,
    headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, json: (await res.json()) as any };
}

describe("Loop Admin API stand-in", () => {
  it("token check answers with Loop's {success, message, code, data} envelope", async () => {
    const { status, json } = await api("GET", "/store", DEMO_TOKEN);
    expect(status).toBe(200);
    expect(json).toMatchObject({ success: true, code: 200, data: { myshopifyDomain: DEMO_SHOP } });
    expect(typeof json.message).toBe("string");
    // A token without the webhook scope still passes the token check.
    expect((await api("GET", "/store", DEMO_READONLY_TOKEN)).status).toBe(200);
  });

  it("refuses unknown, missing and Bearer-style tokens with 401 'invalid token'", async () => {
    for (const r of [
      await api("GET", "/store", "loop_nope"),
      await api("GET", "/webhook", null),
      await api("GET", "/store", null, undefined, { Authorization: `Bearer ${DEMO_TOKEN}` }),
    ]) {
      expect(r.status).toBe(401);
      expect(r.json).toEqual({ success: false, message: "invalid token", code: 401, data: null });
    }
  });

  it("refuses webhook calls for a token without the webhook scope (403)", async () => {
    const sub = await api("POST", "/webhook", DEMO_READONLY_TOKEN, { topic: "order/upcoming", address: "https://example.com/hook" });
    expect(sub.status).toBe(403);
    expect(sub.json.success).toBe(false);
    expect((await api("GET", "/webhook", DEMO_READONLY_TOKEN)).status).toBe(403);
    expect((await api("DELETE", "/webhook/1001", DEMO_READONLY_TOKEN)).status).toBe(403);
    expect(loop.state.webhooks.size).toBe(0);
  });

  it("subscribes (returning a secret), lists without secrets, refuses duplicates, unsubscribes; shops are isolated", async () => {
    const body = { topic: "order/upcoming", address: "https://app.example.com/webhooks/loop" };
    const sub = await api("POST", "/webhook", DEMO_TOKEN, body);
    expect(sub.status).toBe(200);
    expect(sub.json.data).toMatchObject({ topic: "order/upcoming", address: body.address, version: "2023-10" });
    expect(sub.json.data.id).toBeTypeOf("number");
    expect(sub.json.data.secret).toMatch(/^[0-9a-f]{64}$/);
    const id = sub.json.data.id as number;

    const list = await api("GET", "/webhook", DEMO_TOKEN);
    expect(list.json.data).toEqual([expect.objectContaining({ id, topic: "order/upcoming", address: body.address })]);
    expect(list.json.data[0]).not.toHaveProperty("secret");

    const dup = await api("POST", "/webhook", DEMO_TOKEN, body);
    expect(dup.status).toBe(409);
    expect(dup.json.data).toEqual({ id });
    await control("POST", "/__sandbox/options", { duplicateSubscribe: "idempotent" });
    const idem = await api("POST", "/webhook", DEMO_TOKEN, body);
    expect(idem.status).toBe(200);
    expect(idem.json.data).toMatchObject({ id, secret: sub.json.data.secret });

    // Another shop neither sees nor deletes it.
    expect((await api("GET", "/webhook", SECOND_TOKEN)).json.data).toEqual([]);
    expect((await api("DELETE", `/webhook/${id}`, SECOND_TOKEN)).status).toBe(404);

    const del = await api("DELETE", `/webhook/${id}`, DEMO_TOKEN);
    expect(del.status).toBe(200);
    expect((await api("GET", "/webhook", DEMO_TOKEN)).json.data).toEqual([]);
    expect((await api("DELETE", `/webhook/${id}`, DEMO_TOKEN)).status).toBe(404);
  });

  it("lists the store's subscriptions page by page, the same every time, and needs the read scope", async () => {
    loop.state.subscriptions.set(DEMO_SHOP, { count: 7, customers: 3, seed: "list", now: Date.UTC(2026, 0, 1) });
    loop.state.listRatePerSecond = 0;
    try {
      const first = await fetch(`${loop.url}/admin/2023-10/subscription?pageNo=1&pageSize=5`, { headers: { "X-Loop-Token": DEMO_TOKEN } });
      const body = (await first.json()) as { data: Array<{ id: number; customer: { id: number } }>; pageInfo: Record<string, unknown> };
      expect(body.data.map((s) => s.id)).toEqual([80000000, 80000001, 80000002, 80000003, 80000004]);
      expect(body.data[0].customer.id).toBe(body.data[3].customer.id); // customer 0 owns subscriptions 0 and 3
      expect(body.pageInfo).toMatchObject({ hasNextPage: true, pageNo: 1, pageSize: 5, total: 7 });
      const again = await fetch(`${loop.url}/admin/2023-10/subscription?pageNo=1&pageSize=5`, { headers: { "X-Loop-Token": DEMO_TOKEN } });
      expect((await again.json()).data).toEqual(body.data);
      const last = await api("GET", "/subscription?pageNo=2&pageSize=5", DEMO_TOKEN);
      expect(last.json.data).toHaveLength(2);
      expect((last.json as unknown as { pageInfo: { hasNextPage: boolean } }).pageInfo.hasNextPage).toBe(false);
      expect((await api("GET", "/subscription?pageNo=1&pageSize=51", DEMO_TOKEN)).status).toBe(400);
      expect((await api("GET", "/subscription?pageNo=1&pageSize=5", SECOND_TOKEN)).json.data).toEqual([]);
    } finally {
      loop.state.subscriptions.clear();
      loop.state.listRatePerSecond = 3;
    }
  });

  it("/__sandbox/subscriptions and /__sandbox/options set a store's subscriptions and the list's rate at run time", async () => {
    const post = (path: string, body: unknown) => fetch(`${loop.url}${path}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    expect((await post("/__sandbox/subscriptions", { shopDomain: "nope.myshopify.com", count: 3 })).status).toBe(400);
    expect((await post("/__sandbox/subscriptions", { shopDomain: DEMO_SHOP, count: 3, customers: 0 })).status).toBe(400);
    expect((await post("/__sandbox/subscriptions", { shopDomain: DEMO_SHOP, count: 3, customers: 2, seed: "run-time" })).status).toBe(200);
    expect((await post("/__sandbox/options", { listRatePerSecond: 0 })).status).toBe(200);
    try {
      const listed = await api("GET", "/subscription?pageNo=1&pageSize=50", DEMO_TOKEN);
      expect(listed.json.data.map((s: { id: number }) => s.id)).toEqual([80000000, 80000001, 80000002]);
    } finally {
      loop.state.subscriptions.clear();
      loop.state.listRatePerSecond = 3;
    }
  });

  it("answers 429 with Retry-After once a store goes over the list's rate", async () => {
    loop.state.listRatePerSecond = 2;
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${loop.url}/admin/2023-10/subscription?pageNo=1&pageSize=5`, { headers: { "X-Loop-Token": SECOND_TOKEN } });
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get("retry-after");
    }
    loop.state.listRatePerSecond = 3;
    expect(statuses.slice(0, 2)).toEqual([200, 200]);
    expect(statuses).toContain(429);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
  });

  it("validates topic and address", async () => {
    expect((await api("POST", "/webhook", DEMO_TOKEN, { topic: "order/nope", address: "https://x.example" })).status).toBe(400);
    expect((await api("POST", "/webhook", DEMO_TOKEN, { topic: "order/upcoming" })).status).toBe(400);
    expect((await api("POST", "/webhook", DEMO_TOKEN, { topic: "order/upcoming", address: "ftp://x" })).status).toBe(400);
    expect((await api("GET", "/webhook/topics", DEMO_TOKEN)).json.data).toContain("paymentMethod/expiringSoon");
  });
});

describe("Loop sandbox control plane", () => {
  async function subscribe(topic: string, address: string, token = DEMO_TOKEN) {
    const { json } = await api("POST", "/webhook", token, { topic, address });
    return json.data as { id: number; secret: string };
  }

  it("/__sandbox/send delivers to every subscribed address of the shop+topic, signed with that subscription's secret", async () => {
    const a = await receiver();
    const b = await receiver();
    const other = await receiver();
    const subA = await subscribe("order/upcoming", a.url);
    const subB = await subscribe("order/upcoming", b.url);
    await subscribe("order/processed", other.url);
    expect(subA.secret).not.toBe(subB.secret);

    const { status, json } = await control("POST", "/__sandbox/send", { shopDomain: DEMO_SHOP, topic: "order/upcoming", count: 2, seed: 11, now: "2025-06-01T12:00:00Z" });
    expect(status).toBe(200);
    expect(json).toMatchObject({ subscriptions: 2, events: 2, summary: { delivered: 4, failed: 0 } });
    expect(a.requests).toHaveLength(2);
    expect(b.requests).toHaveLength(2);
    expect(other.requests).toHaveLength(0);

    for (const [r, secret] of [[a, subA.secret], [b, subB.secret]] as const) {
      for (const req of r.requests) {
        const sig = req.headers[WEBHOOK_HEADERS.signature] as string;
        expect(sig).toBe(createHmac("sha256", secret).update(req.rawBody).digest("base64"));
        expect(verifySignature(req.rawBody, secret, sig, ["base64"])).toBe("base64");
        expect(req.headers[WEBHOOK_HEADERS.topic]).toBe("order/upcoming");
      }
    }
    expect(verifySignature(a.requests[0].rawBody, subB.secret, a.requests[0].headers[WEBHOOK_HEADERS.signature] as string)).toBeNull();
    // The first event is exactly generatePayload(topic, { seed, now }).
    const expected = generatePayload("order/upcoming", { seed: 11, shopDomain: DEMO_SHOP, now: "2025-06-01T12:00:00Z" });
    expect(a.requests.map((r) => r.body)).toContainEqual(expected);
    // Each subscription gets its own webhook id per event.
    const ids = [...a.requests, ...b.requests].map((r) => r.headers[WEBHOOK_HEADERS.webhookId]);
    expect(new Set(ids).size).toBe(4);

    const list = await control("GET", "/__sandbox/deliveries");
    expect(list.json.total).toBe(4);
    expect(list.json.deliveries[0]).toMatchObject({ shopDomain: DEMO_SHOP, topic: "order/upcoming", state: "delivered", finalStatus: 200 });
  });

  it("/__sandbox/send reports when nothing is subscribed and rejects unknown topics", async () => {
    const none = await control("POST", "/__sandbox/send", { shopDomain: DEMO_SHOP, topic: "flow/completed" });
    expect(none.status).toBe(200);
    expect(none.json).toMatchObject({ subscriptions: 0, deliveries: [] });
    expect(none.json.warning).toMatch(/no webhook subscriptions/);
    expect((await control("POST", "/__sandbox/send", { shopDomain: DEMO_SHOP, topic: "order/nope" })).status).toBe(400);
  });

  it("/__sandbox/webhooks adds a webhook as the merchant would in Loop's admin, for any Loop topic, with its own secret or the store's", async () => {
    const r = await receiver();
    const viaApi = await subscribe("order/processed", r.url);
    const byHand = await control("POST", "/__sandbox/webhooks", { shopDomain: DEMO_SHOP, topic: "subscription/delayed", address: r.url });
    expect(byHand.status).toBe(200);
    expect(byHand.json).toMatchObject({ topic: "subscription/delayed", address: r.url, shopDomain: DEMO_SHOP });
    expect(byHand.json.secret).toMatch(/^[0-9a-f]{64}$/);
    expect(byHand.json.secret).not.toBe(viaApi.secret); // per webhook (default)

    const { json } = await control("POST", "/__sandbox/send", { shopDomain: DEMO_SHOP, topic: "subscription/delayed", seed: 5 });
    expect(json.summary).toMatchObject({ delivered: 1 });
    const [req] = r.requests;
    expect(req.headers[WEBHOOK_HEADERS.topic]).toBe("subscription/delayed");
    expect(verifySignature(req.rawBody, byHand.json.secret, req.headers[WEBHOOK_HEADERS.signature] as string, ["base64"])).toBe("base64");
    expect((req.body as { payload: { id: unknown } }).payload.id).toBeDefined();

    // One secret per store: every webhook of the store, by API or by hand, shares it.
    await control("POST", "/__sandbox/options", { webhookSecrets: "per-store" });
    const a = await subscribe("order/upcoming", r.url);
    const b = await control("POST", "/__sandbox/webhooks", { shopDomain: DEMO_SHOP, topic: "order/unskipped", address: r.url });
    expect(b.json.secret).toBe(a.secret);
    await control("POST", "/__sandbox/options", { webhookSecrets: "per-webhook" });

    expect((await control("POST", "/__sandbox/webhooks", { shopDomain: DEMO_SHOP, topic: "order/nope", address: r.url })).status).toBe(400);
    expect((await control("POST", "/__sandbox/webhooks", { shopDomain: "stranger.myshopify.com", topic: "order/unskipped", address: r.url })).status).toBe(400);
  });

  it("/__sandbox/options switches encoding, duplicates and retry delays at run time", async () => {
    let calls = 0;
    const r = await receiver(() => (calls++ === 0 ? 500 : 200));
    const sub = await subscribe("subscription/created", r.url);
    const opts = await control("POST", "/__sandbox/options", { signatureEncoding: "hex", duplicateRate: 1, retryDelaysMs: [5] });
    expect(opts.json).toMatchObject({ signatureEncoding: "hex", duplicateRate: 1, retries: { delaysMs: [5] } });

    const { json } = await control("POST", "/__sandbox/send", { shopDomain: DEMO_SHOP, topic: "subscription/created", seed: 3 });
    expect(json.summary).toMatchObject({ delivered: 2, duplicates: 1, retries: 1 });
    expect(r.requests).toHaveLength(3); // 500, retry 200, duplicate 200
    expect(r.requests.map((x) => x.headers[WEBHOOK_HEADERS.retryCount])).toEqual(["0", "1", "0"]);
    expect(new Set(r.requests.map((x) => x.headers[WEBHOOK_HEADERS.webhookId])).size).toBe(1);
    for (const req of r.requests) {
      expect(req.headers[WEBHOOK_HEADERS.signature]).toBe(createHmac("sha256", sub.secret).update(req.rawBody).digest("hex"));
      expect(verifySignature(req.rawBody, sub.secret, req.headers[WEBHOOK_HEADERS.signature] as string, ["hex"])).toBe("hex");
    }
    expect((await control("POST", "/__sandbox/options", { signatureEncoding: "rot13" })).status).toBe(400);
  });

  it("/__sandbox/stream keeps events flowing for subscribed topics until stopped", async () => {
    const r = await receiver();
    await subscribe("order/processed", r.url);
    const start = await control("POST", "/__sandbox/stream", { shopDomain: DEMO_SHOP, ratePerMinute: 1200, seed: 5 });
    expect(start.json.running).toBe(true);
    await r.waitFor(3, 3_000);
    const { stats } = loop.state.streams.get(DEMO_SHOP)!.stream;
    const stop = await control("DELETE", `/__sandbox/stream?shop=${DEMO_SHOP}`);
    expect(stop.json.stopped).toEqual([DEMO_SHOP]);
    // Stopped: the count of emitted events is final; once each has arrived, nothing more can.
    const emitted = stats.emitted;
    await waitFor("every emitted event to arrive", () => r.requests.length >= emitted, 3_000, 5);
    expect(r.requests.length).toBe(emitted);
    expect(stats.running).toBe(false);
    expect(new Set(r.requests.map((x) => x.headers[WEBHOOK_HEADERS.topic]))).toEqual(new Set(["order/processed"]));
    expect((await control("GET", "/__sandbox/stream")).json.streams).toEqual([]);
  });

  it("/__sandbox/stores adds a store with a token usable on the Admin API", async () => {
    const { json } = await control("POST", "/__sandbox/stores", { shopDomain: "new-shop.myshopify.com", scopes: ["read_orders"] });
    expect(json.token).toMatch(/^loop_/);
    const check = await api("GET", "/store", json.token);
    expect(check.json.data.myshopifyDomain).toBe("new-shop.myshopify.com");
    expect((await api("GET", "/webhook", json.token)).status).toBe(403);
  });

  it("/__sandbox/faults answers a status to the next requests of a method, then lets them through", async () => {
    const { json: created } = await api("POST", "/webhook", DEMO_TOKEN, { topic: "order/upcoming", address: "https://app.example/webhooks/loop" });
    expect((await control("POST", "/__sandbox/faults", { status: 503, count: 2, methods: ["delete"] })).status).toBe(200);
    expect((await api("GET", "/webhook", DEMO_TOKEN)).status).toBe(200); // other methods are not faulted
    expect((await api("DELETE", `/webhook/${created.data.id}`, DEMO_TOKEN)).status).toBe(503);
    expect((await api("DELETE", `/webhook/${created.data.id}`, DEMO_TOKEN)).json).toMatchObject({ success: false, code: 503 });
    expect((await api("DELETE", `/webhook/${created.data.id}`, DEMO_TOKEN)).status).toBe(200);
    expect((await control("POST", "/__sandbox/faults", { status: 418 })).status).toBe(400);
    await control("DELETE", "/__sandbox/faults");
  });

  it("/__sandbox/faults holds requests until cleared, and drops a held request whose client went away", async () => {
    const { json: first } = await api("POST", "/webhook", DEMO_TOKEN, { topic: "order/upcoming", address: "https://app.example/a" });
    const { json: second } = await api("POST", "/webhook", DEMO_TOKEN, { topic: "order/upcoming", address: "https://app.example/b" });
    await control("POST", "/__sandbox/faults", { hold: true, methods: ["DELETE"] });
    const abandoned = new AbortController();
    const cutOff = fetch(`${loop.url}/admin/2023-10/webhook/${first.data.id}`, { method: "DELETE", headers: { "X-Loop-Token": DEMO_TOKEN }, signal: abandoned.signal }).catch(() => null);
    const waiting = api("DELETE", `/webhook/${second.data.id}`, DEMO_TOKEN);
    await waitFor("both requests held", () => loop.state.held >= 2, 5_000, 5);
    abandoned.abort();
    await cutOff;
    await waitFor("the abandoned request dropped", () => loop.state.held <= 1, 5_000, 5);
    await control("DELETE", "/__sandbox/faults");
    expect((await waiting).status).toBe(200);
    expect(loop.state.webhooks.has(first.data.id)).toBe(true); // dropped: never carried out
    expect(loop.state.webhooks.has(second.data.id)).toBe(false);
  });
});

