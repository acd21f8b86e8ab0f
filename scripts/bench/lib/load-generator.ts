// HTTP load generator for signed Loop webhooks, run in a child process of its own (so its CPU is not the
// app's, and the app's is not its): `connections` keep-alive connections, each sending its next request as
// soon as the previous one is answered (closed loop), for `durationMs` after `warmupMs`. Every request gets a
// distinct X-Loop-Webhook-Id; bodies and their signatures are prepared by the parent. A template with its
// secret is made distinct per request (the app refuses the same body under another id as a replay) and signed
// here. Node built-ins only.
// Reads its LoadConfig as JSON on stdin, writes one LoadResult as JSON on stdout.
import { createHmac } from "node:crypto";
import http from "node:http";
import { performance } from "node:perf_hooks";

export interface WebhookTemplate {
  shop: string;
  topic: string;
  body: string;
  /** X-Loop-Signature of `body`. */
  signature: string;
  /** When given: every request sends `body` with its webhook id added to the envelope, signed with this. */
  secret?: string;
}

export interface LoadConfig {
  /** Base URL of the server, e.g. http://127.0.0.1:3000 */
  url: string;
  path?: string;
  connections: number;
  durationMs: number;
  warmupMs: number;
  /** Prefix of the webhook ids (unique per run and level). */
  idPrefix: string;
  templates: WebhookTemplate[];
  /** Give up on a request after this long (counted as an error). */
  timeoutMs?: number;
}

export interface LoadResult {
  connections: number;
  measuredMs: number;
  /** Requests answered 2xx during the measured window. */
  accepted: number;
  /** Answered, but not 2xx (by status). */
  statuses: Record<string, number>;
  /** No answer (connection errors, timeouts). */
  networkErrors: number;
  /** Acknowledgement latency (ms) of the accepted requests in the measured window. */
  latenciesMs: number[];
  /** Requests sent in total (warm-up included). */
  sent: number;
  /** Requests answered 2xx in total (warm-up and tail included): each must be a stored event. */
  acceptedTotal: number;
}

function run(config: LoadConfig): Promise<LoadResult> {
  const target = new URL(config.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: config.connections, maxFreeSockets: config.connections });
  const started = performance.now();
  const measureFrom = started + config.warmupMs;
  const stopAt = measureFrom + config.durationMs;
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let accepted = 0;
  let networkErrors = 0;
  let sent = 0;
  let acceptedTotal = 0;
  let next = 0;
  const prepared = config.templates.map((t) => ({
    ...t,
    path: `${config.path ?? "/webhooks/loop"}?shop=${encodeURIComponent(t.shop)}`,
    length: String(Buffer.byteLength(t.body)),
  }));

  function distinct(envelope: string, secret: string, id: string) {
    const body = `{"benchId":${JSON.stringify(id)},${envelope.slice(1)}`;
    return { body, length: String(Buffer.byteLength(body)), signature: createHmac("sha256", secret).update(body).digest("base64") };
  }

  function one(): Promise<void> {
    const template = prepared[next % prepared.length];
    const id = `${config.idPrefix}-${next++}`;
    const { body, length, signature } = template.secret ? distinct(template.body, template.secret, id) : template;
    sent++;
    const t0 = performance.now();
    return new Promise((resolve) => {
      const req = http.request(
        {
          host: target.hostname,
          port: target.port,
          method: "POST",
          path: template.path,
          agent,
          timeout: config.timeoutMs ?? 30_000,
          headers: {
            "Content-Type": "application/json",
            "Content-Length": length,
            "X-Loop-Webhook-Id": id,
            "X-Loop-Webhook-Topic": template.topic,
            "X-Loop-Webhook-Api-Version": "2023-10",
            "X-Loop-Webhook-Created-At": new Date().toISOString(),
            "X-Loop-Webhook-Retry-Count": "0",
            "X-Loop-Signature": signature,
          },
        },
        (res) => {
          res.resume();
          res.on("end", () => {
            const t1 = performance.now();
            const ok = res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300;
            if (ok) acceptedTotal++;
            if (t0 >= measureFrom && t1 <= stopAt) {
              const status = res.statusCode ?? 0;
              if (status >= 200 && status < 300) {
                accepted++;
                latencies.push(t1 - t0);
              } else {
                statuses[status] = (statuses[status] ?? 0) + 1;
              }
            }
            resolve();
          });
        },
      );
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.on("error", () => {
        if (t0 >= measureFrom) networkErrors++;
        resolve();
      });
      req.end(body);
    });
  }

  async function connection() {
    while (performance.now() < stopAt) await one();
  }

  return Promise.all(Array.from({ length: config.connections }, connection)).then(() => {
    agent.destroy();
    return {
      connections: config.connections,
      measuredMs: config.durationMs,
      accepted,
      statuses,
      networkErrors,
      latenciesMs: latencies,
      sent,
      acceptedTotal,
    };
  });
}

async function main() {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const config = JSON.parse(Buffer.concat(chunks).toString("utf8")) as LoadConfig;
  const result = await run(config);
  process.stdout.write(JSON.stringify(result) + "\n");
}

// Only ever run as a child process (load.ts imports nothing but types from here).
main().catch((error) => {
  console.error(error);
  process.exit(1);
});
