import { SEVERITIES, type Finding, type LoadDiagnostic, type ReportDescriptor, type RuleOutcome, type RuleStatus, type Severity } from "../model/finding.js";
import type { Repository } from "../model/repository.js";
import type { RuleMeta } from "../model/rule.js";
import type { GoSourceFile, Rule, RuleContext, RuleVisitor, TsSourceFile } from "../rule-kit/define-rule.js";
import { FILE_START } from "../rule-kit/ranges.js";
import { NOT_RENDERED, PARSE_ERROR, RULE_ERROR } from "./builtin-rules.js";
import { maskSecrets } from "./mask.js";
import { collapseCopies, compareFindings, dedupeFindings } from "./sort.js";

/** One rule's per-file Go analysis, as a worker thread runs it: the rule and its options. */
export interface GoAnalyzer {
  ruleId: string;
  options: Readonly<Record<string, unknown>>;
}

/** What one rule's `analyzeGo` gave for one file: its reports, its facts, or the message it threw. */
export interface GoAnalysis {
  reports: ReportDescriptor[];
  facts?: unknown;
  error?: string;
}

/** What the engine needs from the loaders; `api.ts` hands it a loaded repository. */
export interface LoadedRepository {
  repo: Repository;
  /** Parses each Go file once and hands it to `visit`; the tree is freed after `visit` returns. */
  forEachGoFile(visit: (file: GoSourceFile) => void): Promise<void>;
  /**
   * Parses and analyses the Go files elsewhere (worker threads), calling `onFile` in file order with
   * one analysis per analyzer. Resolves to each analyzer's own milliseconds. Offered on repositories
   * large enough to be worth it.
   */
  analyzeGoFiles?(
    analyzers: readonly GoAnalyzer[],
    onFile: (path: string, analyses: readonly GoAnalysis[]) => void,
  ): Promise<number[]>;
  forEachTsFile(visit: (file: TsSourceFile) => void): Promise<void>;
  /** Problems met by the loaders that ran so far (only what rules asked for is loaded). */
  diagnostics(): LoadDiagnostic[];
  /** Time spent loading so far; a rule is not charged for the loading its first access triggers. */
  loaderTimings?(): { byLoader: ReadonlyMap<string, number>; totalMs: number };
}

export interface EngineRun {
  findings: Finding[];
  rules: RuleOutcome[];
  /** False when a rule crashed. */
  complete: boolean;
  /** Milliseconds per rule id (its own work, loading excluded) and per loader. */
  timing: { rules: Map<string, number>; loaders: ReadonlyMap<string, number> };
}

interface ActiveRule {
  rule: Rule;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- facts are the rule's own type
  visitor: RuleVisitor<any>;
  context?: RuleContext;
  findings: Finding[];
  crashed: boolean;
  nothingToCheck: boolean;
  ms: number;
}

/** Per-rule settings from the user's configuration, already validated. */
export interface RuleSettings {
  /** Option values by rule id; undeclared options never get here. */
  options?: ReadonlyMap<string, Readonly<Record<string, unknown>>>;
  /**
   * The configured level of a rule for one path (severity overrides, per-path `off`); undefined keeps
   * the rule's default. A severity the rule set on the finding itself ("cannot verify" notes) is kept.
   */
  levelFor?(ruleId: string, path: string): Severity | "off" | undefined;
}

