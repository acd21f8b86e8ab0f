import { Badge } from "@shopify/polaris";
import type { Outcome } from "~/statistics/event-log.server";

const BADGES: Record<Outcome, { tone: "success" | "critical" | "attention" | undefined; label: string }> = {
  delivered: { tone: "success", label: "Delivered" },
  failed: { tone: "critical", label: "Failed" },
  skipped: { tone: undefined, label: "Skipped" },
  waiting: { tone: "attention", label: "Waiting" },
};

function waitingLabel(status: string | undefined, attempts: number): string | null {
  if (status === "received") return "Waiting · just arrived";
  if (status === "paused") return "Waiting · paused";
  if (status === "pending") return attempts > 0 ? "Waiting · retrying" : "Waiting · queued";
  return null;
}

export function OutcomeBadge({ outcome, status, attempts = 0 }: { outcome: Outcome; status?: string; attempts?: number }) {
  const badge = BADGES[outcome];
  return <Badge tone={badge.tone}>{(outcome === "waiting" && waitingLabel(status, attempts)) || badge.label}</Badge>;
}
