/** The states an event can be in, in the order an event goes through them; plain data for filters. */
export const EVENT_STATUSES = ["received", "pending", "paused", "delivered", "skipped", "failed"] as const;
