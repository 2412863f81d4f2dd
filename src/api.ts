import path from "node:path";
import { allRules } from "../rules/index.js";
import { lookUpScan, writeEntry, type CacheLookup } from "./cache.js";
import { allRuleMetas, createRegistry } from "./engine/registry.js";
import { runRules } from "./engine/run.js";
import { toPosix } from "./loaders/discovery.js";
import { LazyRepository } from "./loaders/repository.js";
import type { RunResult, Severity } from "./model/finding.js";
import { SECTIONS, type RuleMeta } from "./model/rule.js";
import type { Rule } from "./rule-kit/define-rule.js";
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
  /** Rule options by rule id (from the configuration file once there is one). */
  ruleOptions?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /**
   * The result cache (src/cache.ts): off unless set. `true` keeps it in `node_modules/.cache/readiness-check`
   * under the working directory; `{ location }` puts it elsewhere.
   */
  cache?: boolean | { location?: string };
  /** The result of `lookUpScan` for these options when the caller already looked (a miss): not done twice. */
  lookup?: { lookup: CacheLookup };
}

export function registeredRules(): Rule[] {
  return createRegistry(allRules);
}

export function ruleMetas(): RuleMeta[] {
  return registeredRules().map((r) => r.meta);
}

export async function scan(options: ScanOptions): Promise<RunResult> {
  let rules = registeredRules();
  if (options.only) {
    const unknown = options.only.filter((id) => !rules.some((r) => r.meta.id === id));
    if (unknown.length > 0) throw new UsageError(`unknown rule id: ${unknown.join(", ")} (\`readiness-check rules\` lists them)`);
    rules = rules.filter((r) => options.only!.includes(r.meta.id));
  }
  // The CLI looks the scan up before loading the rules (a hit then needs no parser); a library call does it here.
  const prepared: { hit?: RunResult; lookup: CacheLookup } = options.lookup ?? (await lookUpScan(options));
  if (prepared.hit) return prepared.hit;
  const { discovery, discoveryMs } = prepared.lookup;
  const cache = prepared.lookup.entry;

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
      durationMs: Math.round(performance.now() - prepared.lookup.started),
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

