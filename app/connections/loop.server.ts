// The shop's Loop connection: where Loop delivers this shop's webhooks, and the signing secrets that prove a
// delivery came from Loop. Two ways in:
// - "api": the merchant pastes a Loop Admin API token with the webhook scope; the app subscribes its endpoint
//   to every topic it consumes and keeps each subscription's id and secret (sealed).
// - "manual": the merchant adds the webhooks in Loop admin themselves and pastes the signing secret(s); those
//   are kept with topic "*" and the topic(s) the merchant says each one's webhook is for (boundTopics); a
//   delivery of another topic signed with it is refused, so a captured body cannot be re-sent under a topic
//   its webhook never had. Secrets pasted before topics were asked apply to every topic until the merchant
//   pastes them again with their topics (the page says Action needed meanwhile).
// The database mirrors what exists at Loop as far as the app knows: a subscription is recorded when Loop
// created it and removed when Loop removed it, so a failure half way never leaves a secret the app has lost.
// Every query is scoped by the shop domain the caller got from the Shopify session.
import { z } from "zod";
import { getConfig } from "~/config/env.server";
import type { Database } from "~/db.server";
import { EVENT_TYPES, OTHER_LOOP_TOPICS, SUBSCRIBED_LOOP_TOPICS } from "~/events/catalogue";
import { inPlainWords } from "~/events/reasons";
import { log } from "~/logging/logger.server";
import { LoopClient, type LoopFailure, type LoopSubscription } from "~/loop/client.server";
import { SCOPES } from "~/loop/protocol";
import { lastFour, maskSecret, openSecret, sealSecret } from "~/secrets/secrets.server";
import { recordChange } from "./history.server";
import { loopTokenContext, loopWebhookSecretContext } from "./secret-contexts";

export type LoopConnectionStatus = "connected" | "action_needed" | "disconnected" | "not_connected";
export type LoopConnectionMode = "api" | "manual";

/** Topic of the secrets the merchant pasted for webhooks they created in Loop themselves. */
export const MANUAL_TOPIC = "*";

/** The URL Loop delivers this shop's webhooks to (the ingestion route reads the shop from the query). */
export function loopWebhookAddress(shopDomain: string): string {
  const base = getConfig().SHOPIFY_APP_URL.replace(/\/+$/, "");
  return `${base}/webhooks/loop?shop=${encodeURIComponent(shopDomain)}`;
}

export function loopClientFor(token: string): LoopClient {
  const config = getConfig();
  return new LoopClient({ baseUrl: config.LOOP_API_URL, token, timeoutMs: config.LOOP_TIMEOUT_MS });
}

// ---------------------------------------------------------------------------------------------------------
// For the ingestion pipeline
// ---------------------------------------------------------------------------------------------------------

/**
 * The opened signing secrets that may have signed a delivery of `topic` to this shop: the subscription(s) for
 * that topic plus every manual ("*") secret. Empty when the shop has no Loop connection. Throws
 * SecretUnavailableError when a stored secret cannot be opened (an operator problem: answer 5xx, Loop retries).
 * topic null: every secret of the shop's connection, whatever topic it was given for.
 */
export async function loopWebhookSecrets(db: Database, shopDomain: string, topic: string | null): Promise<string[]> {
  const connection = await db.loopConnection.findUnique({ where: { shopDomain }, select: { status: true } });
  if (!connection || connection.status === "disconnected") return [];
  const rows = await db.loopWebhook.findMany({
    where: { shopDomain, ...(topic === null ? {} : { topic: { in: [topic, MANUAL_TOPIC] } }) },
    orderBy: { createdAt: "desc" },
  });
  return rows.filter((row) => topic === null || row.topic !== MANUAL_TOPIC || manualSecretCovers(row, topic)).map((row) => openWebhookSecret(shopDomain, row));
}

