// Benchmark output: a plain-text table on stdout and the full results as JSON under bench-results/
// (git-ignored): <name>-<timestamp>.json and <name>-latest.json.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const RESULTS_DIR = path.join(projectRoot, "bench-results");

export type Cell = string | number | boolean | null | undefined;

function format(cell: Cell): string {
  if (cell === null || cell === undefined) return "–";
  if (typeof cell === "number") {
    if (!Number.isFinite(cell)) return "–";
    if (Number.isInteger(cell)) return cell.toLocaleString("en-US");
    return cell.toLocaleString("en-US", { maximumFractionDigits: Math.abs(cell) < 10 ? 2 : 1 });
  }
  return String(cell);
}

/** Prints `rows` under `columns`, numbers right-aligned. Returns the text too (for the JSON). */
export function printTable(title: string, columns: string[], rows: Cell[][]): string {
  const cells = rows.map((row) => row.map(format));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]?.length ?? 0)));
  const numeric = columns.map((_, i) => rows.every((r) => typeof r[i] === "number" || r[i] === null || r[i] === undefined));
  const line = (values: string[]) => values.map((v, i) => (numeric[i] ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join("  ");
  const text = [title, line(columns), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map(line)].join("\n");
  console.log(`\n${text}\n`);
  return text;
}

/** Writes the results; returns the path of the timestamped file. */
export function writeResults(name: string, data: unknown): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const file = path.join(RESULTS_DIR, `${name}-${stamp}.json`);
  const text = JSON.stringify(data, null, 2) + "\n";
  writeFileSync(file, text);
  writeFileSync(path.join(RESULTS_DIR, `${name}-latest.json`), text);
  console.log(`results: ${path.relative(projectRoot, file)}`);
  return file;
}
