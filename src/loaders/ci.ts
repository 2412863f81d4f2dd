import { isAlias, isMap, isScalar, isSeq, LineCounter, type Document, type Node as YamlNode, type Scalar } from "yaml";
import type { CiCommand, CiPipeline } from "../model/artifacts.js";
import type { Position, Range } from "../model/location.js";
import type { LoadResult } from "./load-result.js";
import { shellCommands, type SourceLine } from "./shell.js";
import { analyseYaml, describeYamlError, expansionLimit, MAX_DEPTH, measure, parseYaml } from "./yaml-documents.js";

export function isCiPipelinePath(path: string): boolean {
  return /^(.*\/)?\.github\/workflows\/[^/]+\.ya?ml$/.test(path) || /(^|\/)\.gitlab-ci\.ya?ml$/.test(path) || isCloudBuildPath(path);
}

/** Google Cloud Build configurations: `cloudbuild.yaml`, and variants such as `cloudbuild-ci.yaml`. */
function isCloudBuildPath(path: string): boolean {
  return /(^|\/)cloudbuild[\w.-]*\.ya?ml$/i.test(path);
}

/**
 * Loads a GitHub Actions workflow or a .gitlab-ci.yml: every shell line of `run:` / `script:` blocks
 * becomes one CiCommand with its exact range, and every `uses:` is listed.
 */
export function loadCiPipeline(path: string, text: string): LoadResult<CiPipeline> {
  try {
    return loadPipeline(path, text);
  } catch (error) {
    // A defect here must not end the scan; the error's message may quote the input, so only its kind is named.
    const at = { line: 1, column: 1 };
    const why = error instanceof RangeError ? "it is nested too deeply or is too large for the parser" : `${error instanceof Error ? error.name : "unknown error"}`;
    return { diagnostics: [{ kind: "parse-error", path, range: { start: at, end: at }, message: `The CI pipeline could not be read (${why}); CI checks skip it.` }] };
  }
}

function loadPipeline(path: string, text: string): LoadResult<CiPipeline> {
  const lines = new LineCounter();
  const position = (offset: number): Position => {
    const { line, col } = lines.linePos(offset);
    return { line, column: col };
  };
  const failure = (start: number, end: number, message: string): LoadResult<CiPipeline> => ({
    diagnostics: [{ kind: "parse-error", path, range: { start: position(start), end: position(Math.max(start, end)) }, message }],
  });
  // GitLab pipelines with an input `spec:` header are two documents; parse them all rather than fail.
  const { documents, tooDeep } = parseYaml(text, lines, { uniqueKeys: false });
  for (const doc of documents) {
    const deep = tooDeep.get(doc);
    if (deep !== undefined) return failure(deep, deep, `CI pipeline nests deeper than ${MAX_DEPTH} levels; CI checks skip it.`);
    const [error] = doc.errors;
    if (error) return failure(error.pos[0], error.pos[1], `CI pipeline is not valid YAML: ${describeYamlError(error)}. The CI provider rejects it, and CI checks skip it.`);
  }
  // Aliases are resolved once, in document order (the parser's Alias.resolve() searches the whole
  // document for each alias), and a document whose aliases expand past the limit the other YAML
  // files have is refused: an alias bomb of a few hundred bytes would expand into gigabytes of script.
  const limit = expansionLimit(text);
  const analyses = documents.map((doc) => analyseYaml(doc, limit));
  for (const { root, problem } of analyses) {
    const verdict = problem?.kind === "deep" || problem?.kind === "large" ? problem.kind : measure(root, limit);
    if (verdict === "deep") {
      return failure(root.range[0], root.range[0], `CI pipeline nests deeper than ${MAX_DEPTH} levels once its aliases are expanded; CI checks skip it.`);
    }
    if (verdict === "large") {
      return failure(root.range[0], root.range[0], `CI pipeline expands its aliases into more than ${limit} values or into itself (an alias bomb?); CI checks skip it.`);
    }
  }
  const firstLine = text.split("\n", 1)[0]!.replace(/\r$/, "");
  const pipeline: CiPipeline = {
    path,
    provider: /(^|\/)\.github\/workflows\//.test(path) ? "github-actions" : isCloudBuildPath(path) ? "cloud-build" : "gitlab-ci",
    commands: [],
    uses: [],
    range: { start: { line: 1, column: 1 }, end: { line: 1, column: firstLine.length + 1 } },
  };
  const budget = { commands: limit };
  for (const [index, doc] of documents.entries()) {
    const reader = new ScriptReader(text, lines, analyses[index]!.aliasTargets, budget);
    if (pipeline.provider === "github-actions") readGitHub(doc, reader, pipeline);
    else if (pipeline.provider === "cloud-build") readCloudBuild(doc, reader, pipeline);
    else readGitLab(doc, reader, pipeline);
  }
  if (budget.commands < 0) {
    // Reached only through aliases: each use of a script anchor repeats its commands.
    return failure(0, 0, `CI pipeline expands its aliases into more than ${limit} commands (an alias bomb?); CI checks skip it.`);
  }
  return { value: pipeline, diagnostics: [] };
}