/** The topics a pasted secret was bound to; null for one pasted before topics were asked (it covers every topic). */
function boundTopicsOf(row: { boundTopics: string | null }): string[] | null {
  if (row.boundTopics === null) return null;
  // Unreadable: bound to nothing (refuse rather than accept every topic).
  let stored: unknown;
  try {
    stored = JSON.parse(row.boundTopics);
  } catch {
    return [];
  }
  const parsed = z.array(z.string()).safeParse(stored);
  return parsed.success ? parsed.data : [];
}

function manualSecretCovers(row: { boundTopics: string | null }, topic: string): boolean {
  const topics = boundTopicsOf(row);
  return topics === null || topics.includes(topic);
}

/** For comparisons only: a secret that cannot be opened any more cannot be a duplicate either. */
function openedOrNull(shopDomain: string, row: { secretCiphertext: string; secretKeyId: string; loopWebhookId: string | null }) {
  try {
    return openWebhookSecret(shopDomain, row);
  } catch {
    return null;
  }
}

function openWebhookSecret(shopDomain: string, row: { secretCiphertext: string; secretKeyId: string; loopWebhookId: string | null }) {
  return openSecret({ ciphertext: row.secretCiphertext, keyId: row.secretKeyId }, loopWebhookSecretContext(shopDomain, row.loopWebhookId));
}

// ---------------------------------------------------------------------------------------------------------
// For the screens
// ---------------------------------------------------------------------------------------------------------

export interface LoopTopicView {
  topic: string;
  subscribed: boolean;
  /** The Postscript event types made from this topic. */
  eventTypes: string[];
}

export interface LoopConnectionView {
  status: LoopConnectionStatus;
  mode: LoopConnectionMode | null;
  tokenMasked: string | null;
  connectedAt: string | null;
  disconnectedAt: string | null;
  actionNeededReason: string | null;
  /** Where Loop must deliver (shown for the manual set-up). */
  address: string;
  topics: LoopTopicView[];
  /** topics null: pasted before topics were asked, accepted for every topic until the merchant says which. */
  manualSecrets: { id: string; masked: string; addedAt: string; topics: string[] | null }[];
}

export async function loopConnectionView(db: Database, shopDomain: string): Promise<LoopConnectionView> {
  const [connection, webhooks] = await Promise.all([
    db.loopConnection.findUnique({ where: { shopDomain } }),
    db.loopWebhook.findMany({ where: { shopDomain }, orderBy: { createdAt: "asc" } }),
  ]);
  const subscribedTopics = new Set(webhooks.filter((w) => w.topic !== MANUAL_TOPIC).map((w) => w.topic));
  const manual = webhooks.filter((w) => w.topic === MANUAL_TOPIC);
  const active = connection && connection.status !== "disconnected";
  return {
    status: connection ? parseStatus(connection.status) : "not_connected",
    mode: connection?.mode === "api" || connection?.mode === "manual" ? connection.mode : null,
    tokenMasked: connection?.tokenLastFour && connection.tokenCiphertext ? maskSecret(connection.tokenLastFour) : null,
    connectedAt: connection?.connectedAt?.toISOString() ?? null,
    disconnectedAt: connection?.disconnectedAt?.toISOString() ?? null,
    actionNeededReason: connection?.actionNeededReason ?? null,
    address: loopWebhookAddress(shopDomain),
    topics: SUBSCRIBED_LOOP_TOPICS.map((topic) => ({
      topic,
      subscribed: Boolean(active) && (subscribedTopics.has(topic) || manual.some((w) => manualSecretCovers(w, topic))),
      eventTypes: EVENT_TYPES.filter((e) => e.loopTopic === topic).map((e) => e.type),
    })),
    manualSecrets: manual.map((w) => ({ id: w.id, masked: maskSecret(w.secretLastFour), addedAt: w.createdAt.toISOString(), topics: boundTopicsOf(w) })),
  };
}

