/** Rendering a result in each output format, and the exit code: no rules or parsers needed (api.ts re-exports these). */
import { meetsThreshold } from "./engine/run.js";
import { lineHashes } from "./loaders/line-hash.js";
import type { RunResult, Severity } from "./model/finding.js";
import { renderGithubAnnotations } from "./reporters/github-annotations.js";
import { renderJson } from "./reporters/json.js";
import { renderJunit } from "./reporters/junit.js";
import { renderMarkdown } from "./reporters/markdown.js";
import { renderSarif } from "./reporters/sarif.js";
import { renderTerminal, type TerminalOptions } from "./reporters/terminal.js";

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

/** 2 when the scan is incomplete (a rule crashed), 1 when a finding reaches the threshold, else 0. */
export function exitCodeFor(result: RunResult, failOn: Severity | "never"): number {
  if (!result.complete) return 2;
  return result.findings.some((f) => meetsThreshold(f.severity, failOn)) ? 1 : 0;
}
