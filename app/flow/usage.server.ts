// Flow's trigger lifecycle callback: whether a shop has an enabled workflow that starts with one of the app's
// triggers. Flow sends it when a merchant enables or disables such a workflow, and refuses to enable the
// workflow unless the app answers 2xx, so an unknown trigger is still answered 200 (and logged).
import { z } from "zod";
import { recordChange } from "~/connections/history.server";
import type { Database } from "~/db.server";
import { log } from "~/logging/logger.server";
import { isTriggerHandle, TRIGGER_NAMES, type TriggerHandle } from "./triggers";

const lifecycleSchema = z.object({
  flow_trigger_definition_id: z.string().min(1).max(200),
  has_enabled_flow: z.boolean(),
  timestamp: z.string().refine((value) => !Number.isNaN(Date.parse(value)), "must be a date and time"),
});

/**
 * Which trigger Flow means. Shopify's pages show the trigger's name as flow_trigger_definition_id (an example
 * from before CLI extensions) and do not say what CLI extensions send, so the handle and the name are both
 * understood.
 */
function triggerFor(definitionId: string): TriggerHandle | null {
  if (isTriggerHandle(definitionId)) return definitionId;
  const byName = Object.entries(TRIGGER_NAMES).find(([, name]) => name === definitionId);
  return byName ? (byName[0] as TriggerHandle) : null;
}

export async function recordTriggerUsage(db: Database, shop: string, body: unknown): Promise<{ status: number; message: string }> {
  const parsed = lifecycleSchema.safeParse(body);
  if (!parsed.success) return { status: 400, message: `Not a trigger lifecycle callback: ${parsed.error.issues[0].path.join(".")} ${parsed.error.issues[0].message}` };
  const trigger = triggerFor(parsed.data.flow_trigger_definition_id);
  if (!trigger) {
    log.warn("flow lifecycle callback for a trigger this app does not have", { shop, trigger: parsed.data.flow_trigger_definition_id });
    return { status: 200, message: "Unknown trigger" };
  }
  const reportedAt = new Date(parsed.data.timestamp);
  const enabled = parsed.data.has_enabled_flow;
  const changed = await db.$transaction(async (tx) => {
    const known = await tx.flowTriggerUsage.findUnique({ where: { shopDomain_trigger: { shopDomain: shop, trigger } } });
    // Flow's notes may arrive out of order: the newer timestamp wins.
    if (known && known.reportedAt >= reportedAt) return false;
    await tx.flowTriggerUsage.upsert({
      where: { shopDomain_trigger: { shopDomain: shop, trigger } },
      create: { shopDomain: shop, trigger, hasEnabledFlow: enabled, reportedAt },
      update: { hasEnabledFlow: enabled, reportedAt },
    });
    if (known?.hasEnabledFlow !== enabled) await recordChange(tx, shop, "merchant", "flow.trigger_usage", { trigger: TRIGGER_NAMES[trigger], enabled });
    return true;
  });
  return { status: 200, message: changed ? "Recorded" : "Already known" };
}

export interface FlowTriggerView {
  handle: TriggerHandle;
  name: string;
  /** Flow's last word on the shop's workflows: true (an enabled workflow starts with it), false, or null (none yet). */
  inUse: boolean | null;
  lastSentAt: string | null;
}

/** The shop's triggers for the Settings page: whether Flow uses each, and when it was last sent. */
export async function flowTriggerViews(db: Database, shop: string): Promise<FlowTriggerView[]> {
  const [usage, sent] = await Promise.all([
    db.flowTriggerUsage.findMany({ where: { shopDomain: shop } }),
    db.flowTriggerFiring.groupBy({ by: ["trigger"], where: { shopDomain: shop, status: "sent" }, _max: { sentAt: true } }),
  ]);
  return (Object.keys(TRIGGER_NAMES) as TriggerHandle[]).map((handle) => ({
    handle,
    name: TRIGGER_NAMES[handle],
    inUse: usage.find((u) => u.trigger === handle)?.hasEnabledFlow ?? null,
    lastSentAt: sent.find((s) => s.trigger === handle)?._max.sentAt?.toISOString() ?? null,
  }));
}
