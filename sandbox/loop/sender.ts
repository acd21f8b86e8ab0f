// Delivers webhooks the way Loop does (as far as docs/protocols.md, Loop webhook delivery, knows):
// POST the JSON envelope with the X-Loop-Webhook-* headers and X-Loop-Signature, 2xx within 5 s or it is
// retried with the SAME webhook id and body; optional duplicates and out-of-order batches to exercise the
// receiver's dedup/ordering logic. Used by the stand-in server (fan-out to subscriptions) and the CLI (direct).
import { randomUUID } from "node:crypto";
import http from "node:http";
import https from "node:https";
import { performance } from "node:perf_hooks";
import {
  DEFAULT_RETRY_POLICY,
  DEFAULT_SIGNATURE_ENCODING,
  LOOP_API_VERSION,
  WEBHOOK_HEADERS,
  WEBHOOK_TIMEOUT_MS,
  formatHeaderTimestamp,
  signBody,
  type HeaderTimestampFormat,
  type LoopTopic,
  type RetryPolicy,
  type SignatureEncoding,
} from "../../app/loop/protocol";
import { generatePayload, serializeEnvelope, type GenerateOptions } from "./payloads";
import { createPrng, hashSeed, type Prng } from "./prng";
import { mixEntries, type TopicMix } from "./topics";

export interface DeliveryContext {
  webhookId: string;
  shopDomain: string;
  topic: string;
  webhookSubscriptionId?: string | number;
}

export interface LoopSenderOptions {
  /** Fixed target URL (used when `endpoint` is absent). */
  url?: string;
  /** Target per shop (and delivery context). */
  endpoint?: (shopDomain: string, ctx: DeliveryContext) => string;
  /** Fixed signing secret (used when `secretFor` is absent). */
  secret?: string;
  /** Signing secret per webhook subscription / shop / topic. */
  secretFor?: (ctx: DeliveryContext) => string;
  /** Encoding unverified — base64 default, hex alternative. */
  signatureEncoding?: SignatureEncoding;
  /** false = omit X-Loop-Signature (older deliveries may lack it). Default true. */
  sign?: boolean;
  /** Loop's is 5 s. Lower it in tests. */
  timeoutMs?: number;
  /** Loop's schedule is undocumented. maxAttempts includes the first attempt. */
  retries?: Partial<RetryPolicy>;
  /** Probability (0..1) that a successfully delivered webhook is delivered again (same id, body, signature). */
  duplicateRate?: number;
  /** Shuffle batches (sendBatch/sendMany/streams) with the seeded PRNG before dispatch. */
  outOfOrder?: boolean;
  /** X-Loop-Webhook-Api-Version value. The header is documented; its value being the API version is assumed. */
  apiVersion?: string;
  /** Header timestamp format (assumed); default ISO 8601. */
  timestampFormat?: HeaderTimestampFormat;
  /** Seed for duplicate decisions, shuffles and topic mixes. */
  seed?: number | string;
  /** Webhook id factory; default crypto.randomUUID (unique across runs so a receiver's dedup store is not fooled). */
  newWebhookId?: () => string;
  /** Called when a delivery starts (the record is then mutated in place), after each attempt and when done. */
  onDeliveryStart?: (delivery: DeliveryResult) => void;
  onAttempt?: (delivery: DeliveryResult, attempt: DeliveryAttempt) => void;
  onDeliveryDone?: (delivery: DeliveryResult) => void;
}

export interface SendInput {
  shopDomain: string;
  topic: LoopTopic | string;
  /** The entity; the sender wraps it as `{ payload, metaData: { myshopifyDomain } }`. */
  payload?: unknown;
  /** Exact body bytes to send instead (payload ignored). */
  body?: string;
  webhookSubscriptionId?: string | number;
  /** When the event happened (X-Loop-Webhook-Created-At, fixed across retries). Default: now. */
  createdAt?: number | Date;
  webhookId?: string;
  url?: string;
  secret?: string;
}

export type AttemptOutcome = "ok" | "http_error" | "timeout" | "network_error" | "aborted";

