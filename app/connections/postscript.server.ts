// The shop's Postscript connection: connect (and replace) a private API key after Postscript has accepted it,
// verify it again, disconnect, and the "Action needed" state the delivery pipeline sets when Postscript later
// rejects the key. The key is sealed at rest and leaves this module only through postscriptCredentials (for
// the pipeline); screens get PostscriptConnectionView, which holds its last four characters at most.
// Every query is scoped by the shop domain the caller got from the Shopify session.
import { z } from "zod";
import { getConfig } from "~/config/env.server";
import type { Database } from "~/db.server";
import { inPlainWords } from "~/events/reasons";
import { log } from "~/logging/logger.server";
import { PostscriptClient, type PostscriptFailure } from "~/postscript/client.server";
import { checkPrivateKeyInput } from "~/postscript/keys";
import { lastFour, maskSecret, openSecret, sealSecret, SecretUnavailableError } from "~/secrets/secrets.server";
import { recordChange, type Actor } from "./history.server";
import { postscriptKeyContext } from "./secret-contexts";

export type PostscriptConnectionStatus = "connected" | "action_needed" | "disconnected" | "not_connected";

/** A client for this key, in partner mode when POSTSCRIPT_PARTNER_KEY is configured. */
export function postscriptClientFor(apiKey: string): PostscriptClient {
  const config = getConfig();
  return new PostscriptClient({
    baseUrl: config.POSTSCRIPT_API_URL,
    apiKey,
    partnerKey: config.POSTSCRIPT_PARTNER_KEY,
    timeoutMs: config.POSTSCRIPT_TIMEOUT_MS,
  });
}

// ---------------------------------------------------------------------------------------------------------
// For the delivery pipeline
// ---------------------------------------------------------------------------------------------------------

/**
 * The key to send this shop's events with, or null unless the connection is "connected" (deliveries wait
 * while it needs the merchant's action). Throws SecretUnavailableError when the key cannot be opened (an
 * encryption key missing from SECRETS_ENCRYPTION_KEYS): an operator problem that must not look like "not connected".
 */
export async function postscriptCredentials(db: Database, shopDomain: string): Promise<{ apiKey: string; partnerKey?: string } | null> {
  const row = await db.postscriptConnection.findUnique({ where: { shopDomain } });
  if (row?.status !== "connected" || !row.keyCiphertext || !row.keyKeyId) return null;
  const apiKey = openSecret({ ciphertext: row.keyCiphertext, keyId: row.keyKeyId }, postscriptKeyContext(shopDomain));
  const partnerKey = getConfig().POSTSCRIPT_PARTNER_KEY;
  return partnerKey ? { apiKey, partnerKey } : { apiKey };
}

export async function postscriptConnectionStatus(db: Database, shopDomain: string): Promise<PostscriptConnectionStatus> {
  const row = await db.postscriptConnection.findUnique({ where: { shopDomain }, select: { status: true } });
  return row ? parseStatus(row.status) : "not_connected";
}

/**
 * Postscript refused the key (401/403) while delivering: the connection turns to "action_needed" until the
 * merchant replaces or re-verifies the key. Idempotent: only a connected connection changes, once.
 */
export async function markPostscriptKeyRejected(db: Database, shopDomain: string, reason: string): Promise<void> {
  await markKeyRejected(db, shopDomain, reason, "system");
}

async function markKeyRejected(db: Database, shopDomain: string, reason: string, actor: Actor) {
  const now = new Date();
  const cleanReason = reason.slice(0, 500);
  const changed = await db.$transaction(async (tx) => {
    const { count } = await tx.postscriptConnection.updateMany({
      where: { shopDomain, status: "connected" },
      data: { status: "action_needed", actionNeededReason: cleanReason, actionNeededAt: now },
    });
    if (count) await recordChange(tx, shopDomain, actor, "postscript.key_rejected", { reason: cleanReason });
    return count > 0;
  });
  if (changed) log.warn("postscript key rejected; deliveries wait for the merchant", { shop: shopDomain, reason: cleanReason });
}

// ---------------------------------------------------------------------------------------------------------
// For the screens
// ---------------------------------------------------------------------------------------------------------

export interface PostscriptConnectionView {
  status: PostscriptConnectionStatus;
  /** "••••7890", never more of the key. */
  keyMasked: string | null;
  label: string | null;
  shopName: string | null;
  connectedAt: string | null;
  lastVerifiedAt: string | null;
  disconnectedAt: string | null;
  actionNeededReason: string | null;
  actionNeededAt: string | null;
  /** Requests go out with the app's partner key and the shop's key in X-Postscript-Shop-Token. */
  partnerMode: boolean;
}

