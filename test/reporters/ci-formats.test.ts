import { describe, expect, it } from "vitest";
import type { RunResult } from "../../src/model/finding.js";
import { renderGithubAnnotations } from "../../src/reporters/github-annotations.js";
import { renderJson } from "../../src/reporters/json.js";
import { renderJunit } from "../../src/reporters/junit.js";
import { renderMarkdown } from "../../src/reporters/markdown.js";
import { readinessScore } from "../../src/reporters/score.js";
import { finding, meta, outcome, range, runResult } from "../helpers/run-results.js";

const PINNED = meta({ id: "docker/base-image-pinned", section: "foundation", title: "Base images are pinned", severity: "warning" });
const SECRET = meta({ id: "secrets/hardcoded-secret", section: "foundation", title: "No hardcoded secrets", severity: "error" });
const PROBES = meta({ id: "k8s/probes-defined", section: "operations", title: "Probes defined", severity: "error" });
const POOL = meta({ id: "db/pool-lifetime-set", section: "dependencies", title: "Pool lifetime", severity: "warning" });
const PROTO = meta({ id: "proto/file-options", section: "architecture", title: "Proto options", severity: "note" });
const PARSE = meta({ id: "readiness/parse-error", section: "foundation", title: "Parse error", severity: "error", tags: ["diagnostic"] });

const RESULT: RunResult = runResult({
  rules: [outcome(PINNED, 1), outcome(SECRET, 1), outcome(PROBES, 0), outcome(POOL, 0, "not-applicable"), outcome(PROTO, 1), outcome(PARSE, 1)],
  findings: [
    finding(PARSE, { path: "deploy/broken.yaml", range: range(3, 1), message: "bad <indentation>" }),
    finding(PINNED, { path: "Dockerfile", range: range(1, 6, 1, 19), message: "Base image `alpine:latest` | moves." }),
    finding(SECRET, { path: "etc/app.yaml", range: range(8, 15, 8, 40), message: 'Key "DB.DataSource" has a password, 100% sure,\nreally.' }),
    finding(PROTO, { path: "api/a.proto", range: range(2, 1, 4, 1), message: "No *go_package* <b>here</b>" }),
  ],
});

describe("readiness score", () => {
  it("counts applicable checklist rules that report nothing above note, per section and overall", () => {
    const score = readinessScore(RESULT);
    // Applicable: pinned (fails), secret (fails), probes (passes), proto (note only: passes). Pool n/a, parse-error is a diagnostic.
    expect(score).toMatchObject({ overall: 50, passed: 2, applicable: 4 });
    expect(score.sections.map((s) => [s.section, s.score])).toEqual([
      ["foundation", 0], ["architecture", 100], ["dependencies", null], ["operations", 100], ["security", null],
    ]);
  });

  it("counts a crashed rule as not passing and has no score without applicable rules", () => {
    expect(readinessScore(runResult({ rules: [outcome(PROBES, 0, "errored")] })).overall).toBe(0);
    expect(readinessScore(runResult({ rules: [outcome(POOL, 0, "not-applicable")] })).overall).toBeNull();
  });
});

describe("JSON summary", () => {
  it("agrees with the score: a rule with only notes passed (and is counted with notes); diagnostics are not counted", () => {
    const json = JSON.parse(renderJson(RESULT)) as { summary: Record<string, number>; rules: { id: string; status: string }[]; score: { passed: number } };
    expect(json.summary).toMatchObject({ rulesPassed: 2, rulesWithNotes: 1, rulesFailed: 2, rulesNotApplicable: 1 });
    expect(json.summary.rulesPassed).toBe(json.score.passed);
    expect(Object.fromEntries(json.rules.map((r) => [r.id, r.status]))).toEqual({
      "docker/base-image-pinned": "failed",
      "secrets/hardcoded-secret": "failed",
      "k8s/probes-defined": "passed",
      "db/pool-lifetime-set": "not-applicable",
      "proto/file-options": "passed",
      "readiness/parse-error": "failed",
    });
  });
});