export interface DeliveryAttempt {
  retryCount: number;
  deliveryAt: string;
  outcome: AttemptOutcome;
  status: number | null;
  latencyMs: number;
  error?: string;
  responseBody?: string;
}

export interface DeliveryResult {
  webhookId: string;
  topic: string;
  shopDomain: string;
  url: string;
  webhookSubscriptionId?: string | number;
  /** X-Loop-Webhook-Created-At as sent. */
  createdAt: string;
  state: "pending" | "delivered" | "failed" | "aborted";
  ok: boolean;
  /** HTTP status of the last attempt, or the outcome when there was none. */
  finalStatus: number | "timeout" | "network_error" | "aborted" | null;
  attempts: DeliveryAttempt[];
  /** From the first attempt's start to the end of the last one (includes retry waits). */
  latencyMs: number;
  /** true when this is a re-delivery of an already delivered webhook. */
  duplicate: boolean;
  /** Re-deliveries triggered by duplicateRate (each a full delivery with its own attempts). */
  duplicates: DeliveryResult[];
  signatureEncoding: SignatureEncoding | null;
  bodyBytes: number;
  /** Set when the delivery could not even start (no URL/secret, unknown subscription…). */
  error?: string;
}

export type BatchItem = SendInput;

export interface BatchSummary {
  events: number;
  deliveries: number;
  delivered: number;
  failed: number;
  aborted: number;
  duplicates: number;
  attempts: number;
  retries: number;
  latencyMs: { p50: number; p95: number; max: number };
  durationMs: number;
  byTopic: Record<string, number>;
}

export interface BatchResult {
  /** One per event, in dispatch order (shuffled when outOfOrder). */
  deliveries: DeliveryResult[];
  /** deliveries plus their duplicate re-deliveries, flat. */
  all: DeliveryResult[];
  summary: BatchSummary;
}

export interface SendManyInput {
  shopDomain: string;
  count: number;
  /** Dispatch rate (events per second); omitted/0 = as fast as possible. */
  ratePerSecond?: number;
  topics?: TopicMix;
  seed?: number | string;
  /** Passed to generatePayload for every event (spelling, retryInfo, overrides, now…). */
  generate?: Omit<GenerateOptions, "seed" | "shopDomain">;
  signal?: AbortSignal;
}

export interface StreamInput {
  shopDomain: string;
  ratePerMinute: number;
  seed?: number | string;
  topics?: TopicMix;
  generate?: Omit<GenerateOptions, "seed" | "shopDomain">;
}

export interface LoopSender {
  send(input: SendInput): Promise<DeliveryResult>;
  sendBatch(items: BatchItem[], opts?: { ratePerSecond?: number; signal?: AbortSignal }): Promise<BatchResult>;
  sendMany(input: SendManyInput): Promise<BatchResult>;
  startStream(input: StreamInput): EventStream;
  /** Change options at run time (server: POST /__sandbox/options). */
  setOptions(patch: Partial<LoopSenderOptions>): void;
  readonly options: Readonly<ResolvedSenderOptions>;
  /** Abort pending retries / in-flight requests and stop streams. */
  close(): void;
}

export type ResolvedSenderOptions = Omit<LoopSenderOptions, "retries"> & {
  signatureEncoding: SignatureEncoding;
  sign: boolean;
  timeoutMs: number;
  retries: RetryPolicy;
  duplicateRate: number;
  outOfOrder: boolean;
  apiVersion: string;
  timestampFormat: HeaderTimestampFormat;
};

/** "x-loop-webhook-id" → "X-Loop-Webhook-Id" (header names are case-insensitive; this only reads nicer in logs). */
function canonical(name: string): string {
  return name.split("-").map((p) => (p === "x" ? "X" : p.charAt(0).toUpperCase() + p.slice(1))).join("-");
}

export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    }, Math.max(0, ms));
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

interface PostResult {
  outcome: AttemptOutcome;
  status: number | null;
  error?: string;
  responseBody?: string;
  latencyMs: number;
}

