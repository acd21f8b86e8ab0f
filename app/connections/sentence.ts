// Reasons come from several places (Postscript, Loop, the delivery pipeline) and are shown inside longer
// messages; this makes each one a sentence, so two of them never run together.
export function sentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}
