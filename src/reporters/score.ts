import type { RunResult } from "../model/finding.js";
import { SECTIONS, SECTION_TITLES, type Section } from "../model/rule.js";

/**
 * The readiness score: of the checklist rules that apply to this repository, the share that pass. A rule
 * passes when it reports nothing at warning or error level (notes are advice and "cannot verify"). Every
 * applicable rule weighs the same: a score a reviewer can recompute from the rule list, not a formula to
 * argue about. Rules that crashed count as not passing; not-applicable rules and the engine's own
 * diagnostics are left out.
 */
export interface SectionScore {
  section: Section;
  title: string;
  /** 0–100, rounded; null when no rule of the section applies. */
  score: number | null;
  passed: number;
  applicable: number;
}

export interface ReadinessScore {
  overall: number | null;
  passed: number;
  applicable: number;
  sections: SectionScore[];
}

export function readinessScore(result: RunResult): ReadinessScore {
  const failing = new Set(result.findings.filter((f) => f.severity !== "note").map((f) => f.ruleId));
  const checklist = result.rules.filter((r) => !r.meta.tags.includes("diagnostic") && r.status !== "not-applicable");
  const passes = (id: string, status: string) => status !== "errored" && !failing.has(id);

  const sections = SECTIONS.map((section): SectionScore => {
    const rules = checklist.filter((r) => r.meta.section === section);
    const passed = rules.filter((r) => passes(r.meta.id, r.status)).length;
    return { section, title: SECTION_TITLES[section], score: percent(passed, rules.length), passed, applicable: rules.length };
  });
  const passed = sections.reduce((sum, s) => sum + s.passed, 0);
  const applicable = sections.reduce((sum, s) => sum + s.applicable, 0);
  return { overall: percent(passed, applicable), passed, applicable, sections };
}

function percent(passed: number, total: number): number | null {
  return total === 0 ? null : Math.round((100 * passed) / total);
}
