/**
 * JUnit XML for CI test tabs (GitLab, Jenkins, Azure Pipelines, CircleCI): the checklist as a test suite.
 * One <testsuite> per checklist section, one <testcase> per rule. A rule with findings at or above the gate's
 * threshold is a <failure> listing them; findings below it are printed in <system-out> of a passing case; a
 * rule that does not apply is <skipped>; a crashed rule is an <error>. Tools draw one row per rule, so the tab
 * reads like the checklist itself.
 */
import { SEVERITIES, type Finding, type RuleOutcome, type RunResult, type Severity } from "../model/finding.js";
import { SECTIONS, SECTION_TITLES } from "../model/rule.js";

export interface JunitOptions {
  /** The gate's threshold (`--fail-on`): findings at or above it fail their test case. */
  failOn: Severity | "never";
}

export function renderJunit(result: RunResult, options: JunitOptions): string {
  const fails = (severity: Severity) => options.failOn !== "never" && SEVERITIES.indexOf(severity) <= SEVERITIES.indexOf(options.failOn);
  const findingsOf = new Map<string, Finding[]>();
  for (const finding of result.findings) {
    const list = findingsOf.get(finding.ruleId) ?? [];
    list.push(finding);
    findingsOf.set(finding.ruleId, list);
  }

  const suites: string[] = [];
  let totals = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  const groups: { name: string; rules: RuleOutcome[] }[] = SECTIONS.map((section) => ({
    name: SECTION_TITLES[section],
    rules: result.rules.filter((r) => r.meta.section === section && !r.meta.tags.includes("diagnostic")),
  }));
  // The engine's own diagnostics (unparseable files, crashes) form a last suite, so they are not lost.
  groups.push({ name: "Could not check", rules: result.rules.filter((r) => r.meta.tags.includes("diagnostic")) });

  for (const group of groups) {
    if (group.rules.length === 0) continue;
    const cases: string[] = [];
    const counts = { tests: 0, failures: 0, errors: 0, skipped: 0 };
    for (const rule of group.rules) {
      counts.tests++;
      const findings = findingsOf.get(rule.meta.id) ?? [];
      const failing = findings.filter((f) => fails(f.severity));
      const open = `    <testcase classname="${attr(`readiness.${group.name}`)}" name="${attr(`${rule.meta.id}: ${rule.meta.title}`)}">`;
      if (rule.status === "errored") {
        counts.errors++;
        cases.push(open, `      <error message="${attr(`Rule ${rule.meta.id} crashed; its results are incomplete.`)}"/>`, "    </testcase>");
      } else if (rule.status === "not-applicable") {
        counts.skipped++;
        cases.push(open, `      <skipped message="not applicable: nothing in this repository for this rule to check"/>`, "    </testcase>");
      } else if (failing.length > 0) {
        counts.failures++;
        const summary = `${failing.length} finding${failing.length === 1 ? "" : "s"} at or above ${options.failOn}`;
        cases.push(open, `      <failure message="${attr(summary)}" type="${attr(worst(failing))}">${text(findings.map(line).join("\n"))}</failure>`, "    </testcase>");
      } else if (findings.length > 0) {
        cases.push(open, `      <system-out>${text(findings.map(line).join("\n"))}</system-out>`, "    </testcase>");
      } else {
        cases.push(open.replace(/>$/, "/>"));
      }
    }
    totals = { tests: totals.tests + counts.tests, failures: totals.failures + counts.failures, errors: totals.errors + counts.errors, skipped: totals.skipped + counts.skipped };
    suites.push(
      `  <testsuite name="${attr(group.name)}" tests="${counts.tests}" failures="${counts.failures}" errors="${counts.errors}" skipped="${counts.skipped}">`,
      ...cases,
      "  </testsuite>",
    );
  }
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="${attr(result.tool.name)}" tests="${totals.tests}" failures="${totals.failures}" errors="${totals.errors}" skipped="${totals.skipped}">`,
    ...suites,
    "</testsuites>",
    "",
  ].join("\n");
}

function line(finding: Finding): string {
  const where = finding.path ? `${finding.path}:${finding.range.start.line}:${finding.range.start.column}` : "(repository)";
  return `${finding.severity} ${where} ${finding.message} Fix: ${finding.fix}`;
}

function worst(findings: Finding[]): Severity {
  return SEVERITIES.find((s) => findings.some((f) => f.severity === s)) ?? "note";
}

/** XML 1.0 cannot carry most control characters at all, escaped or not: they are replaced. */
function xmlSafe(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, "\ufffd").replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\ufffd");
}

function text(value: string): string {
  return xmlSafe(value).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function attr(value: string): string {
  return text(value).replace(/"/g, "&quot;").replace(/\n/g, "&#10;").replace(/\r/g, "&#13;").replace(/\t/g, "&#9;");
}
