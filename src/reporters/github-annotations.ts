/**
 * GitHub Actions workflow commands (`::error file=...,line=...::message`): each finding becomes an
 * annotation on the pull request's diff, without code scanning. Escaping follows the runner's rules
 * (actions/toolkit `command.ts`): data escapes %, CR and LF; properties also escape ':' and ','.
 * GitHub shows at most 10 annotations of each level per step and 50 per job; the rest stay in the log.
 */
import type { Finding, RunResult, Severity } from "../model/finding.js";

const COMMAND: Record<Severity, string> = { error: "error", warning: "warning", note: "notice" };

export function renderGithubAnnotations(result: RunResult): string {
  return result.findings.map(annotation).join("");
}

function annotation(finding: Finding): string {
  const properties: string[] = [];
  if (finding.path) {
    const { start, end } = finding.range;
    properties.push(`file=${property(finding.path)}`, `line=${start.line}`);
    // A column range only makes sense on one line; GitHub ignores columns across lines.
    if (end.line === start.line && end.column > start.column) properties.push(`col=${start.column}`, `endColumn=${end.column}`);
    else if (end.line > start.line) properties.push(`endLine=${end.line}`);
    else properties.push(`col=${start.column}`);
  }
  properties.push(`title=${property(`readiness-check ${finding.ruleId}`)}`);
  return `::${COMMAND[finding.severity]} ${properties.join(",")}::${data(`${finding.message}\nFix: ${finding.fix}`)}\n`;
}

function data(value: string): string {
  return value.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

function property(value: string): string {
  return data(value).replace(/:/g, "%3A").replace(/,/g, "%2C");
}
