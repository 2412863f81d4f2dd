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

export const BUILTIN_RULES: readonly RuleMeta[] = [PARSE_ERROR, NOT_RENDERED, RULE_ERROR];
