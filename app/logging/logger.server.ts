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

const MAX_STACK_FRAMES = 20;
/**
 * The call sites of an error's stack, without its first lines: those repeat the message (already logged,
 * shortened and redacted), and a message may quote a secret or pages of source. Frames are redacted too.
 */
function stackFrames(error: Error): string | undefined {
  const frames = (error.stack ?? "").split("\n").map((line) => line.trim()).filter((line) => line.startsWith("at "));
  if (frames.length === 0) return undefined;
  const kept = frames.slice(0, MAX_STACK_FRAMES).join("\n");
  return redactText(frames.length > MAX_STACK_FRAMES ? `${kept}\n… ${frames.length - MAX_STACK_FRAMES} more` : kept);
}

function redactText(text: string): string {
  return text.replace(SECRET_VALUE, "[redacted]");
}

interface RedactOptions {
  /** Include the stack of errors (for unexpected errors: what a developer needs to find the failing code). */
  stacks?: boolean;
}

export function redact(value: unknown, depth = 0, options: RedactOptions = {}): unknown {
  if (typeof value === "string") return redactText(value);
  // Some libraries (Prisma) put pages of source into error messages; the first lines say what happened.
  if (value instanceof Error) return redactError(value, depth, options);
  if (depth > 5 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1, options));
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, SECRET_FIELD.test(key) ? "[redacted]" : redact(item, depth + 1, options)]),
  );
}

function redactError(error: Error, depth: number, options: RedactOptions) {
  const stack = options.stacks ? stackFrames(error) : undefined;
  const cause = error.cause !== undefined && depth <= 5 ? redact(error.cause, depth + 1, options) : undefined;
  return {
    name: error.name,
    message: redactText(shorten(error.message)),
    code: (error as { code?: unknown }).code,
    ...(stack ? { stack } : {}),
    ...(cause !== undefined ? { cause } : {}),
  };
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
  // log.error is for what should not happen (a crash, a bug, an operator problem): its errors carry their stack.
  // Warnings are expected conditions (a database briefly away, a check that failed) and stay one line.
  const options = { stacks: level === "error" };
  const entry = { time: new Date().toISOString(), level, msg: redact(message), ...(redact(fields ?? {}, 0, options) as object) };
  sink(JSON.stringify(entry), level);
}

export const log = {
  debug: (message: string, fields?: Record<string, unknown>) => write("debug", message, fields),
  info: (message: string, fields?: Record<string, unknown>) => write("info", message, fields),
  warn: (message: string, fields?: Record<string, unknown>) => write("warn", message, fields),
  error: (message: string, fields?: Record<string, unknown>) => write("error", message, fields),
};
