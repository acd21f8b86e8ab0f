// Work a request starts but does not wait for, so that its answer goes out in time (Shopify allows a webhook
// 5 s). Tracked here so that a graceful shutdown lets it finish (server/index.ts) and tests can wait for it.
import { log } from "~/logging/logger.server";

const running = new Set<Promise<void>>();

/** Starts `task` now; its failure is logged, never thrown into the request that started it. */
export function runDetached(name: string, task: () => Promise<void>): void {
  const tracked: Promise<void> = Promise.resolve()
    .then(task)
    .catch((error) => log.error("detached task failed", { task: name, error }))
    .finally(() => running.delete(tracked));
  running.add(tracked);
}

/** Resolves when every detached task started so far has finished, or after `timeoutMs`. */
export async function settleDetachedTasks(timeoutMs = Number.POSITIVE_INFINITY): Promise<void> {
  if (running.size === 0) return;
  let timer: NodeJS.Timeout | undefined;
  const timeout = Number.isFinite(timeoutMs) ? new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))) : new Promise<void>(() => undefined);
  await Promise.race([Promise.allSettled([...running]), timeout]);
  clearTimeout(timer);
}
