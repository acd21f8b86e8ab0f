import { afterEach, describe, expect, it } from "vitest";
import { handleError } from "./entry.server";
import { setLogSink } from "~/logging/logger.server";

describe("handleError (a loader or action that threw)", () => {
  const lines: string[] = [];
  const previous = setLogSink((line) => lines.push(line));
  afterEach(() => {
    lines.length = 0;
  });

  it("logs the failure through the logger: one JSON line with the path and the redacted stack", () => {
    const key = "sk_" + "0badc0de".repeat(4);
    handleError(new Error(`Postscript said no to ${key}`), { request: new Request("https://app.example/support/shops?q=1"), params: {}, context: {} });
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]);
    expect(entry).toMatchObject({ level: "error", msg: "request failed", method: "GET", path: "/support/shops" });
    expect(entry.error.stack).toContain("entry.server.test.ts");
    expect(lines[0]).not.toContain(key);
  });

  it("stays quiet for Remix's own 4xx and for requests the client abandoned", () => {
    // What Remix passes when no route matches (an ErrorResponse: status, statusText, internal, data).
    const notFound = { status: 404, statusText: "Not Found", internal: true, data: 'Error: No route matches URL "/nothing"' };
    handleError(notFound, { request: new Request("https://app.example/nothing"), params: {}, context: {} });
    const controller = new AbortController();
    controller.abort();
    handleError(new Error("client went away"), { request: new Request("https://app.example/app", { signal: controller.signal }), params: {}, context: {} });
    expect(lines).toEqual([]);
    setLogSink(previous);
  });
});
