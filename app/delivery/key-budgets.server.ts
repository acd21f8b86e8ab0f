// One rate budget per Postscript key, shared by every shop connected with it. In this process, the senders of
// those shops share one RequestBudget; across processes, only the worker holding the key's lease sends with it
// (another worker skips the key's shops until it is free, and the holder picks them up on its next poll).
// When the last of its shops stops, the lease is released with the budget's msUntilFresh spacing, so a worker
// taking the key over with a new budget never sends faster than this one would have.
import type { Database } from "~/db.server";
import type { Clock } from "~/jobs/clock";
import { acquireKeyLease, releaseKeyLease } from "./leases.server";
import type { DeliveryPolicy } from "./policy";
import { RequestBudget } from "./request-budget";

export interface KeyBudget {
  fingerprint: string;
  budget: RequestBudget;
  /** Renews the key's lease when half of it has run out; false when it was lost (stop sending). */
  renew(): Promise<boolean>;
  /** This shop stops using the key; the last one lets go of the lease. */
  leave(): Promise<void>;
}

interface Entry {
  fingerprint: string;
  budget: RequestBudget;
  users: number;
  leaseUntil: number;
  /** Lease statements for this key, one after the other, so a release never lands after a newer renewal. */
  pending: Promise<unknown>;
}

export function createKeyBudgets(db: Database, clock: Clock, policy: DeliveryPolicy, workerId: string) {
  const entries = new Map<string, Entry>();

  function inTurn<T>(entry: Entry, work: () => Promise<T>): Promise<T> {
    const result = entry.pending.then(work, work);
    entry.pending = result.catch(() => undefined);
    return result;
  }

  async function holdLease(entry: Entry): Promise<boolean> {
    const now = clock.now();
    if (entry.leaseUntil - now > policy.leaseMs / 2) return true;
    const held = await acquireKeyLease(db, entry.fingerprint, workerId, new Date(now), policy.leaseMs);
    entry.leaseUntil = held ? now + policy.leaseMs : 0;
    return held;
  }

  async function leave(entry: Entry) {
    entry.users--;
    await inTurn(entry, async () => {
      if (entry.users > 0 || entry.leaseUntil === 0) return;
      entry.leaseUntil = 0;
      await releaseKeyLease(db, entry.fingerprint, workerId, new Date(clock.now()), entry.budget.msUntilFresh());
    });
  }

  /** Budgets no shop uses whose pace no longer matters (a new budget would be no faster). */
  function forgetIdle() {
    for (const [fingerprint, entry] of entries) {
      if (entry.users === 0 && entry.leaseUntil === 0 && entry.budget.msUntilFresh() === 0) entries.delete(fingerprint);
    }
  }

  return {
    /** Keys whose lease this worker holds now. */
    held: () => [...entries.values()].filter((entry) => entry.leaseUntil > clock.now()).length,
    /** The key's budget for one more shop, or null while another worker holds the key. */
    async join(fingerprint: string): Promise<KeyBudget | null> {
      forgetIdle();
      let entry = entries.get(fingerprint);
      if (!entry) {
        const budget = new RequestBudget({ limit: policy.requestsPerSecond, marginMs: policy.arrivalMarginMs }, clock);
        entry = { fingerprint, budget, users: 0, leaseUntil: 0, pending: Promise.resolve() };
        entries.set(fingerprint, entry);
      }
      const joined = entry;
      joined.users++;
      let held = false;
      try {
        held = await inTurn(joined, () => holdLease(joined));
      } finally {
        if (!held) joined.users--;
      }
      if (!held) return null;
      let left = false;
      return {
        fingerprint,
        budget: joined.budget,
        renew: () => (joined.leaseUntil - clock.now() > policy.leaseMs / 2 ? Promise.resolve(true) : inTurn(joined, () => holdLease(joined))),
        leave: async () => {
          if (left) return;
          left = true;
          await leave(joined);
        },
      };
    },
  };
}

export type KeyBudgets = ReturnType<typeof createKeyBudgets>;

/**
 * Waits until the key has capacity no event wants, and takes it: the returned function is called when the
 * request's answer is back (null when `signal` aborts first). Events go first: while any sender of the key's
 * shops is sending, this waits. The one place property updates draw on the key's budget.
 */
export async function takeSpareCapacity(budget: KeyBudget, clock: Clock, signal: AbortSignal): Promise<(() => void) | null> {
  while (!signal.aborted) {
    const slot = budget.budget.trySpare();
    if (slot) return () => slot.settle();
    await clock.sleep(Math.ceil(budget.budget.intervalMs), signal);
  }
  return null;
}
