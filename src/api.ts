import { existsSync, readFileSync, realpathSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { allRules } from "../rules/index.js";
import { allRuleMetas, createRegistry } from "./engine/registry.js";
import { runRules } from "./engine/run.js";
import { COPY_RELATED_MESSAGE, compareFindings, dedupeFindings } from "./engine/sort.js";
import { discover, findRepoRoot, toPosix } from "./loaders/discovery.js";
import { minimatch } from "minimatch";
import { loadConfig, MODULE_NAME, SEARCH_PLACES } from "./config/load.js";
import { CONFIG_SCHEMA_ID } from "./config/schema.js";
import { ConfigError, resolveConfig, type ResolvedConfig, type RuleLevel } from "./config/resolve.js";
import { BUILTIN_RULES, RULE_ERROR } from "./engine/builtin-rules.js";
import { applyBaseline, DEFAULT_BASELINE_FILE, parseBaseline, renderBaseline, updatedBaseline, type Baseline } from "./engine/baseline.js";
import { annotationDirectives, applySuppressions, commentDirectives, DIRECTIVE_MARKER, type Directive } from "./engine/suppress.js";
import { changedFiles, GitChangesError, isCommit } from "./loaders/git-changes.js";
import type { Finding, RuleOutcome, SuppressedFinding } from "./model/finding.js";
import { LazyRepository } from "./loaders/repository.js";
import type { RunResult, Severity } from "./model/finding.js";
import { SECTIONS, type RuleMeta } from "./model/rule.js";
import type { Rule } from "./rule-kit/define-rule.js";
import { renderRuleDoc } from "./reporters/rule-docs.js";
import { didYouMean } from "./engine/did-you-mean.js";
import { analyzeGoFilesInWorkers, startGoWorkers } from "./go-workers.js";
import { gitState, lookUp, writeEntry, type CacheSlot } from "./cache.js";
import { INFORMATION_URI, TOOL_NAME, UsageError, toolVersion } from "./version.js";
export { renderTiming } from "./reporters/timing.js";
export { INFORMATION_URI, TOOL_NAME, UsageError, toolVersion } from "./version.js";
export { OUTPUT_FORMATS, exitCodeFor, render, type OutputFormat, type RenderOptions } from "./render.js";

export interface ScanOptions {
  /** Folder to scan. */
  path: string;
  /** Repository root override (tests scan fixture folders as their own repositories). */
  repoRoot?: string;
  /** Run only these rule ids. */
  only?: readonly string[];
  /** Rule options by rule id; override the configuration's (fixture tests set them this way). */
  ruleOptions?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** `--config FILE`; without it the nearest configuration file is searched (scanned folder up to the repository root). */
  configFile?: string;
  /** A configuration already resolved (tests), or false to use the built-in default and search nothing. */
  config?: ResolvedConfig | false;
  /** Hold back findings the baseline allows; `file` names it in messages. */
  baseline?: { file: string; baseline: Baseline };
  /** Report only findings in files changed since this git ref (merge base), plus untracked files. */
  changedSince?: string;
  /** Git ref the protos are compared with for breaking changes (default: latest release tag, else merge base). */
  baseRef?: string;
  /**
   * The result cache (src/cache.ts): off unless set. `true` keeps it in `node_modules/.cache/readiness-check`
   * under the working directory; `{ location }` puts it elsewhere. Not used with `changedSince`.
   */
  cache?: boolean | { location?: string };
  /**
   * Worker threads for parsing and analysing Go files: "auto" (default) uses one per CPU on
   * repositories with enough Go files to repay starting them; a number always uses that many; "off"
   * keeps everything in one thread. Findings are the same either way.
   */
  concurrency?: number | "auto" | "off";
}

/** Below this many Go files, starting worker threads (about half a second each) costs more than it saves. */
const MIN_GO_FILES_FOR_WORKERS = 400;

function goThreads(concurrency: ScanOptions["concurrency"], goFiles: number): number {
  if (concurrency === "off") return 0;
  if (typeof concurrency === "number") return concurrency;
  const cpus = os.availableParallelism();
  return cpus > 1 && goFiles >= MIN_GO_FILES_FOR_WORKERS ? cpus : 0;
}

export function registeredRules(): Rule[] {
  return createRegistry(allRules);
}

export function ruleMetas(): RuleMeta[] {
  return registeredRules().map((r) => r.meta);
}

export async function scan(options: ScanOptions): Promise<RunResult> {
  const started = performance.now();
  const all = registeredRules();
  const scanRoot = realpathSync(options.path);
  const repoRoot = options.repoRoot ? realpathSync(options.repoRoot) : findRepoRoot(scanRoot);
  const config = await configFor(options, scanRoot, repoRoot);
  if (options.baseRef !== undefined && !isCommit(repoRoot, options.baseRef)) {
    throw new UsageError(`--base-ref ${options.baseRef} does not name a commit in ${repoRoot} (fetch tags and history: actions/checkout with fetch-depth: 0)`);
  }

  let rules: Rule[];
  if (options.only) {
    // The engine's own rules (readiness/*) are listed by `rules` and always run: naming them is not an error.
    const unknown = options.only.filter((id) => !all.some((r) => r.meta.id === id) && !BUILTIN_RULES.some((m) => m.id === id));
    if (unknown.length > 0) throw new UsageError(`unknown rule id: ${unknown.join(", ")} (\`readiness-check rules\` lists them)`);
    rules = all.filter((r) => options.only!.includes(r.meta.id));
  } else {
    rules = all.filter((r) => config.rules.has(r.meta.id));
  }
  // Globs in the configuration are relative to its folder; a file outside the repository applies from the scanned folder.
  const baseDir = config.baseDir && isInside(repoRoot, config.baseDir) ? config.baseDir : scanRoot;
  const baseRelative = toPosix(path.relative(repoRoot, baseDir));

  const discovery = await discover(scanRoot, { repoRoot, ignore: { base: baseRelative, patterns: config.ignore } });
  const discoveryMs = performance.now() - started;

  // The result cache: the key holds everything the result depends on besides the files' contents.
  let cacheSlot: CacheSlot | undefined;
  if (options.cache && options.changedSince === undefined) {
    const identity = {
      toolVersion: toolVersion(),
      options: {
        scanRoot,
        repoRoot,
        rules: rules.map((r) => r.meta.id).sort(),
        config: configIdentity(config),
        ruleOptions: options.ruleOptions ?? {},
        baselineFile: options.baseline?.file ?? null,
        baseRef: options.baseRef ?? null,
      },
      state: { git: gitState(repoRoot), baseline: options.baseline?.baseline ?? null },
    };
    const looked = lookUp(typeof options.cache === "object" ? options.cache.location : undefined, identity, discovery);
    if (looked.hit) {
      const ms = performance.now() - started;
      return {
        ...looked.hit,
        stats: { ...looked.hit.stats, durationMs: Math.round(ms), timing: { discoveryMs, rules: [], loaders: [{ name: "result cache (hit)", ms: ms - discoveryMs }], peakRssBytes: process.resourceUsage().maxRSS * 1024 } },
      };
    }
    cacheSlot = looked.slot;
  }
  const repo = new LazyRepository(discovery, { baseRef: options.baseRef });
  const options_ = new Map<string, Readonly<Record<string, unknown>>>();
  for (const [id, setting] of config.rules) options_.set(id, setting.options);
  for (const [id, given] of Object.entries(options.ruleOptions ?? {})) options_.set(id, { ...options_.get(id), ...given });
  const goPaths = repo.goFilePaths();
  const threads = rules.some((rule) => rule.analyzeGo) ? goThreads(options.concurrency, goPaths.length) : 0;
  if (threads > 0) startGoWorkers(threads);
  let threadsUsed = 0;
  const run = await runRules(
    {
      repo,
      forEachGoFile: (visit) => repo.forEachGoFile(visit),
      ...(threads > 0 && {
        analyzeGoFiles: (analyzers, onFile) =>
          analyzeGoFilesInWorkers({
            repoRoot: discovery.repoRoot,
            paths: goPaths,
            analyzers,
            threads,
            marker: DIRECTIVE_MARKER,
            onFile,
            onLoading: (loading) => {
              threadsUsed = loading.threads;
              repo.recordWorkerLoading({ ...loading, searched: { needle: DIRECTIVE_MARKER, paths: goPaths, found: loading.marked } });
            },
          }),
      }),
      forEachTsFile: (visit) => repo.forEachTsFile(visit),
      diagnostics: () => repo.diagnostics(),
      loaderTimings: () => repo.loaderTimings(),
    },
    rules,
    { options: options_, levelFor: (ruleId, findingPath) => levelFor(config, baseRelative, ruleId, findingPath) },
  );

  // Passes after the rules: configured levels of the engine's own findings, suppressions, baseline, changed files.
  let findings = run.findings.flatMap((f) => builtinLevel(config, baseRelative, f));
  const known = new Set([...all.map((r) => r.meta.id), ...BUILTIN_RULES.map((m) => m.id)]);
  const directives: Directive[] = [];
  const paths = new Set([...findings.map((f) => f.path).filter(Boolean), ...repo.pathsContaining(DIRECTIVE_MARKER)]);
  const invalid: Finding[] = [];
  for (const p of [...paths].sort()) {
    const parsed = commentDirectives(p, repo.comments(p), known);
    directives.push(...parsed.directives);
    invalid.push(...parsed.invalid);
  }
  if (rules.some((r) => r.meta.inputs.includes("kubernetes"))) {
    const parsed = annotationDirectives(repo.kubernetes, repo.workloads, known);
    directives.push(...parsed.directives);
    invalid.push(...parsed.invalid);
  }
  const ran = new Set(run.rules.filter((r) => r.status === "passed" || r.status === "failed").map((r) => r.meta.id));
  const suppression = applySuppressions(findings, directives, ran);
  findings = [...suppression.kept, ...suppression.unused, ...invalid].flatMap((f) => builtinLevel(config, baseRelative, f));
  let suppressed: SuppressedFinding[] = suppression.suppressed;
  if (options.baseline) {
    const outcome = applyBaseline(findings, options.baseline.baseline, options.baseline.file);
    findings = [...outcome.kept, ...outcome.stale];
    suppressed = [...suppressed, ...outcome.baselined];
  }
  if (options.changedSince !== undefined) {
    let changed: Set<string>;
    try {
      changed = changedFiles(repoRoot, options.changedSince);
    } catch (error) {
      if (error instanceof GitChangesError) throw new UsageError(error.message);
      throw error;
    }
    // A finding about copies of one object is in a changed file when any copy is.
    const inChanged = (f: Finding) =>
      f.ruleId === RULE_ERROR.id || changed.has(f.path) || f.related.some((r) => r.message === COPY_RELATED_MESSAGE && changed.has(r.path));
    findings = findings.filter(inChanged);
    suppressed = suppressed.filter(inChanged);
  }
  findings = dedupeFindings(findings).sort(compareFindings);
  suppressed.sort(compareFindings);

  // A file found to be binary or unreadable when read is listed as skipped, not as scanned.
  const skipped = new Set(repo.skipped.map((s) => s.path));
  const filesByKind: Record<string, number> = {};
  for (const file of discovery.files) {
    if (!skipped.has(file.path)) filesByKind[file.kind] = (filesByKind[file.kind] ?? 0) + 1;
  }
  const loaderTimings = [...run.timing.loaders].map(([name, ms]) => ({ name, ms }));
  if (cacheSlot) loaderTimings.push({ name: "result cache (hashing files)", ms: cacheSlot.ms });
  const result: RunResult = {
    tool: { name: TOOL_NAME, version: toolVersion(), informationUri: INFORMATION_URI },
    repoRoot: discovery.repoRoot,
    scanPrefix: toPosix(path.relative(discovery.repoRoot, discovery.scanRoot)),
    findings,
    rules: recount(run.rules, findings),
    stats: {
      filesByKind,
      skipped: repo.skipped.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
      durationMs: Math.round(performance.now() - started),
      ...(cacheSlot ? { cache: "miss" as const } : {}),
      timing: {
        discoveryMs,
        rules: [...run.timing.rules].map(([id, ms]) => ({ id, ms })).sort((a, b) => b.ms - a.ms),
        loaders: loaderTimings.sort((a, b) => b.ms - a.ms),
        // maxRSS is in kilobytes.
        peakRssBytes: process.resourceUsage().maxRSS * 1024,
        ...(threadsUsed > 0 && { goThreads: threadsUsed }),
      },
    },
    complete: run.complete,
    suppressed,
  };
  // An incomplete scan (a rule crashed) is not kept: the crash may not happen again.
  if (cacheSlot && result.complete) writeEntry(cacheSlot.file, cacheSlot.key, repo.probes, result);
  return result;
}

/** The resolved configuration as plain data for the cache key (maps as sorted entries). */
function configIdentity(config: ResolvedConfig): unknown {
  const rules = (m: ReadonlyMap<string, unknown>) => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { rules: rules(config.rules), ignore: config.ignore, overrides: config.overrides.map((o) => ({ ...o, rules: rules(o.rules) })), baseDir: config.baseDir ?? null };
}

async function configFor(options: ScanOptions, scanRoot: string, repoRoot: string): Promise<ResolvedConfig> {
  if (options.config) return options.config;
  const metas = allRuleMetas(registeredRules());
  if (options.config === false) return loadConfigOrThrow({ scanRoot, repoRoot, metas, none: true });
  return loadConfigOrThrow({ scanRoot, repoRoot, metas, configFile: options.configFile });
}

async function loadConfigOrThrow(args: { scanRoot: string; repoRoot: string; metas: RuleMeta[]; configFile?: string; none?: boolean }): Promise<ResolvedConfig> {
  try {
    if (args.none) return resolveConfig([], args.metas);
    return await loadConfig(args);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
}

/** The configured level of a rule for one repository-relative path: per-path overrides (last match wins), then the rules. */
function levelFor(config: ResolvedConfig, baseRelative: string, ruleId: string, findingPath: string): RuleLevel | undefined {
  const relative = baseRelative ? (findingPath.startsWith(baseRelative + "/") ? findingPath.slice(baseRelative.length + 1) : undefined) : findingPath;
  if (relative) {
    for (let i = config.overrides.length - 1; i >= 0; i--) {
      const override = config.overrides[i]!;
      const level = override.rules.get(ruleId);
      if (level && override.files.some((glob) => minimatch(relative, glob, { dot: true }))) return level;
    }
  }
  return config.rules.get(ruleId)?.severity;
}

/** The engine's own findings (parse errors, suppression diagnostics) follow the configuration too; crashes always show. */
function builtinLevel(config: ResolvedConfig, baseRelative: string, finding: Finding): Finding[] {
  if (!finding.ruleId.startsWith("readiness/") || finding.ruleId === RULE_ERROR.id) return [finding];
  if (!config.rules.has(finding.ruleId)) return [];
  const level = levelFor(config, baseRelative, finding.ruleId, finding.path);
  if (level === "off") return [];
  const meta = BUILTIN_RULES.find((m) => m.id === finding.ruleId);
  // Only findings at the rule's default severity take the configured one (as for checklist rules).
  return [level && meta && finding.severity === meta.severity ? { ...finding, severity: level } : finding];
}

/** Rule outcomes after the passes: counts of what is still reported; the engine's own rules always listed. */
function recount(outcomes: readonly RuleOutcome[], findings: readonly Finding[]): RuleOutcome[] {
  const counts = new Map<string, number>();
  for (const f of findings) counts.set(f.ruleId, (counts.get(f.ruleId) ?? 0) + 1);
  const out = outcomes.map((o) => {
    const n = counts.get(o.meta.id) ?? 0;
    const status: RuleOutcome["status"] = o.status === "failed" || (o.meta.tags.includes("diagnostic") && o.status === "passed") ? (n > 0 ? "failed" : "passed") : o.status;
    return { ...o, status, findings: n };
  });
  for (const meta of BUILTIN_RULES) {
    if (out.some((o) => o.meta.id === meta.id)) continue;
    const n = counts.get(meta.id) ?? 0;
    out.push({ meta, status: n > 0 ? "failed" : "passed", findings: n });
  }
  return out;
}

function isInside(root: string, dir: string): boolean {
  const relative = path.relative(root, dir);
  return relative === "" || (!relative.startsWith("..") && !path.isAbsolute(relative));
}

export type { Severity };

/** Every rule, the engine's own `readiness/*` ones last, in checklist order. */
export function renderRuleList(format: "terminal" | "json"): string {
  const metas = allRuleMetas(registeredRules()).sort(
    (a, b) =>
      Number(a.tags.includes("diagnostic")) - Number(b.tags.includes("diagnostic")) ||
      SECTIONS.indexOf(a.section) - SECTIONS.indexOf(b.section) ||
      (a.id < b.id ? -1 : 1),
  );
  if (format === "json") {
    return JSON.stringify(metas.map(({ id, section, severity, title, docsUrl }) => ({ id, section, severity, title, docsUrl })), null, 2) + "\n";
  }
  const width = Math.max(...metas.map((m) => m.id.length));
  return metas.map((m) => `${m.id.padEnd(width)}  ${m.section.padEnd(12)}  ${m.severity.padEnd(7)}  ${m.title}`).join("\n") + "\n";
}


/** `readiness-check explain <rule-id>`: the rule's documentation page, the same text as docs/rules. */
export function explainRule(id: string): string {
  const metas = allRuleMetas(registeredRules());
  const meta = metas.find((m) => m.id === id);
  if (!meta) throw new UsageError(`unknown rule id: ${id}${didYouMean(id, metas.map((m) => m.id))} (\`readiness-check rules\` lists them)`);
  return renderRuleDoc(meta);
}

export const STARTER_CONFIG_FILE = ".readinessrc.yaml";

/**
 * `readiness-check init`: a starter configuration that fits the repository it finds: the artifact kinds
 * present, the rules that apply (at their default severity, with today's finding counts) and those that
 * do not. Refuses when the folder already has a configuration, unless `force`.
 */
export async function starterConfig(target: string, force = false): Promise<{ file: string; text: string; findings: number }> {
  const scanRoot = realpathSync(target);
  const existing = existingConfig(scanRoot);
  if (existing && !force) throw new UsageError(`${existing} already configures readiness-check here; pass --force to write ${STARTER_CONFIG_FILE} anyway`);
  const rules = registeredRules();
  const result = await scan({ path: scanRoot, config: false, only: rules.map((r) => r.meta.id) });
  const recommended = resolveConfig([], allRuleMetas(rules)).rules;
  const applies = result.rules.filter((r) => !r.meta.tags.includes("diagnostic") && r.status !== "not-applicable");
  const notApplicable = result.rules.filter((r) => r.status === "not-applicable").map((r) => r.meta.id);
  const kinds = Object.entries(result.stats.filesByKind).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, n]) => `${n} ${k}`);
  const width = Math.max(0, ...applies.map((r) => r.meta.id.length));
  const lines = [
    `# yaml-language-server: $schema=${CONFIG_SCHEMA_ID}`,
    "# readiness-check configuration, written by `readiness-check init` for this repository.",
    `# Found: ${kinds.join(", ") || "no files the rules read"}.`,
    "# Levels: off, error, warning, note; or [level, { options }]. `readiness-check explain <rule>` documents each rule.",
    "extends: recommended",
    "",
  ];
  const levelOf = (id: string) => recommended.get(id)?.severity ?? "off";
  const ruleLine = (r: (typeof applies)[number]) => {
    const level = levelOf(r.meta.id);
    const now = r.findings > 0 ? `  # ${r.findings} finding${r.findings === 1 ? "" : "s"} today` : "";
    return `  ${r.meta.id}:${" ".repeat(width - r.meta.id.length)} ${now ? level.padEnd(7) : level}${now}`;
  };
  const on = applies.filter((r) => levelOf(r.meta.id) !== "off");
  const off = applies.filter((r) => levelOf(r.meta.id) === "off");
  if (applies.length > 0) {
    lines.push("rules:");
    if (on.length > 0) lines.push("  # Rules that apply to this repository, at their level in the recommended preset:", ...on.map(ruleLine));
    if (off.length > 0) {
      if (on.length > 0) lines.push("");
      lines.push("  # Off in the recommended preset (less precise, or opt-in); give one a level to turn it on:", ...off.map(ruleLine));
    }
  } else {
    lines.push("rules: {}");
  }
  const naOn = notApplicable.filter((id) => levelOf(id) !== "off");
  const naOff = notApplicable.filter((id) => levelOf(id) === "off");
  if (naOn.length > 0) {
    lines.push("  # Not applicable here (nothing for them to check yet), on in the recommended preset:");
    for (const id of naOn) lines.push(`  #   ${id}`);
  }
  if (naOff.length > 0) {
    lines.push("  # Not applicable here, and off in the recommended preset:");
    for (const id of naOff) lines.push(`  #   ${id}`);
  }
  lines.push(
    "",
    "# Paths not to scan, in .gitignore syntax, relative to this file (in addition to .gitignore):",
    "ignore: []",
    "",
    "# Per-path levels (like ESLint `files` blocks); the last matching block wins:",
    "# overrides:",
    "#   - files: [\"deploy/dev/**\"]",
    "#     rules:",
    `#       ${applies[0]?.meta.id ?? "k8s/resources-set"}: off`,
  );
  // What the written configuration will report: findings of rules it leaves off (listed for reference) do not count.
  const findings = result.findings.filter((f) => !f.ruleId.startsWith("readiness/") && (recommended.get(f.ruleId)?.severity ?? "off") !== "off").length;
  return { file: path.join(scanRoot, STARTER_CONFIG_FILE), text: lines.join("\n") + "\n", findings };
}

