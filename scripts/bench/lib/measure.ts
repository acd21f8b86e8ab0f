// Numbers from a running process: latency percentiles, peak memory (/proc/<pid>/status) and CPU time
// (/proc/<pid>/stat), sampled from outside so the measurement does not change the process measured.
import { readFileSync } from "node:fs";

/** The p-th percentile (0–100) of `values` (nearest rank); sorts a copy. */
export function percentile(values: ArrayLike<number>, p: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarize(values: ArrayLike<number>): LatencySummary {
  if (values.length === 0) return { count: 0, p50: NaN, p90: NaN, p99: NaN, max: NaN, mean: NaN };
  const sorted = Float64Array.from(values).sort();
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
  let sum = 0;
  for (const v of sorted) sum += v;
  return { count: sorted.length, p50: at(50), p90: at(90), p99: at(99), max: sorted[sorted.length - 1], mean: sum / sorted.length };
}

export interface MemoryStatus {
  /** Resident set size now, MiB. */
  rssMiB: number;
  /** The kernel's high-water mark of RSS since the process started, MiB. */
  hwmMiB: number;
}

export function readMemory(pid: number): MemoryStatus | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
    return { rssMiB: kib("VmRSS") / 1024, hwmMiB: kib("VmHWM") / 1024 };
  } catch {
    return null;
  }
}

/** CPU seconds (user + system) the process has used so far. */
export function readCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command (which is in parentheses and may contain spaces): utime is the 14th, stime the 15th.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return NaN;
  }
}

/** Samples a process's RSS every `everyMs` and remembers the peak (VmHWM covers what falls between samples). */
export class MemorySampler {
  private timer: NodeJS.Timeout;
  peakRssMiB = 0;
  hwmMiB = 0;
  last: MemoryStatus | null = null;

  constructor(
    readonly pid: number,
    everyMs = 100,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
  }

  sample(): MemoryStatus | null {
    const m = readMemory(this.pid);
    if (m) {
      this.last = m;
      this.peakRssMiB = Math.max(this.peakRssMiB, m.rssMiB);
      this.hwmMiB = Math.max(this.hwmMiB, m.hwmMiB);
    }
    return m;
  }

  /** The peak RSS seen (the kernel's high-water mark, which catches spikes between samples). */
  get peakMiB(): number {
    return Math.max(this.peakRssMiB, this.hwmMiB);
  }

  stop() {
    this.sample();
    clearInterval(this.timer);
  }
}

export const round = (value: number, digits = 1) => (Number.isFinite(value) ? Math.round(value * 10 ** digits) / 10 ** digits : value);

/**
 * How long one durable SQLite commit takes on this machine's disk right now (median of `count` single-row
 * autocommit INSERTs, WAL, synchronous=FULL): what one-commit-per-request costs, and a hint of disk contention.
 */
export async function sqliteCommitLatencyMs(count = 200): Promise<number> {
  const { default: Database } = await import("better-sqlite3");
  const { mkdtempSync, rmSync } = await import("node:fs");
  const os = await import("node:os");
  const path = await import("node:path");
  const dir = mkdtempSync(path.join(os.tmpdir(), "lp-fsync-"));
  try {
    const db = new Database(path.join(dir, "probe.sqlite"));
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
    const insert = db.prepare("INSERT INTO t (v) VALUES (?)");
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      insert.run("x".repeat(1000));
      times.push(performance.now() - t0);
    }
    db.close();
    return percentile(times, 50);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
