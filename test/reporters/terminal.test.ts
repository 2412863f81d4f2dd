import { describe, expect, it } from "vitest";
import type { RunResult } from "../../src/model/finding.js";
import { printable, renderTerminal } from "../../src/reporters/terminal.js";

const at = { start: { line: 3, column: 5 }, end: { line: 3, column: 9 } };
const meta = {
  id: "k8s/probes-defined", section: "operations" as const, title: "Probes", severity: "error" as const,
  rationale: "r", remediation: "fix", inputs: ["kubernetes" as const], tags: ["kubernetes"], precision: "high" as const, docsUrl: "u",
};

function result(message: string, path = "deploy/app.yaml"): RunResult {
  return {
    tool: { name: "readiness-check", version: "1.2.3", informationUri: "u" },
    repoRoot: "/repo",
    scanPrefix: "",
    findings: [{ ruleId: meta.id, section: "operations", severity: "error", message, fix: "Add a probe.", path, range: at, related: [] }],
    rules: [{ meta, status: "failed", findings: 1 }],
    stats: { filesByKind: { yaml: 1 }, skipped: [], durationMs: 1234 },
    complete: true,
  };
}

describe("terminal reporter", () => {
  it("groups by section and shows location, rule, why and fix", () => {
    const text = renderTerminal(result('Container "api" has no livenessProbe.'), { color: false });
    expect(text).toContain("Operations (1 finding)");
    expect(text).toContain("  error   deploy/app.yaml:3:5  k8s/probes-defined\n    Container \"api\" has no livenessProbe.\n    fix: Add a probe.");
    expect(text).toContain("Findings: 1 error, 0 warnings, 0 notes");
    expect(text).toContain("Time:     1.23 s");
    expect(text).toContain("Rules:    0 passed, 1 failed, 0 not applicable");
    expect(text).toContain("Score:    0% ready (0 of 1 applicable checklist rules pass");
  });

  it("counts a rule with notes only as passed, in the rule counts and the score alike", () => {
    const noted = result("Probe port could not be verified.");
    noted.findings = noted.findings.map((f) => ({ ...f, severity: "note" }));
    const text = renderTerminal(noted, { color: false });
    expect(text).toContain("Rules:    1 passed (1 with notes), 0 failed, 0 not applicable");
    expect(text).toContain("Operations    1 passed (1 with notes), 0 failed, 0 n/a · 100%");
    expect(text).toContain("Score:    100% ready");
  });

  it("escapes control characters from the scanned files, so a name cannot rewrite the screen", () => {
    const hostile = 'Container "\u001b[2J\u001b[H\u001b[32mAll checks passed\u001b[0m" has no livenessProbe.';
    const text = renderTerminal(result(hostile, "deploy/\u001b[8mx.yaml"), { color: false });
    expect(text).not.toContain("\u001b");
    expect(text).toContain("\\u001b[2J");
    expect(printable("a\nb\u0007")).toBe("a\\u000ab\\u0007");
  });

  it("uses colour only when asked", () => {
    expect(renderTerminal(result("m"), { color: true })).toContain("\u001b[");
    expect(renderTerminal(result("m"), { color: false })).not.toContain("\u001b[");
  });
});