export async function postscriptConnectionView(db: Database, shopDomain: string): Promise<PostscriptConnectionView> {
  const row = await db.postscriptConnection.findUnique({ where: { shopDomain } });
  const partnerMode = Boolean(getConfig().POSTSCRIPT_PARTNER_KEY);
  if (!row) {
    return {
      status: "not_connected",
      keyMasked: null,
      label: null,
      shopName: null,
      connectedAt: null,
      lastVerifiedAt: null,
      disconnectedAt: null,
      actionNeededReason: null,
      actionNeededAt: null,
      partnerMode,
    };
  }
  return {
    status: parseStatus(row.status),
    keyMasked: row.keyLastFour ? maskSecret(row.keyLastFour) : null,
    label: row.label,
    shopName: row.postscriptShopName,
    connectedAt: row.connectedAt?.toISOString() ?? null,
    lastVerifiedAt: row.lastVerifiedAt?.toISOString() ?? null,
    disconnectedAt: row.disconnectedAt?.toISOString() ?? null,
    actionNeededReason: row.actionNeededReason,
    actionNeededAt: row.actionNeededAt?.toISOString() ?? null,
    partnerMode,
  };
}

export type PostscriptActionResult =
  | { ok: true; message: string; shopName?: string }
  | { ok: false; message: string; field?: "apiKey" | "label" };

const labelSchema = z
  .string()
  .trim()
  .max(60, "Keep the label under 60 characters.")
  .transform((label) => label || null);

/**
 * Connects a key, or replaces the current one: the key is checked locally (pk_, empty, malformed), then
 * against Postscript (GET /api/v2/me), and saved only when Postscript accepted it, so a failed replacement
 * leaves the old key in force. Success returns the connection to "connected".
 */
export async function connectPostscript(
  db: Database,
  shopDomain: string,
  input: { apiKey: unknown; label: unknown },
): Promise<PostscriptActionResult> {
  const keyCheck = checkPrivateKeyInput(input.apiKey);
  if (!keyCheck.ok) return { ok: false, field: "apiKey", message: keyCheck.message };
  const label = labelSchema.safeParse(typeof input.label === "string" ? input.label : "");
  if (!label.success) return { ok: false, field: "label", message: label.error.issues[0].message };

  const apiKey = keyCheck.key;
  const verified = await postscriptClientFor(apiKey).verifyKey();
  if (!verified.ok) {
    log.info("postscript key not accepted", { shop: shopDomain, kind: verified.failure.kind, status: verified.status });
    return { ok: false, field: "apiKey", message: postscriptFailureMessage(verified.failure, apiKey) };
  }

  const now = new Date();
  const sealed = sealSecret(apiKey, postscriptKeyContext(shopDomain));
  const identity = verified.value;
  const replaced = await db.$transaction(async (tx) => {
    const previous = await tx.postscriptConnection.findUnique({ where: { shopDomain } });
    const hadKey = Boolean(previous?.keyCiphertext);
    const fields = {
      status: "connected",
      keyCiphertext: sealed.ciphertext,
      keyKeyId: sealed.keyId,
      keyLastFour: lastFour(apiKey),
      label: label.data,
      postscriptShopId: identity.shopId,
      postscriptShopName: identity.shopName,
      connectedAt: now,
      lastVerifiedAt: now,
      disconnectedAt: null,
      actionNeededReason: null,
      actionNeededAt: null,
    };
    await tx.postscriptConnection.upsert({ where: { shopDomain }, create: { shopDomain, ...fields }, update: fields });
    await recordChange(tx, shopDomain, "merchant", hadKey ? "postscript.key_replaced" : "postscript.connected", {
      keyLastFour: lastFour(apiKey),
      previousKeyLastFour: hadKey ? (previous?.keyLastFour ?? null) : null,
      label: label.data,
      postscriptShopName: identity.shopName,
      partnerMode: Boolean(getConfig().POSTSCRIPT_PARTNER_KEY),
    });
    return hadKey;
  });
  log.info(replaced ? "postscript key replaced" : "postscript connected", { shop: shopDomain, postscriptShop: identity.shopId });
  return {
    ok: true,
    shopName: identity.shopName,
    message: replaced ? `Key replaced. Connected to ${identity.shopName}.` : `Connected to ${identity.shopName}.`,
  };
}

/**
 * Checks the stored key with Postscript again. Accepted: the connection is (again) "connected". Rejected
 * (401/403): "action_needed", as when a delivery is rejected. Postscript unreachable: nothing changes.
 */
