// npm run sandbox:loop -- <command> [options]   (development/test tool; not part of the production app)
//
//   serve  [--port 4020] [--host 127.0.0.1] [--seed 1] [--encoding base64|hex] [--duplicate-rate 0.1]
//          [--out-of-order] [--retry-delays 1000,5000] [--max-attempts 4] [--timeout-ms 5000] [--require-https]
//   send   --shop demo-shop.myshopify.com --topic order/upcoming[,order/processed] [--count 100] [--rate 50]
//          [--seed 1] [--encoding hex] [--spelling admin|doc] [--retry-info paymentRetryCount|attemptCount|billingAttempt|none]
//          either through a running stand-in's subscriptions   [--stand-in http://127.0.0.1:4020]
//          or directly to a URL with a secret                  --url http://localhost:3000/webhooks/loop --secret S
//   stream --shop demo-shop.myshopify.com [--rate-per-minute 20] [--seed 1] [--stand-in URL | --url URL --secret S]
//          keeps a steady mix of events flowing until Ctrl-C.
//
// Exit codes: 0 ok · 1 usage/connection error · 2 some deliveries failed (send).
import "../../scripts/lib/require-node";
import { parseArgs } from "node:util";
import { CONSUMED_TOPICS, SANDBOX_PATHS, isConsumedTopic, type LoopTopic, type PayloadSpelling, type RetryInfoStyle, type SignatureEncoding } from "../../app/loop/protocol";
import { createLoopSender, type BatchSummary, type DeliveryResult, type LoopSenderOptions } from "./sender";
import { DEMO_READONLY_TOKEN, DEMO_SHOP, DEMO_TOKEN, SECOND_SHOP, SECOND_TOKEN, startLoopStandIn } from "./server";

const USAGE = `usage: npm run sandbox:loop -- <command> [options]
Loop Subscriptions stand-in (sandbox)

  serve  [--port 4020] [--host 127.0.0.1] [--seed 1] [--encoding base64|hex] [--duplicate-rate 0..1]
         [--out-of-order] [--retry-delays 1000,5000,15000] [--max-attempts 4] [--timeout-ms 5000] [--require-https]
  send   --shop <domain> --topic <topic>[,<topic>…] [--count 1] [--rate <per second>] [--seed <seed>]
         [--encoding base64|hex] [--spelling admin|doc] [--retry-info <style>]
         [--stand-in http://127.0.0.1:4020]          deliver through the stand-in's webhook subscriptions
         [--url <receiver> --secret <secret>]        or deliver directly to a URL (no stand-in needed)
         [--duplicate-rate 0..1] [--out-of-order] [--timeout-ms 5000] [--retry-delays …] [--max-attempts …]
  stream --shop <domain> [--rate-per-minute 20] [--seed <seed>] [--topic <mix>] [--stand-in URL | --url URL --secret S]

Topics: ${CONSUMED_TOPICS.join(", ")}`;

const DEFAULT_STAND_IN = "http://127.0.0.1:4020";

function fail(message: string): never {
  console.error(`error: ${message}\n\n${USAGE}`);
  process.exit(1);
}

function parseTopics(value: string | undefined): LoopTopic[] | undefined {
  if (!value) return undefined;
  const topics = value.split(",").map((t) => t.trim()).filter(Boolean);
  for (const t of topics) if (!isConsumedTopic(t)) fail(`unknown topic "${t}"`);
  return topics as LoopTopic[];
}

function parseNumber(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) fail(`--${name} must be a number`);
  return n;
}

function parseSeed(value: string | undefined): string | number | undefined {
  if (value === undefined) return undefined;
  return /^\d+$/.test(value) ? Number(value) : value;
}

function senderOptionsFrom(v: Record<string, string | boolean | undefined>): Partial<LoopSenderOptions> {
  const o: Partial<LoopSenderOptions> = {};
  const enc = v.encoding as string | undefined;
  if (enc !== undefined) {
    if (enc !== "base64" && enc !== "hex") fail("--encoding must be base64 or hex");
    o.signatureEncoding = enc as SignatureEncoding;
  }
  const dup = parseNumber(v["duplicate-rate"] as string | undefined, "duplicate-rate");
  if (dup !== undefined) o.duplicateRate = dup;
  if (v["out-of-order"]) o.outOfOrder = true;
  const timeout = parseNumber(v["timeout-ms"] as string | undefined, "timeout-ms");
  if (timeout !== undefined) o.timeoutMs = timeout;
  const delays = v["retry-delays"] as string | undefined;
  const maxAttempts = parseNumber(v["max-attempts"] as string | undefined, "max-attempts");
  if (delays !== undefined || maxAttempts !== undefined) {
    o.retries = {
      ...(delays !== undefined ? { delaysMs: delays.split(",").map((d) => parseNumber(d, "retry-delays") as number) } : {}),
      ...(maxAttempts !== undefined ? { maxAttempts } : {}),
    };
  }
  return o;
}

