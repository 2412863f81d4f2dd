import type { Severity } from "./finding.js";

/** The five sections of the launch checklist, in report order. */
export type Section = "foundation" | "architecture" | "dependencies" | "operations" | "security";

export const SECTIONS: readonly Section[] = ["foundation", "architecture", "dependencies", "operations", "security"];

export const SECTION_TITLES: Record<Section, string> = {
  foundation: "Foundation",
  architecture: "Architecture",
  dependencies: "Dependencies",
  operations: "Operations",
  security: "Security",
};

/** Kinds of artifact a rule can ask the engine to load. */
export type InputKind =
  | "dockerfile"
  | "kubernetes"
  | "proto"
  | "config"
  | "manifest"
  | "ci"
  | "go"
  | "typescript";

/** One option a rule accepts; validated when the configuration is loaded, documented in the rule's page. */
export type RuleOptionSpec =
  | { type: "boolean"; default: boolean; description: string }
  | { type: "number"; default: number; description: string; minimum?: number; maximum?: number }
  | { type: "string"; default: string; description: string; enum?: readonly string[] }
  | { type: "string[]"; default: readonly string[]; description: string };

export interface RuleMeta {
  /** `<area>/<kebab-name>`; the rule file's name is the tail. */
  id: string;
  section: Section;
  title: string;
  severity: Severity;
  /** Why it matters in production: one or two sentences. */
  rationale: string;
  /** How to fix it: one sentence, imperative. */
  remediation: string;
  /** Longer documentation in Markdown (examples of bad and good); rendered into docs/rules. */
  docs?: string;
  /** Artifacts the rule reads. With none of them in the repository the rule is not applicable. */
  inputs: InputKind[];
  /** Tags for SARIF and filtering, e.g. "security", "docker". */
  tags: string[];
  /** SARIF precision: how often a finding is right. */
  precision: Precision;
  /** Options the rule accepts (name → spec); the rule reads them through `context.options`. */
  options?: Readonly<Record<string, RuleOptionSpec>>;
  /** For security rules: GitHub's security-severity score, 0.0–10.0. */
  securitySeverity?: number;
  /** Derived from the id by defineRule; never written by hand. */
  docsUrl: string;
}

export type Precision = "very-high" | "high" | "medium" | "low";

/** The precisions the `recommended` preset (the default) turns on; less precise rules are opt-in. */
export const RECOMMENDED_PRECISIONS: readonly Precision[] = ["very-high", "high"];
