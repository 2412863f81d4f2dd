/** Builders for literal run results, shared by the reporter tests. */
import type { Finding, RuleOutcome, RunResult } from "../../src/model/finding.js";
import type { Range } from "../../src/model/location.js";
import type { RuleMeta } from "../../src/model/rule.js";

export const DOCS = "https://github.com/readiness-check/readiness-check/blob/main/docs/rules/";

export function meta(partial: Partial<RuleMeta> & Pick<RuleMeta, "id" | "section" | "title" | "severity">): RuleMeta {
  return {
    rationale: `Why ${partial.id} matters in production.`,
    remediation: `Fix what ${partial.id} reports.`,
    inputs: [],
    tags: [],
    precision: "high",
    docsUrl: `${DOCS}${partial.id}.md`,
    ...partial,
  };
}

export function range(line: number, column: number, endLine = line, endColumn = column + 1): Range {
  return { start: { line, column }, end: { line: endLine, column: endColumn } };
}

export function finding(rule: RuleMeta, partial: Partial<Finding> & Pick<Finding, "path" | "range" | "message">): Finding {
  return { ruleId: rule.id, section: rule.section, severity: rule.severity, fix: rule.remediation, related: [], ...partial };
}

export function outcome(rule: RuleMeta, findings: number, status: RuleOutcome["status"] = findings > 0 ? "failed" : "passed"): RuleOutcome {
  return { meta: rule, status, findings };
}

export function runResult(partial: Partial<RunResult>): RunResult {
  return {
    tool: { name: "readiness-check", version: "0.1.0", informationUri: "https://github.com/readiness-check/readiness-check" },
    repoRoot: "/home/alice/src/shop",
    scanPrefix: "",
    findings: [],
    rules: [],
    stats: { filesByKind: {}, skipped: [], durationMs: 12 },
    complete: true,
    ...partial,
  };
}

