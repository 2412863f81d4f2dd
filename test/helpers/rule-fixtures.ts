/**
 * The fixture harness (ruff's fixture files + ESLint's strict RuleTester).
 *
 * Layout: fixtures/<area>/<rule-name>/fire/<case>/...    cases that must produce findings
 *         fixtures/<area>/<rule-name>/silent/<case>/...  cases that must produce none
 * Each case folder is scanned as its own repository with only that rule enabled. A `fire` case has
 * an `expected.txt` listing every finding, one per line: `<path>:<line>:<column> <rule-id> <severity>`
 * (lines starting with # are comments). A line `# options: {"name": value}` in expected.txt (silent cases
 * may have one too) runs the case with those rule options. The harness fails when a fire case is silent or its
 * findings differ from the list, when a silent case reports anything, and when a rule has no
 * fire or no silent case.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { scan, type ScanOptions } from "../../src/api.js";
import type { Finding } from "../../src/model/finding.js";
import { historyRepo, isHistoryCase } from "./git-history.js";

export const FIXTURES_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../fixtures");

export interface FixtureCase {
  name: string;
  dir: string;
  expectation: "fire" | "silent";
  expected: string[];
  /** Rule options for this case, from `# options: {...}` in expected.txt. */
  options?: Record<string, unknown>;
}

export function fixtureCases(ruleId: string): FixtureCase[] {
  const cases: FixtureCase[] = [];
  for (const expectation of ["fire", "silent"] as const) {
    const base = path.join(FIXTURES_ROOT, ruleId, expectation);
    if (!existsSync(base)) continue;
    for (const name of readdirSync(base).sort()) {
      const dir = path.join(base, name);
      const expectedFile = path.join(dir, "expected.txt");
      const lines = existsSync(expectedFile) ? readFileSync(expectedFile, "utf8").split("\n").map((l) => l.trim()) : [];
      const expected = lines.filter((l) => l && !l.startsWith("#")).sort();
      const optionsLine = lines.find((l) => l.startsWith("# options:"));
      const options = optionsLine ? (JSON.parse(optionsLine.slice("# options:".length)) as Record<string, unknown>) : undefined;
      cases.push({ name, dir, expectation, expected, options });
    }
  }
  return cases;
}

export function formatFinding(f: Finding): string {
  return `${f.path}:${f.range.start.line}:${f.range.start.column} ${f.ruleId} ${f.severity}`;
}

/** Scans one fixture case with only `ruleId` enabled and returns every finding as `path:line:col id severity`. */
export async function runCase(
  ruleId: string,
  fixture: FixtureCase,
  extra: Pick<ScanOptions, "concurrency"> = {},
): Promise<{ actual: string[]; findings: Finding[] }> {
  const ruleOptions = fixture.options ? { [ruleId]: fixture.options } : undefined;
  // A case with v1/ and v2/ folders is a git history (see git-history.ts), built for the scan.
  const history = isHistoryCase(fixture.dir) ? historyRepo(fixture.dir) : undefined;
  const dir = history?.dir ?? fixture.dir;
  try {
    const result = await scan({ path: dir, repoRoot: dir, only: [ruleId], ruleOptions, ...extra });
    return { actual: result.findings.map(formatFinding).sort(), findings: result.findings };
  } finally {
    history?.dispose();
  }
}