export async function loopConnectionStatus(db: Database, shopDomain: string): Promise<LoopConnectionStatus> {
  const row = await db.loopConnection.findUnique({ where: { shopDomain }, select: { status: true } });
  return row ? parseStatus(row.status) : "not_connected";
}

export interface LoopActionResult {
  ok: boolean;
  message: string;
  field?: "token" | "secret" | "topics";
  /** Old subscriptions Loop did not let the app remove: the merchant removes them in Loop admin. */
  notRemoved?: { topic: string; loopWebhookId: string; reason: string }[];
  /** Topics that could not be subscribed (a partial connection). */
  missing?: { topic: string; reason: string }[];
}

// ---------------------------------------------------------------------------------------------------------
// Connect with an API token
// ---------------------------------------------------------------------------------------------------------

/**
 * A credential pasted into a form: trimmed, with no space or line break inside (a copy that took part of the
 * page along), and of a plausible length. Each failure is told in the merchant's words.
 */
function pastedCredential(minLength: number, messages: { empty: string; spaces: string; length: string }) {
  return z
    .unknown()
    .transform((raw) => (typeof raw === "string" ? raw.trim() : ""))
    .pipe(z.string().min(1, messages.empty).regex(/^\S*$/, messages.spaces).min(minLength, messages.length).max(512, messages.length));
}

/** The first problem with a pasted credential, or the credential. */
function checkPasted(schema: ReturnType<typeof pastedCredential>, raw: unknown): { ok: true; value: string } | { ok: false; message: string } {
  const result = schema.safeParse(raw);
  return result.success ? { ok: true, value: result.data } : { ok: false, message: result.error.issues[0].message };
}

const loopTokenInput = pastedCredential(8, {
  empty: "Paste the API token you generated in Loop admin.",
  spaces: "The token contains spaces. Copy it again without spaces or line breaks.",
  length: "That does not look like a Loop API token. Copy the whole token from Loop admin.",
});

interface TopicOutcome {
  topic: string;
  subscription?: LoopSubscription & { secret: string };
  failure?: LoopFailure;
  /** A subscription Loop already had for this topic and address, removed so a new one (with a secret we know) could be made. */
  removedExistingId?: string;
}

/**
 * Checks the token, subscribes this app's endpoint to every consumed topic and stores the subscriptions. On a
 * reconnect (new token, or the same one again) the old subscriptions are replaced, never duplicated.
 */
export async function connectLoopWithToken(db: Database, shopDomain: string, rawToken: unknown): Promise<LoopActionResult> {
  const input = checkPasted(loopTokenInput, rawToken);
  if (!input.ok) return { ok: false, field: "token", message: input.message };
  // Loop's own words end up in the messages; should Loop ever echo the token, it stops here.
  return withoutToken(await connectWithCheckedToken(db, shopDomain, input.value), input.value);
}

function withoutToken(result: LoopActionResult, token: string): LoopActionResult {
  const scrub = (text: string) => text.split(token).join("[token]");
  return {
    ...result,
    message: scrub(result.message),
    ...(result.missing ? { missing: result.missing.map((m) => ({ ...m, reason: scrub(m.reason) })) } : {}),
    ...(result.notRemoved ? { notRemoved: result.notRemoved.map((n) => ({ ...n, reason: scrub(n.reason) })) } : {}),
  };
}

