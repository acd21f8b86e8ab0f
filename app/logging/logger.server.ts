// A small structured logger (one JSON object per line). Fields whose names look like secrets are replaced
// before anything is written, so a key, token or signature that slips into a log call never reaches the log.
import { getConfig } from "~/config/env.server";

type Level = "debug" | "info" | "warn" | "error";
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_FIELD = /(secret|token|password|authorization|api_?key|private_?key|signature|cookie|hmac)/i;
// Postscript private/partner keys and bearer tokens, wherever they appear inside a string.
const SECRET_VALUE = /\b(sk_(partner_)?[A-Za-z0-9]{8,}|Bearer\s+[A-Za-z0-9._~+/=-]{8,})/g;

export type LogSink = (line: string, level: Level) => void;

let sink: LogSink = (line, level) => (level === "error" || level === "warn" ? process.stderr : process.stdout).write(line + "\n");

/** Tests capture log output to prove no secret is ever written. */
export function setLogSink(next: LogSink): LogSink {
  const previous = sink;
  sink = next;
  return previous;
}

const MAX_ERROR_MESSAGE = 600;
function shorten(message: string): string {
  const lines = message.split("\n").map((l) => l.trim()).filter(Boolean);
  // Multi-line messages (Prisma's quote the calling code) end with the line that says what went wrong.
  const text = lines.length > 3 ? `… ${lines[lines.length - 1]}` : lines.join(" ");
  return text.length > MAX_ERROR_MESSAGE ? `${text.slice(0, MAX_ERROR_MESSAGE)}…` : text;
}

export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return value.replace(SECRET_VALUE, "[redacted]");
  // Some libraries (Prisma) put pages of source into error messages; the first lines say what happened.
  if (value instanceof Error) return { name: value.name, message: redact(shorten(value.message)), code: (value as { code?: unknown }).code };
  if (depth > 5 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, SECRET_FIELD.test(key) ? "[redacted]" : redact(item, depth + 1)]),
  );
}

function threshold(): number {
  try {
    return ORDER[getConfig().LOG_LEVEL];
  } catch {
    return ORDER.info;
  }
}

function write(level: Level, message: string, fields?: Record<string, unknown>) {
  if (ORDER[level] < threshold()) return;
  const entry = { time: new Date().toISOString(), level, msg: redact(message), ...(redact(fields ?? {}) as object) };
  sink(JSON.stringify(entry), level);
}

export const log = {
  debug: (message: string, fields?: Record<string, unknown>) => write("debug", message, fields),
  info: (message: string, fields?: Record<string, unknown>) => write("info", message, fields),
  warn: (message: string, fields?: Record<string, unknown>) => write("warn", message, fields),
  error: (message: string, fields?: Record<string, unknown>) => write("error", message, fields),
};
