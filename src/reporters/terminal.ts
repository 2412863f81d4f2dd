import { Chalk, type ChalkInstance } from "chalk";
import type { Finding, RuleOutcome, RunResult, Severity } from "../model/finding.js";
import { SECTIONS, SECTION_TITLES, type Section } from "../model/rule.js";
import { readinessScore } from "./score.js";

export interface TerminalOptions {
  color: boolean;
}

/** The engine's findings about suppressions and the baseline (src/engine/builtin-rules.ts). */
const BOOKKEEPING = new Set(["readiness/invalid-suppression", "readiness/unused-suppression", "readiness/baseline-stale"]);

const SEVERITY_LABEL: Record<Severity, string> = { error: "error", warning: "warning", note: "note" };

/** The human report: findings grouped by checklist section, each with location, why and fix; then a summary. */
export function renderTerminal(result: RunResult, options: TerminalOptions): string {
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const lines: string[] = [];
  const where = result.scanPrefix ? `${result.repoRoot}/${result.scanPrefix}` : result.repoRoot;
  lines.push(c.bold(`readiness-check ${result.tool.version}`) + c.dim(` · ${printable(where)}`), "");

  const diagnosticIds = new Set(result.rules.filter((r) => r.meta.tags.includes("diagnostic")).map((r) => r.meta.id));
  const groups: { title: string; findings: Finding[] }[] = [];
  // Suppression and baseline bookkeeping is not a file that could not be checked: it gets its own group.
  const bookkeeping = (f: Finding) => BOOKKEEPING.has(f.ruleId);
  const diagnostics = result.findings.filter((f) => diagnosticIds.has(f.ruleId) && !bookkeeping(f));
  if (diagnostics.length > 0) groups.push({ title: "Could not check", findings: diagnostics });
  const suppressions = result.findings.filter(bookkeeping);
  if (suppressions.length > 0) groups.push({ title: "Suppressions and baseline", findings: suppressions });
  for (const section of SECTIONS) {
    const findings = result.findings.filter((f) => f.section === section && !diagnosticIds.has(f.ruleId));
    if (findings.length > 0) groups.push({ title: SECTION_TITLES[section], findings });
  }

  for (const group of groups) {
    lines.push(c.bold.underline(group.title) + c.dim(` (${plural(group.findings.length, "finding")})`));
    for (const finding of group.findings) lines.push(...renderFinding(finding, c), "");
  }
  if (result.findings.length === 0) lines.push(c.green("No findings."), "");

  lines.push(...renderSummary(result, c));
  return lines.join("\n") + "\n";
}

function renderFinding(finding: Finding, c: ChalkInstance): string[] {
  const location = finding.path ? `${printable(finding.path)}:${finding.range.start.line}:${finding.range.start.column}` : "(repository)";
  const out = [
    `  ${severityBadge(finding.severity, c)} ${c.bold(location)}  ${c.dim(finding.ruleId)}`,
    `    ${printable(finding.message)}`,
  ];
  for (const related of finding.related) {
    out.push(c.dim(`    see ${printable(related.path)}:${related.range.start.line}:${related.range.start.column}: ${printable(related.message)}`));
  }
  out.push(`    ${c.cyan("fix:")} ${printable(finding.fix)}`);
  return out;
}