export async function runRules(loaded: LoadedRepository, rules: readonly Rule[], settings: RuleSettings = {}): Promise<EngineRun> {
  const outcomes = new Map<string, RuleStatus>();
  const loadingMs = () => loaded.loaderTimings?.().totalMs ?? 0;
  // Charges a rule for its own time only: loading that its first access to a kind triggers is the loader's.
  const clock = <T>(entry: ActiveRule, work: () => T): T => {
    const start = performance.now();
    const loadingBefore = loadingMs();
    try {
      return work();
    } finally {
      entry.ms += performance.now() - start - (loadingMs() - loadingBefore);
    }
  };
  const active: ActiveRule[] = [];
  const crashes: Finding[] = [];
  // Every secret any rule met: masked in every finding, not only in the one that reported it.
  const secrets = new Set<string>();

  const recordCrash = (entry: ActiveRule, error: unknown, path = "") => {
    entry.crashed = true;
    crashes.push(crashFinding(entry.rule.meta, error, path));
  };

  for (const rule of rules) {
    let applicable: boolean;
    try {
      applicable = rule.meta.inputs.some((kind) => loaded.repo.has(kind));
    } catch (error) {
      // Loaders turn bad files into diagnostics; reaching here is a defect, and it costs this rule only.
      const entry: ActiveRule = { rule, visitor: {}, findings: [], crashed: false, nothingToCheck: false, ms: 0 };
      recordCrash(entry, error);
      active.push(entry);
      continue;
    }
    if (!applicable) {
      outcomes.set(rule.meta.id, "not-applicable");
      continue;
    }
    const entry: ActiveRule = { rule, visitor: {}, findings: [], crashed: false, nothingToCheck: false, ms: 0 };
    const context: RuleContext = {
      repo: loaded.repo,
      report: (descriptor) => {
        const level = settings.levelFor?.(rule.meta.id, descriptor.path);
        if (level === "off") return;
        for (const secret of descriptor.secrets ?? []) secrets.add(secret);
        entry.findings.push(toFinding(rule.meta, level ? { ...descriptor, severity: descriptor.severity ?? level } : descriptor));
      },
      notApplicable: () => {
        entry.nothingToCheck = true;
      },
      options: optionsFor(rule.meta, settings.options?.get(rule.meta.id)),
    };
    entry.context = context;
    try {
      entry.visitor = clock(entry, () => rule.create(context));
    } catch (error) {
      recordCrash(entry, error);
    }
    active.push(entry);
  }

  // Source files are parsed once and shown to every rule that visits that language.
  const goRules = active.filter((a) => !a.crashed && a.rule.analyzeGo);
  if (goRules.length > 0) {
    if (loaded.analyzeGoFiles) {
      await analyzeInParallel(loaded.analyzeGoFiles.bind(loaded), goRules, recordCrash, clock);
    } else {
      await stream(goRules, recordCrash, (visit) =>
        loaded.forEachGoFile((file) => visit(file.path, (entry) => clock(entry, () => visitGo(entry, file)))),
      );
    }
  }
  const tsVisitors = active.filter((a) => a.visitor.typescript);
  if (tsVisitors.length > 0) {
    await stream(tsVisitors, recordCrash, (visit) =>
      loaded.forEachTsFile((file) => visit(file.path, (entry) => clock(entry, () => entry.visitor.typescript!(file)))),
    );
  }
  for (const entry of active) {
    if (entry.crashed || !entry.visitor.end) continue;
    try {
      clock(entry, () => entry.visitor.end!());
    } catch (error) {
      recordCrash(entry, error);
    }
  }

  const findings: Finding[] = [...crashes];
  for (const entry of active) {
    // Only rules about Kubernetes objects name the object in every message; elsewhere an identical
    // message can describe different values (two different secrets under the same key).
    const own = entry.rule.meta.id.startsWith("k8s/") ? collapseCopies(entry.findings) : entry.findings;
    for (const finding of own) findings.push(finding);
    outcomes.set(entry.rule.meta.id, statusOf(entry));
  }
  for (const diagnostic of loaded.diagnostics()) findings.push(diagnosticFinding(diagnostic));

  const sorted = dedupeFindings(findings.map((f) => masked(f, secrets))).sort(compareFindings);
  const counts = new Map<string, number>();
  for (const finding of sorted) counts.set(finding.ruleId, (counts.get(finding.ruleId) ?? 0) + 1);

  const ruleOutcomes: RuleOutcome[] = rules.map((rule) => ({
    meta: rule.meta,
    status: outcomes.get(rule.meta.id) ?? "passed",
    findings: counts.get(rule.meta.id) ?? 0,
  }));
  // Always listed, so the JSON `rules` array keeps one shape whatever the repository holds.
  for (const meta of [PARSE_ERROR, NOT_RENDERED, RULE_ERROR]) {
    const count = counts.get(meta.id) ?? 0;
    ruleOutcomes.push({ meta, status: count > 0 ? "failed" : "passed", findings: count });
  }
  const timing = {
    rules: new Map(active.map((entry) => [entry.rule.meta.id, entry.ms])),
    loaders: loaded.loaderTimings?.().byLoader ?? new Map<string, number>(),
  };
  return { findings: sorted, rules: ruleOutcomes, complete: crashes.length === 0, timing };
}

/** One Go file for one rule in the engine's own thread: the same two steps a worker and the engine take apart. */
function visitGo(entry: ActiveRule, file: GoSourceFile): void {
  const context = entry.context!;
  const facts = entry.rule.analyzeGo!(file, { options: context.options, report: context.report });
  if (facts !== undefined) entry.visitor.goFacts?.(facts, file.path);
}

/**
 * Go files analysed in worker threads: each file's reports are replayed and its facts applied here, in
 * file order, so a rule sees exactly what it would see in one thread.
 */
