// The shop's configuration history (ConfigurationChange): who changed what and when, for the merchant and for
// support. Details are plain facts (last four characters of a key at most); `withoutSecretFields` drops any
// field whose name looks like a secret before anything is written, as a second line of defence.
import type { Database } from "~/db.server";

/** Who made a change: the merchant, the app itself, or a member of the support team (from /support). */
export type Actor = "merchant" | "system" | "support";

export type ConnectionAction =
  | "postscript.connected"
  | "postscript.key_replaced"
  | "postscript.verified"
  | "postscript.key_rejected"
  | "postscript.disconnected"
  | "loop.connected"
  | "loop.connect_incomplete"
  | "loop.manual_secret_added"
  | "loop.manual_secret_removed"
  | "loop.manual_secret_topics"
  | "loop.disconnected"
  | "loop.webhooks_removed_after_uninstall"
  | "settings.events_saved"
  | "settings.payment_retry_count_saved"
  | "settings.test_recipient_saved"
  | "settings.property_sync_saved"
  | "checklist.flow_builder_opened"
  | "shop.uninstalled"
  | "support.deliveries_held"
  | "support.deliveries_released"
  | "support.postscript_verify_requested"
  | "flow.trigger_usage"
  | "flow.trigger_sent"
  | "flow.trigger_failed";

export type ChangeDetails = Record<string, string | number | boolean | null | string[]>;

const SECRET_FIELD = /(secret|token|password|api_?key|private_?key|ciphertext|signature)/i;

/** Drops text under a secret-looking name, except the last-four form (numbers and flags cannot hold a secret). */
export function withoutSecretFields(details: ChangeDetails): ChangeDetails {
  return Object.fromEntries(
    Object.entries(details).filter(([name, value]) => {
      if (!SECRET_FIELD.test(name) || /LastFour$/.test(name)) return true;
      return typeof value === "number" || typeof value === "boolean" || value === null;
    }),
  );
}

export async function recordChange(
  db: Pick<Database, "configurationChange">,
  shopDomain: string,
  actor: Actor,
  action: ConnectionAction,
  details: ChangeDetails = {},
) {
  await db.configurationChange.create({
    data: { shopDomain, actor, action, details: JSON.stringify(withoutSecretFields(details)) },
  });
}

export interface ChangeEntry {
  actor: string;
  action: string;
  details: ChangeDetails;
  createdAt: string;
}

/** The shop's latest changes, newest first (scoped by shop like every query here). */
export async function recentChanges(db: Database, shopDomain: string, { prefix, limit = 10 }: { prefix?: string; limit?: number } = {}): Promise<ChangeEntry[]> {
  const rows = await db.configurationChange.findMany({
    where: { shopDomain, ...(prefix ? { action: { startsWith: prefix } } : {}) },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit,
  });
  return rows.map((row) => ({
    actor: row.actor,
    action: row.action,
    details: safeParse(row.details),
    createdAt: row.createdAt.toISOString(),
  }));
}

function safeParse(json: string): ChangeDetails {
  try {
    const value = JSON.parse(json) as unknown;
    return value && typeof value === "object" && !Array.isArray(value) ? (value as ChangeDetails) : {};
  } catch {
    return {};
  }
}