async function connectWithCheckedToken(db: Database, shopDomain: string, token: string): Promise<LoopActionResult> {
  const client = loopClientFor(token);

  const check = await client.checkToken();
  if (!check.ok) return { ok: false, field: "token", message: loopFailureMessage(check.failure) };
  const tokenStore = check.value.myshopifyDomain?.toLowerCase();
  if (tokenStore && tokenStore !== shopDomain) {
    return {
      ok: false,
      field: "token",
      message: `This token belongs to the Loop store of ${tokenStore}, not ${shopDomain}. Generate the token in the Loop admin of ${shopDomain}.`,
    };
  }
  const scopes = check.value.token?.scopes;
  if (scopes && !scopes.includes(SCOPES.webhooks)) return { ok: false, field: "token", message: MISSING_WEBHOOK_SCOPE };

  const existing = await db.loopConnection.findUnique({ where: { shopDomain } });
  const knownWebhooks = await db.loopWebhook.findMany({ where: { shopDomain, topic: { not: MANUAL_TOPIC } } });
  const address = loopWebhookAddress(shopDomain);

  const outcomes: TopicOutcome[] = [];
  for (const topic of SUBSCRIBED_LOOP_TOPICS) {
    const outcome = await subscribeReplacingExisting(client, topic, address);
    outcomes.push(outcome);
    // Loop down, token refused, rate limited: the next topics would fail the same way.
    if (outcome.failure && !["rejected", "malformed_response"].includes(outcome.failure.kind)) break;
  }
  const created = outcomes.filter((o) => o.subscription).map((o) => o.subscription!);
  const removedAtLoop = new Set(outcomes.map((o) => o.removedExistingId).filter((id): id is string => Boolean(id)));
  const failed = outcomes.find((o) => o.failure);

  if (created.length === 0 && removedAtLoop.size === 0) {
    // Nothing changed at Loop, so nothing changes here: the previous connection (if any) stays as it was.
    return { ok: false, field: "token", message: loopFailureMessage(failed!.failure!) };
  }

  // Old subscriptions not replaced above (another address, or already gone at Loop) are removed now, with the
  // new token and, for a token of another store, the previous one. What Loop refuses stays recorded.
  const complete = created.length === SUBSCRIBED_LOOP_TOPICS.length;
  const createdTopics = new Set(created.map((c) => c.topic));
  const previousToken = existing?.tokenCiphertext && existing.tokenKeyId ? tryOpenToken(shopDomain, existing) : null;
  const notRemoved: NonNullable<LoopActionResult["notRemoved"]> = [];
  const goneRowIds: string[] = [];
  const createdIds = new Set(created.map((c) => c.id));
  for (const row of knownWebhooks) {
    // Replaced at Loop above, or the very subscription Loop handed back again (recorded anew below).
    if (row.loopWebhookId && (removedAtLoop.has(row.loopWebhookId) || createdIds.has(row.loopWebhookId))) {
      goneRowIds.push(row.id);
      continue;
    }
    if (!createdTopics.has(row.topic)) continue; // its topic is not covered by a new subscription: keep it working
    const removal = await unsubscribeWithFallback(row.loopWebhookId, [client, previousToken ? loopClientFor(previousToken) : null]);
    if (removal.ok) goneRowIds.push(row.id);
    else notRemoved.push({ topic: row.topic, loopWebhookId: row.loopWebhookId ?? "?", reason: removal.reason });
  }

  const missing = SUBSCRIBED_LOOP_TOPICS.filter((topic) => !createdTopics.has(topic)).map((topic) => ({
    topic,
    reason: outcomes.find((o) => o.topic === topic)?.failure?.message ?? "not attempted after an earlier failure",
  }));
  const status = complete ? "connected" : "action_needed";
  const actionNeededReason = complete
    ? null
    : `${missing.length} of ${SUBSCRIBED_LOOP_TOPICS.length} Loop topics are not subscribed (${loopFailureMessage(failed!.failure!)}). Connect again to finish.`
        .split(token)
        .join("[token]");
  const now = new Date();
  const sealedToken = sealSecret(token, loopTokenContext(shopDomain));

  await db.$transaction(async (tx) => {
    if (goneRowIds.length) await tx.loopWebhook.deleteMany({ where: { shopDomain, id: { in: goneRowIds } } });
    // Every consumed topic now has a subscription whose secret is known; a webhook the merchant created in
    // Loop for the same topic and address was replaced above, so manual secrets are no longer needed.
    if (complete) await tx.loopWebhook.deleteMany({ where: { shopDomain, topic: MANUAL_TOPIC } });
    for (const subscription of created) {
      const sealed = sealSecret(subscription.secret, loopWebhookSecretContext(shopDomain, subscription.id));
      await tx.loopWebhook.create({
        data: {
          shopDomain,
          topic: subscription.topic,
          loopWebhookId: subscription.id,
          address: subscription.address,
          secretCiphertext: sealed.ciphertext,
          secretKeyId: sealed.keyId,
          secretLastFour: lastFour(subscription.secret),
        },
      });
    }
    const fields = {
      status,
      mode: "api",
      tokenCiphertext: sealedToken.ciphertext,
      tokenKeyId: sealedToken.keyId,
      tokenLastFour: lastFour(token),
      connectedAt: now,
      lastVerifiedAt: now,
      disconnectedAt: null,
      actionNeededReason,
    };
    await tx.loopConnection.upsert({ where: { shopDomain }, create: { shopDomain, ...fields }, update: fields });
    await recordChange(tx, shopDomain, "merchant", complete ? "loop.connected" : "loop.connect_incomplete", {
      mode: "api",
      tokenLastFour: lastFour(token),
      previousMode: existing?.status === "disconnected" ? null : (existing?.mode ?? null),
      subscribedTopics: created.map((c) => c.topic),
      missingTopics: missing.map((m) => m.topic),
      notRemovedWebhookIds: notRemoved.map((n) => n.loopWebhookId),
    });
  });
  log.info(complete ? "loop connected" : "loop connected partially", { shop: shopDomain, subscribed: created.length, missing: missing.length });

  const leftovers = notRemoved.length ? ` ${notRemovedSentence(notRemoved)}` : "";
  if (!complete) {
    return { ok: false, message: `${actionNeededReason}${leftovers}`, missing, notRemoved };
  }
  return {
    ok: true,
    message: `Loop connected. Subscribed to ${created.length} topics.${leftovers}`,
    notRemoved,
  };
}