// ---------------------------------------------------------------------------------------------
// Providers

function readGitHub(doc: Document, reader: ScriptReader, pipeline: CiPipeline) {
  const jobs = reader.resolve(reader.get(doc.contents, "jobs"));
  if (!isMap(jobs)) return;
  for (const pair of jobs.items) {
    const job = scalarText(pair.key);
    const body = reader.resolve(pair.value as YamlNode);
    if (!job || !isMap(body)) continue;
    // A job that calls a reusable workflow (`uses: org/repo/.github/workflows/x.yml@v1`).
    addUses(reader, pipeline, reader.get(body, "uses"), job);
    const steps = reader.resolve(reader.get(body, "steps"));
    if (!isSeq(steps)) continue;
    for (const item of steps.items) {
      const step = reader.resolve(item as YamlNode);
      if (!isMap(step)) continue;
      addUses(reader, pipeline, reader.get(step, "uses"), job);
      const run = reader.resolve(reader.get(step, "run"));
      if (isScalar(run)) reader.addCommands(pipeline, run, job);
    }
  }
}

/**
 * Cloud Build `steps:`. A step runs `entrypoint` (else the builder image's own) with `args`, or a `script:`.
 * `bash -c '<script>'` steps are read as scripts; other steps become one command line, at the step's
 * `entrypoint` or `args`. The `gcr.io/cloud-builders/<tool>` images run `<tool>`; other images (`golang`,
 * `node`) have no entrypoint of their own here, so `args` is the command.
 */
function readCloudBuild(doc: Document, reader: ScriptReader, pipeline: CiPipeline) {
  const steps = reader.resolve(reader.get(doc.contents, "steps"));
  if (!isSeq(steps)) return;
  for (const [index, item] of steps.items.entries()) {
    const step = reader.resolve(item as YamlNode);
    if (!isMap(step)) continue;
    const job = scalarText(reader.resolve(reader.get(step, "id"))) ?? `step ${index + 1}`;
    const script = reader.resolve(reader.get(step, "script"));
    if (isScalar(script)) {
      reader.addCommands(pipeline, script, job);
      continue;
    }
    const entrypointNode = reader.resolve(reader.get(step, "entrypoint"));
    const argsNode = reader.resolve(reader.get(step, "args"));
    const args = isSeq(argsNode) ? argsNode.items.map((a) => reader.resolve(a as YamlNode)) : [];
    const entrypoint = scalarText(entrypointNode) ?? builderTool(scalarText(reader.resolve(reader.get(step, "name"))) ?? "");
    const dashC = args.findIndex((a) => scalarText(a) === "-c");
    if (entrypoint && /^(\/bin\/|\/usr\/bin\/)?(ba)?sh$/.test(entrypoint) && dashC >= 0 && isScalar(args[dashC + 1])) {
      reader.addCommands(pipeline, args[dashC + 1] as Scalar, job);
      continue;
    }
    const words = [entrypoint, ...args.map((a) => scalarText(a))].filter((w): w is string => w !== undefined && w !== "");
    const at = entrypointNode ?? argsNode;
    if (words.length === 0 || !at) continue;
    reader.addCommand(pipeline, { text: words.join(" "), range: reader.range(at), job });
  }
}

function builderTool(image: string): string | undefined {
  return /^gcr\.io\/cloud-builders\/([\w-]+)(?::|@|$)/.exec(image)?.[1];
}

