// What the connections feature holds, for the privacy webhooks (see app/compliance/personal-data.server.ts):
// per shop, the Postscript and Loop connections (with sealed secrets), the Loop webhook subscriptions, the
// shop's settings and its configuration history. Nothing about the shop's customers is stored here.
import type { Database } from "~/db.server";
import type { PersonalDataOwner } from "~/compliance/personal-data.server";
import { recordChange } from "./history.server";
import { scheduleLoopWebhookRemoval } from "./loop-webhook-removal.server";

export const connectionRecords: PersonalDataOwner = {
  name: "connections, settings and configuration history",
  exportCustomer: async () => [],
  redactCustomer: async () => 0,
  async redactShop(db, shop) {
    const removed = await db.$transaction([
      db.loopWebhook.deleteMany({ where: { shopDomain: shop } }),
      // A removal still pending holds the shop's Loop token: it goes too, whatever Loop still has.
      db.loopWebhookRemoval.deleteMany({ where: { shopDomain: shop } }),
      db.loopConnection.deleteMany({ where: { shopDomain: shop } }),
      db.postscriptConnection.deleteMany({ where: { shopDomain: shop } }),
      db.shopSettings.deleteMany({ where: { shopDomain: shop } }),
      db.configurationChange.deleteMany({ where: { shopDomain: shop } }),
    ]);
    return removed.reduce((sum, result) => sum + result.count, 0);
  },
};

/**
 * app/uninstalled: the app may no longer act for the shop, so its secrets go now (not 48 hours later with
 * shop/redact): the Postscript key, the Loop token and the webhook signing secrets. The connection rows stay,
 * "disconnected", so the history still says what was connected. In the same transaction, the removal of the
 * app's webhooks at Loop is scheduled with its own sealed copy of the token: the job exists exactly when the
 * token here is gone. Idempotent (Shopify may repeat the webhook; a repeat finds no token, schedules nothing).
 */
export async function forgetConnectionSecrets(db: Database, shopDomain: string): Promise<void> {
  const now = new Date();
  await db.$transaction(async (tx) => {
    await scheduleLoopWebhookRemoval(tx, shopDomain, { now });
    const postscript = await tx.postscriptConnection.updateMany({
      where: { shopDomain, OR: [{ keyCiphertext: { not: null } }, { status: { not: "disconnected" } }] },
      data: { status: "disconnected", keyCiphertext: null, keyKeyId: null, disconnectedAt: now, actionNeededReason: null, actionNeededAt: null },
    });
    const loop = await tx.loopConnection.updateMany({
      where: { shopDomain, OR: [{ tokenCiphertext: { not: null } }, { status: { not: "disconnected" } }] },
      data: { status: "disconnected", tokenCiphertext: null, tokenKeyId: null, disconnectedAt: now, actionNeededReason: null },
    });
    const webhooks = await tx.loopWebhook.deleteMany({ where: { shopDomain } });
    if (postscript.count || loop.count || webhooks.count) {
      await recordChange(tx, shopDomain, "system", "shop.uninstalled", {
        postscriptKeyRemoved: postscript.count > 0,
        loopTokenRemoved: loop.count > 0,
        loopWebhookSecretsRemoved: webhooks.count,
      });
    }
  });
}
