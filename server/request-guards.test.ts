import http from "node:http";
import type { AddressInfo } from "node:net";
import type { ServerBuild } from "@remix-run/node";
import { describe, expect, it } from "vitest";
import express from "express";
import { answerUnreadableBodies, refuseMalformedHostParam, refuseUndecodablePath, refuseUnusableHostOrForeignOrigin } from "./request-guards";

const buildWith = (module: Record<string, unknown>) =>
  ({ routes: { "routes/x": { id: "routes/x", path: "x", module } } }) as unknown as ServerBuild;

const callAction = (build: ServerBuild, request: Request) => {
  const action = build.routes["routes/x"].module.action as (args: { request: Request }) => Promise<unknown>;
  return action({ request });
};

describe("answerUnreadableBodies", () => {
  it("turns a body that is not a form into a 400 Response instead of an exception", async () => {
    const build = answerUnreadableBodies(buildWith({ action: ({ request }: { request: Request }) => request.formData() }));
    const request = new Request("http://app/x", { method: "POST", headers: { "Content-Type": "multipart/form-data; boundary=x" }, body: "not multipart" });
    const thrown = await callAction(build, request).catch((error: unknown) => error);
    expect(thrown).toBeInstanceOf(Response);
    expect((thrown as Response).status).toBe(400);
    expect(await (thrown as Response).text()).toMatch(/as a form/);
  });

  it("does the same for JSON, and leaves readable bodies and the rest of the request alone", async () => {
    const build = answerUnreadableBodies(buildWith({ action: async ({ request }: { request: Request }) => ({ body: await request.json(), method: request.method, url: request.url }) }));
    const bad = await callAction(build, new Request("http://app/x", { method: "POST", body: "{" })).catch((error: unknown) => error);
    expect((bad as Response).status).toBe(400);
    const good = await callAction(build, new Request("http://app/x", { method: "POST", body: '{"a":1}' }));
    expect(good).toEqual({ body: { a: 1 }, method: "POST", url: "http://app/x" });
  });

  it("keeps modules without a loader or action as they are", () => {
    const module = { default: () => null };
    expect(answerUnreadableBodies(buildWith(module)).routes["routes/x"].module).toBe(module);
  });
});

describe("refuseUndecodablePath", () => {
  it("answers 400 for a malformed %-escape in the path and lets everything else through", async () => {
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      if (refuseUndecodablePath(req, res)) return;
      seen.push(req.url ?? "");
      res.end("ok");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect((await fetch(`${base}/app/%`)).status).toBe(400);
      expect((await fetch(`${base}/app/%E0%A4%A`)).status).toBe(400);
      expect((await fetch(`${base}/app/a%20b?q=%`)).status).toBe(200); // only the path is decoded by the router
      expect(seen).toEqual(["/app/a%20b?q=%"]);
    } finally {
      server.close();
    }
  });
});

/** One request with headers fetch() does not let a caller set (Host); resolves with the status. */
function rawRequest(base: string, method: string, path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(path, base), { method, headers });
    req.on("response", (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("refuseUnusableHostOrForeignOrigin", () => {
  it("answers 400 for a Host that makes no URL, 403 for a form posted from elsewhere, and lets the rest through", async () => {
    const app = express();
    app.use(refuseUnusableHostOrForeignOrigin);
    app.all("*", (_req, res) => void res.send("ok"));
    const server = app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const host = new URL(base).host;
    try {
      for (const bad of ["exa mple", "[::1", "a:99999", "a%zz"]) expect(await rawRequest(base, "GET", "/support/sign-in", { Host: bad }), bad).toBe(400);
      for (const origin of ["http://[::1", "%%", "null", "https://evil.example", `http://${host}, http://${host}`]) {
        expect(await rawRequest(base, "POST", "/support/sign-in", { Host: host, Origin: origin }), origin).toBe(403);
      }
      expect(await rawRequest(base, "POST", "/support/sign-in", { Host: host, Origin: base })).toBe(200);
      expect(await rawRequest(base, "POST", "/support/sign-in", { Host: host })).toBe(200); // no Origin: not a browser's cross-site post
      expect(await rawRequest(base, "POST", "/app/events/replay?_data=routes%2Fapp.events.replay", { Host: host, Origin: "https://evil.example" })).toBe(200); // Remix checks documents only
      expect(await rawRequest(base, "GET", "/support/sign-in", { Host: host, Origin: "%%" })).toBe(200);
    } finally {
      server.close();
    }
  });
});

describe("refuseMalformedHostParam", () => {
  it("answers 400 for a host the Shopify library cannot decode, and lets the rest through", async () => {
    const server = http.createServer((req, res) => {
      if (refuseMalformedHostParam(req, res)) return;
      res.end("ok");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const host = Buffer.from("admin.shopify.com/store/a").toString("base64");
    try {
      expect((await fetch(`${base}/app?shop=a.myshopify.com&host=x`)).status).toBe(400);
      expect((await fetch(`${base}/app?shop=a.myshopify.com&host=${host}`)).status).toBe(200);
      expect((await fetch(`${base}/app?host=not-base64!`)).status).toBe(200); // the library ignores such a host itself
    } finally {
      server.close();
    }
  });
});