/** Top-level keys of .gitlab-ci.yml that are not jobs. */
const GITLAB_GLOBAL_KEYS = new Set([
  "stages",
  "variables",
  "default",
  "include",
  "workflow",
  "image",
  "services",
  "cache",
  "before_script",
  "after_script",
  "types",
  "spec",
]);
const GITLAB_SCRIPT_KEYS = ["before_script", "script", "after_script"];

function readGitLab(doc: Document, reader: ScriptReader, pipeline: CiPipeline) {
  const root = reader.resolve(doc.contents as YamlNode | null);
  if (!isMap(root)) return;
  const addScripts = (holder: YamlNode | undefined, job: string | undefined) => {
    const body = reader.resolve(holder);
    if (!isMap(body)) return;
    for (const key of GITLAB_SCRIPT_KEYS) {
      for (const scalar of reader.scalarsOf(reader.get(body, key))) reader.addCommands(pipeline, scalar, job);
    }
  };
  // Deprecated global scripts and `default:` apply to every job.
  addScripts(root, undefined);
  addScripts(reader.get(root, "default"), undefined);
  addIncludes(reader, pipeline, reader.get(root, "include"), undefined);
  for (const pair of root.items) {
    const job = scalarText(pair.key);
    if (!job || GITLAB_GLOBAL_KEYS.has(job)) continue;
    // Hidden jobs (`.template:`) are kept: their scripts run in the jobs that extend them.
    addScripts(pair.value as YamlNode, job);
    const trigger = reader.resolve(reader.get(pair.value as YamlNode, "trigger"));
    if (isMap(trigger)) addIncludes(reader, pipeline, reader.get(trigger, "include"), job);
  }
}

function addUses(reader: ScriptReader, pipeline: CiPipeline, node: YamlNode | undefined, job: string) {
  const uses = reader.resolve(node);
  if (isScalar(uses) && typeof uses.value === "string" && uses.value.trim()) {
    pipeline.uses.push({ action: uses.value.trim(), range: reader.range(uses), job });
  }
}

/** GitLab `include:` (a string, a map or a list of either): scripts from there are not visible here. */
function addIncludes(reader: ScriptReader, pipeline: CiPipeline, node: YamlNode | undefined, job: string | undefined) {
  const include = reader.resolve(node);
  if (!include) return;
  const items = isSeq(include) ? include.items.map((i) => reader.resolve(i as YamlNode)) : [include];
  for (const item of items) {
    let ref: YamlNode | undefined = item;
    if (isMap(item)) {
      const key = ["local", "project", "remote", "template", "component", "artifact"].find((k) => reader.get(item, k));
      ref = key ? reader.resolve(reader.get(item, key)) : undefined;
      const file = key === "project" ? reader.resolve(reader.get(item, "file")) : undefined;
      if (isScalar(ref) && isScalar(file)) {
        (pipeline.includes ??= []).push({ ref: `${String(ref.value)}:${String(file.value)}`, range: reader.range(ref), ...(job ? { job } : {}) });
        continue;
      }
    }
    if (isScalar(ref) && typeof ref.value === "string") {
      (pipeline.includes ??= []).push({ ref: ref.value, range: reader.range(ref), ...(job ? { job } : {}) });
    }
  }
}

