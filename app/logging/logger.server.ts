// Structured logs through pino: one JSON object per line, at the level the configuration sets. Fields whose names
// look like secrets and credential-shaped text anywhere (messages, nested values, error messages and stacks) are
// replaced before pino writes, so a key, token or signature that slips into a log call never reaches the log.
import pino, { type DestinationStream, type Level as PinoLevel, type Logger } from "pino";
import { getConfig } from "~/config/env.server";
import { isSecretFieldName, REDACTED, redactCredentials } from "~/secrets/redaction";

type Level = "debug" | "info" | "warn" | "error";
type Fields = Record<string, unknown>;

const MAX_DEPTH = 5;
const MAX_ERROR_MESSAGE = 600;
const MAX_STACK_FRAMES = 20;

function redactText(text: string): string {
  return redactCredentials(text, { opaqueTokens: false });
}

function shorten(message: string): string {
  const lines = message.split("\n").map((l) => l.trim()).filter(Boolean);
  // Multi-line messages (Prisma's quote the calling code) end with the line that says what went wrong.
  const text = lines.length > 3 ? `… ${lines[lines.length - 1]}` : lines.join(" ");
  return text.length > MAX_ERROR_MESSAGE ? `${text.slice(0, MAX_ERROR_MESSAGE)}…` : text;
}

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

interface RedactOptions {
  /** Include the stack of errors (for unexpected errors: what a developer needs to find the failing code). */
  stacks?: boolean;
}

/** A copy of a log field safe to write: secret fields replaced, credentials cut out of text, errors serialised. */
function redact(value: unknown, depth = 0, options: RedactOptions = {}): unknown {
  if (typeof value === "string") return redactText(value);
  // Some libraries (Prisma) put pages of source into error messages; the first lines say what happened.
  if (value instanceof Error) return redactError(value, depth, options);
  if (depth > MAX_DEPTH || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1, options));
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, isSecretFieldName(key) ? REDACTED : redact(item, depth + 1, options)]),
  );
}

function redactError(error: Error, depth: number, options: RedactOptions) {
  const stack = options.stacks ? stackFrames(error) : undefined;
  const cause = error.cause !== undefined && depth <= MAX_DEPTH ? redact(error.cause, depth + 1, options) : undefined;
  return {
    name: error.name,
    message: redactText(shorten(error.message)),
    code: (error as { code?: unknown }).code,
    ...(stack ? { stack } : {}),
    ...(cause !== undefined ? { cause } : {}),
  };
}

function configuredLevel(): Level {
  try {
    return getConfig().LOG_LEVEL;
  } catch {
    // Logging must work before the configuration is valid (that is often what is being logged).
    return "info";
  }
}

/** Warnings and errors go to stderr, the rest to stdout, as a process supervisor expects. */
function standardStreams(): DestinationStream {
  return pino.multistream(
    [
      { level: "debug", stream: pino.destination({ dest: 1, sync: true }) },
      { level: "warn", stream: pino.destination({ dest: 2, sync: true }) },
    ],
    { dedupe: true },
  );
}

function createLogger(destination: DestinationStream): Logger {
  return pino(
    {
      level: configuredLevel(),
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

let destination: DestinationStream = standardStreams();
let logger = createLogger(destination);

type LogSink = (line: string) => void;

/**
 * Tests capture log output to prove no secret is ever written: a pino destination, or a function that receives
 * each line (one JSON object, without the newline). Returns the previous destination, to restore it.
 */
export function setLogSink(next: LogSink | DestinationStream): DestinationStream {
  const previous = destination;
  destination = typeof next === "function" ? { write: (line: string) => next(line.trimEnd()) } : next;
  logger = createLogger(destination);
  return previous;
}

function write(level: Level, message: string, fields?: Fields) {
  // The configuration is read on each call: it is loaded (and in tests replaced) after this module.
  const threshold = configuredLevel();
  if (logger.level !== threshold) logger.level = threshold;
  if (!logger.isLevelEnabled(level as PinoLevel)) return;
  // log.error is for what should not happen (a crash, a bug, an operator problem): its errors carry their stack.
  // Warnings are expected conditions (a database briefly away, a check that failed) and stay one line.
  const safe = redact(fields ?? {}, 0, { stacks: level === "error" }) as Fields;
  // The message goes first in the object (pino would write it last): a reader scanning lines sees it before the fields.
  logger[level]({ msg: redactText(message), ...safe });
}

export const log = {
  debug: (message: string, fields?: Fields) => write("debug", message, fields),
  info: (message: string, fields?: Fields) => write("info", message, fields),
  warn: (message: string, fields?: Fields) => write("warn", message, fields),
  error: (message: string, fields?: Fields) => write("error", message, fields),
};
