// The production server's fast path for Loop's webhooks, over real HTTP: same answers as the Remix route,
// the group-commit writer and the signing-secret cache behind it, on every test database.
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseKinds, withTestDatabase } from "../../tests/support/databases";
import { setTestEnv } from "../../tests/support/connections";
import { addManualLoopSecret } from "~/connections/loop.server";
import { signBody } from "~/loop/protocol";
import { handleLoopWebhookHttp, isLoopWebhookRequest } from "./http.server";
import { closeLoopIngestion } from "./runtime.server";

const SHOP = "fastpath.myshopify.com";
const SECRET = "whsec_fast_path_secret_0123456789";

describe("which requests take the fast path", () => {
  it.each([
    ["POST", "/webhooks/loop?shop=a.myshopify.com", true],
    ["POST", "/webhooks/loop", true],
    ["GET", "/webhooks/loop?shop=a.myshopify.com", false],
    ["POST", "/webhooks/loopy", false],
    ["POST", "/webhooks/loop/x", false],
    ["POST", "/webhooks/app/uninstalled", false],
  ])("%s %s → %s", (method, url, expected) => {
    expect(isLoopWebhookRequest({ method, url } as IncomingMessage)).toBe(expected);
  });
});

describe.each(databaseKinds)("Loop webhooks on the fast path (%s)", (kind) => {
  const database = withTestDatabase(kind);
  let server: http.Server;
  let base: string;
  let restoreEnv: () => void;

  beforeAll(async () => {
    restoreEnv = setTestEnv({ LOOP_WEBHOOK_MAX_BODY_BYTES: "4096" });
    expect(await addManualLoopSecret(database.db, SHOP, SECRET, ["subscription/created"])).toMatchObject({ ok: true });
    server = http.createServer((req: IncomingMessage, res: ServerResponse) => {
      if (isLoopWebhookRequest(req)) handleLoopWebhookHttp(req, res);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await closeLoopIngestion();
    restoreEnv();
  });

  const CREATED_AT = new Date(Date.now() - 60_000).toISOString();
  const body = (extra: Record<string, unknown> = {}) => JSON.stringify({ payload: { id: 7, status: "ACTIVE", ...extra }, metaData: { myshopifyDomain: SHOP } });
  // Each webhook's body names its id: the same body under another id would be refused as a replay.
  function send(id: string, text = body({ webhook: id }), { secret = SECRET, shop = SHOP as string | null, headers = {} as Record<string, string> } = {}) {
    return fetch(`${base}/webhooks/loop${shop ? `?shop=${shop}` : ""}`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "X-Loop-Webhook-Id": id,
        "X-Loop-Webhook-Topic": "subscription/created",
        "X-Loop-Webhook-Created-At": CREATED_AT,
        "X-Loop-Signature": signBody(text, secret, "base64"),
        ...headers,
      },
      body: text,
    });
  }

  it("stores a signed webhook before answering 202, and a redelivery once (200)", async () => {
    const first = await send("fp-1");
    expect(first.status).toBe(202);
    const { id } = await first.json();
    const row = await database.db.event.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ shopDomain: SHOP, dedupeKey: "fp-1", status: "received" });
    expect(row.occurredAt.toISOString()).toBe(CREATED_AT);
    const again = await send("fp-1");
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ accepted: true, duplicate: true });
    expect(await database.db.event.count({ where: { dedupeKey: "fp-1" } })).toBe(1);
  });

  it("stores each of many concurrent webhooks exactly once, redeliveries included", async () => {
    const ids = Array.from({ length: 200 }, (_, i) => `fp-many-${i % 150}`);
    const statuses = await Promise.all(ids.map((id) => send(id).then((r) => r.status)));
    expect(statuses.filter((s) => s === 202)).toHaveLength(150);
    expect(statuses.filter((s) => s === 200)).toHaveLength(50);
    expect(await database.db.event.count({ where: { dedupeKey: { startsWith: "fp-many-" } } })).toBe(150);
  });

  it("refuses a captured body replayed under a new webhook id and Created-At as a duplicate (200), storing it once", async () => {
    const captured = body({ webhook: "fp-original" });
    expect((await send("fp-original", captured)).status).toBe(202);
    const replay = await send("fp-replayed", captured, { headers: { "X-Loop-Webhook-Created-At": new Date().toISOString() } });
    expect(replay.status).toBe(200);
    expect(await replay.json()).toEqual({ accepted: true, duplicate: true });
    expect(await database.db.event.count({ where: { dedupeKey: { in: ["fp-original", "fp-replayed"] } } })).toBe(1);
  });

  it("refuses a delivery whose Created-At is far outside Loop's retry window (422)", async () => {
    const old = await send("fp-old", undefined, { headers: { "X-Loop-Webhook-Created-At": new Date(Date.now() - 72 * 3_600_000).toISOString() } });
    const ahead = await send("fp-ahead", undefined, { headers: { "X-Loop-Webhook-Created-At": new Date(Date.now() + 3_600_000).toISOString() } });
    expect([old.status, ahead.status]).toEqual([422, 422]);
    expect(await database.db.event.count({ where: { dedupeKey: { in: ["fp-old", "fp-ahead"] } } })).toBe(0);
  });

  it("accepts a signing secret saved a moment ago although the old ones are cached", async () => {
    expect((await send("fp-warm")).status).toBe(202); // fills the cache
    const added = "whsec_added_later_secret_0123456789";
    expect(await addManualLoopSecret(database.db, SHOP, added, ["subscription/created"])).toMatchObject({ ok: true });
    expect((await send("fp-new-secret", body(), { secret: added })).status).toBe(202);
  });

  it.each([
    ["a wrong signature", { secret: "not the secret at all 0123456789" }, 401],
    ["an unknown shop (answered as a bad signature)", { shop: "stranger.myshopify.com" }, 401],
    ["no signature", { headers: { "X-Loop-Signature": "" } }, 401],
  ] as const)("rejects %s and stores nothing", async (_name, options, status) => {
    const response = await send(`fp-reject-${status}-${_name}`, body(), options as never);
    expect(response.status).toBe(status);
    expect(await database.db.event.count({ where: { dedupeKey: `fp-reject-${status}-${_name}` } })).toBe(0);
  });

  it("refuses an oversized body (413) whether or not it declares its length, and closes the connection", async () => {
    const big = body({ pad: "x".repeat(10_000) });
    const declared = await send("fp-big-1", big);
    expect(declared.status).toBe(413);
    expect(declared.headers.get("connection")).toBe("close");
    // Chunked (no Content-Length): the server stops reading at the limit.
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${base}/webhooks/loop?shop=${SHOP}`, {
        method: "POST",
        headers: { "X-Loop-Webhook-Id": "fp-big-2", "X-Loop-Webhook-Topic": "subscription/created", "X-Loop-Signature": signBody(big, SECRET) },
      });
      req.on("response", (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on("error", reject);
      for (let i = 0; i < big.length; i += 1000) req.write(big.slice(i, i + 1000));
      req.end();
    });
    expect(chunked).toBe(413);
    expect(await database.db.event.count({ where: { dedupeKey: { in: ["fp-big-1", "fp-big-2"] } } })).toBe(0);
  });

  it("survives a client that goes away in the middle of the body, and stores nothing for it", async () => {
    await new Promise<void>((resolve) => {
      const req = http.request(`${base}/webhooks/loop?shop=${SHOP}`, {
        method: "POST",
        headers: { "Content-Length": "2000", "X-Loop-Webhook-Id": "fp-gone", "X-Loop-Webhook-Topic": "subscription/created", "X-Loop-Signature": "x" },
      });
      req.on("error", () => resolve());
      // Gone once the first part of the body has been sent: the rest never comes.
      req.write("{\"payload\":", () => {
        req.destroy();
        resolve();
      });
    });
    expect((await send("fp-after-gone")).status).toBe(202);
    expect(await database.db.event.count({ where: { dedupeKey: "fp-gone" } })).toBe(0);
  });
});