/** One POST with a hard deadline covering connect, headers and body (Loop's "2xx within 5 s"). */
function postOnce(url: URL, body: Buffer, headers: Record<string, string>, timeoutMs: number, signal: AbortSignal): Promise<PostResult> {
  return new Promise((resolve) => {
    const started = performance.now();
    let settled = false;
    const finish = (r: Omit<PostResult, "latencyMs">) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      resolve({ ...r, latencyMs: Math.round((performance.now() - started) * 10) / 10 });
    };
    const mod = url.protocol === "https:" ? https : http;
    const req = mod.request(
      url,
      { method: "POST", headers: { ...headers, "Content-Length": String(body.length) }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (c: Buffer) => {
          if (size < 2048) chunks.push(c);
          size += c.length;
        });
        res.on("end", () => {
          const status = res.statusCode ?? 0;
          finish({
            outcome: status >= 200 && status < 300 ? "ok" : "http_error",
            status,
            responseBody: Buffer.concat(chunks).toString("utf8").slice(0, 500),
          });
        });
        res.on("error", (e) => finish({ outcome: "network_error", status: res.statusCode ?? null, error: e.message }));
      },
    );
    const timer = setTimeout(() => {
      finish({ outcome: "timeout", status: null, error: `no complete response within ${timeoutMs} ms` });
      req.destroy();
    }, timeoutMs);
    const onAbort = () => {
      finish({ outcome: "aborted", status: null, error: "sender closed" });
      req.destroy();
    };
    signal.addEventListener("abort", onAbort, { once: true });
    req.on("error", (e) => finish({ outcome: "network_error", status: null, error: e.message }));
    req.end(body);
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function summarize(deliveries: DeliveryResult[], durationMs: number): BatchSummary {
  const all = deliveries.flatMap((d) => [d, ...d.duplicates]);
  const latencies = all.map((d) => d.latencyMs).sort((a, b) => a - b);
  const byTopic: Record<string, number> = {};
  for (const d of deliveries) byTopic[d.topic] = (byTopic[d.topic] ?? 0) + 1;
  const attempts = all.reduce((s, d) => s + d.attempts.length, 0);
  return {
    events: deliveries.length,
    deliveries: all.length,
    delivered: all.filter((d) => d.state === "delivered").length,
    failed: all.filter((d) => d.state === "failed").length,
    aborted: all.filter((d) => d.state === "aborted").length,
    duplicates: all.filter((d) => d.duplicate).length,
    attempts,
    retries: attempts - all.length,
    latencyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), max: latencies[latencies.length - 1] ?? 0 },
    durationMs: Math.round(durationMs),
    byTopic,
  };
}

function resolveOptions(o: LoopSenderOptions, base?: ResolvedSenderOptions): ResolvedSenderOptions {
  const prev = base ?? ({} as Partial<ResolvedSenderOptions>);
  const retries: RetryPolicy = {
    maxAttempts: o.retries?.maxAttempts ?? prev.retries?.maxAttempts ?? DEFAULT_RETRY_POLICY.maxAttempts,
    delaysMs: o.retries?.delaysMs ?? prev.retries?.delaysMs ?? [...DEFAULT_RETRY_POLICY.delaysMs],
  };
  if (!(retries.maxAttempts >= 1)) throw new Error("retries.maxAttempts must be >= 1");
  const duplicateRate = o.duplicateRate ?? prev.duplicateRate ?? 0;
  if (duplicateRate < 0 || duplicateRate > 1) throw new Error("duplicateRate must be within 0..1");
  const signatureEncoding = o.signatureEncoding ?? prev.signatureEncoding ?? DEFAULT_SIGNATURE_ENCODING;
  if (signatureEncoding !== "base64" && signatureEncoding !== "hex") throw new Error(`signatureEncoding must be base64 or hex`);
  return {
    ...prev,
    ...o,
    signatureEncoding,
    sign: o.sign ?? prev.sign ?? true,
    timeoutMs: o.timeoutMs ?? prev.timeoutMs ?? WEBHOOK_TIMEOUT_MS,
    retries,
    duplicateRate,
    outOfOrder: o.outOfOrder ?? prev.outOfOrder ?? false,
    apiVersion: o.apiVersion ?? prev.apiVersion ?? LOOP_API_VERSION,
    timestampFormat: o.timestampFormat ?? prev.timestampFormat ?? "iso",
  };
}

