// The place where background workers start and stop with the app. Each worker is a loop that runs until its
// AbortSignal fires; the production server starts them (PROCESS_ROLE=all or worker) and waits for them on
// shutdown. Features add their workers to appWorkers() below.
import { getConfig } from "~/config/env.server";
import { createAppLoopWebhookRemovalWorker } from "~/connections/loop-webhook-removal.server";
import { getDatabase } from "~/db.server";
import { createAppBackfillWorker } from "~/delivery/property-backfill.server";
import { createAppDeliveryWorkers } from "~/delivery/runtime.server";
import { createAppFlowTriggerWorker } from "~/flow/runtime.server";
import type { BackgroundWorker } from "~/jobs/background-worker";
import { log } from "~/logging/logger.server";
import { statisticsDaysWorker } from "~/statistics/days.server";
import { retentionWorker } from "~/statistics/retention.server";

/** The app's workers, built when the process starts them (after the configuration is validated). */
export function appWorkers(): BackgroundWorker[] {
  const config = getConfig();
  const { delivery, propertySync } = createAppDeliveryWorkers();
  return [
    delivery,
    propertySync,
    createAppBackfillWorker(),
    retentionWorker(getDatabase, { eventRetentionDays: config.EVENT_RETENTION_DAYS, rollupRetentionDays: config.ROLLUP_RETENTION_DAYS }),
    statisticsDaysWorker(getDatabase),
    createAppLoopWebhookRemovalWorker(),
    createAppFlowTriggerWorker(),
  ];
}

export interface RunningWork {
  names: string[];
  /** Asks every worker to stop and resolves when all have, or after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
}

export function startBackgroundWork(list: BackgroundWorker[] = appWorkers()): RunningWork {
  const controller = new AbortController();
  const running = list.map((worker) =>
    worker.run(controller.signal).catch((error) => {
      log.error("background worker crashed", { worker: worker.name, error });
    }),
  );
  if (list.length) log.info("background workers started", { workers: list.map((w) => w.name) });
  return {
    names: list.map((w) => w.name),
    async stop(timeoutMs = 10_000) {
      controller.abort();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          log.warn("background workers did not stop in time", { timeoutMs });
          resolve();
        }, timeoutMs);
      });
      await Promise.race([Promise.all(running).then(() => undefined), timeout]);
      clearTimeout(timer);
    },
  };
}
