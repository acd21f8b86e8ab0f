// A running background worker says "I completed a poll" after each one; /readyz fails when a worker of the
// process has not done so for a few poll intervals (stuck on a lock, a hung query, a loop that stopped), which
// /healthz (liveness: the process and its database answer) cannot see. Only processes that run workers have
// heartbeats, so a web-only process is ready whenever its database answers.

/** Polls a worker may miss before it counts as stalled. */
export const MISSED_POLLS = 5;
/** A stall is never shorter than this: a garbage collection or a slow poll on a busy machine is not one. */
export const MIN_STALL_MS = 5_000;

interface Beat {
  lastAt: number;
  stallAfterMs: number;
}

const beats = new Map<string, Beat>();

export interface Heartbeat {
  beat(now?: number): void;
  /** The worker stopped: it no longer counts for readiness. */
  stop(): void;
}

/** Starts counting `name` as a running worker that polls every `pollIntervalMs`. */
export function startHeartbeat(name: string, pollIntervalMs: number, now = Date.now()): Heartbeat {
  const entry: Beat = { lastAt: now, stallAfterMs: Math.max(MIN_STALL_MS, MISSED_POLLS * pollIntervalMs) };
  beats.set(name, entry);
  return {
    beat: (at = Date.now()) => void (entry.lastAt = at),
    stop: () => {
      if (beats.get(name) === entry) beats.delete(name);
    },
  };
}

export interface WorkerPollAge {
  worker: string;
  sinceMs: number;
  stalled: boolean;
}

/** Every running worker's time since its last completed poll, and whether that is a stall. */
export function workerPollAges(now = Date.now()): WorkerPollAge[] {
  return [...beats].map(([worker, { lastAt, stallAfterMs }]) => ({ worker, sinceMs: now - lastAt, stalled: now - lastAt > stallAfterMs }));
}
