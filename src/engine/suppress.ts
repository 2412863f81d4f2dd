/**
 * Inline suppressions and Kubernetes ignore annotations, applied after the rules ran (ESLint's model):
 * a suppression names rule ids and gives a reason; one without a reason suppresses nothing and is
 * reported; one that suppressed nothing, for a rule that ran, is reported as unused.
 */
import type { K8sObject, SourceComment, Workload } from "../model/artifacts.js";
import type { Finding, SuppressedFinding, SuppressionKind } from "../model/finding.js";
import type { Range } from "../model/location.js";
import { INVALID_SUPPRESSION, UNUSED_SUPPRESSION } from "./builtin-rules.js";
import { didYouMean } from "./did-you-mean.js";

export const DIRECTIVE_MARKER = "readiness-check-disable";
export const IGNORE_ANNOTATION = "readiness-check.io/ignore";

export interface Directive {
  kind: Exclude<SuppressionKind, "baseline">;
  path: string;
  /** Where the directive is written. */
  range: Range;
  ruleIds: string[];
  reason: string;
  /** Lines it covers (inclusive); a file directive covers every line. */
  fromLine: number;
  toLine: number;
}

export interface DirectiveParse {
  directives: Directive[];
  /** Suppressions that suppress nothing because they are malformed: findings of readiness/invalid-suppression. */
  invalid: Finding[];
}

const COMMENT_DIRECTIVE = /^[\s*]*readiness-check-disable-(next-line|file)(?=\s|$)([\s\S]*)$/;

/** Directives in one file's comments. `knownIds` are the rule ids a suppression may name. */
export function commentDirectives(path: string, comments: readonly SourceComment[], knownIds: ReadonlySet<string>): DirectiveParse {
  const out: DirectiveParse = { directives: [], invalid: [] };
  for (const c of comments) {
    const match = COMMENT_DIRECTIVE.exec(c.text);
    if (!match) continue;
    const kind = match[1] === "file" ? "file" : "next-line";
    const range = { start: { line: c.line, column: c.column }, end: { line: c.line, column: c.column + 1 } };
    const parsed = parseBody(match[2]!, knownIds);
    const written = `readiness-check-disable-${kind}`;
    if (typeof parsed === "string") {
      out.invalid.push(invalidFinding(path, range, `${written} ${parsed}`));
      continue;
    }
    const [fromLine, toLine] = kind === "file" ? [1, Number.MAX_SAFE_INTEGER] : [c.endLine + 1, c.endLine + 1];
    out.directives.push({ kind, path, range, ruleIds: parsed.ruleIds, reason: parsed.reason, fromLine, toLine });
  }
  return out;
}

/** `readiness-check.io/ignore: "<id>[,<id>] -- reason"` on an object or its pod template covers the whole object. */
export function annotationDirectives(objects: readonly K8sObject[], workloads: readonly Workload[], knownIds: ReadonlySet<string>): DirectiveParse {
  const out: DirectiveParse = { directives: [], invalid: [] };
  const templates = new Map(workloads.map((w) => [w.object, w]));
  for (const object of objects) {
    const places: { value: unknown; path: (string | number)[] }[] = [
      { value: annotations(object.body.metadata)?.[IGNORE_ANNOTATION], path: ["metadata", "annotations", IGNORE_ANNOTATION] },
    ];
    const workload = templates.get(object);
    if (workload?.podMetadataPath) {
      places.push({ value: annotations(workload.podMetadata)?.[IGNORE_ANNOTATION], path: [...workload.podMetadataPath, "annotations", IGNORE_ANNOTATION] });
    }
    const body = object.locate([]);
    for (const place of places) {
      if (place.value === undefined) continue;
      const range = object.locate(place.path);
      const parsed = typeof place.value === "string" ? parseBody(place.value, knownIds) : "must be a string";
      if (typeof parsed === "string") {
        out.invalid.push(invalidFinding(object.path, range, `annotation ${IGNORE_ANNOTATION} ${parsed}`));
        continue;
      }
      out.directives.push({
        kind: "annotation",
        path: object.path,
        range,
        ruleIds: parsed.ruleIds,
        reason: parsed.reason,
        fromLine: Math.min(body.start.line, object.range.start.line),
        toLine: body.end.line,
      });
    }
  }
  return out;
}

