/**
 * SARIF 2.1.0 for GitHub code scanning (docs: /work/shared/REFERENCE.md §5 in the project notes).
 * A pure function of the RunResult: same result in, same bytes out.
 *
 * Choices that GitHub's ingestion dictates:
 * - One run, one driver; `rules[]` comes from the run's rule outcomes (built-ins included), no duplicates.
 * - Locations are repository-relative, percent-encoded URIs under `%SRCROOT%`. `originalUriBaseIds` is
 *   left out on purpose: GitHub ignores it (it resolves paths against the checkout), CodeQL never emits it,
 *   and it would leak the absolute local path and make the file differ between machines.
 * - A finding without a real location, and every crash of a rule, is a tool problem rather than a problem
 *   in the code: it goes to `invocations[0].toolExecutionNotifications`, never to `results`.
 * - `partialFingerprints.primaryLocationLineHash` is GitHub's own line hash (computed by api.ts through
 *   src/loaders/line-hash.ts, byte for byte as codeql-action does); a finding without one gets none, since
 *   a wrong fingerprint is worse than none.
 * - `automationDetails.id` only when a category is asked for: GitHub then keeps this run's alerts apart from
 *   another run's (one per service folder in a monorepo), and without one it derives its own.
 */
import type * as Sarif from "sarif";
import { SEVERITIES, type Finding, type RunResult } from "../model/finding.js";
import type { RuleMeta } from "../model/rule.js";
import type { Range } from "../model/location.js";

export const SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json";
/**
 * GitHub rejects a run with more than 25,000 results and shows only the 5,000 most severe; we stay at the
 * displayed limit so that nothing uploaded is invisible, and say so in a notification.
 */
export const MAX_RESULTS = 5_000;
/** GitHub rejects a result with more locations than this. */
const MAX_RELATED_LOCATIONS = 1_000;
/** GitHub rejects a rule with more than 20 tags and only reads the first 10. */
const MAX_TAGS = 10;
const SRCROOT = "%SRCROOT%";
/** The built-in rule the engine reports crashes under (src/engine/builtin-rules.ts). */
const RULE_ERROR_ID = "readiness/rule-error";

export interface SarifOptions {
  /** `--sarif-category`: GitHub's `automationDetails.id` (a trailing "/" is added as GitHub advises). */
  category?: string;
}

export function renderSarif(result: RunResult, options: SarifOptions = {}): string {
  const rules = uniqueRules(result);
  const ruleIndex = new Map(rules.map((meta, index) => [meta.id, index]));
  const descriptors = rules.map(toDescriptor);

  const results: Sarif.Result[] = [];
  const notifications: Sarif.Notification[] = [];
  for (const finding of keepMostSevere(result.findings.filter((f) => !isToolProblem(f)), MAX_RESULTS, result.findings)) {
    const index = ruleIndex.get(finding.ruleId)!;
    if (isToolProblem(finding)) notifications.push(toNotification(finding, index));
    else results.push(toResult(finding, index, rules[index]!));
  }
  const located = result.findings.filter((f) => !isToolProblem(f)).length;
  if (located > MAX_RESULTS) {
    const dropped = located - MAX_RESULTS;
    notifications.push({
      level: "warning",
      message: {
        text:
          `${dropped} of ${MAX_RESULTS + dropped} results (the least severe) were left out of this file: GitHub code ` +
          `scanning shows at most ${MAX_RESULTS} results per run. Run readiness-check locally to see them all, or ` +
          `adopt a baseline (--update-baseline) so that only new findings are uploaded.`,
      },
    });
  }

  const invocation: Sarif.Invocation = { executionSuccessful: result.complete };
  if (notifications.length > 0) invocation.toolExecutionNotifications = notifications;

  const log: Sarif.Log = {
    $schema: SARIF_SCHEMA_URI,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: result.tool.name,
            version: result.tool.version,
            semanticVersion: result.tool.version,
            informationUri: result.tool.informationUri,
            rules: descriptors,
          },
        },
        invocations: [invocation],
        columnKind: "utf16CodeUnits",
        results,
      },
    ],
  };
  const category = options.category?.trim();
  if (category) log.runs[0]!.automationDetails = { id: category.endsWith("/") ? category : `${category}/` };
  return JSON.stringify(log, null, 2) + "\n";
}

/**
 * All findings in their (sorted) order, except that when there are more results than `limit` the least
 * severe results are the ones left out. Tool problems always pass: they become notifications.
 */
function keepMostSevere(located: readonly Finding[], limit: number, all: readonly Finding[]): Finding[] {
  if (located.length <= limit) return [...all];
  const rank = (f: Finding) => SEVERITIES.indexOf(f.severity);
  const kept = new Set(
    located
      .map((finding, index) => ({ finding, index }))
      .sort((a, b) => rank(a.finding) - rank(b.finding) || a.index - b.index)
      .slice(0, limit)
      .map((entry) => entry.finding),
  );
  return all.filter((f) => isToolProblem(f) || kept.has(f));
}

/**
 * Every rule of the run in the run's order, first occurrence wins. A finding whose rule is not listed
 * (which the engine never produces) still gets a descriptor so that its `ruleIndex` is valid.
 */
function uniqueRules(result: RunResult): RuleMeta[] {
  const byId = new Map<string, RuleMeta>();
  for (const outcome of result.rules) if (!byId.has(outcome.meta.id)) byId.set(outcome.meta.id, outcome.meta);
  for (const finding of result.findings) if (!byId.has(finding.ruleId)) byId.set(finding.ruleId, unlistedRule(finding));
  return [...byId.values()];
}