/** Subscribes; when Loop already has this topic and address, removes that one and subscribes again to get a secret. */
async function subscribeReplacingExisting(client: LoopClient, topic: string, address: string): Promise<TopicOutcome> {
  const first = await client.subscribeWebhook(topic, address);
  if (first.ok && first.value.secret) return { topic, subscription: { ...first.value, secret: first.value.secret } };

  let existingId: string | undefined;
  if (first.ok) {
    existingId = first.value.id; // Loop answered with the existing subscription, without its secret
  } else if (first.failure.kind === "already_subscribed") {
    existingId = first.failure.existingWebhookId ?? (await findSubscriptionId(client, topic, address));
  } else {
    return { topic, failure: first.failure };
  }
  if (!existingId) {
    return { topic, failure: { kind: "rejected", status: null, message: "Loop says this webhook exists but did not say which one" } };
  }
  const removed = await client.unsubscribeWebhook(existingId);
  if (!removed.ok && removed.failure.kind !== "not_found") return { topic, failure: removed.failure };
  const second = await client.subscribeWebhook(topic, address);
  if (second.ok && second.value.secret) {
    return { topic, subscription: { ...second.value, secret: second.value.secret }, removedExistingId: existingId };
  }
  const failure: LoopFailure = second.ok
    ? { kind: "malformed_response", status: second.status, message: "Loop did not return the webhook's signing secret" }
    : second.failure;
  return { topic, failure, removedExistingId: existingId };
}

async function findSubscriptionId(client: LoopClient, topic: string, address: string): Promise<string | undefined> {
  const list = await client.listWebhooks();
  return list.ok ? list.value.find((w) => w.topic === topic && w.address === address)?.id : undefined;
}

/**
 * Removes a subscription at Loop with the first client that can; "not found" means it is gone already. A
 * not-found or refused answer lets the next client (the previous token, maybe of another store) try.
 */