export function createLoopSender(initial: LoopSenderOptions): LoopSender {
  let options = resolveOptions(initial);
  let prng: Prng = createPrng(hashSeed("loop-sender", options.seed ?? 0));
  const controller = new AbortController();
  const streams = new Set<EventStream>();

  async function deliver(record: DeliveryResult, body: Buffer, secret: string | null, signal: AbortSignal): Promise<DeliveryResult> {
    const opts = options; // options snapshot for the whole delivery
    const url = new URL(record.url);
    const signature = opts.sign && secret !== null ? signBody(body, secret, opts.signatureEncoding) : null;
    record.signatureEncoding = signature ? opts.signatureEncoding : null;
    const started = performance.now();
    opts.onDeliveryStart?.(record);
    for (let attempt = 0; attempt < opts.retries.maxAttempts; attempt++) {
      if (attempt > 0) {
        const delays = opts.retries.delaysMs;
        const wait = delays.length === 0 ? 0 : delays[Math.min(attempt - 1, delays.length - 1)];
        if (!(await sleep(wait, signal))) {
          record.state = "aborted";
          record.finalStatus = "aborted";
          break;
        }
      }
      const deliveryAtMs = Date.now();
      const headers: Record<string, string> = {
        "Content-Type": "application/json",
        "User-Agent": "Loop-Webhooks-Sandbox/1.0",
        [canonical(WEBHOOK_HEADERS.webhookId)]: record.webhookId,
        [canonical(WEBHOOK_HEADERS.topic)]: record.topic,
        [canonical(WEBHOOK_HEADERS.apiVersion)]: opts.apiVersion,
        [canonical(WEBHOOK_HEADERS.createdAt)]: record.createdAt,
        [canonical(WEBHOOK_HEADERS.deliveryAt)]: formatHeaderTimestamp(deliveryAtMs, opts.timestampFormat),
        [canonical(WEBHOOK_HEADERS.retryCount)]: String(attempt),
      };
      if (signature) headers[canonical(WEBHOOK_HEADERS.signature)] = signature;
      const r = await postOnce(url, body, headers, opts.timeoutMs, signal);
      const a: DeliveryAttempt = {
        retryCount: attempt,
        deliveryAt: new Date(deliveryAtMs).toISOString(),
        outcome: r.outcome,
        status: r.status,
        latencyMs: r.latencyMs,
        ...(r.error ? { error: r.error } : {}),
        ...(r.responseBody ? { responseBody: r.responseBody } : {}),
      };
      record.attempts.push(a);
      record.finalStatus = r.outcome === "http_error" || r.outcome === "ok" ? r.status : r.outcome;
      opts.onAttempt?.(record, a);
      if (r.outcome === "ok") {
        record.ok = true;
        record.state = "delivered";
        break;
      }
      if (r.outcome === "aborted") {
        record.state = "aborted";
        break;
      }
    }
    if (record.state === "pending") record.state = "failed";
    record.latencyMs = Math.round((performance.now() - started) * 10) / 10;
    opts.onDeliveryDone?.(record);
    return record;
  }

  async function send(input: SendInput): Promise<DeliveryResult> {
    const opts = options;
    // Decide on a duplicate now (synchronously, in call order) so batches stay deterministic under concurrency.
    const willDuplicate = opts.duplicateRate > 0 && prng.chance(opts.duplicateRate);
    const webhookId = input.webhookId ?? (opts.newWebhookId ?? randomUUID)();
    const ctx: DeliveryContext = {
      webhookId,
      shopDomain: input.shopDomain,
      topic: input.topic,
      ...(input.webhookSubscriptionId !== undefined ? { webhookSubscriptionId: input.webhookSubscriptionId } : {}),
    };
    const url = input.url ?? (opts.endpoint ? opts.endpoint(input.shopDomain, ctx) : opts.url);
    if (!url) throw new Error("LoopSender: no url (give options.url, options.endpoint or input.url)");
    const secret = input.secret ?? (opts.secretFor ? opts.secretFor(ctx) : opts.secret) ?? null;
    if (secret === null && opts.sign) throw new Error("LoopSender: no secret (give options.secret, options.secretFor or input.secret, or sign: false)");
    const bodyText = input.body ?? serializeEnvelope({ payload: input.payload ?? {}, metaData: { myshopifyDomain: input.shopDomain } });
    const body = Buffer.from(bodyText, "utf8");
    const createdMs = input.createdAt instanceof Date ? input.createdAt.getTime() : input.createdAt ?? Date.now();
    const newRecord = (duplicate: boolean): DeliveryResult => ({
      webhookId,
      topic: input.topic,
      shopDomain: input.shopDomain,
      url,
      ...(input.webhookSubscriptionId !== undefined ? { webhookSubscriptionId: input.webhookSubscriptionId } : {}),
      createdAt: formatHeaderTimestamp(createdMs, opts.timestampFormat),
      state: "pending",
      ok: false,
      finalStatus: null,
      attempts: [],
      latencyMs: 0,
      duplicate,
      duplicates: [],
      signatureEncoding: null,
      bodyBytes: body.length,
    });
    const primary = await deliver(newRecord(false), body, secret, controller.signal);
    if (willDuplicate && primary.ok && !controller.signal.aborted) {
      // A duplicate is the same webhook (id, body, Created-At, signature) arriving again as a fresh delivery
      // (Retry-Count restarts at 0), as an at-least-once queue would re-send it. Loop tells
      // receivers to dedup on X-Loop-Webhook-Id.
      primary.duplicates.push(await deliver(newRecord(true), body, secret, controller.signal));
    }
    return primary;
  }

  async function sendBatch(items: BatchItem[], batchOpts: { ratePerSecond?: number; signal?: AbortSignal } = {}): Promise<BatchResult> {
    const started = performance.now();
    const t0 = Date.now();
    // Created-At follows the original order (events happened in sequence, just before the batch went out);
    // with outOfOrder the dispatch order is shuffled, so a receiver can detect it from the header.
    const stamped = items.map((item, i) => ({ ...item, createdAt: item.createdAt ?? t0 - (items.length - i) }));
    const order = options.outOfOrder ? prng.shuffle(stamped) : stamped;
    const interval = batchOpts.ratePerSecond && batchOpts.ratePerSecond > 0 ? 1000 / batchOpts.ratePerSecond : 0;
    const pending: Promise<DeliveryResult>[] = [];
    for (let i = 0; i < order.length; i++) {
      if (interval > 0 && i > 0) {
        const due = started + i * interval - performance.now();
        if (due > 0 && !(await sleep(due, anySignal(controller.signal, batchOpts.signal)))) break;
      }
      if (controller.signal.aborted || batchOpts.signal?.aborted) break;
      const item = order[i];
      pending.push(
        send(item).catch((e: unknown): DeliveryResult => ({
          webhookId: item.webhookId ?? "",
          topic: item.topic,
          shopDomain: item.shopDomain,
          url: item.url ?? "",
          ...(item.webhookSubscriptionId !== undefined ? { webhookSubscriptionId: item.webhookSubscriptionId } : {}),
          createdAt: formatHeaderTimestamp(item.createdAt instanceof Date ? item.createdAt.getTime() : item.createdAt, options.timestampFormat),
          state: "failed",
          ok: false,
          finalStatus: null,
          attempts: [],
          latencyMs: 0,
          duplicate: false,
          duplicates: [],
          signatureEncoding: null,
          bodyBytes: 0,
          error: (e as Error).message,
        })),
      );
    }
    const deliveries = await Promise.all(pending);
    return { deliveries, all: deliveries.flatMap((d) => [d, ...d.duplicates]), summary: summarize(deliveries, performance.now() - started) };
  }

  function sendMany(input: SendManyInput): Promise<BatchResult> {
    const mixPrng = createPrng(hashSeed("loop-mix", input.seed ?? options.seed ?? 0));
    const entries = mixEntries(input.topics);
    const items: BatchItem[] = [];
    for (let i = 0; i < input.count; i++) {
      const topic = mixPrng.weighted(entries);
      const env = generatePayload(topic, { ...input.generate, seed: `${input.seed ?? 0}:${i}`, shopDomain: input.shopDomain });
      items.push({ shopDomain: input.shopDomain, topic, payload: env.payload });
    }
    return sendBatch(items, { ratePerSecond: input.ratePerSecond, signal: input.signal });
  }

  function startStream(input: StreamInput): EventStream {
    const stream = startEventStream({
      ratePerMinute: input.ratePerMinute,
      seed: input.seed,
      topics: input.topics,
      outOfOrder: () => options.outOfOrder,
      emit: (event) => {
        const env = generatePayload(event.topic, { now: Date.now(), ...input.generate, seed: event.seed, shopDomain: input.shopDomain });
        return send({ shopDomain: input.shopDomain, topic: event.topic, payload: env.payload, createdAt: event.createdAt });
      },
    });
    streams.add(stream);
    return stream;
  }

  return {
    send,
    sendBatch,
    sendMany,
    startStream,
    setOptions(patch) {
      options = resolveOptions(patch, options);
      if (patch.seed !== undefined) prng = createPrng(hashSeed("loop-sender", patch.seed));
    },
    get options() {
      return options;
    },
    close() {
      for (const s of streams) s.stop();
      streams.clear();
      controller.abort();
    },
  };
}

