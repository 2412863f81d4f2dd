/**
 * A Markdown summary for pull-request comments and `$GITHUB_STEP_SUMMARY`: the verdict and the score per
 * checklist section first, then the findings grouped by section in collapsed blocks. Kept well under
 * GitHub's comment limit (65,536 characters) by listing at most MAX_ROWS findings.
 */
import { SEVERITIES, type Finding, type RunResult, type Severity } from "../model/finding.js";
import { SECTIONS, SECTION_TITLES } from "../model/rule.js";
import { readinessScore } from "./score.js";

const MAX_ROWS = 100;
const SEVERITY_ICON: Record<Severity, string> = { error: "🔴 error", warning: "🟠 warning", note: "🔵 note" };

export function renderMarkdown(result: RunResult): string {
  const count = (s: Severity) => result.findings.filter((f) => f.severity === s).length;
  const score = readinessScore(result);
  const lines: string[] = [];
  const scoreText = score.overall === null ? "no applicable rules" : `${score.overall}% ready`;
  lines.push(
    `## readiness-check: ${scoreText}`,
    "",
    `${plural(count("error"), "error")} · ${plural(count("warning"), "warning")} · ${plural(count("note"), "note")}` +
      ` · ${score.passed} of ${score.applicable} applicable checklist rules pass` +
      (result.complete ? "" : " · ⚠️ **incomplete: a rule crashed**"),
    "",
    "| section | score | rules passing |",
    "|---|---|---|",
  );
  for (const s of score.sections) {
    lines.push(`| ${s.title} | ${s.score === null ? "n/a" : `${s.score}%`} | ${s.applicable === 0 ? "—" : `${s.passed} / ${s.applicable}`} |`);
  }
  lines.push("");

  if (result.findings.length === 0) {
    lines.push("No findings. ✅", "");
    return lines.join("\n");
  }
  const docs = new Map(result.rules.map((r) => [r.meta.id, r.meta.docsUrl]));
  const diagnosticIds = new Set(result.rules.filter((r) => r.meta.tags.includes("diagnostic")).map((r) => r.meta.id));
  const groups: { title: string; findings: Finding[] }[] = [];
  const diagnostics = result.findings.filter((f) => diagnosticIds.has(f.ruleId));
  if (diagnostics.length > 0) groups.push({ title: "Could not check", findings: diagnostics });
  for (const section of SECTIONS) {
    const findings = result.findings.filter((f) => f.section === section && !diagnosticIds.has(f.ruleId));
    if (findings.length > 0) groups.push({ title: SECTION_TITLES[section], findings });
  }

  let budget = MAX_ROWS;
  for (const group of groups) {
    if (budget <= 0) break;
    // Errors first inside a group, so a truncated list still shows what fails the gate.
    const ordered = SEVERITIES.flatMap((s) => group.findings.filter((f) => f.severity === s));
    const shown = ordered.slice(0, budget);
    budget -= shown.length;
    const open = group.findings.some((f) => f.severity === "error") ? " open" : "";
    lines.push(`<details${open}><summary><b>${cell(group.title)}</b> (${group.findings.length})</summary>`, "");
    lines.push("| severity | location | rule | finding |", "|---|---|---|---|");
    for (const f of shown) {
      const where = f.path ? `\`${code(`${f.path}:${f.range.start.line}`)}\`` : "(repository)";
      const url = docs.get(f.ruleId);
      const rule = url ? `[${cell(f.ruleId)}](${url})` : cell(f.ruleId);
      lines.push(`| ${SEVERITY_ICON[f.severity]} | ${where} | ${rule} | ${cell(f.message)}<br>**Fix:** ${cell(f.fix)} |`);
    }
    if (shown.length < group.findings.length) lines.push("", `…and ${group.findings.length - shown.length} more in this section.`);
    lines.push("", "</details>", "");
  }
  const hidden = result.findings.length - (MAX_ROWS - Math.max(budget, 0));
  if (hidden > 0) lines.push(`${hidden} findings are not listed here; run \`readiness-check\` locally or see the SARIF upload for all of them.`, "");
  return lines.join("\n");
}

/**
 * Text in a table cell: no line breaks, no pipes, and no HTML or Markdown from the scanned files. Our
 * messages quote code in backticks; those spans are kept (GitHub shows their content literally, and
 * entities inside them would show as "&lt;"), everything outside them is escaped.
 */
function cell(value: string): string {
  const parts = value.replace(/[\r\n]+/g, " ").split("`");
  // An odd number of parts means balanced backticks; otherwise the last one is unpaired and escaped.
  const balanced = parts.length % 2 === 1;
  return parts
    .map((part, i) => {
      const isCode = i % 2 === 1 && (balanced || i < parts.length - 1);
      if (isCode) return `\`${part.replace(/\|/g, "\\|")}\``;
      const text = part.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/([\\*_[\]|#~])/g, "\\$1");
      return i > 0 && !balanced && i === parts.length - 1 ? `\\\`${text}` : text;
    })
    .join("");
}

/** Inside a code span only backticks and pipes matter. */
function code(value: string): string {
  return value.replace(/[\r\n]+/g, " ").replace(/`/g, "'").replace(/\|/g, "\\|");
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
