// The set-up checklist at the top of the Integrations page: connect Loop, connect Postscript, choose events.
// It is shown until both connections are made; each step links to the screen where it is done.
import type { Database } from "~/db.server";
import { loopConnectionStatus } from "~/connections/loop.server";
import { postscriptConnectionStatus } from "~/connections/postscript.server";
import { readShopSettings } from "~/settings/shop-settings.server";

export interface ChecklistStep {
  id: "loop" | "postscript" | "events";
  title: string;
  description: string;
  done: boolean;
  actionLabel: string;
  url: string;
}

export interface SetupChecklist {
  visible: boolean;
  steps: ChecklistStep[];
  doneCount: number;
}

/** A connection is made once it exists, even if it needs attention (a banner handles that). */
const made = (status: string) => status === "connected" || status === "action_needed";

export async function setupChecklist(db: Database, shopDomain: string): Promise<SetupChecklist> {
  const [loop, postscript, settings] = await Promise.all([
    loopConnectionStatus(db, shopDomain),
    postscriptConnectionStatus(db, shopDomain),
    readShopSettings(db, shopDomain),
  ]);
  const steps: ChecklistStep[] = [
    {
      id: "loop",
      title: "Connect Loop",
      description: "Paste a Loop API token so the app receives your subscription events.",
      done: made(loop),
      actionLabel: "Connect Loop",
      url: "/app/integrations/loop",
    },
    {
      id: "postscript",
      title: "Connect Postscript",
      description: "Paste your Postscript private API key so the events reach Postscript.",
      done: made(postscript),
      actionLabel: "Connect Postscript",
      url: "/app/integrations/postscript?tab=setup",
    },
    {
      id: "events",
      title: "Choose events",
      description: "Pick which of the 17 event types are sent to Postscript.",
      done: settings.eventsReviewedAt !== null,
      actionLabel: "Choose events",
      url: "/app/integrations/postscript?tab=settings",
    },
  ];
  return { visible: !(made(loop) && made(postscript)), steps, doneCount: steps.filter((s) => s.done).length };
}