function anySignal(...signals: Array<AbortSignal | undefined>): AbortSignal {
  return AbortSignal.any(signals.filter((s): s is AbortSignal => s !== undefined));
}

// ---------------------------------------------------------------------------------------------------------
// Steady event stream (demo): one event per tick; with outOfOrder, events are produced in small windows and
// each window is emitted shuffled (Created-At keeps the production order).
// ---------------------------------------------------------------------------------------------------------

export interface StreamEvent {
  index: number;
  topic: LoopTopic;
  seed: string;
  createdAt: number;
}

export interface EventStream {
  stop(): void;
  readonly stats: { emitted: number; errors: number; startedAt: string; ratePerMinute: number; running: boolean };
}

export function startEventStream(opts: {
  ratePerMinute: number;
  seed?: number | string;
  topics?: TopicMix;
  outOfOrder?: () => boolean;
  window?: number;
  /** Return false/undefined to count the tick as emitted; a rejected promise counts as an error. */
  emit: (event: StreamEvent) => unknown;
  /** Pick among these topics only (e.g. those with subscriptions); re-evaluated per window. */
  availableTopics?: () => LoopTopic[] | undefined;
}): EventStream {
  if (!(opts.ratePerMinute > 0)) throw new Error("ratePerMinute must be > 0");
  const prng = createPrng(hashSeed("loop-stream", opts.seed ?? 0));
  const window = Math.max(1, opts.window ?? 4);
  const queue: StreamEvent[] = [];
  let index = 0;
  const stats = { emitted: 0, errors: 0, startedAt: new Date().toISOString(), ratePerMinute: opts.ratePerMinute, running: true };
  const refill = () => {
    let entries = mixEntries(opts.topics);
    const available = opts.availableTopics?.();
    if (available) entries = entries.filter(([t]) => available.includes(t));
    if (entries.length === 0) return;
    const now = Date.now();
    const batch: StreamEvent[] = [];
    for (let j = 0; j < window; j++, index++) {
      batch.push({ index, topic: prng.weighted(entries), seed: `${opts.seed ?? 0}:${index}`, createdAt: now + j });
    }
    queue.push(...(opts.outOfOrder?.() ? prng.shuffle(batch) : batch));
  };
  const tick = () => {
    if (queue.length === 0) refill();
    const event = queue.shift();
    if (!event) return;
    stats.emitted++;
    Promise.resolve()
      .then(() => opts.emit(event))
      .catch(() => {
        stats.errors++;
      });
  };
  const timer = setInterval(tick, 60_000 / opts.ratePerMinute);
  tick();
  return {
    stop() {
      clearInterval(timer);
      stats.running = false;
    },
    stats,
  };
}