async function unsubscribeWithFallback(
  loopWebhookId: string | null,
  clients: (LoopClient | null)[],
): Promise<{ ok: true } | { ok: false; reason: string }> {
  if (!loopWebhookId) return { ok: true };
  const usable = clients.filter((client): client is LoopClient => client !== null);
  if (usable.length === 0) return { ok: false, reason: "no Loop token to remove it with" };
  let lastFailure: LoopFailure | undefined;
  for (const client of usable) {
    const result = await client.unsubscribeWebhook(loopWebhookId);
    if (result.ok) return { ok: true };
    lastFailure = result.failure;
    if (!["not_found", "unauthorized", "forbidden"].includes(lastFailure.kind)) break;
  }
  return lastFailure?.kind === "not_found" ? { ok: true } : { ok: false, reason: lastFailure?.message ?? "unknown" };
}

/** Removes the app's subscriptions at Loop, one request at a time; returns those Loop kept, and why. */
async function removeAppWebhooksAtLoop(
  webhooks: { topic: string; loopWebhookId: string | null }[],
  client: LoopClient | null,
): Promise<NonNullable<LoopActionResult["notRemoved"]>> {
  const notRemoved: NonNullable<LoopActionResult["notRemoved"]> = [];
  for (const webhook of webhooks) {
    if (!webhook.loopWebhookId) continue; // manual: the merchant created it in Loop and removes it there
    const removal = await unsubscribeWithFallback(webhook.loopWebhookId, [client]);
    if (!removal.ok) notRemoved.push({ topic: webhook.topic, loopWebhookId: webhook.loopWebhookId, reason: removal.reason });
  }
  return notRemoved;
}

