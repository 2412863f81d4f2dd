/**
 * The baseline (ESLint's bulk suppressions): finding counts per file × rule, so it survives line
 * shifts. A file × rule with no more findings than the baseline allows is held back; with more, all of
 * its findings are reported (which one is new cannot be told apart). Entries with fewer findings than
 * allowed are reported as a note so the file shrinks over time.
 */
import type { Finding, SuppressedFinding } from "../model/finding.js";
import { BASELINE_STALE, RULE_ERROR, UNUSED_SUPPRESSION, INVALID_SUPPRESSION } from "./builtin-rules.js";

export const BASELINE_SCHEMA_VERSION = 1;
export const DEFAULT_BASELINE_FILE = "readiness-baseline.json";

export interface Baseline {
  schemaVersion: number;
  tool: { name: string; version: string };
  /** path -> rule id -> number of findings allowed. */
  findings: Record<string, Record<string, number>>;
}

/** Findings that never go into a baseline: crashes and the tool's own bookkeeping. */
const NOT_BASELINED = new Set([RULE_ERROR.id, BASELINE_STALE.id, UNUSED_SUPPRESSION.id, INVALID_SUPPRESSION.id]);

export function countFindings(findings: readonly Finding[]): Map<string, Map<string, number>> {
  const counts = new Map<string, Map<string, number>>();
  for (const f of findings) {
    if (NOT_BASELINED.has(f.ruleId)) continue;
    const byRule = counts.get(f.path) ?? new Map<string, number>();
    byRule.set(f.ruleId, (byRule.get(f.ruleId) ?? 0) + 1);
    counts.set(f.path, byRule);
  }
  return counts;
}

/**
 * The baseline to write. Without `previous` (or with `force`) it is the current counts. Otherwise it only
 * shrinks: each count becomes min(previous, current), and file × rule pairs that are new or grew are
 * left out and returned in `refused` (they are new problems; `force` accepts them).
 */
export function updatedBaseline(
  findings: readonly Finding[],
  tool: { name: string; version: string },
  previous?: Baseline,
  force = false,
): { baseline: Baseline; refused: { path: string; ruleId: string; count: number; allowed: number }[] } {
  const current = countFindings(findings);
  const refused: { path: string; ruleId: string; count: number; allowed: number }[] = [];
  const out: Record<string, Record<string, number>> = {};
  for (const [path, byRule] of current) {
    for (const [ruleId, count] of byRule) {
      let allowed = count;
      if (previous && !force) {
        const before = previous.findings[path]?.[ruleId] ?? 0;
        if (count > before) refused.push({ path, ruleId, count, allowed: before });
        allowed = Math.min(before, count);
      }
      if (allowed > 0) (out[path] ??= {})[ruleId] = allowed;
    }
  }
  return { baseline: { schemaVersion: BASELINE_SCHEMA_VERSION, tool, findings: sorted(out) }, refused };
}

/** Deterministic text: keys sorted, two-space indent, final newline. */
export function renderBaseline(baseline: Baseline): string {
  return JSON.stringify({ schemaVersion: baseline.schemaVersion, tool: baseline.tool, findings: sorted(baseline.findings) }, null, 2) + "\n";
}

/** Parses a baseline file's text, or returns what is wrong with it. */
export function parseBaseline(text: string): Baseline | string {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return `not JSON (${(error as Error).message.split("\n")[0]})`;
  }
  const b = raw as Partial<Baseline>;
  if (typeof raw !== "object" || raw === null || b.schemaVersion !== BASELINE_SCHEMA_VERSION || typeof b.findings !== "object" || b.findings === null) {
    return `not a readiness-check baseline (expected schemaVersion ${BASELINE_SCHEMA_VERSION} and a "findings" object)`;
  }
  for (const [path, byRule] of Object.entries(b.findings)) {
    if (typeof byRule !== "object" || byRule === null) return `findings["${path}"] must map rule ids to counts`;
    for (const [ruleId, count] of Object.entries(byRule)) {
      if (!Number.isInteger(count) || (count as number) < 0) return `findings["${path}"]["${ruleId}"] must be a whole number`;
    }
  }
  return { schemaVersion: b.schemaVersion, tool: b.tool ?? { name: "", version: "" }, findings: b.findings };
}

export interface BaselineOutcome {
  kept: Finding[];
  baselined: SuppressedFinding[];
  /** readiness/baseline-stale notes: entries that allow more than now occurs. */
  stale: Finding[];
}

export function applyBaseline(findings: readonly Finding[], baseline: Baseline, baselineFile: string): BaselineOutcome {
  const current = countFindings(findings);
  const kept: Finding[] = [];
  const baselined: SuppressedFinding[] = [];
  for (const f of findings) {
    const allowed = baseline.findings[f.path]?.[f.ruleId];
    const count = current.get(f.path)?.get(f.ruleId) ?? 0;
    if (allowed !== undefined && !NOT_BASELINED.has(f.ruleId) && count <= allowed) {
      baselined.push({ ...f, suppression: { kind: "baseline", reason: `in the baseline ${baselineFile}` } });
    } else if (allowed !== undefined && count > allowed && !NOT_BASELINED.has(f.ruleId)) {
      kept.push({ ...f, message: `${f.message} (The baseline allows ${allowed} ${f.ruleId} finding${allowed === 1 ? "" : "s"} in this file; there are ${count}.)` });
    } else {
      kept.push(f);
    }
  }
  const stale: Finding[] = [];
  for (const [path, byRule] of Object.entries(baseline.findings)) {
    for (const [ruleId, allowed] of Object.entries(byRule)) {
      const count = current.get(path)?.get(ruleId) ?? 0;
      if (count >= allowed) continue;
      stale.push({
        ruleId: BASELINE_STALE.id,
        section: BASELINE_STALE.section,
        severity: BASELINE_STALE.severity,
        message: `The baseline ${baselineFile} allows ${allowed} ${ruleId} finding${allowed === 1 ? "" : "s"} in ${path || "the repository"}; ${count} remain${count === 1 ? "s" : ""}. Shrink it with --update-baseline so fixed problems cannot come back unnoticed.`,
        fix: BASELINE_STALE.remediation,
        path,
        range: { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } },
        related: [],
      });
    }
  }
  return { kept, baselined, stale };
}

function sorted(findings: Record<string, Record<string, number>>): Record<string, Record<string, number>> {
  const byKey = <T>(record: Record<string, T>) => Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(byKey(findings).map(([path, byRule]) => [path, Object.fromEntries(byKey(byRule))]));
}