function unlistedRule(finding: Finding): RuleMeta {
  return {
    id: finding.ruleId,
    section: finding.section,
    title: `Rule ${finding.ruleId}`,
    severity: finding.severity,
    rationale: `Findings of rule ${finding.ruleId}.`,
    remediation: finding.fix,
    inputs: [],
    tags: [],
    precision: "medium",
    docsUrl: "",
  };
}

function toDescriptor(meta: RuleMeta): Sarif.ReportingDescriptor {
  const docsLink = meta.docsUrl ? `\n\nDocumentation: ${meta.docsUrl}` : "";
  const docsMarkdown = meta.docsUrl ? `\n\n[Documentation](${meta.docsUrl})` : "";
  const longDocs = meta.docs?.trim() ? `\n\n${meta.docs.trim()}` : "";
  const descriptor: Sarif.ReportingDescriptor = {
    id: meta.id,
    name: pascalCase(meta.id),
    shortDescription: { text: meta.title },
    fullDescription: { text: meta.rationale },
    help: {
      text: `${meta.rationale}\n\nFix: ${meta.remediation}${docsLink}`,
      markdown: `${meta.rationale}\n\n**Fix:** ${meta.remediation}${longDocs}${docsMarkdown}`,
    },
  };
  if (meta.docsUrl) descriptor.helpUri = meta.docsUrl;
  descriptor.defaultConfiguration = { level: meta.severity };

  const score = securitySeverity(meta.securitySeverity);
  // "security" first: GitHub only reads the first ten tags and needs it to show the security severity.
  const tags = unique([...(score !== undefined ? ["security"] : []), ...meta.tags, meta.section]).slice(0, MAX_TAGS);
  const properties: Sarif.PropertyBag = { tags, precision: meta.precision };
  if (score !== undefined) properties["security-severity"] = score;
  descriptor.properties = properties;
  return descriptor;
}

/** GitHub wants a string with one decimal ("8.0") in 0.0–10.0. */
function securitySeverity(value: number | undefined): string | undefined {
  if (value === undefined || !Number.isFinite(value)) return undefined;
  return Math.min(10, Math.max(0, value)).toFixed(1);
}

/** "docker/non-root-user" -> "DockerNonRootUser": a readable name that is unique like the id. */
function pascalCase(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join("");
}

function isToolProblem(finding: Finding): boolean {
  return finding.ruleId === RULE_ERROR_ID || finding.path === "";
}

function toResult(finding: Finding, ruleIndex: number, meta: RuleMeta): Sarif.Result {
  const result: Sarif.Result = {
    ruleId: finding.ruleId,
    ruleIndex,
    level: finding.severity,
    message: { text: resultMessage(finding, meta) },
    locations: [{ physicalLocation: physicalLocation(finding.path, finding.range) }],
  };
  if (finding.lineHash) result.partialFingerprints = { primaryLocationLineHash: finding.lineHash };
  const related = finding.related.filter((r) => r.path !== "").slice(0, MAX_RELATED_LOCATIONS);
  if (related.length > 0) {
    result.relatedLocations = related.map((r, i) => ({
      id: i + 1,
      physicalLocation: physicalLocation(r.path, r.range),
      message: { text: r.message },
    }));
  }
  return result;
}

/**
 * The finding's own words; the rule's generic remediation is in the rule's help, which GitHub shows beside
 * the alert. A fix written for this finding only is appended, since it would otherwise be lost.
 */
function resultMessage(finding: Finding, meta: RuleMeta): string {
  const fix = finding.fix.trim();
  if (!fix || fix === meta.remediation.trim()) return finding.message;
  return `${finding.message} Fix: ${fix}`;
}

function toNotification(finding: Finding, ruleIndex: number): Sarif.Notification {
  const notification: Sarif.Notification = {
    level: finding.severity,
    message: { text: finding.message },
    associatedRule: { id: finding.ruleId, index: ruleIndex },
  };
  if (finding.path !== "") notification.locations = [{ physicalLocation: physicalLocation(finding.path, finding.range) }];
  return notification;
}

function physicalLocation(path: string, range: Range): Sarif.PhysicalLocation {
  return { artifactLocation: { uri: encodePath(path), uriBaseId: SRCROOT }, region: region(range) };
}

/**
 * 1-based lines and columns, `endColumn` exclusive as in our model. An empty or inverted range keeps only
 * its start (SARIF then means the rest of the line): GitHub rejects endColumn <= startColumn on one line.
 */
function region(range: Range): Sarif.Region {
  const startLine = atLeastOne(range.start.line);
  const startColumn = atLeastOne(range.start.column);
  const endLine = atLeastOne(range.end.line);
  const endColumn = atLeastOne(range.end.column);
  if (endLine < startLine || (endLine === startLine && endColumn <= startColumn)) return { startLine, startColumn };
  return { startLine, startColumn, endLine, endColumn };
}

function atLeastOne(n: number): number {
  return Number.isInteger(n) && n >= 1 ? n : 1;
}

/**
 * A repository-relative path as a relative URI reference (RFC 3986): each segment percent-encoded as
 * UTF-8, '/' kept. Encoding ':' also keeps a first segment like "c:" from reading as a scheme.
 */
export function encodePath(path: string): string {
  const wellFormed = path.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
  return wellFormed
    .replace(/^(\.\/)+/, "")
    .split("/")
    .map((segment) => encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join("/");
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
