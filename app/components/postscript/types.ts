// What the Postscript page's loader and action hand to its components (plain data; no secrets).
import type { PostscriptConnectionView } from "~/connections/postscript.server";

/** The connection as the page shows it (the server's view of it, already masked). */
export type PostscriptConnectionData = PostscriptConnectionView;

export interface PostscriptActionData {
  intent: string;
  ok: boolean;
  message: string;
  field?: string;
  /** Saved, but the merchant should know something (shown beside the form). */
  warning?: string;
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