async function analyzeInParallel(
  analyzeGoFiles: NonNullable<LoadedRepository["analyzeGoFiles"]>,
  entries: ActiveRule[],
  recordCrash: (entry: ActiveRule, error: unknown, path?: string) => void,
  clock: <T>(entry: ActiveRule, work: () => T) => T,
): Promise<void> {
  const analyzers = entries.map((entry) => ({ ruleId: entry.rule.meta.id, options: entry.context!.options }));
  try {
    const ms = await analyzeGoFiles(analyzers, (path, analyses) => {
      entries.forEach((entry, index) => {
        const analysis = analyses[index];
        if (entry.crashed || !analysis) return;
        if (analysis.error !== undefined) return recordCrash(entry, new Error(analysis.error), path);
        try {
          clock(entry, () => {
            for (const descriptor of analysis.reports) entry.context!.report(descriptor);
            if (analysis.facts !== undefined) entry.visitor.goFacts?.(analysis.facts, path);
          });
        } catch (error) {
          recordCrash(entry, error, path);
        }
      });
    });
    entries.forEach((entry, index) => (entry.ms += ms[index] ?? 0));
  } catch (error) {
    for (const entry of entries) if (!entry.crashed) recordCrash(entry, error);
  }
}

/**
 * Streams source files to the visitors of one language. A visitor that throws is out for the rest of
 * the run; if the streaming itself fails (the parser cannot start), every visitor is marked crashed.
 */
async function stream(
  visitors: ActiveRule[],
  recordCrash: (entry: ActiveRule, error: unknown, path?: string) => void,
  run: (visit: (path: string, call: (entry: ActiveRule) => void) => void) => Promise<void>,
): Promise<void> {
  try {
    await run((path, call) => {
      for (const entry of visitors) {
        if (entry.crashed) continue;
        try {
          call(entry);
        } catch (error) {
          recordCrash(entry, error, path);
        }
      }
    });
  } catch (error) {
    for (const entry of visitors) if (!entry.crashed) recordCrash(entry, error);
  }
}

function optionsFor(meta: RuleMeta, configured: Readonly<Record<string, unknown>> | undefined): Readonly<Record<string, unknown>> {
  const options: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(meta.options ?? {})) options[name] = configured?.[name] ?? spec.default;
  return Object.freeze(options);
}

function statusOf(entry: ActiveRule): RuleStatus {
  if (entry.crashed) return "errored";
  if (entry.findings.length > 0) return "failed";
  return entry.nothingToCheck ? "not-applicable" : "passed";
}

function toFinding(meta: RuleMeta, descriptor: ReportDescriptor): Finding {
  return {
    ruleId: meta.id,
    section: meta.section,
    severity: descriptor.severity ?? meta.severity,
    message: descriptor.message,
    fix: descriptor.fix ?? meta.remediation,
    path: descriptor.path,
    range: descriptor.range,
    related: descriptor.related ?? [],
  };
}

/** The masking pass, before any reporter sees a finding. Parser and crash messages may quote input. */
function masked(finding: Finding, secrets: ReadonlySet<string>): Finding {
  const quotesInput = BUILTIN_IDS.has(finding.ruleId);
  const mask = (text: string) => maskSecrets(text, secrets, quotesInput);
  return {
    ...finding,
    message: mask(finding.message),
    fix: mask(finding.fix),
    related: finding.related.map((r) => ({ ...r, message: mask(r.message) })),
  };
}

const BUILTIN_IDS = new Set([PARSE_ERROR.id, NOT_RENDERED.id, RULE_ERROR.id]);

function diagnosticFinding(diagnostic: LoadDiagnostic): Finding {
  const meta = diagnostic.kind === "not-rendered" ? NOT_RENDERED : PARSE_ERROR;
  return toFinding(meta, { path: diagnostic.path, range: diagnostic.range, message: diagnostic.message });
}

function crashFinding(meta: RuleMeta, error: unknown, path: string): Finding {
  const reason = error instanceof Error ? error.message : String(error);
  const where = path ? ` on ${path}` : "";
  return toFinding(RULE_ERROR, {
    path,
    range: FILE_START,
    message: `Rule ${meta.id} crashed${where}: ${reason}. The rest of the scan ran; this rule's results are incomplete.`,
  });
}

export function meetsThreshold(severity: Severity, threshold: Severity | "never"): boolean {
  if (threshold === "never") return false;
  // SEVERITIES runs from most to least severe.
  return SEVERITIES.indexOf(severity) <= SEVERITIES.indexOf(threshold);
}
