// "Send test event": one Custom Event of a chosen type, with the documented example properties, to the test
// recipient the merchant chose (email and/or phone). It makes the trigger appear in Postscript's Flow Builder
// (Postscript lists an event type once it has received one; docs/protocols.md, custom events) and lets the
// merchant check a flow end to end. It is recorded like any event (isTest) and counted apart from real ones.
import type { Database } from "~/db.server";
import { eventTypeDefinition, isEventType, type EventType } from "~/events/catalogue";
import { exampleAsOf, propertiesFor } from "~/events/properties";
import { inPlainWords } from "~/events/reasons";
import type { PostscriptClient } from "~/postscript/client.server";
import { formatOccurredAt, type CustomEventInput, type EventPropertyValue } from "~/postscript/protocol";
import { readShopSettings, saveTestRecipient } from "~/settings/shop-settings.server";

export type TestEventResult = { ok: true; message: string } | { ok: false; message: string; field?: string };

export function testEventRequest(type: EventType, recipient: { email?: string | null; phone?: string | null }, now: Date): CustomEventInput {
  const properties: Record<string, EventPropertyValue> = { is_test: true };
  for (const doc of propertiesFor(type)) properties[doc.name] = exampleAsOf(doc, now);
  return {
    type,
    ...(recipient.email ? { email: recipient.email } : {}),
    ...(recipient.phone ? { phone: recipient.phone } : {}),
    occurred_at: formatOccurredAt(now.getTime()),
    external_id: `test:${type}:${now.getTime()}`,
    properties,
  };
}

export async function sendTestEvent(
  db: Database,
  shopDomain: string,
  rawType: unknown,
  clientFor: (shop: string) => Promise<Pick<PostscriptClient, "sendEvent"> | null>,
  now = new Date(),
): Promise<TestEventResult> {
  if (!isEventType(rawType)) return { ok: false, message: "Unknown event type." };
  const type = rawType;
  const settings = await readShopSettings(db, shopDomain);
  if (!settings.testEmail && !settings.testPhone) {
    return { ok: false, message: "Add a test recipient (email or phone) in Settings first, so the test reaches someone you know." };
  }
  const client = await clientFor(shopDomain);
  if (!client) return { ok: false, message: "Connect Postscript first (or fix the connection) to send test events." };
  const request = testEventRequest(type, { email: settings.testEmail, phone: settings.testPhone }, now);
  const result = await client.sendEvent(request);
  const event = await db.event.create({
    data: {
      shopDomain,
      dedupeKey: request.external_id!,
      loopWebhookId: request.external_id!,
      topic: eventTypeDefinition(type).loopTopic ?? "test",
      eventType: type,
      isTest: true,
      status: result.ok ? "delivered" : "failed",
      reason: result.ok ? null : "postscript_rejected",
      reasonDetail: result.ok ? "Test event" : result.failure.message,
      occurredAt: now,
      receivedAt: now,
      nextAttemptAt: now,
      firstAttemptAt: now,
      deliveredAt: result.ok ? new Date() : null,
      attemptCount: 1,
      payload: "{}",
      request: JSON.stringify(request),
      postscriptEventId: result.ok ? (result.value.eventIds[0] ?? null) : null,
      customerEmail: settings.testEmail,
      customerPhone: settings.testPhone,
    },
  });
  await db.deliveryAttempt.create({
    data: {
      eventId: event.id,
      startedAt: now,
      durationMs: result.durationMs,
      httpStatus: result.status,
      outcome: result.ok ? "delivered" : "failed",
      errorClass: result.ok ? null : result.failure.kind,
      message: result.ok ? null : result.failure.message,
    },
  });
  if (result.ok) {
    // The toast names the Postscript shop it went to: a merchant with several shops sees the key's shop at once.
    const connection = await db.postscriptConnection.findUnique({ where: { shopDomain }, select: { postscriptShopName: true } });
    const to = connection?.postscriptShopName ? ` to ${connection.postscriptShopName} in Postscript` : "";
    return { ok: true, message: `Test ${type} sent${to}. Postscript lists it among Flow Builder's triggers as "[your shop] - ${type}".` };
  }
  return { ok: false, message: `Postscript did not accept the test event: ${inPlainWords(result.failure.message)}` };
}

/**
 * Send test from a screen that asked for the recipient with it (no test recipient was set): the recipient is saved
 * as the test recipient first, checked as Settings checks it, then the test is sent to them.
 */
export async function sendTestEventToNewRecipient(
  db: Database,
  shopDomain: string,
  rawType: unknown,
  recipient: { testEmail: unknown; testPhone: unknown },
  clientFor: (shop: string) => Promise<Pick<PostscriptClient, "sendEvent"> | null>,
): Promise<TestEventResult> {
  if (!isEventType(rawType)) return { ok: false, message: "Unknown event type." };
  const given = (value: unknown) => typeof value === "string" && value.trim() !== "";
  if (!given(recipient.testEmail) && !given(recipient.testPhone)) {
    return { ok: false, field: "testEmail", message: "Enter the email or mobile number of a Postscript subscriber to send the test to." };
  }
  const saved = await saveTestRecipient(db, shopDomain, recipient);
  if (!saved.ok) return saved;
  return sendTestEvent(db, shopDomain, rawType, clientFor);
}