export async function verifyPostscript(db: Database, shopDomain: string): Promise<PostscriptActionResult> {
  const row = await db.postscriptConnection.findUnique({ where: { shopDomain } });
  if (!row?.keyCiphertext || !row.keyKeyId) return { ok: false, message: "Postscript is not connected. Connect a private API key first." };
  let apiKey: string;
  try {
    apiKey = openSecret({ ciphertext: row.keyCiphertext, keyId: row.keyKeyId }, postscriptKeyContext(shopDomain));
  } catch (error) {
    if (!(error instanceof SecretUnavailableError)) throw error;
    log.error("stored postscript key cannot be opened", { shop: shopDomain, error });
    return { ok: false, message: "The saved key can no longer be read by this app (its encryption key was changed). Replace the key to connect again." };
  }
  const verified = await postscriptClientFor(apiKey).verifyKey();
  if (!verified.ok) {
    if (verified.failure.kind === "unauthorized") {
      await markKeyRejected(db, shopDomain, "Postscript rejected the key when it was verified again", "merchant");
    }
    return { ok: false, message: postscriptFailureMessage(verified.failure, apiKey) };
  }
  const now = new Date();
  await db.$transaction(async (tx) => {
    // Scoped by the row's key: a replacement saved meanwhile is not overwritten with stale facts.
    await tx.postscriptConnection.updateMany({
      where: { shopDomain, keyCiphertext: row.keyCiphertext },
      data: {
        status: "connected",
        lastVerifiedAt: now,
        postscriptShopId: verified.value.shopId,
        postscriptShopName: verified.value.shopName,
        actionNeededReason: null,
        actionNeededAt: null,
      },
    });
    await recordChange(tx, shopDomain, "merchant", "postscript.verified", {
      keyLastFour: row.keyLastFour,
      postscriptShopName: verified.value.shopName,
      previousStatus: row.status,
    });
  });
  return { ok: true, shopName: verified.value.shopName, message: `Key verified. Connected to ${verified.value.shopName}.` };
}

/** Events stop being sent; the row (and the shop's history) stays, with the key removed. */
export async function disconnectPostscript(db: Database, shopDomain: string): Promise<PostscriptActionResult> {
  const changed = await db.$transaction(async (tx) => {
    const row = await tx.postscriptConnection.findUnique({ where: { shopDomain } });
    if (!row || row.status === "disconnected") return false;
    await tx.postscriptConnection.update({
      where: { shopDomain },
      data: {
        status: "disconnected",
        keyCiphertext: null,
        keyKeyId: null,
        disconnectedAt: new Date(),
        actionNeededReason: null,
        actionNeededAt: null,
      },
    });
    await recordChange(tx, shopDomain, "merchant", "postscript.disconnected", { keyLastFour: row.keyLastFour, postscriptShopName: row.postscriptShopName });
    return true;
  });
  if (changed) log.info("postscript disconnected", { shop: shopDomain });
  return { ok: true, message: changed ? "Postscript disconnected. Events are no longer sent." : "Postscript was already disconnected." };
}

// ---------------------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------------------

/** What went wrong, in words a merchant can act on. Never contains the key. */
export function postscriptFailureMessage(failure: PostscriptFailure, apiKey?: string): string {
  const seconds = Math.round(getConfig().POSTSCRIPT_TIMEOUT_MS / 100) / 10;
  const said = apiKey ? failure.message.split(apiKey).join("[key]") : failure.message;
  switch (failure.kind) {
    case "unauthorized":
      return (
        "Postscript did not accept this key. Check that you copied the whole private key " +
        "and that the key pair still exists in Postscript (Shop name → API). If the key is right, your Postscript plan " +
        "may not include API access: ask Postscript support to enable it."
      );
    case "rate_limited":
      return "Postscript is receiving too many requests for this key right now (rate limited). Wait a few seconds and try again.";
    case "timeout":
      return `Postscript did not answer within ${seconds} seconds. Nothing was changed; try again in a minute.`;
    case "unavailable":
      return `${failure.status === null ? "Postscript could not be reached" : "Postscript had a problem on its side"}. Nothing was changed; try again in a few minutes.`;
    case "malformed_response":
      return "Postscript answered in a way this app does not understand. Nothing was changed; try again later.";
    case "rejected":
      return `Postscript refused the request: ${inPlainWords(said)}.`;
  }
}

function parseStatus(status: string): PostscriptConnectionStatus {
  return status === "connected" || status === "action_needed" || status === "disconnected" ? status : "not_connected";
}
