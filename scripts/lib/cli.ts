// The front door of the project's command-line tools: `--help` prints the usage and exits 0 before the tool does
// any work (no .env, database or build needed), and an unknown command, flag or argument prints what was wrong
// and the usage, and exits 2. The stand-ins in sandbox/ parse their own arguments the same way with node:util.
import "./require-node";

export interface CommandLineSpec {
  usage: string;
  /** Sub-commands accepted as the first argument; without this list the tool takes no command. */
  commands?: readonly string[];
  /** The command used when none is given; without it a command is required (when `commands` is set). */
  defaultCommand?: string;
  /** Flags by name (without the dashes): "string" takes a value (`--name value` or `--name=value`). */
  flags?: Readonly<Record<string, "string" | "boolean">>;
  /** How many plain arguments may follow the command. */
  positionals?: number;
  /** Leave everything after the command to the tool's own parser (--help and the command are still checked). */
  ownArguments?: boolean;
}

export interface CommandLine {
  command: string | undefined;
  positionals: string[];
  /** Given flags; a boolean flag reads "true". */
  flags: Record<string, string>;
  /** Everything after the command, for tools with `ownArguments`. */
  rest: string[];
}

export function usageError(message: string, usage: string): never {
  console.error(`${message}\n\n${usage}`);
  process.exit(2);
}

export function readCommandLine(spec: CommandLineSpec, argv: string[] = process.argv.slice(2)): CommandLine {
  if (argv.includes("--help") || argv.includes("-h") || argv[0] === "help") {
    console.log(spec.usage);
    process.exit(0);
  }
  let rest = argv;
  let command: string | undefined;
  if (spec.commands) {
    const given = argv[0] !== undefined && !argv[0].startsWith("-") ? argv[0] : undefined;
    command = given ?? spec.defaultCommand;
    if (command === undefined) usageError("no command given", spec.usage);
    if (!spec.commands.includes(command)) usageError(`unknown command "${command}"`, spec.usage);
    if (given !== undefined) rest = argv.slice(1);
  }
  if (spec.ownArguments) return { command, positionals: [], flags: {}, rest };

  const flags: Record<string, string> = {};
  const positionals: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (!arg.startsWith("--")) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq > 0 ? eq : undefined);
    const kind = spec.flags?.[name];
    if (!kind) usageError(`unknown flag --${name}`, spec.usage);
    if (kind === "boolean") {
      if (eq > 0) usageError(`--${name} takes no value`, spec.usage);
      flags[name] = "true";
    } else if (eq > 0) {
      flags[name] = arg.slice(eq + 1);
    } else {
      if (rest[i + 1] === undefined) usageError(`--${name} needs a value`, spec.usage);
      flags[name] = rest[++i];
    }
  }
  const allowed = spec.positionals ?? 0;
  if (positionals.length > allowed) usageError(`unexpected argument "${positionals[allowed]}"`, spec.usage);
  return { command, positionals, flags, rest };
}
