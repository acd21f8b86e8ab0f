// Events a merchant's Shopify Flow workflow asks for ("Send custom event to Postscript"): what Flow's action
// request must hold, how it is stored in the outbox (an Event row with FLOW_TOPIC) and the Postscript Custom
// Event made from it once the customer's email and phone are known. Plain rules, no I/O.
import { z } from "zod";
import { EVENT_TYPE_RE, formatOccurredAt, type CustomEventInput } from "~/postscript/protocol";
import { normalizeEmail, normalizePhone } from "./mapping";

/** Event.topic of the events that came from Shopify Flow (the event log shows their source as Shopify Flow). */
export const FLOW_TOPIC = "shopify_flow/action";
export const FLOW_SOURCE_LABEL = "Shopify Flow";

export const isFlowTopic = (topic: string) => topic === FLOW_TOPIC;

const MAX_PROPERTIES = 50;
const MAX_VALUE_LENGTH = 1000;
const PROPERTY_KEY_RE = /^[A-Za-z0-9_]+$/;

/** Flow's customer reference: the customer's numeric id (a gid is accepted too). */
const customerId = z.union([z.number().int().positive(), z.string().regex(/^(gid:\/\/shopify\/Customer\/)?\d+$/)]).transform((v) => String(v).replace(/^gid:\/\/shopify\/Customer\//, ""));

/** The body Flow POSTs to the action's runtime URL; only what this app reads is checked. */
export const flowActionRequestSchema = z.object({
  shopify_domain: z.string().min(1),
  action_run_id: z.string().min(1).max(200),
  properties: z.object({
    customer_id: customerId,
    event_type: z.string().trim().min(1, "Event type is empty").max(100, "Event type is longer than 100 characters").regex(EVENT_TYPE_RE, "Event type may contain only letters, digits and underscores (for example vip_tagged)"),
    properties: z.string().max(20_000, "Properties are longer than 20,000 characters").nullish(),
  }),
});

export interface FlowEventPayload {
  actionRunId: string;
  customerId: string;
  eventType: string;
  properties: Record<string, string>;
}

/** What the merchant sees in Flow's run log when the action's input cannot be used. */
export type FlowInputResult = { ok: true; value: FlowEventPayload } | { ok: false; message: string };

/** "key=value" per line (blank lines ignored) into properties, or why not. */
export function parseFlowProperties(text: string | null | undefined): { ok: true; value: Record<string, string> } | { ok: false; message: string } {
  const properties: Record<string, string> = {};
  const lines = (text ?? "").split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
  for (const [index, line] of lines.entries()) {
    const equals = line.indexOf("=");
    const key = equals > 0 ? line.slice(0, equals).trim() : "";
    if (!PROPERTY_KEY_RE.test(key)) {
      return { ok: false, message: `Properties line ${index + 1} must be key=value with a key of letters, digits and underscores: "${line.slice(0, 60)}"` };
    }
    if (key in properties) return { ok: false, message: `Property ${key} appears twice` };
    const value = line.slice(equals + 1).trim();
    if (value.length > MAX_VALUE_LENGTH) return { ok: false, message: `Property ${key} is longer than ${MAX_VALUE_LENGTH} characters` };
    properties[key] = value;
  }
  if (Object.keys(properties).length > MAX_PROPERTIES) return { ok: false, message: `At most ${MAX_PROPERTIES} properties can be sent` };
  return { ok: true, value: properties };
}

/** Flow's request body (already verified as Flow's) into the stored event, or the message Flow should show. */
export function readFlowActionRequest(body: unknown): FlowInputResult {
  const parsed = flowActionRequestSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.at(-1);
    const message =
      field === "customer_id"
        ? "Choose a customer: the action needs the customer the event is about"
        : field === "event_type" && issue.code === "invalid_type"
          ? "Event type is required"
          : issue.message === "Required"
            ? `${issue.path.join(".")} is required`
            : issue.message;
    return { ok: false, message };
  }
  const properties = parseFlowProperties(parsed.data.properties.properties);
  if (!properties.ok) return properties;
  return {
    ok: true,
    value: {
      actionRunId: parsed.data.action_run_id,
      customerId: parsed.data.properties.customer_id,
      eventType: parsed.data.properties.event_type,
      properties: properties.value,
    },
  };
}

export const flowEventPayloadSchema = z.object({
  actionRunId: z.string(),
  customerId: z.string(),
  eventType: z.string().regex(EVENT_TYPE_RE),
  properties: z.record(z.string()),
});

/** The dedupe key of the outbox row: one row per Flow action run, however often Flow retries it. */
export const flowDedupeKey = (actionRunId: string) => `flow:${actionRunId}`;

/**
 * The Postscript request for a stored Flow event, given the customer's contact from Shopify (null when
 * Shopify had neither usable email nor phone). external_id is the action run, so Postscript can tell a repeat.
 */
export function flowCustomEvent(payload: FlowEventPayload, contact: { email: string | null; phone: string | null }, occurredAt: Date): CustomEventInput | null {
  const email = normalizeEmail(contact.email);
  const phone = normalizePhone(contact.phone);
  if (!email && !phone) return null;
  return {
    type: payload.eventType,
    ...(email ? { email } : {}),
    ...(phone ? { phone } : {}),
    occurred_at: formatOccurredAt(occurredAt.getTime()),
    external_id: flowDedupeKey(payload.actionRunId),
    properties: { ...payload.properties, source: "shopify_flow" },
  };
}
