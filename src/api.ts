import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { allRules } from "../rules/index.js";
import { DEFAULT_CACHE_LOCATION, cacheKey, entryPath, readEntry, writeEntry } from "./cache.js";
import { allRuleMetas, createRegistry } from "./engine/registry.js";
import { runRules } from "./engine/run.js";
import { discover, toPosix } from "./loaders/discovery.js";
import { lineHashes } from "./loaders/line-hash.js";
import { LazyRepository } from "./loaders/repository.js";
import type { RunResult, Severity } from "./model/finding.js";
import { meetsThreshold } from "./engine/run.js";
import { SECTIONS, type RuleMeta } from "./model/rule.js";
import type { Rule } from "./rule-kit/define-rule.js";
import { renderGithubAnnotations } from "./reporters/github-annotations.js";
import { renderJson } from "./reporters/json.js";
import { renderJunit } from "./reporters/junit.js";
import { renderMarkdown } from "./reporters/markdown.js";
import { renderSarif } from "./reporters/sarif.js";
import { renderTerminal, type TerminalOptions } from "./reporters/terminal.js";
export { renderTiming } from "./reporters/timing.js";

export const TOOL_NAME = "readiness-check";
export const INFORMATION_URI = "https://github.com/readiness-check/readiness-check";

export interface ScanOptions {
  /** Folder to scan. */
  path: string;
  /** Repository root override (tests scan fixture folders as their own repositories). */
  repoRoot?: string;
  /** Run only these rule ids. */
  only?: readonly string[];
  /** Rule options by rule id (from the configuration file once there is one). */
  ruleOptions?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /**
   * The result cache (src/cache.ts): off unless set. `true` keeps it in `node_modules/.cache/readiness-check`
   * under the working directory; `{ location }` puts it elsewhere.
   */
  cache?: boolean | { location?: string };
}

export function toolVersion(): string {
  // package.json sits two folders up from both src/api.ts and dist/src/api.js.
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
      if (pkg.name === TOOL_NAME && pkg.version) return pkg.version;
    } catch {
      // Not here; look one folder up.
    }
    dir = path.dirname(dir);
  }
  return "0.0.0";
}

export function registeredRules(): Rule[] {
  return createRegistry(allRules);
}

export function ruleMetas(): RuleMeta[] {
  return registeredRules().map((r) => r.meta);
}

