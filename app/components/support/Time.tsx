// A date and time in a given time zone ("Nov 25, 2026, 10:20 AM"). Formatted where it renders; the server's
// and the browser's ICU may differ by a space, which must not count as a hydration mismatch.
import { formatDateTime, formatDateTimeSeconds } from "~/statistics/format";

export function Time({ iso, timeZone = "UTC", seconds = false }: { iso: string | null | undefined; timeZone?: string; seconds?: boolean }) {
  if (!iso) return <>—</>;
  const text = seconds ? formatDateTimeSeconds(timeZone, iso) : formatDateTime(timeZone, iso);
  return (
    <time dateTime={iso} suppressHydrationWarning>
      {text}
    </time>
  );
}
