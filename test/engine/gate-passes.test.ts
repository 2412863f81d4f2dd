import { describe, expect, it } from "vitest";
import { applyBaseline, parseBaseline, renderBaseline, updatedBaseline } from "../../src/engine/baseline.js";
import { applySuppressions, commentDirectives } from "../../src/engine/suppress.js";
import type { Finding } from "../../src/model/finding.js";

const finding = (path: string, ruleId: string, line: number): Finding => ({
  ruleId, section: "foundation", severity: "warning", message: "m", fix: "f", path,
  range: { start: { line, column: 1 }, end: { line, column: 2 } }, related: [],
});
const tool = { name: "readiness-check", version: "9.9.9" };
const known = new Set(["a/one", "a/two"]);
const comment = (text: string, line: number, endLine = line) => ({ text, line, column: 1, endLine });

describe("suppression directives", () => {
  it("parse ids (comma or space separated) and the reason after --; a block comment covers the line after its end", () => {
    const { directives, invalid } = commentDirectives("f.ts", [
      comment(" readiness-check-disable-next-line a/one, a/two -- both are fine here", 1),
      comment("*\n * readiness-check-disable-next-line a/one -- in a JSDoc block\n ", 5, 7),
      comment(" readiness-check-disable-file a/two -- generated", 10),
      comment(" see readiness-check-disable-next-line a/one -- not at the start", 12),
    ], known);
    expect(invalid).toEqual([]);
    expect(directives.map((d) => [d.kind, d.ruleIds, d.reason, d.fromLine])).toEqual([
      ["next-line", ["a/one", "a/two"], "both are fine here", 2],
      ["next-line", ["a/one"], "in a JSDoc block", 8],
      ["file", ["a/two"], "generated", 1],
    ]);
  });

  it("without a reason or with no rule, a directive is invalid and suppresses nothing", () => {
    const { directives, invalid } = commentDirectives("f.ts", [
      comment(" readiness-check-disable-next-line a/one", 1),
      comment(" readiness-check-disable-next-line a/one --   ", 3),
      comment(" readiness-check-disable-file -- why", 5),
    ], known);
    expect(directives).toEqual([]);
    expect(invalid.map((f) => `${f.range.start.line} ${f.ruleId}`)).toEqual(["1 readiness/invalid-suppression", "3 readiness/invalid-suppression", "5 readiness/invalid-suppression"]);
  });

  it("suppresses only the named rule on the covered lines, and reports unused ids of rules that ran", () => {
    const { directives } = commentDirectives("f.ts", [comment(" readiness-check-disable-next-line a/one, a/two -- ok", 1)], known);
    const out = applySuppressions([finding("f.ts", "a/one", 2), finding("f.ts", "a/one", 3), finding("g.ts", "a/one", 2)], directives, new Set(["a/one", "a/two"]));
    expect(out.suppressed.map((f) => `${f.path}:${f.range.start.line}`)).toEqual(["f.ts:2"]);
    expect(out.kept.map((f) => `${f.path}:${f.range.start.line}`)).toEqual(["f.ts:3", "g.ts:2"]);
    expect(out.unused.map((f) => f.message)).toEqual([expect.stringMatching(/^Unused suppression: a\/two reported nothing on the next line/)]);
    expect(applySuppressions([], directives, new Set()).unused).toEqual([]);
  });
});

describe("baseline", () => {
  const findings = [finding("b.ts", "a/one", 1), finding("a.ts", "a/two", 4), finding("a.ts", "a/one", 9), finding("a.ts", "a/one", 2)];

  it("is deterministic and sorted by path and rule", () => {
    const text = renderBaseline(updatedBaseline(findings, tool).baseline);
    expect(text).toBe(renderBaseline(updatedBaseline([...findings].reverse(), tool).baseline));
    expect(JSON.parse(text)).toEqual({ schemaVersion: 1, tool, findings: { "a.ts": { "a/one": 2, "a/two": 1 }, "b.ts": { "a/one": 1 } } });
    expect(text.indexOf('"a.ts"')).toBeLessThan(text.indexOf('"b.ts"'));
  });

  it("holds back up to the recorded count, reports every finding of a grown file × rule, and notes stale entries", () => {
    const baseline = updatedBaseline(findings, tool).baseline;
    const grown = applyBaseline([...findings, finding("a.ts", "a/two", 7)].filter((f) => f.path === "a.ts"), baseline, "rb.json");
    expect(grown.baselined.map((f) => f.ruleId)).toEqual(["a/one", "a/one"]);
    expect(grown.kept.map((f) => f.message)).toEqual([
      "m (The baseline allows 1 a/two finding in this file; there are 2.)",
      "m (The baseline allows 1 a/two finding in this file; there are 2.)",
    ]);
    expect(grown.stale.map((f) => `${f.path} ${f.ruleId} ${f.severity}`)).toEqual(["b.ts readiness/baseline-stale note"]);
  });

  it("an update only shrinks an existing baseline unless forced", () => {
    const previous = updatedBaseline(findings, tool).baseline;
    const now = [finding("a.ts", "a/one", 1), finding("c.ts", "a/one", 1)];
    const shrunk = updatedBaseline(now, tool, previous);
    expect(shrunk.baseline.findings).toEqual({ "a.ts": { "a/one": 1 } });
    expect(shrunk.refused).toEqual([{ path: "c.ts", ruleId: "a/one", count: 1, allowed: 0 }]);
    expect(updatedBaseline(now, tool, previous, true).baseline.findings).toEqual({ "a.ts": { "a/one": 1 }, "c.ts": { "a/one": 1 } });
  });

  it("rejects files that are not baselines", () => {
    expect(parseBaseline("{")).toMatch(/^not JSON/);
    expect(parseBaseline('{"schemaVersion": 2, "findings": {}}')).toMatch(/not a readiness-check baseline/);
    expect(parseBaseline('{"schemaVersion": 1, "findings": {"a": {"r": -1}}}')).toMatch(/must be a whole number/);
  });
});