export async function scan(options: ScanOptions): Promise<RunResult> {
  const started = performance.now();
  let rules = registeredRules();
  if (options.only) {
    const unknown = options.only.filter((id) => !rules.some((r) => r.meta.id === id));
    if (unknown.length > 0) throw new UsageError(`unknown rule id: ${unknown.join(", ")} (\`readiness-check rules\` lists them)`);
    rules = rules.filter((r) => options.only!.includes(r.meta.id));
  }
  const discovery = await discover(options.path, { repoRoot: options.repoRoot });
  const discoveryMs = performance.now() - started;

  let cache: { file: string; key: string; ms: number } | undefined;
  if (options.cache) {
    const cacheStarted = performance.now();
    const location = path.resolve((typeof options.cache === "object" && options.cache.location) || DEFAULT_CACHE_LOCATION);
    const identity = {
      toolVersion: toolVersion(),
      options: {
        scanRoot: discovery.scanRoot,
        repoRoot: discovery.repoRoot,
        rules: rules.map((r) => r.meta.id).sort(),
        ruleOptions: options.ruleOptions ?? {},
      },
    };
    const key = cacheKey(identity, discovery);
    if (key !== undefined) {
      const file = entryPath(location, identity);
      const hit = readEntry(file, key, discovery);
      const ms = performance.now() - cacheStarted;
      if (hit) {
        const loaders = [{ name: "result cache (hit)", ms }];
        return {
          ...hit,
          stats: {
            ...hit.stats,
            durationMs: Math.round(performance.now() - started),
            cache: "hit",
            timing: { discoveryMs, rules: [], loaders, peakRssBytes: process.resourceUsage().maxRSS * 1024 },
          },
        };
      }
      cache = { file, key, ms };
    }
  }

  const repo = new LazyRepository(discovery);
  const run = await runRules(
    {
      repo,
      forEachGoFile: (visit) => repo.forEachGoFile(visit),
      forEachTsFile: (visit) => repo.forEachTsFile(visit),
      diagnostics: () => repo.diagnostics(),
      loaderTimings: () => repo.loaderTimings(),
    },
    rules,
    { options: options.ruleOptions ? new Map(Object.entries(options.ruleOptions)) : undefined },
  );
  // A file found to be binary or unreadable when read is listed as skipped, not as scanned.
  const skipped = new Set(repo.skipped.map((s) => s.path));
  const filesByKind: Record<string, number> = {};
  for (const file of discovery.files) {
    if (!skipped.has(file.path)) filesByKind[file.kind] = (filesByKind[file.kind] ?? 0) + 1;
  }
  const loaderTimings = [...run.timing.loaders].map(([name, ms]) => ({ name, ms }));
  if (cache) loaderTimings.push({ name: "result cache (hashing files)", ms: cache.ms });
  const result: RunResult = {
    tool: { name: TOOL_NAME, version: toolVersion(), informationUri: INFORMATION_URI },
    repoRoot: discovery.repoRoot,
    scanPrefix: toPosix(path.relative(discovery.repoRoot, discovery.scanRoot)),
    findings: run.findings,
    rules: run.rules,
    stats: {
      filesByKind,
      skipped: repo.skipped.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
      durationMs: Math.round(performance.now() - started),
      ...(cache ? { cache: "miss" as const } : {}),
      timing: {
        discoveryMs,
        rules: [...run.timing.rules].map(([id, ms]) => ({ id, ms })).sort((a, b) => b.ms - a.ms),
        loaders: loaderTimings.sort((a, b) => b.ms - a.ms),
        // maxRSS is in kilobytes.
        peakRssBytes: process.resourceUsage().maxRSS * 1024,
      },
    },
    complete: run.complete,
  };
  // An incomplete scan (a rule crashed) is not kept: the crash may not happen again.
  if (cache && result.complete) writeEntry(cache.file, cache.key, repo.probes, result);
  return result;
}

export const OUTPUT_FORMATS = ["terminal", "json", "sarif", "junit", "markdown", "github"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface RenderOptions extends TerminalOptions {
  /** The gate's threshold; JUnit fails the test cases of findings at or above it. */
  failOn?: Severity | "never";
  /** `--sarif-category`: kept apart from other uploads to the same repository. */
  sarifCategory?: string;
}

export function render(result: RunResult, format: OutputFormat, options: RenderOptions = { color: false }): string {
  switch (format) {
    case "json":
      return renderJson(result);
    case "sarif":
      return renderSarif(withLineHashes(result), { category: options.sarifCategory });
    case "junit":
      return renderJunit(result, { failOn: options.failOn ?? "error" });
    case "markdown":
      return renderMarkdown(result);
    case "github":
      return renderGithubAnnotations(result);
    case "terminal":
      return renderTerminal(result, options);
  }
}

/** GitHub's line hashes for SARIF; reading the files is the loaders' job, so it happens here, not in the reporter. */
function withLineHashes(result: RunResult): RunResult {
  const wanted = new Map<string, Set<number>>();
  for (const finding of result.findings) {
    if (!finding.path) continue;
    const lines = wanted.get(finding.path) ?? new Set<number>();
    lines.add(finding.range.start.line);
    wanted.set(finding.path, lines);
  }
  const hashes = lineHashes(result.repoRoot, wanted);
  return {
    ...result,
    findings: result.findings.map((f) => {
      const lineHash = hashes.get(f.path)?.get(f.range.start.line);
      return lineHash ? { ...f, lineHash } : f;
    }),
  };
}

export type { Severity };

/** 2 when the scan is incomplete (a rule crashed), 1 when a finding reaches the threshold, else 0. */
export function exitCodeFor(result: RunResult, failOn: Severity | "never"): number {
  if (!result.complete) return 2;
  return result.findings.some((f) => meetsThreshold(f.severity, failOn)) ? 1 : 0;
}

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

/** A mistake in how the tool was called: exit code 2 with a one-line reason. */
export class UsageError extends Error {}
