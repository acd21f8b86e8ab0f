import { createHmac } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { generatePayload } from "./payloads";
import { WEBHOOK_HEADERS, verifySignature } from "../../app/loop/protocol";
import { startWebhookReceiver, type Responder, type WebhookReceiver } from "./receiver";
import { createLoopSender, type LoopSender, type LoopSenderOptions } from "./sender";

const SHOP = "demo-shop.myshopify.com";
const SECRET = "test-secret-1234";

let receiver: WebhookReceiver | undefined;
let sender: LoopSender | undefined;
afterEach(async () => {
  sender?.close();
  await receiver?.close();
  sender = receiver = undefined;
});

async function setup(respond?: Responder, options: Partial<LoopSenderOptions> = {}) {
  receiver = await startWebhookReceiver({ respond });
  sender = createLoopSender({ url: receiver.url, secret: SECRET, timeoutMs: 1_000, retries: { maxAttempts: 4, delaysMs: [20] }, ...options });
  return { receiver, sender };
}

const header = (h: Record<string, unknown>, name: string) => h[name] as string;

describe("createLoopSender", () => {
  it("POSTs the envelope with Loop's headers and a base64 HMAC-SHA256 of the raw body", async () => {
    const { receiver, sender } = await setup();
    const env = generatePayload("order/upcoming", { seed: 1, shopDomain: SHOP });
    const created = Date.UTC(2025, 0, 2, 3, 4, 5);
    const result = await sender.send({ shopDomain: SHOP, topic: "order/upcoming", payload: env.payload, createdAt: created });

    expect(result).toMatchObject({ ok: true, state: "delivered", finalStatus: 200, duplicate: false, signatureEncoding: "base64" });
    expect(result.attempts).toHaveLength(1);
    const [req] = receiver.requests;
    expect(req.method).toBe("POST");
    expect(req.headers["content-type"]).toBe("application/json");
    expect(req.body).toEqual(env);
    expect(header(req.headers, WEBHOOK_HEADERS.webhookId)).toBe(result.webhookId);
    expect(header(req.headers, WEBHOOK_HEADERS.topic)).toBe("order/upcoming");
    expect(header(req.headers, WEBHOOK_HEADERS.apiVersion)).toBe("2023-10");
    expect(header(req.headers, WEBHOOK_HEADERS.createdAt)).toBe("2025-01-02T03:04:05.000Z");
    expect(Date.parse(header(req.headers, WEBHOOK_HEADERS.deliveryAt))).toBeGreaterThan(created);
    expect(header(req.headers, WEBHOOK_HEADERS.retryCount)).toBe("0");
    const expected = createHmac("sha256", SECRET).update(req.rawBody).digest("base64");
    expect(header(req.headers, WEBHOOK_HEADERS.signature)).toBe(expected);
    expect(verifySignature(req.rawBody, SECRET, header(req.headers, WEBHOOK_HEADERS.signature))).toBe("base64");
    expect(verifySignature(req.rawBody, "wrong-secret", header(req.headers, WEBHOOK_HEADERS.signature))).toBeNull();
  });

  it("signs hex when configured, signs the exact bytes of a raw body, and can omit the signature", async () => {
    const { receiver, sender } = await setup(undefined, { signatureEncoding: "hex" });
    const body = '{"payload":{"id":1,"note":"ünïcødé"},"metaData":{"myshopifyDomain":"demo-shop.myshopify.com"}}';
    await sender.send({ shopDomain: SHOP, topic: "flow/completed", body });
    const sig = header(receiver.requests[0].headers, WEBHOOK_HEADERS.signature);
    expect(sig).toMatch(/^[0-9a-f]{64}$/);
    expect(sig).toBe(createHmac("sha256", SECRET).update(Buffer.from(body, "utf8")).digest("hex"));
    expect(receiver.requests[0].rawBody.toString("utf8")).toBe(body);

    sender.setOptions({ sign: false });
    await sender.send({ shopDomain: SHOP, topic: "flow/completed", body });
    expect(receiver.requests[1].headers[WEBHOOK_HEADERS.signature]).toBeUndefined();
  });

  it("retries non-2xx with the same webhook id, body, Created-At and signature; Retry-Count counts up", async () => {
    const { receiver, sender } = await setup((_req, i) => (i < 2 ? 500 : 200));
    const result = await sender.send({ shopDomain: SHOP, topic: "subscription/created", payload: { id: 1 } });
    expect(result.ok).toBe(true);
    expect(result.attempts.map((a) => [a.retryCount, a.status])).toEqual([[0, 500], [1, 500], [2, 200]]);
    expect(receiver.requests).toHaveLength(3);
    const h = receiver.requests.map((r) => r.headers);
    for (const name of [WEBHOOK_HEADERS.webhookId, WEBHOOK_HEADERS.createdAt, WEBHOOK_HEADERS.signature, WEBHOOK_HEADERS.topic]) {
      expect(new Set(h.map((x) => x[name])).size, name).toBe(1);
    }
    expect(h.map((x) => x[WEBHOOK_HEADERS.retryCount])).toEqual(["0", "1", "2"]);
    expect(new Set(receiver.requests.map((r) => r.rawBody.toString())).size).toBe(1);
  });

  it("gives up after maxAttempts and reports the final status", async () => {
    const { receiver, sender } = await setup(() => 503, { retries: { maxAttempts: 2, delaysMs: [10] } });
    const result = await sender.send({ shopDomain: SHOP, topic: "order/skipped", payload: {} });
    expect(result).toMatchObject({ ok: false, state: "failed", finalStatus: 503 });
    expect(result.attempts).toHaveLength(2);
    expect(receiver.requests).toHaveLength(2);
  });

  it("treats a receiver that hangs past the timeout as failed and retries", async () => {
    const { receiver, sender } = await setup((_req, i) => (i === 0 ? "hang" : 200), { timeoutMs: 250 });
    const started = Date.now();
    const result = await sender.send({ shopDomain: SHOP, topic: "order/processed", payload: { id: 2 } });
    expect(result.ok).toBe(true);
    expect(result.attempts[0]).toMatchObject({ outcome: "timeout", status: null, retryCount: 0 });
    expect(result.attempts[0].latencyMs).toBeGreaterThanOrEqual(240);
    expect(result.attempts[1]).toMatchObject({ outcome: "ok", status: 200, retryCount: 1 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(receiver.requests[0].headers[WEBHOOK_HEADERS.webhookId]).toBe(receiver.requests[1].headers[WEBHOOK_HEADERS.webhookId]);
  });

  it("re-delivers already delivered webhooks when duplicateRate is set", async () => {
    const { receiver, sender } = await setup(undefined, { duplicateRate: 1 });
    const result = await sender.send({ shopDomain: SHOP, topic: "order/processed", payload: { id: 3 } });
    expect(result.duplicates).toHaveLength(1);
    expect(result.duplicates[0]).toMatchObject({ duplicate: true, ok: true, webhookId: result.webhookId });
    expect(receiver.requests).toHaveLength(2);
    const [a, b] = receiver.requests;
    expect(a.headers[WEBHOOK_HEADERS.webhookId]).toBe(b.headers[WEBHOOK_HEADERS.webhookId]);
    expect(a.headers[WEBHOOK_HEADERS.signature]).toBe(b.headers[WEBHOOK_HEADERS.signature]);
    expect(a.rawBody.equals(b.rawBody)).toBe(true);

    sender.setOptions({ duplicateRate: 0 });
    const once = await sender.send({ shopDomain: SHOP, topic: "order/processed", payload: { id: 4 } });
    expect(once.duplicates).toHaveLength(0);
    expect(receiver.requests).toHaveLength(3);
  });

  it("sendMany: rate-limited batch with a topic mix; outOfOrder shuffles dispatch deterministically", async () => {
    const { receiver, sender } = await setup(undefined, { seed: 7 });
    const createdOrder = () => receiver.requests.map((r) => Date.parse(r.headers[WEBHOOK_HEADERS.createdAt] as string));
    const isSorted = (xs: number[]) => xs.every((x, i) => i === 0 || xs[i - 1] <= x);

    const started = Date.now();
    const inOrder = await sender.sendMany({ shopDomain: SHOP, count: 12, ratePerSecond: 100, seed: 1, topics: ["order/upcoming", "flow/completed"] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(100); // 11 gaps of 10 ms
    expect(inOrder.summary).toMatchObject({ events: 12, delivered: 12, failed: 0 });
    expect(Object.keys(inOrder.summary.byTopic).sort()).toEqual(["flow/completed", "order/upcoming"]);
    await receiver.waitFor(12);
    expect(isSorted(createdOrder())).toBe(true);

    // Out of order: same events, shuffled dispatch; Created-At still tells the original order.
    receiver.requests.length = 0;
    sender.setOptions({ outOfOrder: true, seed: 7 });
    const shuffled = await sender.sendMany({ shopDomain: SHOP, count: 12, seed: 1, topics: ["order/upcoming", "flow/completed"] });
    expect(shuffled.summary.delivered).toBe(12);
    const dispatchedTopics = shuffled.deliveries.map((d) => d.topic);
    expect(isSorted(shuffled.deliveries.map((d) => Date.parse(d.createdAt)))).toBe(false);
    const sortedBack = [...shuffled.deliveries].sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt)).map((d) => d.topic);
    expect(sortedBack).toEqual(inOrder.deliveries.map((d) => d.topic));

    // Deterministic: the same seed shuffles the same way.
    sender.setOptions({ seed: 7 });
    const again = await sender.sendMany({ shopDomain: SHOP, count: 12, seed: 1, topics: ["order/upcoming", "flow/completed"] });
    expect(again.deliveries.map((d) => d.topic)).toEqual(dispatchedTopics);
  });

  it("sendBatch reports an item that cannot be dispatched instead of failing the batch", async () => {
    const { receiver } = await setup();
    const noUrl = createLoopSender({ secret: SECRET });
    const result = await noUrl.sendBatch([
      { shopDomain: SHOP, topic: "order/processed", payload: {} },
      { shopDomain: SHOP, topic: "order/processed", payload: {}, url: receiver.url },
    ]);
    noUrl.close();
    expect(result.deliveries.map((d) => d.state)).toEqual(["failed", "delivered"]);
    expect(result.deliveries[0].error).toMatch(/no url/);
    expect(result.summary).toMatchObject({ delivered: 1, failed: 1 });
  });

  it("close() aborts pending retries", async () => {
    let firstAttemptDone!: () => void;
    const firstAttempt = new Promise<void>((resolve) => (firstAttemptDone = resolve));
    const { sender } = await setup(() => 500, { retries: { maxAttempts: 5, delaysMs: [5_000] }, onAttempt: () => firstAttemptDone() });
    const pending = sender.send({ shopDomain: SHOP, topic: "order/processed", payload: {} });
    await firstAttempt; // now waiting 5 s for the retry
    sender.close();
    const result = await pending;
    expect(result.state).toBe("aborted");
    expect(result.attempts).toHaveLength(1);
  });
});
