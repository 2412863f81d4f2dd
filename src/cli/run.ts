import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import {
  type OutputFormat,
  type Severity,
  UsageError,
  exitCodeFor,
  render,
  renderRuleList,
  scan,
  toolVersion,
} from "../api.js";

export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
  env: NodeJS.ProcessEnv;
}

const USAGE = `Usage: readiness-check [path] [options]
       readiness-check rules [--format terminal|json]

Scans a service repository and reports what is not ready for production.

Options:
  -f, --format <terminal|json|sarif>   output format (default: terminal)
  -o, --output <file>                  write the report to a file instead of stdout
      --fail-on <error|warning|note|never>
                                       lowest severity that makes the exit code 1 (default: error)
      --rule <id>                      run only this rule (repeatable)
      --base-ref <git ref>             compare protos with this revision for breaking changes
                                       (default: latest release tag, else merge base with the default branch)
      --color / --no-color             force colour on or off (default: on for a terminal; NO_COLOR, FORCE_COLOR honoured)
  -v, --version                        print the version
  -h, --help                           print this help

Exit codes: 0 nothing at or above --fail-on; 1 findings at or above --fail-on;
            2 usage error, unreadable path, or an incomplete scan (a rule crashed).`;

const FORMATS = ["terminal", "json", "sarif"] as const;
const THRESHOLDS = ["error", "warning", "note", "never"] as const;

export async function run(argv: string[], io: CliIo): Promise<number> {
  try {
    return await runOrThrow(argv, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`readiness-check: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

async function runOrThrow(argv: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      allowNegative: true,
      options: {
        format: { type: "string", short: "f" },
        output: { type: "string", short: "o" },
        "fail-on": { type: "string" },
        rule: { type: "string", multiple: true },
        "base-ref": { type: "string" },
        color: { type: "boolean" },
        version: { type: "boolean", short: "v" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new UsageError(`${argumentProblem(error as Error & { code?: string })} (see --help)`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(USAGE + "\n");
    return 0;
  }
  if (values.version) {
    io.stdout.write(toolVersion() + "\n");
    return 0;
  }

  const format = oneOf("--format", values.format ?? "terminal", FORMATS);
  const failOn = oneOf("--fail-on", values["fail-on"] ?? "error", THRESHOLDS);
  const color = values.output ? false : wantsColor(values.color, io);

  if (positionals[0] === "rules") {
    if (positionals.length > 1) throw new UsageError(`unexpected argument: ${positionals[1]}`);
    if (format === "sarif") throw new UsageError("`rules` prints terminal or json, not sarif");
    return emit(renderRuleList(format), values.output, io);
  }
  if (positionals.length > 1) throw new UsageError(`scan one path at a time (got ${positionals.length})`);

  const target = positionals[0] ?? ".";
  if (!existsSync(target)) throw new UsageError(`path not found: ${target}`);
  if (!statSync(target).isDirectory()) throw new UsageError(`not a folder: ${target}`);

  // `--rule a --rule b` and `--rule a,b` both work.
  const only = values.rule?.flatMap((r) => r.split(",")).map((r) => r.trim()).filter(Boolean);
  const baseRef = values["base-ref"];
  if (baseRef !== undefined && (!baseRef.trim() || baseRef.startsWith("-"))) throw new UsageError(`--base-ref needs a git ref (got "${baseRef}")`);
  const result = await scan({ path: target, only, baseRef });
  emit(render(result, format, { color }), values.output, io);
  if (values.output) io.stderr.write(`readiness-check: wrote ${format} report to ${values.output}\n`);
  return exitCodeFor(result, failOn as Severity | "never");
}

/** parseArgs' own messages carry advice about `--` that does not apply here: keep the first clause. */
function argumentProblem(error: Error & { code?: string }): string {
  const option = /'(-[^']*)'/.exec(error.message)?.[1];
  switch (error.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown option ${option ?? ""}`.trim();
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return error.message.split(". ")[0]!.replace(/^Option /, "option ");
    default:
      return error.message.split("\n")[0]!;
  }
}

function emit(text: string, output: string | undefined, io: CliIo): number {
  if (output) {
    try {
      mkdirSync(path.dirname(output), { recursive: true });
      writeFileSync(output, text);
    } catch (error) {
      throw new UsageError(`cannot write ${output}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  } else {
    io.stdout.write(text);
  }
  return 0;
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`${flag} must be one of ${allowed.join(", ")} (got "${value}")`);
  }
  return value as T;
}

/** --color/--no-color, then FORCE_COLOR, then NO_COLOR, then whether stdout is a terminal. */
export function wantsColor(flag: boolean | undefined, io: Pick<CliIo, "stdout" | "env">): boolean {
  if (flag !== undefined) return flag;
  const force = io.env.FORCE_COLOR;
  if (force !== undefined) return force !== "0" && force !== "false";
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== "") return false;
  return Boolean(io.stdout.isTTY);
}

export type { OutputFormat };
