import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
// Only light modules are loaded up front: a cache hit renders its result without ever loading the
// rules and parsers (TypeScript alone takes most of a second to load); api.ts is imported when needed.
import { lookUpScan } from "../cache.js";
import type { Severity } from "../model/finding.js";
import { OUTPUT_FORMATS, type OutputFormat, exitCodeFor, render } from "../render.js";
import { renderTiming } from "../reporters/timing.js";
import { UsageError, toolVersion } from "../version.js";

export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
  env: NodeJS.ProcessEnv;
}

const USAGE = `Usage: readiness-check [path] [options]
       readiness-check rules [--format terminal|json]

Scans a service repository and reports what is not ready for production.

Options:
  -f, --format <terminal|json|sarif|junit|markdown|github>
                                       output format (default: terminal); github = workflow annotations
      --sarif-output <file>, --json-output <file>, --junit-output <file>, --markdown-output <file>
                                       also write that report from the same scan (repeatable per format)
      --sarif-category <name>          SARIF automationDetails.id, to keep uploads of several
                                       folders of one repository apart on GitHub (only when given)
  -o, --output <file>                  write the report to a file instead of stdout
      --fail-on <error|warning|note|never>
                                       lowest severity that makes the exit code 1 (default: error)
      --rule <id>                      run only this rule (repeatable)
      --cache / --no-cache             reuse the result of an identical earlier scan: same tool, options and
                                       file contents (default: off; see README "Performance")
      --cache-location <path>          where --cache keeps results (default: node_modules/.cache/readiness-check)
      --timing                         print where the time went (slowest loaders and rules, peak memory) to stderr
      --color / --no-color             force colour on or off (default: on for a terminal; NO_COLOR, FORCE_COLOR honoured)
  -v, --version                        print the version
  -h, --help                           print this help

Exit codes: 0 nothing at or above --fail-on; 1 findings at or above --fail-on;
            2 usage error, unreadable path, or an incomplete scan (a rule crashed).`;

const FORMATS = OUTPUT_FORMATS;
const EXTRA_OUTPUTS = ["sarif", "json", "junit", "markdown"] as const;
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
        "sarif-category": { type: "string" },
        timing: { type: "boolean" },
        cache: { type: "boolean" },
        "cache-location": { type: "string" },
        "sarif-output": { type: "string" },
        "json-output": { type: "string" },
        "junit-output": { type: "string" },
        "markdown-output": { type: "string" },
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
    if (format !== "terminal" && format !== "json") throw new UsageError(`\`rules\` prints terminal or json, not ${format}`);
    const { renderRuleList } = await import("../api.js");
    return emit(renderRuleList(format), values.output, io);
  }
  if (positionals.length > 1) throw new UsageError(`scan one path at a time (got ${positionals.length})`);

  const target = positionals[0] ?? ".";
  if (!existsSync(target)) throw new UsageError(`path not found: ${target}`);
  if (!statSync(target).isDirectory()) throw new UsageError(`not a folder: ${target}`);

  // `--rule a --rule b` and `--rule a,b` both work.
  const only = values.rule?.flatMap((r) => r.split(",")).map((r) => r.trim()).filter(Boolean);
  // Extra reports from the same scan (as Semgrep's --sarif-output): a CI job needs SARIF, a summary and a log.
  const extras = EXTRA_OUTPUTS.filter((f) => values[`${f}-output`] !== undefined).map((f) => ({ format: f, file: values[`${f}-output`]! }));
  const wantsSarif = format === "sarif" || extras.some((e) => e.format === "sarif");
  if (values["sarif-category"] !== undefined && !wantsSarif) throw new UsageError("--sarif-category applies to SARIF output only");

  // Off unless asked for, as in ESLint: a read-only audit writes nothing into the repository by default.
  const cache = values.cache ? { location: values["cache-location"] } : false;
  const request = { path: target, only, cache };
  const looked = await lookUpScan(request);
  const result = looked.hit ?? (await (await import("../api.js")).scan({ ...request, lookup: looked }));
  const options = { color, failOn: failOn as Severity | "never", sarifCategory: values["sarif-category"] };
  for (const extra of extras) {
    emit(render(result, extra.format, { ...options, color: false }), extra.file, io);
    io.stderr.write(`readiness-check: wrote ${extra.format} report to ${extra.file}\n`);
  }
  emit(render(result, format, options), values.output, io);
  if (values.output) io.stderr.write(`readiness-check: wrote ${format} report to ${values.output}\n`);
  if (values.timing) io.stderr.write(renderTiming(result));
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
