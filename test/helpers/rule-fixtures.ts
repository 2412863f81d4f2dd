/**
 * The fixture harness (ruff's fixture files + ESLint's strict RuleTester).
 *
 * Layout: fixtures/<area>/<rule-name>/fire/<case>/...    cases that must produce findings
 *         fixtures/<area>/<rule-name>/silent/<case>/...  cases that must produce none
 * Each case folder is scanned as its own repository with only that rule enabled. A `fire` case has
 * an `expected.txt` listing every finding, one per line: `<path>:<line>:<column> <rule-id> <severity>`
 * (lines starting with # are comments). The harness fails when a fire case is silent or its
 * findings differ from the list, when a silent case reports anything, and when a rule has no
 * fire or no silent case.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { scan } from "../../src/api.js";
import type { Finding } from "../../src/model/finding.js";

export const FIXTURES_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../fixtures");

export interface FixtureCase {
  name: string;
  dir: string;
  expectation: "fire" | "silent";
  expected: string[];
}

export function fixtureCases(ruleId: string): FixtureCase[] {
  const cases: FixtureCase[] = [];
  for (const expectation of ["fire", "silent"] as const) {
    const base = path.join(FIXTURES_ROOT, ruleId, expectation);
    if (!existsSync(base)) continue;
    for (const name of readdirSync(base).sort()) {
      const dir = path.join(base, name);
      const expectedFile = path.join(dir, "expected.txt");
      const expected = existsSync(expectedFile)
        ? readFileSync(expectedFile, "utf8")
            .split("\n")
            .map((l) => l.trim())
            .filter((l) => l && !l.startsWith("#"))
            .sort()
        : [];
      cases.push({ name, dir, expectation, expected });
    }
  }
  return cases;
}

export function formatFinding(f: Finding): string {
  return `${f.path}:${f.range.start.line}:${f.range.start.column} ${f.ruleId} ${f.severity}`;
}

/** Scans one fixture case with only `ruleId` enabled and returns every finding as `path:line:col id severity`. */
export async function runCase(ruleId: string, fixture: FixtureCase): Promise<{ actual: string[]; findings: Finding[] }> {
  const result = await scan({ path: fixture.dir, repoRoot: fixture.dir, only: [ruleId] });
  return { actual: result.findings.map(formatFinding).sort(), findings: result.findings };
}
