import type { RuleMeta } from "../model/rule.js";
import { DOCS_BASE_URL } from "../rule-kit/define-rule.js";

/** Findings the engine itself raises. They appear in `rules` listings and SARIF like any rule. */
function builtin(meta: Omit<RuleMeta, "docsUrl" | "inputs" | "section" | "precision">): RuleMeta {
  return { ...meta, section: "foundation", inputs: [], precision: "very-high", docsUrl: `${DOCS_BASE_URL}${meta.id}.md` };
}

export const PARSE_ERROR = builtin({
  id: "readiness/parse-error",
  title: "File could not be parsed",
  severity: "error",
  rationale:
    "A file that does not parse is rejected by the tool that consumes it (docker build, kubectl apply, protoc) or silently ignored; nothing in it could be checked.",
  remediation: "Fix the syntax error at the reported position.",
  tags: ["diagnostic"],
});

export const NOT_RENDERED = builtin({
  id: "readiness/not-rendered",
  title: "Template is not YAML until rendered",
  severity: "note",
  rationale:
    "Helm and other templates are only valid YAML after rendering, so their Kubernetes objects cannot be checked as written.",
  remediation: "Render the chart (`helm template`) and scan the output, or keep the raw manifests beside the chart.",
  tags: ["diagnostic"],
});

export const RULE_ERROR = builtin({
  id: "readiness/rule-error",
  title: "A rule crashed",
  severity: "error",
  rationale: "A rule failed with an internal error, so part of the repository was not checked and the result is incomplete.",
  remediation: "Report the error with the file that triggered it; the rest of the scan still ran.",
  tags: ["diagnostic"],
});

export const UNUSED_SUPPRESSION = builtin({
  id: "readiness/unused-suppression",
  title: "Suppression that suppresses nothing",
  severity: "warning",
  rationale:
    "A disable comment or ignore annotation left behind after its problem was fixed hides the next real problem of that rule on that line or in that file.",
  remediation: "Delete the suppression, or correct the rule id it names.",
  docs: [
    "Reported for an inline comment (`readiness-check-disable-next-line`, `readiness-check-disable-file`) or a",
    "Kubernetes annotation (`readiness-check.io/ignore`) that named a rule which ran and reported nothing there.",
    "A suppression of a rule that did not run (filtered with `--rule`, turned off in the configuration, or not",
    "applicable) is not reported: nothing is known about it.",
  ].join("\n"),
  tags: ["diagnostic"],
});

export const INVALID_SUPPRESSION = builtin({
  id: "readiness/invalid-suppression",
  title: "Suppression without a reason or with an unknown rule",
  severity: "warning",
  rationale:
    "A suppression must say why the finding does not apply (`-- reason`), so a reviewer and an auditor can judge it; one without a reason, or naming no known rule, suppresses nothing.",
  remediation: "Write the suppression as `readiness-check-disable-next-line <rule-id> -- <reason>`.",
  docs: [
    "```dockerfile",
    "# readiness-check-disable-next-line docker/base-image-pinned            <- reported: no reason, suppresses nothing",
    "# readiness-check-disable-next-line docker/base-image-pinned -- built from our own golden image, pinned by digest in CI",
    "FROM golang:latest",
    "```",
  ].join("\n"),
  tags: ["diagnostic"],
});

export const BASELINE_STALE = builtin({
  id: "readiness/baseline-stale",
  title: "Baseline allows more findings than remain",
  severity: "note",
  rationale:
    "A baseline entry for findings that were fixed would let the same number of new findings of that rule in that file pass unnoticed.",
  remediation: "Run with `--update-baseline` to shrink the baseline file, and commit it.",
  tags: ["diagnostic"],
});

export const BUILTIN_RULES: readonly RuleMeta[] = [PARSE_ERROR, NOT_RENDERED, RULE_ERROR, UNUSED_SUPPRESSION, INVALID_SUPPRESSION, BASELINE_STALE];
