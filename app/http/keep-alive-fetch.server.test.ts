// The worker's fetch: what timedFetch and the Postscript client read from it, and failures shaped like fetch's.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closedPort, hangingServer } from "../../tests/support/net";
import { keepAliveFetch } from "./keep-alive-fetch.server";
import { timedFetch } from "./timed-fetch.server";

describe("keep-alive fetch", () => {
  let server: http.Server;
  let base: string;
  const sockets = new Set<unknown>();
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      sockets.add(req.socket);
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        if (req.url === "/limited") {
          res.writeHead(429, { "Retry-After": "2", "Content-Type": "application/json" });
          return res.end(JSON.stringify({ error_message: "Rate limit exceeded" }));
        }
        res.writeHead(202, { "Content-Type": "application/json", "X-Echo-Auth": req.headers.authorization ?? "" });
        res.end(JSON.stringify({ method: req.method, body, length: req.headers["content-length"] ?? null }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("sends method, headers and body, and gives status, headers and text; reuses its connection", async () => {
    const fetchImpl = keepAliveFetch();
    for (let i = 0; i < 3; i++) {
      const response = await fetchImpl(`${base}/api/v2/events`, { method: "POST", headers: { Authorization: "Bearer sk_x", "Content-Type": "application/json" }, body: "{\"ü\":1}" });
      expect(response.status).toBe(202);
      expect(response.ok).toBe(true);
      expect(response.headers.get("x-echo-auth")).toBe("Bearer sk_x");
      expect(response.headers.get("X-Missing")).toBeNull();
      expect(JSON.parse(await response.text())).toEqual({ method: "POST", body: "{\"ü\":1}", length: "8" });
    }
    expect(sockets.size).toBe(1);
  });

  it("works under timedFetch like fetch: answers, Retry-After, timeouts and unreachable hosts", async () => {
    const fetchImpl = keepAliveFetch();
    const limited = await timedFetch(fetchImpl, `${base}/limited`, { method: "GET" }, 2000, "Postscript");
    expect(limited.ok && limited.response.status).toBe(429);
    expect(limited.ok && limited.response.headers.get("retry-after")).toBe("2");

    const hanging = await hangingServer();
    const timedOut = await timedFetch(fetchImpl, hanging.url, { method: "GET" }, 200, "Postscript");
    expect(timedOut).toMatchObject({ ok: false, kind: "timeout", message: "Postscript did not answer within 0.2 s" });
    await hanging.close();

    const refused = await timedFetch(fetchImpl, `http://127.0.0.1:${await closedPort()}/`, { method: "GET" }, 2000, "Postscript");
    expect(refused).toMatchObject({ ok: false, kind: "unavailable", message: "Postscript could not be reached (ECONNREFUSED)" });
  });
});
