// The Loop Admin API client against the local Loop stand-in over real HTTP (sandbox/loop), plus servers that
// hang or answer garbage, for the outcomes the stand-in does not play.
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_READONLY_TOKEN, DEMO_SHOP, DEMO_TOKEN, startLoopStandIn, type LoopStandIn } from "../../sandbox/loop/server";
import { closedPort, hangingServer } from "../../tests/support/net";
import { LoopClient } from "./client.server";

const ADDRESS = "https://app.example.com/webhooks/loop?shop=demo-shop.myshopify.com";

describe("Loop client", () => {
  let loop: LoopStandIn;
  const client = (token = DEMO_TOKEN, timeoutMs = 2000) => new LoopClient({ baseUrl: loop.url, token, timeoutMs });

  beforeAll(async () => {
    loop = await startLoopStandIn();
  });
  afterAll(() => loop.close());

  it("lists subscriptions page by page with the configured path and page size, and says when a page is the last", async () => {
    loop.state.subscriptions.set(DEMO_SHOP, { count: 3, customers: 2, seed: "client" });
    loop.state.listRatePerSecond = 0;
    const first = await client().listSubscriptions(1, { path: "/subscription", pageSize: 2 });
    expect(first).toMatchObject({ ok: true, value: { hasNextPage: true, total: 3, subscriptions: [{ id: 80000000 }, { id: 80000001 }] } });
    expect(loop.state.requests.at(-1)).toMatchObject({ path: "/admin/2023-10/subscription", search: "?pageNo=1&pageSize=2" });
    expect(await client().listSubscriptions(2, { path: "/subscription", pageSize: 2 })).toMatchObject({ ok: true, value: { hasNextPage: false, subscriptions: [{ id: 80000002 }] } });
    expect(await client().listSubscriptions(1, { path: "/subscriptions", pageSize: 2 })).toMatchObject({ ok: false, failure: { kind: "not_found" } });
  });

  it("reports Loop's 429 with how long it asked to wait", async () => {
    loop.state.listRatePerSecond = 1;
    await client().listSubscriptions(1, { path: "/subscription", pageSize: 2 });
    const limited = await client().listSubscriptions(1, { path: "/subscription", pageSize: 2 });
    loop.state.listRatePerSecond = 0;
    expect(limited).toMatchObject({ ok: false, status: 429, failure: { kind: "rate_limited", retryAfterMs: 1000 } });
  });

  it("checks a token and reads its store and scopes", async () => {
    const result = await client().checkToken();
    expect(result).toMatchObject({ ok: true, status: 200, value: { myshopifyDomain: DEMO_SHOP, token: { scopes: expect.arrayContaining(["write_webhooks"]) } } });
    const [request] = loop.state.requests.slice(-1);
    expect(request).toMatchObject({ method: "GET", path: "/admin/2023-10/store", shopDomain: DEMO_SHOP, status: 200 });
  });

  it("classifies an unknown token as unauthorized, with Loop's message", async () => {
    expect(await client("loop_nope_0000000000").checkToken()).toMatchObject({ ok: false, status: 401, failure: { kind: "unauthorized", message: "invalid token" } });
  });

  it("classifies a token without the webhook scope as forbidden", async () => {
    const result = await client(DEMO_READONLY_TOKEN).subscribeWebhook("order/upcoming", ADDRESS);
    expect(result).toMatchObject({ ok: false, status: 403, failure: { kind: "forbidden", message: expect.stringMatching(/write_webhooks/) } });
  });

  it("subscribes (with the signing secret), lists without secrets, reports a duplicate with its id, and unsubscribes", async () => {
    const created = await client().subscribeWebhook("order/upcoming", ADDRESS);
    expect(created).toMatchObject({ ok: true, value: { topic: "order/upcoming", address: ADDRESS, secret: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    if (!created.ok) return;
    expect(created.value.id).toMatch(/^\d+$/);

    const duplicate = await client().subscribeWebhook("order/upcoming", ADDRESS);
    expect(duplicate).toMatchObject({ ok: false, status: 409, failure: { kind: "already_subscribed", existingWebhookId: created.value.id } });

    const list = await client().listWebhooks();
    expect(list.ok && list.value).toEqual([{ id: created.value.id, topic: "order/upcoming", address: ADDRESS }]);

    expect(await client().unsubscribeWebhook(created.value.id)).toMatchObject({ ok: true, status: 200 });
    expect(await client().unsubscribeWebhook(created.value.id)).toMatchObject({ ok: false, status: 404, failure: { kind: "not_found" } });
  });

  it("refuses what Loop refuses (unknown topic) as rejected", async () => {
    expect(await client().subscribeWebhook("order/teleported", ADDRESS)).toMatchObject({ ok: false, status: 400, failure: { kind: "rejected", message: "unknown topic: order/teleported" } });
  });

  it("reports a timeout, an unreachable Loop and a body that is not Loop's envelope", async () => {
    const hanging = await hangingServer();
    try {
      const timedOut = await new LoopClient({ baseUrl: hanging.url, token: DEMO_TOKEN, timeoutMs: 200 }).checkToken();
      expect(timedOut).toMatchObject({ ok: false, status: null, failure: { kind: "timeout", message: "Loop did not answer within 0.2 s" } });
      expect(timedOut.durationMs).toBeGreaterThanOrEqual(190);
    } finally {
      await hanging.close();
    }

    const unreachable = await new LoopClient({ baseUrl: `http://127.0.0.1:${await closedPort()}`, token: DEMO_TOKEN }).checkToken();
    expect(unreachable).toMatchObject({ ok: false, status: null, failure: { kind: "unavailable", message: expect.stringMatching(/ECONNREFUSED/) } });

    const garbage = http.createServer((_req, res) => res.writeHead(200, { "Content-Type": "text/html" }).end("<html>maintenance</html>"));
    await new Promise<void>((resolve) => garbage.listen(0, "127.0.0.1", resolve));
    try {
      const port = (garbage.address() as { port: number }).port;
      expect(await new LoopClient({ baseUrl: `http://127.0.0.1:${port}`, token: DEMO_TOKEN }).checkToken()).toMatchObject({ ok: false, failure: { kind: "malformed_response" } });
    } finally {
      await new Promise((resolve) => garbage.close(resolve));
    }
  });

  it("never follows a redirect to another origin with the token, and follows one within Loop's origin", async () => {
    // Two loopback servers on different ports are different origins: "elsewhere" records what reaches it.
    const reachedElsewhere: (string | undefined)[] = [];
    const elsewhere = await listen((req, res) => {
      reachedElsewhere.push(req.headers["x-loop-token"] as string | undefined);
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ success: true, data: {} }));
    });
    const redirecting = await listen((req, res) => {
      if (req.url?.startsWith("/moved")) {
        res.writeHead(req.headers["x-loop-token"] === DEMO_TOKEN ? 200 : 401, { "Content-Type": "application/json" }).end(JSON.stringify({ success: true, data: null }));
      } else if (req.url?.includes("/store")) {
        res.writeHead(302, { Location: `${elsewhere.url}/steal` }).end();
      } else {
        res.writeHead(307, { Location: "/moved" }).end();
      }
    });
    try {
      const away = await new LoopClient({ baseUrl: redirecting.url, token: DEMO_TOKEN }).checkToken();
      expect(away).toMatchObject({ ok: false, status: 302, failure: { kind: "rejected", message: expect.stringMatching(/redirect that was not followed/) } });
      expect(reachedElsewhere).toEqual([]);

      const followed = await new LoopClient({ baseUrl: redirecting.url, token: DEMO_TOKEN }).unsubscribeWebhook("1");
      expect(followed).toMatchObject({ ok: true, status: 200 });
    } finally {
      await Promise.all([redirecting.close(), elsewhere.close()]);
    }
  });

  it("never puts the token in a result", async () => {
    const results = [await client().checkToken(), await client("loop_secret_token_123456").checkToken(), await client(DEMO_READONLY_TOKEN).listWebhooks()];
    for (const result of results) {
      expect(JSON.stringify(result)).not.toContain(DEMO_TOKEN);
      expect(JSON.stringify(result)).not.toContain("loop_secret_token_123456");
    }
  });
});

async function listen(handler: http.RequestListener): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
