// The app's Shopify Flow extensions as the code knows them (extensions/<handle>/shopify.extension.toml declares
// them for Shopify; a test keeps the two in step): trigger handles with the payload keys each declares, and the
// paths Flow calls.

export const FLOW_ACTION_HANDLE = "send-postscript-event";
export const FLOW_ACTION_RUNTIME_PATH = "/flow/actions/send-event";
export const FLOW_LIFECYCLE_PATH = "/flow/trigger-lifecycle";

export const TRIGGER_FIELDS = {
  "postscript-needs-action": ["reason", "events_waiting", "settings_url"],
  "loop-event-not-delivered": ["customer_id", "event_type", "loop_subscription_id", "reason", "events_affected", "event_url"],
  "deliveries-back-to-normal": ["events_waiting", "settings_url"],
} as const;

export type TriggerHandle = keyof typeof TRIGGER_FIELDS;
export const TRIGGER_HANDLES = Object.keys(TRIGGER_FIELDS) as TriggerHandle[];
export const isTriggerHandle = (value: string): value is TriggerHandle => value in TRIGGER_FIELDS;

/** The merchant-facing names (as in the extension files), for the shop's history and the Settings page. */
export const TRIGGER_NAMES: Record<TriggerHandle, string> = {
  "postscript-needs-action": "Postscript connection needs action",
  "loop-event-not-delivered": "Loop event could not be delivered to Postscript",
  "deliveries-back-to-normal": "Deliveries back to normal",
};