function annotations(metadata: unknown): Record<string, unknown> | undefined {
  const a = (metadata as { annotations?: unknown } | undefined)?.annotations;
  return typeof a === "object" && a !== null ? (a as Record<string, unknown>) : undefined;
}

/** `<id>[, <id>] -- <reason>` into ids and reason, or a description of what is wrong. */
function parseBody(body: string, knownIds: ReadonlySet<string>): { ruleIds: string[]; reason: string } | string {
  const separator = body.indexOf("--");
  const idsText = separator < 0 ? body : body.slice(0, separator);
  const reason = separator < 0 ? "" : body.slice(separator + 2).trim();
  const ruleIds = idsText.split(/[\s,]+/).filter(Boolean);
  if (ruleIds.length === 0) return "names no rule: write the rule ids, then `-- <reason>`";
  for (const id of ruleIds) {
    if (!knownIds.has(id)) return `names unknown rule "${id}"${didYouMean(id, [...knownIds])}, so it suppresses nothing`;
  }
  if (!reason) return `for ${ruleIds.join(", ")} has no reason, so it suppresses nothing: add \`-- <why this does not apply>\``;
  return { ruleIds, reason };
}

function invalidFinding(path: string, range: Range, message: string): Finding {
  return {
    ruleId: INVALID_SUPPRESSION.id,
    section: INVALID_SUPPRESSION.section,
    severity: INVALID_SUPPRESSION.severity,
    message: `Suppression ${message}.`,
    fix: INVALID_SUPPRESSION.remediation,
    path,
    range,
    related: [],
  };
}

export interface SuppressionOutcome {
  kept: Finding[];
  suppressed: SuppressedFinding[];
  /** Unused suppressions (readiness/unused-suppression). */
  unused: Finding[];
}

/**
 * Holds back every finding a directive covers. `ranRules` are the rules that ran to completion on
 * this repository: only for those does "suppressed nothing" mean the suppression is unused.
 */
export function applySuppressions(findings: readonly Finding[], directives: readonly Directive[], ranRules: ReadonlySet<string>): SuppressionOutcome {
  const used = new Set<string>();
  const key = (d: Directive, id: string) => `${d.path}\0${d.range.start.line}\0${d.range.start.column}\0${id}`;
  const byPath = new Map<string, Directive[]>();
  for (const d of directives) byPath.set(d.path, [...(byPath.get(d.path) ?? []), d]);

  const kept: Finding[] = [];
  const suppressed: SuppressedFinding[] = [];
  for (const finding of findings) {
    const line = finding.range.start.line;
    // The engine's own suppression diagnostics cannot be suppressed by the thing they report on.
    const suppressible = finding.ruleId !== UNUSED_SUPPRESSION.id && finding.ruleId !== INVALID_SUPPRESSION.id;
    const directive = suppressible
      ? (byPath.get(finding.path) ?? []).find((d) => d.ruleIds.includes(finding.ruleId) && line >= d.fromLine && line <= d.toLine)
      : undefined;
    if (!directive) {
      kept.push(finding);
      continue;
    }
    used.add(key(directive, finding.ruleId));
    suppressed.push({
      ...finding,
      suppression: { kind: directive.kind, reason: directive.reason, path: directive.path, line: directive.range.start.line },
    });
  }

  const unused: Finding[] = [];
  for (const d of directives) {
    for (const id of d.ruleIds) {
      if (used.has(key(d, id)) || !ranRules.has(id)) continue;
      const where = d.kind === "file" ? "in this file" : d.kind === "annotation" ? "on this object" : "on the next line";
      unused.push({
        ruleId: UNUSED_SUPPRESSION.id,
        section: UNUSED_SUPPRESSION.section,
        severity: UNUSED_SUPPRESSION.severity,
        message: `Unused suppression: ${id} reported nothing ${where}; the suppression would hide its next real finding here.`,
        fix: UNUSED_SUPPRESSION.remediation,
        path: d.path,
        range: d.range,
        related: [],
      });
    }
  }
  return { kept, suppressed, unused };
}
