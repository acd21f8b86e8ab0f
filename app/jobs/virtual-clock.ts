import type { Clock } from "./clock";

/**
 * A clock for tests and benchmarks: it starts at real time, and sleeping moves it forward at once instead of
 * waiting, so hours of backoff happen in milliseconds and the recorded times are exact.
 */
export class VirtualClock implements Clock {
  private offset = 0;
  now() {
    return Date.now() + this.offset;
  }
  async sleep(ms: number) {
    if (ms > 0) this.offset += ms;
    await new Promise((resolve) => setImmediate(resolve));
  }
  advance(ms: number) {
    this.offset += ms;
  }
}
