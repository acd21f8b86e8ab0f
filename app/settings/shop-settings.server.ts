// The shop's choices for what reaches Postscript (ShopSettings): which event types are off, the payment retry
// count used when Loop's payload does not say how many retries are left, and who receives test events.
// Input is validated with zod here, at the boundary; every change is recorded in the shop's history.
import { parsePhoneNumberFromString } from "libphonenumber-js";
import { z } from "zod";
import type { Database } from "~/db.server";
import { EVENT_TYPE_NAMES, isEventType, type EventType } from "~/events/catalogue";
import { recordChange } from "~/connections/history.server";
import type { PostscriptResult, PostscriptSubscriber, SubscriberContact } from "~/postscript/client.server";

export const DEFAULT_PAYMENT_RETRY_COUNT = 3;

export interface ShopSettingsView {
  disabledEventTypes: EventType[];
  paymentRetryCount: number;
  testEmail: string | null;
  testPhone: string | null;
  /** Set the first time the merchant saves the event choices (the checklist's "choose events" step). */
  eventsReviewedAt: string | null;
  /** Set while support holds the shop's deliveries. */
  deliveriesPausedAt: string | null;
  /** The loop_… subscriber properties are kept up to date in Postscript. */
  propertySyncEnabled: boolean;
}

export async function readShopSettings(db: Database, shopDomain: string): Promise<ShopSettingsView> {
  const row = await db.shopSettings.findUnique({ where: { shopDomain } });
  return {
    disabledEventTypes: row ? parseDisabled(row.disabledEventTypes) : [],
    paymentRetryCount: row?.paymentRetryCount ?? DEFAULT_PAYMENT_RETRY_COUNT,
    testEmail: row?.testEmail ?? null,
    testPhone: row?.testPhone ?? null,
    eventsReviewedAt: row?.eventsReviewedAt?.toISOString() ?? null,
    deliveriesPausedAt: row?.deliveriesPausedAt?.toISOString() ?? null,
    propertySyncEnabled: row?.propertySyncEnabled ?? false,
  };
}

/** The stored JSON array, keeping only names the catalogue knows (a renamed type must not break the page). */
export function parseDisabled(json: string): EventType[] {
  try {
    const value = JSON.parse(json) as unknown;
    return Array.isArray(value) ? EVENT_TYPE_NAMES.filter((name) => value.includes(name)) : [];
  } catch {
    return [];
  }
}

/** `warning`: saved, but something the merchant should know (e.g. the test recipient is not a subscriber). */
export type SettingsResult = { ok: true; message: string; warning?: string } | { ok: false; message: string; field?: string };

const enabledSchema = z.array(z.string()).superRefine((names, ctx) => {
  const unknown = names.filter((name) => !isEventType(name));
  if (unknown.length) ctx.addIssue({ code: "custom", message: `Unknown event type: ${unknown.join(", ")}` });
});

/** Saves which event types are sent (the form lists the enabled ones) and marks the choices reviewed. */
export async function saveEventChoices(db: Database, shopDomain: string, enabled: unknown): Promise<SettingsResult> {
  const parsed = enabledSchema.safeParse(enabled);
  if (!parsed.success) return { ok: false, field: "events", message: parsed.error.issues[0].message };
  const disabled = EVENT_TYPE_NAMES.filter((name) => !parsed.data.includes(name));
  const now = new Date();
  await db.$transaction(async (tx) => {
    const data = { disabledEventTypes: JSON.stringify(disabled), eventsReviewedAt: now };
    await tx.shopSettings.upsert({ where: { shopDomain }, create: { shopDomain, ...data }, update: data });
    await recordChange(tx, shopDomain, "merchant", "settings.events_saved", { disabled: [...disabled], enabledCount: EVENT_TYPE_NAMES.length - disabled.length });
  });
  const sent = EVENT_TYPE_NAMES.length - disabled.length;
  return { ok: true, message: `Event choices saved: ${sent} of ${EVENT_TYPE_NAMES.length} event types are sent.` };
}

export const paymentRetryCountSchema = z.coerce
  .number({ invalid_type_error: "Enter a whole number from 1 to 10." })
  .int("Enter a whole number from 1 to 10.")
  .min(1, "Enter a whole number from 1 to 10.")
  .max(10, "Enter a whole number from 1 to 10.");

