// What the fault tests share: a fresh database with shops connected the way merchants connect them (Loop with
// an API token through the Loop stand-in, Postscript with a key from the Postscript stand-in), the production
// server's environment for that setup, a webhook sender that behaves like Loop (signed, distinct ids, every
// non-2xx retried), and what arrived at the Postscript stand-in.
export { waitFor } from "../support/wait";
import http from "node:http";
import { startLoopStandIn, type LoopStandIn } from "../../sandbox/loop/server";
import { startPostscriptStandIn, type PostscriptStandIn, type PostscriptStandInOptions } from "../../sandbox/postscript/server";
import { connectLoopShops, connectPostscriptShop, uniqueWebhooks, type LoopSecrets, type PostscriptShop } from "../../scripts/bench/lib/shops";
import type { WebhookTemplate } from "../../scripts/bench/lib/load-generator";
import { resetConfigForTests } from "~/config/env.server";
import { disconnectDatabase, type Database } from "~/db.server";
import { baseServerEnv } from "../support/app-server";
import { setTestEnv } from "../support/connections";
import { createTestDatabase, useDatabase as pointAppAt, type DatabaseKind, type TestDatabase } from "../support/databases";

export interface Pipeline {
  kind: DatabaseKind;
  database: TestDatabase;
  db: Database;
  ps: PostscriptStandIn;
  loop: LoopStandIn;
  shops: string[];
  postscriptShops: PostscriptShop[];
  secrets: LoopSecrets;
  /** A signed webhook for an id: its own subscription and customer, deliverable now, for one of the shops. */
  webhookFor: (id: string) => WebhookTemplate;
  /** The production server's environment for this setup (plus `extra`). */
  serverEnv(extra?: Record<string, string>): Record<string, string>;
  close(): Promise<void>;
}

export interface PipelineOptions {
  shops?: number;
  prefix?: string;
  postscript?: PostscriptStandInOptions;
  database?: TestDatabase;
}

export async function setUpPipeline(kind: DatabaseKind, options: PipelineOptions = {}): Promise<Pipeline> {
  const prefix = options.prefix ?? "fault";
  const database = options.database ?? (await createTestDatabase(kind));
  const [ps, loop] = await Promise.all([startPostscriptStandIn({ maxLoggedRequests: 50_000, ...options.postscript }), startLoopStandIn()]);
  const restoreEnv = setTestEnv({ POSTSCRIPT_API_URL: ps.url, LOOP_API_URL: loop.url });
  const db = await pointAppAt(database.url);
  const secrets = await connectLoopShops(db, loop, options.shops ?? 3, prefix);
  const shops = [...secrets.keys()];
  const postscriptShops: PostscriptShop[] = [];
  for (const shop of shops) postscriptShops.push(await connectPostscriptShop(db, ps.url, shop));
  const webhookFor = uniqueWebhooks(secrets);
  return {
    kind,
    database,
    db,
    ps,
    loop,
    shops,
    postscriptShops,
    secrets,
    webhookFor,
    serverEnv: (extra = {}) => ({
      ...baseServerEnv(database.url),
      POSTSCRIPT_API_URL: ps.url,
      LOOP_API_URL: loop.url,
      DELIVERY_POLL_INTERVAL_MS: "50",
      DELIVERY_LEASE_MS: "2000",
      ...extra,
    }),
    close: async () => {
      await disconnectDatabase();
      restoreEnv();
      resetConfigForTests();
      await Promise.all([ps.close(), loop.close()]);
      if (!options.database) await database.drop();
    },
  };
}

/** Sends signed webhooks like Loop: each id until it gets a 2xx, spreading ids over the given servers. */
export class WebhookSender {
  readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  /** Every status each id got, in order (0: no answer). */
  readonly answers = new Map<string, number[]>();
  /** Ids answered 2xx at least once. */
  readonly acknowledged = new Set<string>();
  /** Every answer, in the order they came (status 0: no answer). */
  readonly log: { id: string; status: number; at: number; url: string }[] = [];

  private readonly made = new Map<string, WebhookTemplate>();

  constructor(private readonly webhookFor: (id: string) => WebhookTemplate) {}

