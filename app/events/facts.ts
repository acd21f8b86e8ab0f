// The facts a mapped event carries for the stale rules (stale.ts) and the delivery worker's per-subscription state. Plain JSON
// (ISO strings, not Date objects) so the outbox can store them and hand them back unchanged. Browser-safe.
import type { EventType } from "./catalogue";

export interface EventFacts {
  /** Loop topic the event came from. */
  topic: string;
  /** Loop's X-Loop-Webhook-Created-At, ISO 8601. */
  occurredAt: string;
  /** Loop subscription id (also the mapped event's subscriptionKey). */
  subscriptionId: string | null;
  /** Upper-case subscription status as of this event: the payload's, else the status the event implies
   *  (subscription_paused → PAUSED …, see SUBSCRIPTION_STATUS_AFTER). */
  subscriptionStatus: string | null;
  /** Loop order id (order topics). */
  orderId: string | null;
  /** The order's billing date, ISO 8601 (order topics). */
  orderDate: string | null;
  /** The subscription's next order date, ISO 8601 (subscription topics). */
  nextOrderDate: string | null;
  /** Loop payment method id (paymentMethod/expiringSoon). */
  paymentMethodId: string | null;
  /** Card brand + last4 ("visa 4242"), to recognise the same card when the payment method id is missing. */
  card: string | null;
  /** End of the card's validity (end of its expiry month), ISO 8601. */
  cardExpiresAt: string | null;
  /** Payment failures: retries still to come as classified (payment-failure.ts). */
  retriesLeft: number | null;
  /** Payment failures: how retriesLeft was worked out ("payload", "counted", "assumed-first"). */
  retriesFrom: string | null;
  loopCustomerId: string | null;
  shopifyCustomerId: string | null;
}

/** The subscription status a lifecycle event leaves the subscription in (Loop's statuses, docs/protocols.md). */
export const SUBSCRIPTION_STATUS_AFTER: Partial<Record<EventType, string>> = {
  subscription_created: "ACTIVE",
  subscription_paused: "PAUSED",
  subscription_resumed: "ACTIVE",
  subscription_cancelled: "CANCELLED",
  subscription_reactivated: "ACTIVE",
  subscription_expired: "EXPIRED",
};

/** Parses an ISO string or Date from facts; null when absent or unreadable. */
export function factDate(value: string | Date | null | undefined): Date | null {
  if (value === null || value === undefined) return null;
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}