export async function savePaymentRetryCount(db: Database, shopDomain: string, raw: unknown): Promise<SettingsResult> {
  const parsed = paymentRetryCountSchema.safeParse(typeof raw === "string" && raw.trim() === "" ? undefined : raw);
  if (!parsed.success) return { ok: false, field: "paymentRetryCount", message: parsed.error.issues[0].message };
  await db.$transaction(async (tx) => {
    const data = { paymentRetryCount: parsed.data };
    await tx.shopSettings.upsert({ where: { shopDomain }, create: { shopDomain, ...data }, update: data });
    await recordChange(tx, shopDomain, "merchant", "settings.payment_retry_count_saved", { paymentRetryCount: parsed.data });
  });
  return { ok: true, message: `Payment retry count saved: ${parsed.data}.` };
}

const switchSchema = z.enum(["on", "off"], { message: "Choose on or off." }).transform((value) => value === "on");

/** Switches the subscriber property sync on or off. */
export async function savePropertySync(db: Database, shopDomain: string, raw: unknown): Promise<SettingsResult> {
  const parsed = switchSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, field: "propertySyncEnabled", message: parsed.error.issues[0].message };
  await db.$transaction(async (tx) => {
    const data = { propertySyncEnabled: parsed.data };
    await tx.shopSettings.upsert({ where: { shopDomain }, create: { shopDomain, ...data }, update: data });
    await recordChange(tx, shopDomain, "merchant", "settings.property_sync_saved", { enabled: parsed.data });
  });
  return {
    ok: true,
    message: parsed.data ? "Subscriber properties will be kept up to date in Postscript." : "Subscriber properties are no longer updated.",
  };
}

const optionalText = z
  .string()
  .trim()
  .max(254)
  .transform((value) => value || null);

/** Email and/or phone; an empty field clears it. The phone is stored in E.164, as Postscript matches on it. */
export const testRecipientSchema = z.object({
  testEmail: optionalText.pipe(z.string().email("Enter an email address such as you@example.com.").nullable()),
  testPhone: optionalText.transform((value, ctx) => {
    if (value === null) return null;
    const phone = value.startsWith("+") ? parsePhoneNumberFromString(value) : undefined;
    if (!phone?.isPossible()) {
      ctx.addIssue({ code: "custom", message: "Enter the mobile number with its country code, such as +1 212 555 0100." });
      return z.NEVER;
    }
    return phone.number;
  }),
});

/** Looks the test recipient up in Postscript; null when the shop has no working connection to ask with. */
export type SubscriberCheck = (contact: SubscriberContact) => Promise<PostscriptResult<PostscriptSubscriber | null> | null>;

export async function saveTestRecipient(
  db: Database,
  shopDomain: string,
  input: { testEmail: unknown; testPhone: unknown },
  findSubscriber?: SubscriberCheck,
): Promise<SettingsResult> {
  const parsed = testRecipientSchema.safeParse({
    testEmail: typeof input.testEmail === "string" ? input.testEmail : "",
    testPhone: typeof input.testPhone === "string" ? input.testPhone : "",
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, field: String(issue.path[0]), message: issue.message };
  }
  await db.$transaction(async (tx) => {
    await tx.shopSettings.upsert({ where: { shopDomain }, create: { shopDomain, ...parsed.data }, update: parsed.data });
    // Which fields are set, not the contact details themselves: the history is shown to support.
    await recordChange(tx, shopDomain, "merchant", "settings.test_recipient_saved", {
      email: parsed.data.testEmail !== null,
      phone: parsed.data.testPhone !== null,
    });
  });
  const { testEmail, testPhone } = parsed.data;
  const who = [testEmail, testPhone].filter(Boolean).join(" and ");
  if (!who) return { ok: true, message: "Test recipient cleared." };
  const warning = findSubscriber ? await subscriberWarning(await findSubscriber({ email: testEmail, phone: testPhone })) : undefined;
  return { ok: true, message: `Test events will go to ${who}.`, ...(warning ? { warning } : {}) };
}

// Postscript accepts an event for anyone and matches it to a subscriber later, silently: a test sent to
// someone who is not a subscriber triggers no flow, which looks like a broken integration. Saying so when
// the recipient is saved is the only feedback the merchant can get.
function subscriberWarning(result: PostscriptResult<PostscriptSubscriber | null> | null): string | undefined {
  if (result === null) return undefined;
  if (!result.ok) return "Postscript could not be asked whether this person is one of your SMS subscribers. Test events are sent anyway.";
  if (result.value === null) {
    return "This person is not one of your Postscript SMS subscribers, so a test event would trigger nothing. Use the email or mobile number of someone who is subscribed, such as your own.";
  }
  return undefined;
}
