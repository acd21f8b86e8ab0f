// A date the server renders in UTC (it does not know the merchant's time zone) and the browser then shows in
// local time, so hydration matches and the merchant reads their own clock.
import { useEffect, useState } from "react";

const options: Intl.DateTimeFormatOptions = { dateStyle: "medium", timeStyle: "short" };

export function formatUtc(iso: string) {
  return `${new Date(iso).toLocaleString("en-US", { ...options, timeZone: "UTC" })} UTC`;
}

export function FormattedDate({ iso }: { iso: string | null }) {
  const [text, setText] = useState(() => (iso ? formatUtc(iso) : "—"));
  useEffect(() => {
    setText(iso ? new Date(iso).toLocaleString("en-US", options) : "—");
  }, [iso]);
  return <time dateTime={iso ?? undefined}>{text}</time>;
}
