import { describe, expect, it } from "vitest";
import { setLogSink } from "~/logging/logger.server";
import { runDetached, settleDetachedTasks } from "./detached.server";

describe("detached tasks", () => {
  it("runs a task after the caller has moved on, and lets shutdown wait for it", async () => {
    const steps: string[] = [];
    runDetached("slow", async () => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      steps.push("task done");
    });
    steps.push("caller done");
    await settleDetachedTasks();
    expect(steps).toEqual(["caller done", "task done"]);
  });

  it("logs a failing task instead of throwing it at anyone", async () => {
    const lines: string[] = [];
    const previous = setLogSink((line) => lines.push(line));
    try {
      runDetached("failing", async () => {
        throw new Error("Loop said no");
      });
      await settleDetachedTasks();
    } finally {
      setLogSink(previous);
    }
    expect(lines.some((line) => line.includes("detached task failed") && line.includes("failing"))).toBe(true);
  });

  it("stops waiting after the timeout", async () => {
    let finished = false;
    runDetached("stuck", () => new Promise<void>((resolve) => setTimeout(() => resolve(void (finished = true)), 500)));
    await settleDetachedTasks(20);
    expect(finished).toBe(false);
    await settleDetachedTasks();
    expect(finished).toBe(true);
  });
});
