// Small status labels of the support console.
import { Badge } from "@shopify/polaris";

export function ConnectionBadge({ status }: { status: string }) {
  if (status === "connected") return <Badge tone="success">Connected</Badge>;
  if (status === "action_needed") return <Badge tone="critical">Action needed</Badge>;
  if (status === "disconnected") return <Badge>Disconnected</Badge>;
  return <Badge>Not connected</Badge>;
}

const EVENT_TONES: Record<string, "success" | "critical" | "warning" | "info" | "attention" | undefined> = {
  delivered: "success",
  failed: "critical",
  paused: "warning",
  pending: "info",
  received: "info",
  skipped: undefined,
};

export function EventStatusBadge({ status }: { status: string }) {
  return <Badge tone={EVENT_TONES[status]}>{status.charAt(0).toUpperCase() + status.slice(1)}</Badge>;
}

const PROBLEM_LABELS: Record<string, { label: string; tone: "critical" | "warning" | "attention" | "info" | undefined }> = {
  postscript_action_needed: { label: "Postscript: action needed", tone: "critical" },
  loop_action_needed: { label: "Loop: action needed", tone: "critical" },
  deliveries_held: { label: "Deliveries held", tone: "warning" },
  events_waiting: { label: "Events waiting", tone: "warning" },
  recent_failures: { label: "Recent failures", tone: "attention" },
  not_connected: { label: "Not set up", tone: undefined },
  uninstalled: { label: "Uninstalled", tone: undefined },
};

export function ProblemBadge({ problem }: { problem: string }) {
  const known = PROBLEM_LABELS[problem] ?? { label: problem, tone: undefined };
  return <Badge tone={known.tone}>{known.label}</Badge>;
}