/**
 * Text from the scanned repository (file names, names inside manifests, quoted input) may carry
 * control characters: shown escaped, so a file cannot clear the screen or forge a "passed" line.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function severityBadge(severity: Severity, c: ChalkInstance): string {
  const label = SEVERITY_LABEL[severity].padEnd(7);
  return severity === "error" ? c.red(label) : severity === "warning" ? c.yellow(label) : c.blue(label);
}

function renderSummary(result: RunResult, c: ChalkInstance): string[] {
  const count = (s: Severity) => result.findings.filter((f) => f.severity === s).length;
  // The engine's own readiness/* rules are not checklist rules: they are counted as findings only.
  const checklist = result.rules.filter((r) => !r.meta.tags.includes("diagnostic"));
  const status = (s: RuleOutcome["status"]) => checklist.filter((r) => r.status === s);
  const notApplicable = status("not-applicable");
  const errored = status("errored");
  const lines = [c.bold("Summary")];
  lines.push(
    `  Findings: ${c.red(plural(count("error"), "error"))}, ${c.yellow(plural(count("warning"), "warning"))}, ${c.blue(plural(count("note"), "note"))}`,
  );
  const suppressed = result.suppressed ?? [];
  if (suppressed.length > 0) {
    const byKind = new Map<string, number>();
    for (const f of suppressed) {
      const kind = f.suppression.kind === "baseline" ? "baseline" : f.suppression.kind === "annotation" ? "annotation" : "inline";
      byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
    }
    lines.push(`  Suppressed: ${suppressed.length} (${[...byKind].map(([k, n]) => `${n} ${k}`).join(", ")}; listed with reasons in --format json)`);
  }
  // A rule with notes only ("cannot verify", advice) passes: the same rule the score uses.
  const failing = new Set(result.findings.filter((f) => f.severity !== "note").map((f) => f.ruleId));
  lines.push(`  Rules:    ${sectionLine(checklist, failing).replace(" n/a", " not applicable")}${errored.length ? `, ${c.red(`${errored.length} crashed`)}` : ""}`);
  const score = readinessScore(result);
  for (const section of SECTIONS) {
    const rules = checklist.filter((r) => r.meta.section === section);
    const sectionScore = score.sections.find((s) => s.section === section)!.score;
    const shown = sectionScore === null ? "" : ` · ${sectionScore}%`;
    if (rules.length > 0) lines.push(c.dim(`    ${SECTION_TITLES[section as Section].padEnd(13)} ${sectionLine(rules, failing)}${shown}`));
  }
  if (score.overall !== null) {
    lines.push(`  Score:    ${c.bold(`${score.overall}%`)} ready (${score.passed} of ${score.applicable} applicable checklist rules pass; notes do not count against it)`);
  }
  if (notApplicable.length > 0) {
    lines.push(c.dim(`  Not applicable (nothing to check): ${notApplicable.map((r) => r.meta.id).join(", ")}`));
  }
  const kinds = Object.entries(result.stats.filesByKind).sort(([a], [b]) => (a < b ? -1 : 1));
  const total = kinds.reduce((sum, [, n]) => sum + n, 0);
  lines.push(`  Files:    ${total} scanned${kinds.length ? ` (${kinds.map(([k, n]) => `${n} ${k}`).join(", ")})` : ""}`);
  if (result.stats.skipped.length > 0) {
    const shown = result.stats.skipped.slice(0, 5).map((s) => `${printable(s.path)}: ${s.reason}`);
    const more = result.stats.skipped.length - shown.length;
    lines.push(`  Skipped:  ${plural(result.stats.skipped.length, "file")} (${shown.join("; ")}${more > 0 ? `; and ${more} more` : ""})`);
  }
  lines.push(`  Time:     ${(result.stats.durationMs / 1000).toFixed(2)} s`);
  if (!result.complete) lines.push(c.red("  Incomplete: a rule crashed; see the findings of readiness/rule-error."));
  return lines;
}

function sectionLine(rules: RuleOutcome[], failing: ReadonlySet<string>): string {
  const applicable = rules.filter((r) => r.status !== "not-applicable" && r.status !== "errored");
  const failed = applicable.filter((r) => failing.has(r.meta.id)).length;
  const passed = applicable.length - failed;
  const withNotes = applicable.filter((r) => r.status === "failed" && !failing.has(r.meta.id)).length;
  const na = rules.filter((r) => r.status === "not-applicable").length;
  return `${passed} passed${withNotes ? ` (${withNotes} with notes)` : ""}, ${failed} failed, ${na} n/a`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