export function tryOpenToken(shopDomain: string, row: { tokenCiphertext: string | null; tokenKeyId: string | null }): string | null {
  try {
    return openSecret({ ciphertext: row.tokenCiphertext!, keyId: row.tokenKeyId! }, loopTokenContext(shopDomain));
  } catch (error) {
    log.warn("stored loop token could not be opened", { shop: shopDomain, error });
    return null;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Manual set-up: the merchant adds the webhooks in Loop and pastes the signing secret
// ---------------------------------------------------------------------------------------------------------

const signingSecretInput = pastedCredential(16, {
  empty: "Paste the signing secret Loop shows for the webhook.",
  spaces: "The secret contains spaces. Copy it again without spaces or line breaks.",
  length: "That looks too short for a Loop signing secret. Copy the whole secret.",
});

// What a pasted secret can be bound to: the topics the app consumes, or OTHER_LOOP_TOPICS for a webhook the
// merchant added for a topic the app does not use (any of the shop's secrets may sign those; they are only
// acknowledged).
const manualTopicsInput = z
  .array(z.string())
  .transform((topics) => [...new Set(topics)])
  .pipe(z.array(z.enum([OTHER_LOOP_TOPICS, ...SUBSCRIBED_LOOP_TOPICS])).min(1));

/**
 * Saves a signing secret the merchant pasted, for the topic(s) of the webhook it belongs to. The same secret
 * pasted again (one saved before topics were asked, say) gets the topics chosen now.
 */
export async function addManualLoopSecret(db: Database, shopDomain: string, rawSecret: unknown, rawTopics: unknown): Promise<LoopActionResult> {
  const input = checkPasted(signingSecretInput, rawSecret);
  if (!input.ok) return { ok: false, field: "secret", message: input.message };
  const topicsInput = manualTopicsInput.safeParse(rawTopics);
  if (!topicsInput.success) return { ok: false, field: "topics", message: "Choose the Loop topic(s) of the webhook this signing secret belongs to." };
  const topics = topicsInput.data;
  const existing = await db.loopConnection.findUnique({ where: { shopDomain } });
  if (existing?.mode === "api" && existing.status !== "disconnected") {
    return {
      ok: false,
      field: "secret",
      message: "Loop is connected with an API token, so the app manages the webhooks. Disconnect it first to add webhooks yourself.",
    };
  }
  const manual = await db.loopWebhook.findMany({ where: { shopDomain, topic: MANUAL_TOPIC } });
  const same = manual.find((row) => openedOrNull(shopDomain, row) === input.value);
  if (same) return bindManualSecret(db, shopDomain, same, topics);
  const sealed = sealSecret(input.value, loopWebhookSecretContext(shopDomain, null));
  const now = new Date();
  await db.$transaction(async (tx) => {
    await tx.loopWebhook.create({
      data: {
        shopDomain,
        topic: MANUAL_TOPIC,
        loopWebhookId: null,
        address: loopWebhookAddress(shopDomain),
        secretCiphertext: sealed.ciphertext,
        secretKeyId: sealed.keyId,
        secretLastFour: lastFour(input.value),
        boundTopics: JSON.stringify(topics),
      },
    });
    const wasConnected = existing?.status === "connected" && existing.mode === "manual";
    const fields = {
      status: "connected",
      mode: "manual",
      tokenCiphertext: null,
      tokenKeyId: null,
      tokenLastFour: null,
      connectedAt: wasConnected ? existing.connectedAt : now,
      disconnectedAt: null,
      actionNeededReason: null,
    };
    await tx.loopConnection.upsert({ where: { shopDomain }, create: { shopDomain, ...fields }, update: fields });
    await recordChange(tx, shopDomain, "merchant", "loop.manual_secret_added", { mode: "manual", secretLastFour: lastFour(input.value), secrets: manual.length + 1, topics });
  });
  return { ok: true, message: `Signing secret saved. Loop's deliveries of ${topics.join(", ")} signed with it are accepted.` };
}

async function bindManualSecret(db: Database, shopDomain: string, row: { id: string; secretLastFour: string; boundTopics: string | null }, topics: string[]): Promise<LoopActionResult> {
  const before = boundTopicsOf(row);
  if (before && before.length === topics.length && topics.every((t) => before.includes(t))) {
    return { ok: false, field: "secret", message: "This signing secret is already saved." };
  }
  await db.$transaction(async (tx) => {
    await tx.loopWebhook.update({ where: { id: row.id }, data: { boundTopics: JSON.stringify(topics) } });
    await recordChange(tx, shopDomain, "merchant", "loop.manual_secret_topics", { secretLastFour: row.secretLastFour, before, topics });
  });
  return { ok: true, message: `Signing secret now accepted for ${topics.join(", ")} only.` };
}

export async function removeManualLoopSecret(db: Database, shopDomain: string, webhookRowId: unknown): Promise<LoopActionResult> {
  if (typeof webhookRowId !== "string" || !webhookRowId) return { ok: false, message: "Choose a signing secret to remove." };
  const outcome = await db.$transaction(async (tx) => {
    const row = await tx.loopWebhook.findFirst({ where: { id: webhookRowId, shopDomain, topic: MANUAL_TOPIC } });
    if (!row) return null;
    await tx.loopWebhook.delete({ where: { id: row.id } });
    const left = await tx.loopWebhook.count({ where: { shopDomain } });
    if (left === 0) {
      await tx.loopConnection.updateMany({ where: { shopDomain }, data: { status: "disconnected", disconnectedAt: new Date() } });
    }
    await recordChange(tx, shopDomain, "merchant", "loop.manual_secret_removed", { secretLastFour: row.secretLastFour, secretsLeft: left });
    return { left };
  });
  if (!outcome) return { ok: false, message: "That signing secret is not saved for this shop." };
  return {
    ok: true,
    message: outcome.left ? "Signing secret removed." : "Signing secret removed. Loop is no longer connected: deliveries are not accepted until you add a secret or connect with a token.",
  };
}

// ---------------------------------------------------------------------------------------------------------
// Disconnect
// ---------------------------------------------------------------------------------------------------------

/**
 * Unsubscribes the app's webhooks at Loop (api mode) and removes the connection's secrets here. A Loop failure
 * does not stop the local part: the merchant is told which webhooks to remove in Loop admin.
 */
export async function disconnectLoop(db: Database, shopDomain: string): Promise<LoopActionResult> {
  const connection = await db.loopConnection.findUnique({ where: { shopDomain } });
  if (!connection || connection.status === "disconnected") return { ok: true, message: "Loop was already disconnected." };
  const webhooks = await db.loopWebhook.findMany({ where: { shopDomain } });

  const token = connection.mode === "api" && connection.tokenCiphertext ? tryOpenToken(shopDomain, connection) : null;
  const notRemoved = await removeAppWebhooksAtLoop(webhooks, token ? loopClientFor(token) : null);

  await db.$transaction(async (tx) => {
    await tx.loopWebhook.deleteMany({ where: { shopDomain } });
    await tx.loopConnection.update({
      where: { shopDomain },
      data: { status: "disconnected", tokenCiphertext: null, tokenKeyId: null, disconnectedAt: new Date(), actionNeededReason: null },
    });
    await recordChange(tx, shopDomain, "merchant", "loop.disconnected", {
      mode: connection.mode,
      webhooksRemoved: webhooks.length - notRemoved.length,
      notRemovedWebhookIds: notRemoved.map((n) => n.loopWebhookId),
    });
  });
  log.info("loop disconnected", { shop: shopDomain, webhooks: webhooks.length, notRemoved: notRemoved.length });

  const manualNote = connection.mode === "manual" ? " Remove the webhooks you created in Loop admin → Settings → Webhooks." : "";
  if (notRemoved.length) {
    return { ok: false, message: `Loop disconnected here. ${notRemovedSentence(notRemoved)}`, notRemoved };
  }
  return { ok: true, message: `Loop disconnected. Events are no longer received.${manualNote}` };
}

// ---------------------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------------------

const MISSING_WEBHOOK_SCOPE =
  "This token does not have the webhook scope, so the app cannot subscribe to Loop's events. In Loop admin → " +
  "Settings → API Tokens, edit the token and add the webhooks scope (the token stays the same), then select Connect again.";

/** What went wrong with Loop, in words a merchant can act on. */
export function loopFailureMessage(failure: LoopFailure): string {
  const seconds = Math.round(getConfig().LOOP_TIMEOUT_MS / 100) / 10;
  switch (failure.kind) {
    case "unauthorized":
      return "Loop did not accept this token. Check that you copied the whole token and that it still exists in Loop admin → Settings → API Tokens.";
    case "forbidden":
      return MISSING_WEBHOOK_SCOPE;
    case "rate_limited":
      return "Loop is receiving too many requests right now (rate limited). Wait a minute and try again.";
    case "timeout":
      return `Loop did not answer within ${seconds} seconds. Try again in a minute.`;
    case "unavailable":
      return `${failure.status === null ? "Loop could not be reached" : "Loop had a problem on its side"}. Try again in a few minutes.`;
    case "malformed_response":
      return "Loop answered in a way this app does not understand. Try again later.";
    case "already_subscribed":
    case "not_found":
    case "rejected":
      return `Loop refused the request: ${inPlainWords(failure.message)}.`;
  }
}

function notRemovedSentence(notRemoved: NonNullable<LoopActionResult["notRemoved"]>): string {
  const list = notRemoved.map((n) => `${n.topic} (webhook ${n.loopWebhookId})`).join(", ");
  return `Loop did not let the app remove ${notRemoved.length === 1 ? "this webhook" : `these ${notRemoved.length} webhooks`}: ${list}. Remove ${notRemoved.length === 1 ? "it" : "them"} in Loop admin → Settings → Webhooks so Loop stops sending them.`;
}

function parseStatus(status: string): LoopConnectionStatus {
  return status === "connected" || status === "action_needed" || status === "disconnected" ? status : "not_connected";
}
