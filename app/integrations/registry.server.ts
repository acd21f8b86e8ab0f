// The destinations this app sends Loop's events to, one entry each. The Integrations page renders whatever is
// listed here, so another destination is added by adding an entry (its logo in public/integrations/, its own
// page and its status function), without touching the page.
import type { Database } from "~/db.server";
import { postscriptConnectionView } from "~/connections/postscript.server";
import { sentence } from "~/connections/sentence";

export type IntegrationState = "not_connected" | "connected" | "action_needed";

export interface IntegrationStatus {
  state: IntegrationState;
  /** One line under the name, e.g. "Connected to Demo Coffee Co · key ••••7890". */
  detail: string | null;
  /** When the merchant must act: what happened and what to do. */
  alert: { title: string; body: string; actionLabel: string; actionUrl: string } | null;
}

export interface IntegrationDefinition {
  id: string;
  name: string;
  /** One line on what it does. */
  summary: string;
  /** Path of an SVG in public/. */
  logo: string;
  /** The integration's page in this app. */
  url: string;
  status(db: Database, shopDomain: string): Promise<IntegrationStatus>;
}

export const POSTSCRIPT_URL = "/app/integrations/postscript";

const postscript: IntegrationDefinition = {
  id: "postscript",
  name: "Postscript",
  summary: "Sends each Loop subscription event to Postscript as a Custom Event, to trigger your SMS flows.",
  logo: "/integrations/postscript.svg",
  url: POSTSCRIPT_URL,
  async status(db, shopDomain) {
    const view = await postscriptConnectionView(db, shopDomain);
    if (view.status === "connected") {
      return { state: "connected", detail: `Connected to ${view.shopName ?? "Postscript"} · key ${view.keyMasked ?? ""}`.trim(), alert: null };
    }
    if (view.status === "action_needed") {
      return {
        state: "action_needed",
        detail: `Key ${view.keyMasked ?? ""} was rejected by Postscript`,
        alert: {
          title: "Postscript rejected the API key",
          body:
            `${sentence(view.actionNeededReason ?? "Postscript no longer accepts the key")} Events are kept and wait; ` +
            "they are sent once you replace the key (or verify it again if Postscript accepts it now).",
          actionLabel: "Replace key",
          actionUrl: `${POSTSCRIPT_URL}?tab=settings`,
        },
      };
    }
    return { state: "not_connected", detail: null, alert: null };
  },
};

export const integrations: IntegrationDefinition[] = [postscript];

/** What the Integrations page shows for each integration: plain data, no secrets. */
export type IntegrationCard = Omit<IntegrationDefinition, "status"> & IntegrationStatus;

export async function integrationCards(db: Database, shopDomain: string, list: IntegrationDefinition[] = integrations): Promise<IntegrationCard[]> {
  return Promise.all(
    list.map(async ({ status, ...definition }) => ({ ...definition, ...(await status(db, shopDomain)) })),
  );
}
