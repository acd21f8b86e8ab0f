// Reasons come from several places (Postscript, Loop, the delivery pipeline) and are shown to the merchant
// inside longer messages; this makes each one a sentence in plain words (HTTP status codes said in words), so
// two of them never run together.
import { inPlainWords } from "~/events/reasons";

export function sentence(text: string): string {
  const trimmed = inPlainWords(text).trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}
