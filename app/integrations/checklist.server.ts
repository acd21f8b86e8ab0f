// The set-up checklist at the top of the Integrations page: connect Loop, connect Postscript, choose events, then
// the steps that prove it works: send a test event, see it arrive (delivered) in the overview, and build the flow
// in Postscript's Flow Builder. It stays until every step is done; each step links to where it is done. Opening
// Flow Builder from the checklist is recorded in the shop's history, which is how that step knows it was done.
import type { Database } from "~/db.server";
import { recordChange } from "~/connections/history.server";
import { loopConnectionStatus } from "~/connections/loop.server";
import { postscriptConnectionStatus } from "~/connections/postscript.server";
import { readShopSettings } from "~/settings/shop-settings.server";

export interface ChecklistStep {
  id: "loop" | "postscript" | "events" | "test" | "arrive" | "flow";
  title: string;
  description: string;
  done: boolean;
  actionLabel: string;
  url: string;
  /** The step's link leaves the app (Postscript's own admin), in a new tab. */
  external?: boolean;
}

/**
 * Postscript's Flow Builder, where the merchant builds the flow a Custom Event triggers. Not confirmed against
 * Postscript's admin (their help pages name the screen, not its address): the Flows list in Postscript's app.
 */
export const POSTSCRIPT_FLOW_BUILDER_URL = "https://app.postscript.io/flows";
export const FLOW_BUILDER_OPENED = "checklist.flow_builder_opened";

/** Records that the merchant opened Flow Builder from the checklist (the last step). */
export async function recordFlowBuilderOpened(db: Database, shopDomain: string): Promise<void> {
  await recordChange(db, shopDomain, "merchant", FLOW_BUILDER_OPENED, {});
}

export interface SetupChecklist {
  visible: boolean;
  steps: ChecklistStep[];
  doneCount: number;
}

/** A connection is made once it exists, even if it needs attention (a banner handles that). */
const made = (status: string) => status === "connected" || status === "action_needed";

export async function setupChecklist(db: Database, shopDomain: string): Promise<SetupChecklist> {
  const [loop, postscript, settings, testSent, testDelivered, flowOpened] = await Promise.all([
    loopConnectionStatus(db, shopDomain),
    postscriptConnectionStatus(db, shopDomain),
    readShopSettings(db, shopDomain),
    db.event.findFirst({ where: { shopDomain, isTest: true }, select: { id: true } }),
    db.event.findFirst({ where: { shopDomain, isTest: true, status: "delivered" }, select: { id: true } }),
    db.configurationChange.findFirst({ where: { shopDomain, action: FLOW_BUILDER_OPENED }, select: { id: true } }),
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
    {
      id: "test",
      title: "Send a test event",
      description: "Send one event to a subscriber you know, so Postscript knows the event.",
      done: testSent !== null,
      actionLabel: "Send a test event",
      url: "/app/integrations/postscript?tab=setup#send-test",
    },
    {
      id: "arrive",
      title: "See it arrive",
      description: "The Integration overview shows the test event once Postscript accepted it.",
      done: testDelivered !== null,
      actionLabel: "Open the overview",
      url: "/app/integrations/postscript?tab=overview",
    },
    {
      id: "flow",
      title: "Build your flow in Postscript",
      description: "In Postscript's Flow Builder, start a flow with the event as its trigger (it is listed once Postscript has received one).",
      done: flowOpened !== null,
      actionLabel: "Open Flow Builder",
      url: POSTSCRIPT_FLOW_BUILDER_URL,
      external: true,
    },
  ];
  const doneCount = steps.filter((s) => s.done).length;
  return { visible: doneCount < steps.length, steps, doneCount };
}
