// What the Loop page's loader and action hand to its components (plain data; no secrets).
import type { ConnectionState } from "~/components/common/StatusBadge";

export interface LoopConnectionData {
  status: ConnectionState;
  mode: "api" | "manual" | null;
  tokenMasked: string | null;
  connectedAt: string | null;
  disconnectedAt: string | null;
  actionNeededReason: string | null;
  address: string;
  topics: { topic: string; subscribed: boolean; eventTypes: string[] }[];
  /** topics null: pasted before topics were asked (accepted for every topic until the merchant says which). */
  manualSecrets: { id: string; masked: string; addedAt: string; topics: string[] | null }[];
}

export interface LoopActionData {
  intent: string;
  ok: boolean;
  message: string;
  field?: string;
  notRemoved?: { topic: string; loopWebhookId: string; reason: string }[];
  missing?: { topic: string; reason: string }[];
}
