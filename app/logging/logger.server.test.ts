import { afterEach, describe, expect, it } from "vitest";
import { log, setLogSink } from "./logger.server";

describe("logger", () => {
  const lines: string[] = [];
  const previous = setLogSink((line) => lines.push(line));
  afterEach(() => {
    lines.length = 0;
  });
  it("writes one JSON object per line with the fields", () => {
    log.warn("delivery failed", { shop: "a.myshopify.com", status: 500 });
    const entry = JSON.parse(lines[0]);
    expect(entry).toMatchObject({ level: "warn", msg: "delivery failed", shop: "a.myshopify.com", status: 500 });
    setLogSink(previous);
    setLogSink((line) => lines.push(line));
  });

  it("redacts secret-looking fields and key-looking values anywhere", () => {
    const key = "sk_" + "a1b2c3d4".repeat(4);
    log.error(`request with ${key} failed`, {
      apiKey: key,
      nested: { signingSecret: "whsec_123", note: `Bearer abc.def.ghijklmnop` },
      headers: { authorization: `Bearer ${key}` },
      error: new Error(`401 for key ${key}`),
    });
    expect(lines.join("\n")).not.toContain(key);
    expect(lines.join("\n")).not.toContain("whsec_123");
    expect(lines.join("\n")).not.toContain("abc.def.ghijklmnop");
    expect(JSON.parse(lines[0]).nested.signingSecret).toBe("[redacted]");
  });

  it("leaves ordinary values alone", () => {
    log.warn("ordinary", { shop: "x.myshopify.com", count: 3, skip: "sku_123" });
    expect(JSON.parse(lines[0])).toMatchObject({ shop: "x.myshopify.com", count: 3, skip: "sku_123" });
  });

  it("logs an unexpected error (level error) with its stack, redacted, and its cause", () => {
    const key = "sk_" + "f00dfeed".repeat(4);
    const failing = function findTheFailingCode() {
      return new Error(`Postscript refused Bearer ${key}\nwith ${key} quoted on the next line`, { cause: new TypeError(`bad ${key}`) });
    };
    log.error("delivery: shop sender failed", { error: failing() });
    const entry = JSON.parse(lines[0]);
    expect(entry.error.stack).toMatch(/^at findTheFailingCode /);
    expect(entry.error.stack).toContain("logger.server.test.ts");
    expect(entry.error.cause).toMatchObject({ name: "TypeError" });
    expect(lines[0]).not.toContain(key);
  });

  it("keeps expected errors (warnings) to their name and message", () => {
    log.warn("health check: database unavailable", { error: new Error("connection refused") });
    expect(JSON.parse(lines[0]).error).toEqual({ name: "Error", message: "connection refused" });
  });

  it("redacts a key quoted in a stack frame, and logs each entry as one JSON line on a pino destination", () => {
    const key = "sk_live_" + "0badc0de".repeat(3);
    const error = new Error("upstream refused");
    error.stack = `Error: upstream refused\n    at callPostscript (https://api.example/keys/${key}:1:2)\n    at deliver (worker.js:3:4)`;
    const written: string[] = [];
    const previous = setLogSink({ write: (chunk: string) => void written.push(chunk) });
    try {
      log.error("delivery failed", { error, detail: `retry with ${key}` });
      log.warn("next");
    } finally {
      setLogSink(previous);
    }
    expect(written).toHaveLength(2);
    for (const chunk of written) expect(chunk.endsWith("\n") && chunk.indexOf("\n") === chunk.length - 1).toBe(true);
    const entry = JSON.parse(written[0]);
    expect(entry).toMatchObject({ level: "error", msg: "delivery failed", detail: "retry with [redacted]" });
    expect(entry.error.stack).toBe("at callPostscript (https://api.example/keys/[redacted]:1:2)\nat deliver (worker.js:3:4)");
    expect(written.join("")).not.toContain(key);
  });

  it("keeps UUIDs and file paths in log lines (a developer needs them)", () => {
    const id = "3f2b8c1e-9a4d-4e6f-8b2a-1c3d5e7f9a0b";
    log.warn(`event ${id} delivered`, { eventId: id, file: "/srv/app/build/server/delivery/worker_server_index" });
    expect(JSON.parse(lines[0])).toMatchObject({ msg: `event ${id} delivered`, eventId: id, file: "/srv/app/build/server/delivery/worker_server_index" });
  });

  it("drops entries below the configured level (warn in tests)", () => {
    log.debug("noise");
    log.info("chatter");
    expect(lines).toEqual([]);
  });
});