describe("JUnit XML", () => {
  const xml = renderJunit(RESULT, { failOn: "error" });

  it("is one suite per section and one case per rule, with totals", () => {
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="readiness-check" tests="6" failures="2" errors="0" skipped="1">')).toBe(true);
    expect(xml).toContain('<testsuite name="Foundation" tests="2" failures="1" errors="0" skipped="0">');
    // An unparseable file fails the gate (its severity is error), so it fails its case too.
    expect(xml).toContain('<testsuite name="Could not check" tests="1" failures="1" errors="0" skipped="0">');
    expect(xml).toContain('<testcase classname="readiness.Operations" name="k8s/probes-defined: Probes defined"/>');
    expect(xml).toContain('<skipped message="not applicable');
  });

  it("fails only findings at or above the threshold and escapes scanned text", () => {
    expect(xml).toContain('<failure message="1 finding at or above error" type="error">error etc/app.yaml:8:15 Key "DB.DataSource"');
    expect(xml).toContain("<system-out>warning Dockerfile:1:6 Base image `alpine:latest` | moves.");
    const strict = renderJunit(RESULT, { failOn: "note" });
    expect(strict).toContain('<testsuites name="readiness-check" tests="6" failures="4"');
    expect(renderJunit(RESULT, { failOn: "never" })).toContain('failures="0"');
    expect(xml).toContain("bad &lt;indentation&gt;");
    expect(xml).not.toMatch(/<indentation>|<b>/);
  });

  it("is well-formed: every element closes in order, and no raw control characters survive", () => {
    const nasty = runResult({ rules: [outcome(PINNED, 1)], findings: [finding(PINNED, { path: "a\u0001b", range: range(1, 1), message: "x\u0007\"<&>'" })] });
    const out = renderJunit(nasty, { failOn: "warning" });
    // eslint-disable-next-line no-control-regex
    expect(out).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
    for (const doc of [xml, out]) expect(wellFormed(doc)).toBe(true);
  });
});

describe("Markdown summary", () => {
  const md = renderMarkdown(RESULT);

  it("leads with the score and a table per section", () => {
    expect(md.split("\n").slice(0, 4)).toEqual([
      "## readiness-check: 50% ready",
      "",
      "2 errors · 1 warning · 1 note · 2 of 4 applicable checklist rules pass",
      "",
    ]);
    expect(md).toContain("| Foundation | 0% | 0 / 2 |");
    expect(md).toContain("| Dependencies | n/a | — |");
  });

  it("keeps our code spans, escapes everything from scanned files, and never breaks a table row", () => {
    expect(md).toContain("Base image `alpine:latest` \\| moves.");
    expect(md).toContain("No \\*go\\_package\\* &lt;b&gt;here&lt;/b&gt;");
    expect(md).toContain("bad &lt;indentation&gt;");
    for (const row of md.split("\n").filter((l) => l.startsWith("| "))) expect(row.endsWith(" |")).toBe(true);
    expect(md).toContain("100% sure, really.");
  });

  it("opens the sections that hold errors and lists at most 100 findings", () => {
    expect(md).toContain("<details open><summary><b>Foundation</b> (2)</summary>");
    expect(md).toContain("<details><summary><b>Architecture</b> (1)</summary>");
    const many = runResult({
      rules: [outcome(PINNED, 150)],
      findings: Array.from({ length: 150 }, (_, i) => finding(PINNED, { path: `d${i}/Dockerfile`, range: range(1, 1), message: "m" })),
    });
    const out = renderMarkdown(many);
    expect(out.split("\n").filter((l) => l.startsWith("| 🟠"))).toHaveLength(100);
    expect(out).toContain("…and 50 more in this section.");
    expect(out.length).toBeLessThan(65_536);
  });
});

describe("GitHub workflow annotations", () => {
  const lines = renderGithubAnnotations(RESULT).trimEnd().split("\n");

  it("writes one command per finding with the level GitHub knows", () => {
    expect(lines).toHaveLength(4);
    expect(lines[1]).toBe("::warning file=Dockerfile,line=1,col=6,endColumn=19,title=readiness-check docker/base-image-pinned::Base image `alpine:latest` | moves.%0AFix: Fix what docker/base-image-pinned reports.");
    expect(lines[3]!.startsWith("::notice file=api/a.proto,line=2,endLine=4,title=readiness-check proto/file-options::")).toBe(true);
  });

  it("escapes data and properties as the runner expects", () => {
    expect(lines[2]).toContain("::Key \"DB.DataSource\" has a password, 100%25 sure,%0Areally.");
    const odd = renderGithubAnnotations(runResult({ findings: [finding(PINNED, { path: "a,b:c.yaml", range: range(1, 1), message: "m" })] }));
    expect(odd).toContain("file=a%2Cb%3Ac.yaml,");
  });
});

/** A small XML well-formedness check: tags nest and close in order, attributes are quoted. */
function wellFormed(xml: string): boolean {
  const body = xml.replace(/^<\?xml[^>]*\?>\n/, "");
  const stack: string[] = [];
  for (const match of body.matchAll(/<(\/?)([A-Za-z-]+)((?:\s+[a-z-]+="[^"<]*")*)\s*(\/?)>|<|>/g)) {
    if (match[0] === "<" || match[0] === ">") return false;
    const [, closing, name, , selfClosing] = match;
    if (selfClosing) continue;
    if (closing) {
      if (stack.pop() !== name) return false;
    } else stack.push(name!);
  }
  return stack.length === 0;
}