function printSummary(s: BatchSummary): void {
  console.log(
    `events ${s.events} · deliveries ${s.deliveries} · delivered ${s.delivered} · failed ${s.failed} · duplicates ${s.duplicates} · ` +
      `retries ${s.retries} · latency p50 ${s.latencyMs.p50} ms p95 ${s.latencyMs.p95} ms max ${s.latencyMs.max} ms · ${s.durationMs} ms total`,
  );
  console.log(`by topic: ${Object.entries(s.byTopic).map(([t, n]) => `${t}=${n}`).join(" ")}`);
}

function deliveryLine(d: DeliveryResult): string {
  const last = d.attempts[d.attempts.length - 1];
  return `${d.duplicate ? "dup " : ""}${d.topic} ${d.webhookId} → ${d.state} ${last?.status ?? last?.outcome ?? ""} (${d.attempts.length} attempt(s), ${d.latencyMs} ms)`;
}

async function standInCall(base: string, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  let res: Response;
  try {
    res = await fetch(new URL(path, base), {
      method,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    fail(`cannot reach the stand-in at ${base} (${(e as Error).message}); start it with: npm run sandbox:loop -- serve`);
  }
  const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) fail(`${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Resolves on the first Ctrl-C / SIGTERM. */
function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const handler = (sig: string) => {
      process.off("SIGINT", handler);
      process.off("SIGTERM", handler);
      resolve(sig);
    };
    process.on("SIGINT", handler);
    process.on("SIGTERM", handler);
  });
}

async function serve(v: Record<string, string | boolean | undefined>): Promise<void> {
  const port = parseNumber(v.port as string | undefined, "port") ?? 4020;
  const standIn = await startLoopStandIn({
    port,
    host: (v.host as string | undefined) ?? "127.0.0.1",
    seed: parseSeed(v.seed as string | undefined) ?? 1,
    sender: senderOptionsFrom(v),
    requireHttps: Boolean(v["require-https"]),
    log: (line) => console.log(line),
  });
  console.log(`Loop stand-in listening on ${standIn.url}  (sandbox tool — not Loop)`);
  console.log(`  admin API   ${standIn.url}/admin/2023-10/…   header X-Loop-Token`);
  console.log(`  demo shop   ${DEMO_SHOP}  token ${DEMO_TOKEN}  (all scopes)`);
  console.log(`              read-only token without webhook scope: ${DEMO_READONLY_TOKEN}`);
  console.log(`  second shop ${SECOND_SHOP}  token ${SECOND_TOKEN}`);
  console.log(`  control     ${Object.values(SANDBOX_PATHS).join(" ")}`);
  console.log("Ctrl-C to stop.");
  await untilSignal();
  console.log("stopping…");
  await standIn.close();
}

async function send(v: Record<string, string | boolean | undefined>): Promise<number> {
  const shopDomain = (v.shop as string | undefined) ?? fail("--shop is required");
  const topics = parseTopics(v.topic as string | undefined) ?? fail("--topic is required");
  const count = parseNumber(v.count as string | undefined, "count") ?? 1;
  const rate = parseNumber(v.rate as string | undefined, "rate");
  const seed = parseSeed(v.seed as string | undefined);
  const spelling = v.spelling as PayloadSpelling | undefined;
  const retryInfo = v["retry-info"] as RetryInfoStyle | undefined;

  if (v.url) {
    const secret = (v.secret as string | undefined) ?? fail("--secret is required with --url");
    const sender = createLoopSender({ url: v.url as string, secret, seed: seed ?? 1, ...senderOptionsFrom(v) });
    const abort = new AbortController();
    void untilSignal().then(() => {
      abort.abort();
      sender.close();
    });
    const result = await sender.sendMany({
      shopDomain,
      count,
      ratePerSecond: rate,
      topics,
      seed: seed ?? Date.now(),
      generate: { now: Date.now(), ...(spelling ? { spelling } : {}), ...(retryInfo ? { retryInfo } : {}) },
      signal: abort.signal,
    });
    sender.close();
    if (count <= 20) for (const d of result.all) console.log(deliveryLine(d));
    printSummary(result.summary);
    return result.summary.failed > 0 ? 2 : 0;
  }

  const base = (v["stand-in"] as string | undefined) ?? DEFAULT_STAND_IN;
  const patch = senderOptionsFrom(v);
  if (Object.keys(patch).length > 0) {
    // Note: this changes the running stand-in's options for every later delivery too.
    await standInCall(base, "POST", SANDBOX_PATHS.options, patch);
    console.log(`stand-in options updated: ${JSON.stringify(patch)}`);
  }
  let failed = 0;
  for (const topic of topics) {
    const out = await standInCall(base, "POST", SANDBOX_PATHS.send, {
      shopDomain,
      topic,
      count,
      ...(seed !== undefined ? { seed } : {}),
      ...(rate ? { ratePerSecond: rate } : {}),
      ...(spelling ? { spelling } : {}),
      ...(retryInfo ? { retryInfo } : {}),
    });
    if (out.warning) {
      console.log(`${topic}: ${out.warning as string} (subscribe first: POST /admin/2023-10/webhook)`);
      continue;
    }
    const deliveries = out.deliveries as DeliveryResult[];
    if (deliveries.length <= 20) for (const d of deliveries) console.log(deliveryLine({ ...d, duplicates: [] }));
    const s = out.summary as BatchSummary;
    console.log(`${topic}: ${out.subscriptions as number} subscription(s)`);
    printSummary(s);
    failed += s.failed;
  }
  return failed > 0 ? 2 : 0;
}

async function stream(v: Record<string, string | boolean | undefined>): Promise<void> {
  const shopDomain = (v.shop as string | undefined) ?? fail("--shop is required");
  const ratePerMinute = parseNumber(v["rate-per-minute"] as string | undefined, "rate-per-minute") ?? 20;
  const seed = parseSeed(v.seed as string | undefined) ?? `cli-${Date.now()}`;
  const topics = parseTopics(v.topic as string | undefined);

  if (v.url) {
    const secret = (v.secret as string | undefined) ?? fail("--secret is required with --url");
    const sender = createLoopSender({
      url: v.url as string,
      secret,
      seed,
      ...senderOptionsFrom(v),
      onDeliveryDone: (d) => console.log(deliveryLine(d)),
    });
    const s = sender.startStream({ shopDomain, ratePerMinute, seed, topics });
    console.log(`streaming ~${ratePerMinute}/min to ${v.url as string} — Ctrl-C to stop`);
    await untilSignal();
    s.stop();
    sender.close();
    console.log(`stopped after ${s.stats.emitted} event(s)`);
    return;
  }

  const base = (v["stand-in"] as string | undefined) ?? DEFAULT_STAND_IN;
  await standInCall(base, "POST", SANDBOX_PATHS.stream, { shopDomain, ratePerMinute, seed, ...(topics ? { topics } : {}) });
  console.log(`stand-in ${base} streaming ~${ratePerMinute}/min for ${shopDomain} (subscribed topics only) — Ctrl-C to stop`);
  const timer = setInterval(() => {
    void standInCall(base, "GET", SANDBOX_PATHS.stream).then((out) => {
      const s = (out.streams as Array<Record<string, unknown>>).find((x) => x.shopDomain === shopDomain);
      if (s) console.log(`emitted ${s.emitted as number} event(s)`);
    });
  }, 10_000);
  await untilSignal();
  clearInterval(timer);
  await standInCall(base, "DELETE", `${SANDBOX_PATHS.stream}?shop=${encodeURIComponent(shopDomain)}`);
  console.log("stream stopped");
}

async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
  if (!command || command === "--help" || command === "-h" || command === "help") {
    console.log(USAGE);
    return 0;
  }
  const { values } = parseArgs({
    args: rest,
    strict: true,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      seed: { type: "string" },
      shop: { type: "string" },
      topic: { type: "string" },
      count: { type: "string" },
      rate: { type: "string" },
      "rate-per-minute": { type: "string" },
      url: { type: "string" },
      secret: { type: "string" },
      "stand-in": { type: "string" },
      encoding: { type: "string" },
      "duplicate-rate": { type: "string" },
      "out-of-order": { type: "boolean" },
      "timeout-ms": { type: "string" },
      "retry-delays": { type: "string" },
      "max-attempts": { type: "string" },
      "require-https": { type: "boolean" },
      spelling: { type: "string" },
      "retry-info": { type: "string" },
    },
  });
  if (command === "serve") {
    await serve(values);
    return 0;
  }
  if (command === "send") return send(values);
  if (command === "stream") {
    await stream(values);
    return 0;
  }
  fail(`unknown command "${command}"`);
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`error: ${(e as Error).message}`);
    process.exit(1);
  },
);
