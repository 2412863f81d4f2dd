/**
 * Go files analysed in worker threads give the same findings as in one thread: for every rule that
 * analyses Go files, every fixture case holding Go code is scanned both ways and compared whole
 * (messages, ranges, related locations), not only against expected.txt.
 */
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { allRules } from "../rules/index.js";
import { fixtureCases, runCase } from "./helpers/rule-fixtures.js";

function holdsGo(dir: string): boolean {
  return readdirSync(dir).some((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? holdsGo(full) : name.endsWith(".go");
  });
}

const goRules = allRules.filter((rule) => rule.analyzeGo);

describe("Go analysis in worker threads", () => {
  it("covers the rules that analyse Go files", () => {
    expect(goRules.map((r) => r.meta.id)).toContain("go/no-fmt-print");
  });

  for (const rule of goRules) {
    const cases = fixtureCases(rule.meta.id).filter((c) => holdsGo(c.dir));
    it.each(cases.map((c) => [`${c.expectation}/${c.name}`, c] as const))(`${rule.meta.id} %s`, async (_name, fixture) => {
      const inThread = await runCase(rule.meta.id, fixture, { concurrency: "off" });
      const inWorkers = await runCase(rule.meta.id, fixture, { concurrency: 2 });
      expect(inWorkers.findings).toEqual(inThread.findings);
      expect(inWorkers.actual).toEqual(fixture.expected);
    });
  }
});
