import type { Range } from "./location.js";
import type { RuleMeta, Section } from "./rule.js";

export type Severity = "error" | "warning" | "note";

/** Ordered from most to least severe; the index is used to compare against a threshold. */
export const SEVERITIES: readonly Severity[] = ["error", "warning", "note"];

/** What a rule hands to `report()`. The engine adds rule id, section and severity. */
export interface ReportDescriptor {
  /** Repository-relative path, forward slashes. */
  path: string;
  range: Range;
  /** What is wrong and why it matters in production. Never contains a secret value. */
  message: string;
  /** Overrides the rule's remediation for this finding when a more specific fix is known. */
  fix?: string;
  /** Secret values the engine must mask wherever they appear in this finding's text. */
  secrets?: string[];
  /** Overrides the rule's default severity for this one finding (e.g. "cannot verify" notes). */
  severity?: Severity;
  /** Another place that takes part in the finding (the other side of a mismatch). */
  related?: { path: string; range: Range; message: string }[];
}

export interface Finding {
  ruleId: string;
  section: Section;
  severity: Severity;
  message: string;
  fix: string;
  path: string;
  range: Range;
  related: { path: string; range: Range; message: string }[];
  /**
   * GitHub's `primaryLocationLineHash` of the finding's start line (see src/loaders/line-hash.ts); set only
   * when the SARIF report is rendered, since computing it reads the file.
   */
  lineHash?: string;
}

export type RuleStatus = "passed" | "failed" | "not-applicable" | "errored";

export interface RuleOutcome {
  meta: RuleMeta;
  status: RuleStatus;
  findings: number;
}

export interface RunStats {
  /** Files discovered, by artifact kind. */
  filesByKind: Record<string, number>;
  /** Files passed over (too large, binary, unreadable), with the reason. */
  skipped: { path: string; reason: string }[];
  durationMs: number;
  /** Whether the result came from the result cache (`--cache`); absent when the cache was not used. */
  cache?: "hit" | "miss";
  /** Where the time went (`--timing`); milliseconds. Never in the JSON report, which must be byte-stable. */
  timing?: {
    discoveryMs: number;
    rules: { id: string; ms: number }[];
    loaders: { name: string; ms: number }[];
    /** Peak resident set size of the process, in bytes. */
    peakRssBytes: number;
    /** Worker threads that parsed and analysed the Go files; their loader and rule times are summed over them. */
    goThreads?: number;
  };
}

/** Everything a reporter needs; reporters see nothing else. */
export interface RunResult {
  tool: { name: string; version: string; informationUri: string };
  /** Absolute path of the repository root that every finding path is relative to. */
  repoRoot: string;
  /** The scanned folder relative to the repository root ("" when they are the same). */
  scanPrefix: string;
  findings: Finding[];
  rules: RuleOutcome[];
  stats: RunStats;
  /** False when a rule or loader crashed: the result is incomplete. */
  complete: boolean;
  /** Findings held back by an inline suppression, an annotation or the baseline: counted, never failures. */
  suppressed?: SuppressedFinding[];
}

export type SuppressionKind = "next-line" | "file" | "annotation" | "baseline";

/** A finding that was found but not reported as a failure, with what held it back and why. */
export interface SuppressedFinding extends Finding {
  suppression: {
    kind: SuppressionKind;
    /** The reason written in the suppression (for the baseline: the baseline file). */
    reason: string;
    /** Where the suppression is written (absent for the baseline). */
    path?: string;
    line?: number;
  };
}

/** A problem found while loading a file (not by a rule): it becomes a finding of a built-in rule. */
export interface LoadDiagnostic {
  kind: "parse-error" | "not-rendered";
  path: string;
  range: Range;
  message: string;
}