function scalarText(node: unknown): string | undefined {
  return isScalar(node) && (typeof node.value === "string" || typeof node.value === "number") ? String(node.value) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Script scalars -> shell lines with positions

class ScriptReader {
  /** Each script scalar's commands, split once however often aliases repeat it. */
  private readonly split = new Map<Scalar, CiCommand[]>();

  constructor(
    private readonly text: string,
    private readonly lines: LineCounter,
    private readonly aliasTargets: Map<unknown, YamlNode>,
    /** Commands that may still be added; below zero, the pipeline is refused. */
    private readonly budget: { commands: number },
  ) {}

  resolve(node: YamlNode | null | undefined): YamlNode | undefined {
    // Anchors and aliases (`script: *setup`) are common in GitLab files; positions stay at the anchor.
    let current: unknown = node;
    for (let depth = 0; isAlias(current) && depth < 10; depth++) current = this.aliasTargets.get(current);
    return (current ?? undefined) as YamlNode | undefined;
  }

  get(node: unknown, key: string): YamlNode | undefined {
    const map = this.resolve(node as YamlNode);
    return isMap(map) ? (map.get(key, true) as YamlNode | undefined) : undefined;
  }

  /** The scalars of a script entry: one string, or a list of strings and (via anchors) nested lists. */
  scalarsOf(node: YamlNode | undefined, depth = 0): Scalar[] {
    const resolved = this.resolve(node);
    if (isScalar(resolved)) return typeof resolved.value === "string" ? [resolved] : [];
    if (isSeq(resolved) && depth < 10) return resolved.items.flatMap((i) => this.scalarsOf(i as YamlNode, depth + 1));
    return [];
  }

  range(node: YamlNode): Range {
    const [start, end] = node.range ?? [0, 0];
    return { start: this.position(start), end: this.position(end) };
  }

  addCommands(pipeline: CiPipeline, scalar: Scalar, job: string | undefined) {
    if (typeof scalar.value !== "string" || this.budget.commands < 0) return;
    let commands = this.split.get(scalar);
    if (!commands) {
      commands = shellCommands(this.sourceLines(scalar));
      this.split.set(scalar, commands);
    }
    this.budget.commands -= commands.length;
    if (this.budget.commands < 0) return;
    // One at a time: spreading a long list into push() overflows the call stack.
    for (const c of commands) pipeline.commands.push(job === undefined ? c : { ...c, job });
  }

  /** One command made from a step's fields (not a script scalar). */
  addCommand(pipeline: CiPipeline, command: CiCommand) {
    if (--this.budget.commands < 0) return;
    pipeline.commands.push(command);
  }

  private position(offset: number): Position {
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  /** The scalar's content as physical source lines, each with the column where its text starts. */
  private sourceLines(scalar: Scalar): SourceLine[] {
    const value = scalar.value as string;
    const [start, end] = scalar.range ?? [0, 0];
    const at = this.position(start);
    if (scalar.type === "BLOCK_LITERAL" || scalar.type === "BLOCK_FOLDED") {
      const source = this.text.slice(start, end).split("\n").slice(1); // drop the `|` / `>` header
      const physical = source.map((raw, i) => {
        const text = raw.replace(/\r$/, "");
        const indent = text.length - text.trimStart().length;
        return { text: text.trimStart(), line: at.line + 1 + i, column: indent + 1 };
      });
      if (scalar.type === "BLOCK_LITERAL") {
        // Each value line is its source line minus the block's indentation.
        return trimNewlines(value).split("\n").map((v, i) => {
          const raw = source[i]?.replace(/\r$/, "");
          if (raw === undefined) return { text: v, line: at.line, column: at.column };
          return { text: v, line: at.line + 1 + i, column: Math.max(1, raw.length - v.length + 1) };
        });
      }
      return foldLines(physical);
    }
    // Plain and quoted scalars: YAML already folded them into one line (or \n escapes made several).
    const inner = scalar.type === "QUOTE_DOUBLE" || scalar.type === "QUOTE_SINGLE" ? 1 : 0;
    return value.split("\n").map((text) => ({ text, line: at.line, column: at.column + inner }));
  }
}

/** The value without its trailing newlines (a loop: `/\n+$/` is quadratic in a run of blank lines). */
function trimNewlines(value: string): string {
  let end = value.length;
  while (end > 0 && value[end - 1] === "\n") end--;
  return value.slice(0, end);
}

/** YAML folding (`>`): adjacent lines at the same indentation join with a space. */
function foldLines(physical: SourceLine[]): SourceLine[] {
  // A loop, not Math.min(...columns): spreading 200,000 lines into a call overflows the stack.
  let base = Infinity;
  for (const l of physical) if (l.text !== "" && l.column < base) base = l.column;
  const folded: (SourceLine & { endLine: number; endColumn: number })[] = [];
  let previousFoldable = false;
  for (const l of physical) {
    const foldable = l.text !== "" && l.column === base;
    const last = folded.at(-1);
    if (foldable && previousFoldable && last) {
      last.text += ` ${l.text}`;
      last.endLine = l.line;
      last.endColumn = l.column + l.text.length;
    } else if (l.text !== "") {
      folded.push({ ...l, endLine: l.line, endColumn: l.column + l.text.length });
    }
    previousFoldable = foldable;
  }
  return folded;
}

