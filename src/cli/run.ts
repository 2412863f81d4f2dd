import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import {
  OUTPUT_FORMATS,
  DEFAULT_BASELINE_FILE,
  type OutputFormat,
  type Severity,
  UsageError,
  exitCodeFor,
  explainRule,
  readBaselineFile,
  render,
  renderRuleList,
  renderTiming,
  scan,
  starterConfig,
  toolVersion,
  updateBaseline,
} from "../api.js";

export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
  env: NodeJS.ProcessEnv;
}

const USAGE = `Usage: readiness-check [path] [options]
       readiness-check rules [--format terminal|json]
       readiness-check explain <rule-id>
       readiness-check init [path] [--force]

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
      --timing                         print where the time went (slowest loaders and rules, peak memory) to stderr
      --cache / --no-cache             reuse the result of an identical earlier scan: same tool, configuration,
                                       git refs and file contents (default: off; see README "Performance")
      --cache-location <path>          where --cache keeps results (default: node_modules/.cache/readiness-check)
      --concurrency <auto|off|n>       worker threads that parse and analyse Go files (default: auto, one per
                                       CPU when the repository has 400 Go files or more); same findings either way
  -c, --config <file>                  configuration file (default: the nearest readiness.config.*,
                                       .readinessrc* or package.json "readiness" key, from the scanned
                                       folder up to the repository root)
      --baseline[=<file>]              fail only on findings not in the baseline (default file:
                                       ${DEFAULT_BASELINE_FILE} in the scanned folder)
      --update-baseline                write the baseline from this scan; an existing one only shrinks
      --force                          with --update-baseline: also accept new findings; with init: overwrite
      --changed-since <git-ref>        report only findings in files changed since the merge base with
                                       <git-ref>, and untracked files
      --base-ref <git ref>             compare protos with this revision for breaking changes
                                       (default: latest release tag, else merge base with the default branch)
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
      // One line, whatever the message holds (an argument with a newline, parseArgs' advice).
      io.stderr.write(`readiness-check: ${error.message.split(/\s*\n\s*/).filter(Boolean).join("; ")}\n`);
      return 2;
    }
    throw error;
  }
}

async function runOrThrow(argv: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: withBaselineValue(argv),
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
        concurrency: { type: "string" },
        "sarif-output": { type: "string" },
        "json-output": { type: "string" },
        "junit-output": { type: "string" },
        "markdown-output": { type: "string" },
        config: { type: "string", short: "c" },
        baseline: { type: "string" },
        "update-baseline": { type: "boolean" },
        force: { type: "boolean" },
        "changed-since": { type: "string" },
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
    if (format !== "terminal" && format !== "json") throw new UsageError(`\`rules\` prints terminal or json, not ${format}`);
    return emit(renderRuleList(format), values.output, io);
  }
  if (positionals[0] === "explain") {
    if (positionals.length !== 2) throw new UsageError("usage: readiness-check explain <rule-id>");
    return emit(explainRule(positionals[1]!), values.output, io);
  }
  if (positionals[0] === "init") {
    if (positionals.length > 2) throw new UsageError(`unexpected argument: ${positionals[2]}`);
    const starter = await starterConfig(folder(positionals[1] ?? "."), values.force);
    writeOrFail(starter.file, starter.text);
    io.stderr.write(`readiness-check: wrote ${starter.file}` + (starter.findings > 0 ? `; ${starter.findings} findings today: fix them, suppress them with a reason, or record them with --update-baseline\n` : "\n"));
    return 0;
  }
  if (positionals.length > 1) throw new UsageError(`scan one path at a time (got ${positionals.length})`);

  const target = folder(positionals[0] ?? ".");
  if (values["update-baseline"] && values["changed-since"] !== undefined) {
    throw new UsageError("--update-baseline records the whole repository: it cannot be combined with --changed-since");
  }
  if (values.force && !values["update-baseline"]) throw new UsageError("--force goes with --update-baseline or init");
  const baselineFile = values.baseline === undefined ? undefined : values.baseline || path.join(target, DEFAULT_BASELINE_FILE);

  // `--rule a --rule b` and `--rule a,b` both work.
  const only = values.rule?.flatMap((r) => r.split(",")).map((r) => r.trim()).filter(Boolean);
  // Extra reports from the same scan (as Semgrep's --sarif-output): a CI job needs SARIF, a summary and a log.
  const extras = EXTRA_OUTPUTS.filter((f) => values[`${f}-output`] !== undefined).map((f) => ({ format: f, file: values[`${f}-output`]! }));
  const wantsSarif = format === "sarif" || extras.some((e) => e.format === "sarif");
  if (values["sarif-category"] !== undefined && !wantsSarif) throw new UsageError("--sarif-category applies to SARIF output only");

  const baseRef = values["base-ref"];
  if (baseRef !== undefined && (!baseRef.trim() || baseRef.startsWith("-"))) throw new UsageError(`--base-ref needs a git ref (got "${baseRef}")`);
  // Off unless asked for, as in ESLint: a read-only audit writes nothing into the repository by default.
  const cache = values.cache ? { location: values["cache-location"] } : false;
  const concurrency = parseConcurrency(values.concurrency);
  const common = { path: target, only, configFile: values.config, changedSince: values["changed-since"], baseRef, cache, concurrency };

  if (values["update-baseline"]) {
    const file = baselineFile ?? path.join(target, DEFAULT_BASELINE_FILE);
    const previous = existsSync(file) ? readBaselineFile(file) : undefined;
    const result = await scan(common);
    const update = updateBaseline(result, previous, Boolean(values.force));
    writeOrFail(file, update.text);
    io.stderr.write(`readiness-check: wrote ${file}: ${update.findings} findings in ${update.files} files\n`);
    if (update.refused.length === 0) return result.complete ? 0 : 2;
    const shown = update.refused.slice(0, 10).map((r) => `${r.path || "(repository)"} ${r.ruleId} (${r.count}, baseline ${r.allowed})`);
    io.stderr.write(
      `readiness-check: not added, new since the baseline (fix them, or pass --force to accept them): ${shown.join("; ")}` +
        (update.refused.length > shown.length ? `; and ${update.refused.length - shown.length} more` : "") + "\n",
    );
    return 1;
  }

  const baseline = baselineFile ? { file: baselineFile, baseline: readBaselineFile(baselineFile) } : undefined;
  const result = await scan({ ...common, baseline });
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

