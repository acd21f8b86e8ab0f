// Keeps a page's loader data current while the merchant looks at it: revalidates every `intervalMs` while the
// tab is visible (and at once when it becomes visible again), never while a navigation or another revalidation
// is under way. Revalidating keeps the URL, so filters and the scroll position stay as they are.
import { useNavigation, useRevalidator } from "@remix-run/react";
import { useEffect, useRef } from "react";

export const LIVE_REFRESH_MS = 12_000;

/** `enabled` false (e.g. a tab with a form being edited) keeps the data as it is. */
export function useLiveRefresh(enabled = true, intervalMs = LIVE_REFRESH_MS) {
  const revalidator = useRevalidator();
  const navigation = useNavigation();
  // The latest state, read by the timer without restarting it on every render.
  const busy = useRef(false);
  busy.current = navigation.state !== "idle" || revalidator.state !== "idle";
  const revalidate = useRef(revalidator.revalidate);
  revalidate.current = revalidator.revalidate;

  useEffect(() => {
    if (!enabled) return;
    const refresh = () => {
      if (document.visibilityState === "visible" && !busy.current) revalidate.current();
    };
    const timer = window.setInterval(refresh, intervalMs);
    document.addEventListener("visibilitychange", refresh);
    return () => {
      window.clearInterval(timer);
      document.removeEventListener("visibilitychange", refresh);
    };
  }, [enabled, intervalMs]);
}
