// What one unauthenticated client can cost the production server (`npm start`, run as a real process): large
// bodies, slow bodies and headers, many connections, and requests that used to answer 500 with a stack trace.
import { readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { getHmac } from "@shopify/shopify-api/test-helpers";
import { API_SECRET_KEY } from "@shopify/shopify-api/test-helpers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../tests/support/databases";
import { BROWSER_UA } from "../tests/support/shopify";
import { baseServerEnv, startAppServer, type AppServer } from "../tests/support/app-server";

const MiB = 1024 * 1024;

/** Restarts the process's peak-memory count (Linux), so that the next peak is this test's. */
function resetPeakMemory(pid: number) {
  writeFileSync(`/proc/${pid}/clear_refs`, "5");
}

/** The process's resident memory and its peak since the last reset (Linux), in bytes. */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)![1]) * 1024;
  return { rss: kib("VmRSS"), peak: kib("VmHWM") };
}

/** POSTs `bytes` of body in 1 MiB chunks (with Content-Length, or chunked); the status, or 0 without an answer. */
function postLarge(base: string, path: string, bytes: number, { chunked = false, headers = {} as Record<string, string> } = {}) {
  return new Promise<{ status: number; text: string }>((resolve) => {
    const chunk = Buffer.alloc(MiB, "a");
    const req = http.request(new URL(path, base), {
      method: "POST",
      agent: false,
      headers: { "Content-Type": "application/x-www-form-urlencoded", ...(chunked ? {} : { "Content-Length": String(bytes) }), ...headers },
    });
    let answered = false;
    req.on("response", (res) => {
      answered = true;
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      res.on("error", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    // The server closing the connection mid-upload is the point; without an answer it counts as status 0.
    req.on("error", () => {
      if (!answered) resolve({ status: 0, text: "" });
    });
    const write = async () => {
      for (let sent = 0; sent < bytes && !req.destroyed; sent += chunk.length) {
        if (!req.write(chunk)) await new Promise((r) => req.once("drain", r).once("close", r));
      }
      if (!req.destroyed) req.end();
    };
    void write();
  });
}

/** A raw connection; resolves when the server closes it, with what it answered and after how long. */
function rawConnection(base: string) {
  const { port } = new URL(base);
  const socket = net.connect(Number(port), "127.0.0.1");
  let received = "";
  socket.on("data", (c) => (received += c.toString()));
  socket.on("error", () => undefined);
  const started = Date.now();
  const closed = new Promise<{ afterMs: number; received: string }>((resolve) => socket.on("close", () => resolve({ afterMs: Date.now() - started, received })));
  const answered = new Promise((resolve) => socket.once("data", resolve));
  return { socket, closed, answered };
}

/** Writes `parts` one at a time, `everyMs` apart, while the connection stays open. */
async function trickle(socket: net.Socket, parts: string[], everyMs: number) {
  for (const part of parts) {
    if (socket.destroyed) return;
    socket.write(part);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

function shopifyWebhook(payload: unknown) {
  const body = JSON.stringify(payload);
  return {
    body,
    headers: {
      "Content-Type": "application/json",
      "X-Shopify-Topic": "app/uninstalled",
      "X-Shopify-Shop-Domain": "limits-shop.myshopify.com",
      "X-Shopify-Hmac-Sha256": getHmac(body, API_SECRET_KEY),
      "X-Shopify-Webhook-Id": crypto.randomUUID(),
      "X-Shopify-API-Version": "2026-10",
      "X-Shopify-Event-Id": crypto.randomUUID(),
      "X-Shopify-Triggered-At": new Date().toISOString(),
    },
  };
}

const databases: TestDatabase[] = [];
const servers: AppServer[] = [];
async function start(extra: Record<string, string> = {}) {
  const database = await createTestDatabase("sqlite");
  databases.push(database);
  const server = await startAppServer({ ...baseServerEnv(database.url), ...extra });
  servers.push(server);
  return server;
}
afterAll(async () => {
  for (const server of servers) await server.stop("SIGKILL");
  for (const database of databases) await database.drop();
});

// Short timeouts, set through configuration, keep the slow-client cases to a few seconds.
const SLOW = { HTTP_HEADERS_TIMEOUT_MS: "600", HTTP_REQUEST_TIMEOUT_MS: "1500", HTTP_BODY_IDLE_TIMEOUT_MS: "400" };

describe("production server limits", () => {
  let server: AppServer;
  beforeAll(async () => {
    server = await start(SLOW);
  });

  it("answers 413 to a 64 MB body by Content-Length and when streamed, on a form, a Shopify webhook and Loop's path, without reading it", async () => {
    const pid = server.child.pid!;
    await fetch(`${server.url}/support/sign-in`); // warm up the route's code before measuring
    resetPeakMemory(pid);
    const before = memoryOf(pid);
    const loopHeaders = { "Content-Type": "application/json", "X-Loop-Webhook-Id": "big-1", "X-Loop-Webhook-Topic": "order/upcoming", "X-Loop-Signature": "x" };
    const cases = [
      { path: "/support/sign-in", headers: {} },
      { path: "/webhooks/app/uninstalled", headers: shopifyWebhook({ id: 1 }).headers },
      { path: "/webhooks/loop?shop=limits-shop.myshopify.com", headers: loopHeaders },
    ];
    // All six at once, as an attacker would send them.
    const started = Date.now();
    const answers = await Promise.all(
      cases.flatMap(({ path, headers }) =>
        [false, true].map(async (chunked) => ({ path, chunked, status: (await postLarge(server.url, path, 64 * MiB, { chunked, headers })).status })),
      ),
    );
    expect(answers).toEqual(cases.flatMap(({ path }) => [false, true].map((chunked) => ({ path, chunked, status: 413 }))));
    expect(Date.now() - started).toBeLessThan(5_000);
    const after = memoryOf(pid);
    // Six 64 MB bodies: the peak grows by far less than one of them.
    expect(after.peak - before.rss).toBeLessThan(32 * MiB);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it("still takes a streamed body under its route's cap whole (a signed Shopify webhook larger than the form cap)", async () => {
    const webhook = shopifyWebhook({ id: 2, padding: "p".repeat(300_000) });
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(new URL("/webhooks/app/uninstalled", server.url), { method: "POST", agent: false, headers: webhook.headers });
      req.on("response", (res) => resolve(res.resume().statusCode ?? 0)).on("error", reject);
      // Several writes without Content-Length: a chunked body, whose HMAC only matches if every byte arrived.
      for (let i = 0; i < webhook.body.length; i += 65_536) req.write(webhook.body.slice(i, i + 65_536));
      req.end();
    });
    expect(status).toBe(200);
    const form = await postLarge(server.url, "/webhooks/app/uninstalled", 200_000, { chunked: true });
    expect(form.status).toBe(400); // under the Shopify cap: read, and refused for its missing Shopify headers
    expect((await postLarge(server.url, "/support/sign-in", 200_000, { chunked: true })).status).toBe(413);
  });

  it("closes a connection whose headers trickle in past the headers timeout", async () => {
    const { socket, closed } = rawConnection(server.url);
    void trickle(socket, ["POST /webhooks/app/uninstalled HTTP/1.1\r\n", ...Array.from({ length: 100 }, (_, i) => `X-Slow-${i}: 1\r\n`)], 100);
    const { afterMs } = await closed;
    expect(afterMs).toBeLessThan(2_500);
  });

  it("answers 408 to a body that pauses longer than the idle timeout, on the app's routes and Loop's path", async () => {
    for (const path of ["/webhooks/app/uninstalled", "/webhooks/loop?shop=limits-shop.myshopify.com"]) {
      const { socket, closed } = rawConnection(server.url);
      const head = `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\nX-Loop-Webhook-Id: slow\r\nX-Loop-Webhook-Topic: order/upcoming\r\nX-Loop-Signature: x\r\n\r\n`;
      void trickle(socket, [head, ...Array.from({ length: 100 }, () => "a")], 1_000);
      const { afterMs, received } = await closed;
      expect(afterMs).toBeLessThan(2_000);
      expect(received).toMatch(/^HTTP\/1\.1 408/);
    }
  });

  it("closes a body trickled fast enough to never be idle once the request timeout has passed", async () => {
    const { socket, closed } = rawConnection(server.url);
    const head = "POST /support/sign-in HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n";
    void trickle(socket, [head, ...Array.from({ length: 1000 }, () => "a")], 100);
    const { afterMs } = await closed;
    expect(afterMs).toBeLessThan(3_500);
  });

  it("answers 400 to an unauthenticated /app with a host that is not base64, 403 to a cross-origin write, and logs only JSON lines", async () => {
    const badHost = await fetch(`${server.url}/app?shop=limits-shop.myshopify.com&host=x`, { headers: { "User-Agent": BROWSER_UA }, redirect: "manual" });
    expect(badHost.status).toBe(400);
    for (const path of ["/app/events", "/app", "/support/sign-in"]) {
      const crossOrigin = await fetch(`${server.url}${path}`, {
        method: "POST",
        headers: { Origin: "https://evil.example", "Content-Type": "application/x-www-form-urlencoded" },
        body: "a=1",
        redirect: "manual",
      });
      expect({ path, status: crossOrigin.status }).toEqual({ path, status: 403 });
    }
    const lines = server.output().split("\n").filter(Boolean);
    const notJson = lines.filter((line) => {
      try {
        JSON.parse(line);
        return false;
      } catch {
        return true;
      }
    });
    expect(notJson).toEqual([]);
    expect(server.output()).toContain('"msg":"shopify library"');
  });
});

describe("production server connection limit", () => {
  it("closes connections beyond HTTP_MAX_CONNECTIONS at once, and serves again when the held ones have timed out", async () => {
    const server = await start({ ...SLOW, HTTP_MAX_CONNECTIONS: "4", HTTP_KEEP_ALIVE_TIMEOUT_MS: "1000" });
    const held = Array.from({ length: 4 }, () => rawConnection(server.url));
    // One answered request each proves the server took the connection; keep-alive then holds it open.
    await Promise.all(held.map(({ socket, answered }) => (socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"), answered)));
    const extra = rawConnection(server.url);
    const refused = await extra.closed;
    expect(refused.received).toBe("");
    expect(refused.afterMs).toBeLessThan(500);
    // The keep-alive timeout closes the four, which frees their slots.
    for (const { closed } of held) expect((await closed).afterMs).toBeLessThan(4_000);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});
