import { SEVERITIES, type Finding } from "../model/finding.js";

/** Deterministic order so CI runs can be compared: path, line, column, severity (worst first), rule id, message. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    compareStrings(a.path, b.path) ||
    a.range.start.line - b.range.start.line ||
    a.range.start.column - b.range.start.column ||
    SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) ||
    compareStrings(a.ruleId, b.ruleId) ||
    compareStrings(a.message, b.message)
  );
}

/** Code-unit order, independent of the machine's locale. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function dedupeFindings(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.ruleId}\0${f.path}\0${f.range.start.line}\0${f.range.start.column}\0${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Repositories often hold several copies of the same manifests (plain files, a kustomize base, a rendered
 * release bundle). A Kubernetes rule that says the same thing about the same object in several YAML files
 * reports it once, at the first copy, with the others as related locations: one problem, one finding.
 * The message names the object (kind, name, container), so an identical message means the same object.
 */
export const COPY_RELATED_MESSAGE = "The same finding in a copy of this object.";

export function collapseCopies(findings: readonly Finding[]): Finding[] {
  const groups = new Map<string, Finding[]>();
  for (const finding of [...findings].sort(compareFindings)) {
    const key = `${finding.ruleId}\0${finding.severity}\0${finding.message}`;
    const group = groups.get(key);
    if (group) group.push(finding);
    else groups.set(key, [finding]);
  }
  const out: Finding[] = [];
  for (const [first, ...rest] of groups.values()) {
    const copies = rest.filter((f) => f.path !== first!.path);
    out.push(...rest.filter((f) => f.path === first!.path));
    if (copies.length === 0) {
      out.push(first!);
      continue;
    }
    out.push({
      ...first!,
      message: `${first!.message} The same holds for ${copies.length} ${copies.length === 1 ? "copy" : "copies"} of it in other files.`,
      related: [...first!.related, ...copies.map((c) => ({ path: c.path, range: c.range, message: COPY_RELATED_MESSAGE }))],
    });
  }
  return out;
}