function existingConfig(dir: string): string | undefined {
  for (const place of SEARCH_PLACES) {
    const file = path.join(dir, place);
    if (!existsSync(file)) continue;
    if (place !== "package.json") return place;
    try {
      if ((JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>)[MODULE_NAME] !== undefined) return `package.json ("${MODULE_NAME}" key)`;
    } catch {
      // A broken package.json configures nothing.
    }
  }
  return undefined;
}

export { DEFAULT_BASELINE_FILE };

/** Reads a baseline file for `--baseline`: a missing or malformed file is a usage error (exit 2). */
export function readBaselineFile(file: string): Baseline {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(code === "ENOENT" ? `baseline file not found: ${file} (create it with --update-baseline)` : `cannot read baseline ${file}: ${code ?? "error"}`);
  }
  const parsed = parseBaseline(text);
  if (typeof parsed === "string") throw new UsageError(`baseline ${file}: ${parsed}`);
  return parsed;
}

/**
 * The baseline text for `--update-baseline`. With an existing baseline it only shrinks (fixed findings
 * leave it; new ones are refused and listed) unless `force`; without one it records every finding.
 */
export function updateBaseline(result: RunResult, previous: Baseline | undefined, force: boolean) {
  const { baseline, refused } = updatedBaseline(result.findings, { name: result.tool.name, version: result.tool.version }, previous, force);
  const entries = Object.values(baseline.findings).reduce((sum, byRule) => sum + Object.values(byRule).reduce((a, b) => a + b, 0), 0);
  return { text: renderBaseline(baseline), refused, findings: entries, files: Object.keys(baseline.findings).length };
}
