// Errors thrown by loaders, actions and rendering reach Remix's handleError: one JSON line each in the app's log.
import { afterEach, describe, expect, it } from "vitest";
import { setLogSink, type LogSink } from "~/logging/logger.server";
import { handleError } from "./entry.server";

let restore: LogSink | undefined;
afterEach(() => {
  if (restore) setLogSink(restore);
});

function captureLog() {
  const lines: string[] = [];
  restore = setLogSink((line) => lines.push(line));
  return lines;
}

const args = (request: Request) => ({ request, params: {}, context: {} });

describe("handleError", () => {
  it("logs a route's error as one JSON line with the method and path, never the query", () => {
    const lines = captureLog();
    handleError(new TypeError("atob failed\n    at decodeHost (x.js:1:1)"), args(new Request("http://app/app/events?shop=a.myshopify.com&host=x")));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({ level: "error", msg: "request failed", method: "GET", path: "/app/events", error: { name: "TypeError" } });
    expect(lines[0]).not.toContain("shop=");
  });

  it("logs nothing for a request the client abandoned or the server cut short", () => {
    const lines = captureLog();
    const controller = new AbortController();
    controller.abort();
    handleError(new Error("body stream failed"), args(new Request("http://app/support/sign-in", { method: "POST", signal: controller.signal })));
    expect(lines).toEqual([]);
  });
});
