// The connection status as merchants see it on Loop's own Integrations page: Not connected, Connected,
// Action needed. "disconnected" (a connection that existed) reads as Not connected too.
import { Badge } from "@shopify/polaris";

export type ConnectionState = "connected" | "action_needed" | "disconnected" | "not_connected";

export function StatusBadge({ state }: { state: ConnectionState }) {
  if (state === "connected") return <Badge tone="success">Connected</Badge>;
  if (state === "action_needed") return <Badge tone="critical">Action needed</Badge>;
  return <Badge>Not connected</Badge>;
}
