// Runs `onDone` once when a submission of this fetcher finishes. Keyed fetchers keep their last result while
// any component still uses the key, so reacting to `fetcher.data` alone would replay an old result whenever a
// form mounts again (a stale "ok" closing a form the merchant just needs open).
import type { useFetcher } from "@remix-run/react";
import { useEffect, useRef } from "react";

type Fetcher<T> = ReturnType<typeof useFetcher<T>>;

export function useFetcherDone<T>(fetcher: Fetcher<T>, onDone: (data: T) => void) {
  const submitting = useRef(false);
  const callback = useRef(onDone);
  callback.current = onDone;
  useEffect(() => {
    if (fetcher.state !== "idle") {
      submitting.current = true;
    } else if (submitting.current) {
      submitting.current = false;
      if (fetcher.data !== undefined) callback.current(fetcher.data as T);
    }
  }, [fetcher.state, fetcher.data]);
}