  /** The same body for every attempt of an id (a redelivery is byte for byte the first delivery). */
  templateFor(id: string): WebhookTemplate {
    let template = this.made.get(id);
    if (!template) {
      template = this.webhookFor(id);
      this.made.set(id, template);
    }
    return template;
  }

  /** One delivery attempt; resolves with the status (0 when there was no answer). */
  send(baseUrl: string, id: string, template = this.templateFor(id), overrides: { signature?: string; body?: string } = {}): Promise<number> {
    const body = overrides.body ?? template.body;
    return new Promise((resolve) => {
      const url = new URL(`/webhooks/loop?shop=${encodeURIComponent(template.shop)}`, baseUrl);
      const req = http.request(url, {
        method: "POST",
        agent: this.agent,
        timeout: 10_000,
        headers: {
          "Content-Type": "application/json",
          "Content-Length": Buffer.byteLength(body),
          "X-Loop-Webhook-Id": id,
          "X-Loop-Webhook-Topic": template.topic,
          "X-Loop-Webhook-Created-At": new Date().toISOString(),
          "X-Loop-Signature": overrides.signature ?? template.signature,
        },
      });
      const record = (status: number) => {
        const list = this.answers.get(id) ?? [];
        list.push(status);
        this.answers.set(id, list);
        if (status >= 200 && status < 300) this.acknowledged.add(id);
        this.log.push({ id, status, at: Date.now(), url: baseUrl });
        resolve(status);
      };
      req.on("response", (res) => {
        res.resume();
        res.on("end", () => record(res.statusCode ?? 0));
        res.on("error", () => record(0));
      });
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.on("error", (error: NodeJS.ErrnoException) => {
        // A kept-alive socket the server closed as idle just as this request went out: the request never reached
        // it, so it is sent again on a new connection, as Node's documentation advises (Loop's client would too).
        if (req.reusedSocket && error.code === "ECONNRESET") resolve(this.send(baseUrl, id, template, overrides));
        else record(0);
      });
      req.end(body);
    });
  }

  /**
   * Sends every id until it is acknowledged, `concurrency` at a time, to `target()` (read per attempt, so a
   * restarted server on a new port is picked up); unacknowledged ids are retried after `retryDelayMs`.
   */
  async sendAll(ids: string[], target: () => string | string[], { concurrency = 32, retryDelayMs = 100, deadlineMs = 120_000, paceMs = 0 } = {}): Promise<void> {
    const queue = [...ids];
    const started = Date.now();
    let turn = 0;
    const worker = async () => {
      for (;;) {
        const id = queue.shift();
        if (id === undefined) return;
        const targets = target();
        const url = Array.isArray(targets) ? targets[turn++ % targets.length] : targets;
        const status = await this.send(url, id);
        if (paceMs) await new Promise((resolve) => setTimeout(resolve, paceMs)); // the sender's pace, as Loop's would be
        if (status >= 200 && status < 300) continue;
        if (Date.now() - started > deadlineMs) throw new Error(`webhook ${id} still not acknowledged after ${deadlineMs} ms (last ${status})`);
        await new Promise((resolve) => setTimeout(resolve, retryDelayMs)); // Loop retries after a delay too
        queue.push(id);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  }

  close() {
    this.agent.destroy();
  }
}

/** external_id → how many times the Postscript stand-in accepted it. */
export function deliveredCounts(ps: PostscriptStandIn): Map<string, number> {
  const counts = new Map<string, number>();
  for (const event of ps.state.events) counts.set(event.external_id ?? "", (counts.get(event.external_id ?? "") ?? 0) + 1);
  return counts;
}


export { openEvents } from "../support/end-to-end";

export const range = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

/** Sets (or, with null, clears) the Loop stand-in's Admin API faults. */
export function loopFaults(pipeline: Pipeline, faults: Record<string, unknown> | null) {
  return fetch(`${pipeline.loop.url}/__sandbox/faults`, {
    method: faults ? "POST" : "DELETE",
    headers: { "Content-Type": "application/json" },
    body: faults ? JSON.stringify(faults) : undefined,
  });
}