function folder(target: string): string {
  if (!existsSync(target)) throw new UsageError(`path not found: ${target}`);
  if (!statSync(target).isDirectory()) throw new UsageError(`not a folder: ${target}`);
  return target;
}

/**
 * `--baseline` takes an optional value: `--baseline=FILE`, or `--baseline FILE` when FILE ends in
 * .json; a bare `--baseline` means the default file (parseArgs needs a value, so it gets "").
 */
function withBaselineValue(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      out.push(...argv.slice(i));
      break;
    }
    if (arg !== "--baseline") {
      out.push(arg);
      continue;
    }
    const next = argv[i + 1];
    if (next !== undefined && next.endsWith(".json") && !next.startsWith("-")) {
      out.push(`--baseline=${next}`);
      i++;
    } else {
      out.push("--baseline=");
    }
  }
  return out;
}

function writeOrFail(file: string, text: string): void {
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
  } catch (error) {
    throw new UsageError(`cannot write ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
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

/** `--concurrency`: "auto", "off", or a whole number of worker threads (0 means off), as ESLint spells it. */
function parseConcurrency(value: string | undefined): number | "auto" | "off" {
  if (value === undefined || value === "auto" || value === "off") return value ?? "auto";
  if (!/^\d+$/.test(value) || Number(value) > 64) throw new UsageError(`--concurrency takes auto, off or a number of threads from 0 to 64 (got "${value}")`);
  return Number(value) === 0 ? "off" : Number(value);
}
