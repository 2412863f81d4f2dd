import { describe, expect, it } from "vitest";
import { allRules } from "../rules/index.js";
import { fixtureCases, runCase } from "./helpers/rule-fixtures.js";

describe.each(allRules.map((rule) => [rule.meta.id, rule] as const))("%s", (ruleId) => {
  const cases = fixtureCases(ruleId);

  it("has fixtures that must fire and fixtures that must stay silent", () => {
    expect(cases.filter((c) => c.expectation === "fire").length).toBeGreaterThan(0);
    expect(cases.filter((c) => c.expectation === "silent").length).toBeGreaterThan(0);
  });

  for (const fixture of cases) {
    it(`${fixture.expectation}: ${fixture.name}`, async () => {
      if (fixture.expectation === "fire") {
        // A fire case without expectations would pass vacuously: reject it.
        expect(fixture.expected, "fire case needs a non-empty expected.txt").not.toHaveLength(0);
        for (const line of fixture.expected) expect(line, "expected.txt line: <path>:<line>:<col> <rule-id> <severity>").toMatch(/^\S+:\d+:\d+ \S+ (error|warning|note)$/);
      }
      const { actual } = await runCase(ruleId, fixture);
      expect(actual).toEqual(fixture.expected);
    });
  }
});
