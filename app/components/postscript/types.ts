// What the Postscript page's loader and action hand to its components (plain data; no secrets).
import type { ConnectionState } from "~/components/common/StatusBadge";

export interface PostscriptConnectionData {
  status: ConnectionState;
  keyMasked: string | null;
  label: string | null;
  shopName: string | null;
  connectedAt: string | null;
  lastVerifiedAt: string | null;
  disconnectedAt: string | null;
  actionNeededReason: string | null;
  actionNeededAt: string | null;
  partnerMode: boolean;
}

export interface PostscriptActionData {
  intent: string;
  ok: boolean;
  message: string;
  field?: string;
}

export const POSTSCRIPT_TABS = [
  { id: "setup", content: "Set up" },
  { id: "overview", content: "Integration overview" },
  { id: "settings", content: "Settings" },
] as const;
export type PostscriptTab = (typeof POSTSCRIPT_TABS)[number]["id"];

export function isPostscriptTab(value: unknown): value is PostscriptTab {
  return POSTSCRIPT_TABS.some((tab) => tab.id === value);
}
