import type { RunResult, Severity } from "../model/finding.js";
import { readinessScore } from "./score.js";

/** Bumped whenever a field is renamed or removed; adding a field keeps the version. */
export const JSON_SCHEMA_VERSION = 1;

/**
 * The documented JSON shape (README "JSON output"). Timing is left out on purpose so that two runs
 * over the same tree produce byte-identical output.
 */
export function renderJson(result: RunResult): string {
  const count = (severity: Severity) => result.findings.filter((f) => f.severity === severity).length;
  // Summary counts are of checklist rules; the engine's readiness/* rules are listed but not counted.
  const checklist = result.rules.filter((r) => !r.meta.tags.includes("diagnostic"));
  // As in the terminal and the score: a rule fails on a warning or an error; notes are advice, so a rule
  // with only notes has passed (rulesWithNotes counts those).
  const failing = new Set(result.findings.filter((f) => f.severity !== "note").map((f) => f.ruleId));
  const statusOf = (r: (typeof result.rules)[number]) =>
    r.status === "failed" && !r.meta.tags.includes("diagnostic") && !failing.has(r.meta.id) ? "passed" : r.status;
  const output = {
    schemaVersion: JSON_SCHEMA_VERSION,
    tool: { name: result.tool.name, version: result.tool.version },
    repoRoot: result.repoRoot,
    scanPrefix: result.scanPrefix,
    complete: result.complete,
    summary: {
      errors: count("error"),
      warnings: count("warning"),
      notes: count("note"),
      rulesPassed: checklist.filter((r) => statusOf(r) === "passed").length,
      rulesWithNotes: checklist.filter((r) => statusOf(r) === "passed" && r.findings > 0).length,
      rulesFailed: checklist.filter((r) => statusOf(r) === "failed").length,
      rulesNotApplicable: checklist.filter((r) => r.status === "not-applicable").length,
      rulesErrored: checklist.filter((r) => r.status === "errored").length,
      suppressed: (result.suppressed ?? []).length,
    },
    score: readinessScore(result),
    rules: result.rules.map((r) => ({
      id: r.meta.id,
      section: r.meta.section,
      title: r.meta.title,
      severity: r.meta.severity,
      status: statusOf(r),
      findings: r.findings,
      docsUrl: r.meta.docsUrl,
    })),
    findings: result.findings.map((f) => ({
      ruleId: f.ruleId,
      section: f.section,
      severity: f.severity,
      message: f.message,
      fix: f.fix,
      path: f.path,
      line: f.range.start.line,
      column: f.range.start.column,
      endLine: f.range.end.line,
      endColumn: f.range.end.column,
      related: f.related.map((r) => ({
        path: r.path,
        line: r.range.start.line,
        column: r.range.start.column,
        message: r.message,
      })),
    })),
    // Held back by an inline suppression, an annotation or the baseline: never failures, listed with the reason.
    suppressed: (result.suppressed ?? []).map((f) => ({
      ruleId: f.ruleId,
      severity: f.severity,
      message: f.message,
      path: f.path,
      line: f.range.start.line,
      column: f.range.start.column,
      suppression: f.suppression,
    })),
    files: { byKind: sortKeys(result.stats.filesByKind), skipped: result.stats.skipped },
  };
  return JSON.stringify(output, null, 2) + "\n";
}

function sortKeys(record: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1)));
}
