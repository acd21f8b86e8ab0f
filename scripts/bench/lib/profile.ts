// Reads V8 CPU profiles (node --cpu-prof) and lists where the time went: self time per function, and the
// time spent under a few modules of interest (inclusive), as a share of the samples that were not idle.
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileEntry {
  name: string;
  selfPercent: number;
}

function shortUrl(url: string): string {
  const nm = url.lastIndexOf("node_modules/");
  if (nm >= 0) return url.slice(nm + "node_modules/".length);
  const build = url.lastIndexOf("/build/");
  if (build >= 0) return url.slice(build + 1);
  return url.replace(/^file:\/\//, "").split("/").slice(-2).join("/");
}

/**
 * Top `limit` functions by self time (idle excluded from the total, GC listed), counting only the samples
 * taken at least `skipMs` after the profile started (to leave start-up out).
 */
export function topFunctions(file: string, limit = 15, skipMs = 0): { busySamples: number; entries: ProfileEntry[]; byPackage: ProfileEntry[] } {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const counts = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let t = 0;
  for (let i = 0; i < samples.length; i++) {
    t += deltas[i] ?? 0;
    if (t < skipMs * 1000) continue;
    counts.set(samples[i], (counts.get(samples[i]) ?? 0) + 1);
  }
  const self = new Map<string, number>();
  const perPackage = new Map<string, number>();
  let busy = 0;
  for (const node of profile.nodes) {
    const hits = counts.get(node.id) ?? 0;
    if (!hits) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === "(idle)" || functionName === "(program)") continue;
    busy += hits;
    const where = url ? `${shortUrl(url)}:${lineNumber + 1}` : "";
    const name = `${functionName || "(anonymous)"}${where ? ` ${where}` : ""}`;
    self.set(name, (self.get(name) ?? 0) + hits);
    const pkg = !url ? functionName : url.includes("node_modules/") ? packageOf(url) : url.startsWith("node:") ? "node (built-in)" : shortUrl(url).split(":")[0];
    perPackage.set(pkg, (perPackage.get(pkg) ?? 0) + hits);
  }
  const toEntries = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, hits]) => ({ name, selfPercent: Math.round((hits / Math.max(1, busy)) * 1000) / 10 }));
  return { busySamples: busy, entries: toEntries(self), byPackage: toEntries(perPackage) };
}

function packageOf(url: string): string {
  const rest = url.slice(url.lastIndexOf("node_modules/") + "node_modules/".length).split("/");
  return rest[0].startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0];
}
