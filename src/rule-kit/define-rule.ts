import type { Node as GoNode } from "web-tree-sitter";
import type { ts } from "ts-morph";
import type { GoFile, TsFile } from "../model/artifacts.js";
import type { ReportDescriptor } from "../model/finding.js";
import type { Repository } from "../model/repository.js";
import type { RuleMeta } from "../model/rule.js";

/** Where every rule's documentation lives; the URL is derived from the id so it cannot drift. */
export const DOCS_BASE_URL = "https://github.com/readiness-check/readiness-check/blob/main/docs/rules/";

export type GoSourceFile = GoFile<GoNode>;
export type TsSourceFile = TsFile<ts.SourceFile, ts.Node>;

export interface RuleContext {
  readonly repo: Repository;
  /** Records a finding; the engine adds rule id, section, severity, masking and sorting. */
  report(descriptor: ReportDescriptor): void;
  /**
   * Says the repository had nothing this rule checks (Go files, but no database pool): the report
   * then shows the rule as not applicable rather than passed. Ignored once the rule reported something.
   */
  notApplicable(): void;
  /** The rule's options: each declared option's default, overridden by the user's configuration. */
  readonly options: Readonly<Record<string, unknown>>;
}

/**
 * What a rule's per-file Go analysis may use: the file, the rule's options and a report. It runs
 * where the file was parsed, which on a large repository is a worker thread: it sees no repository
 * model and no state of the rule, and its reports are replayed on the main thread in file order.
 */
export interface FileContext {
  readonly options: Readonly<Record<string, unknown>>;
  report(descriptor: ReportDescriptor): void;
}

/** Called by the engine: source files are streamed (parsed once, visited by every rule, dropped). */
export interface RuleVisitor<GoFacts = never> {
  /**
   * Receives, in file order, what the rule's `analyzeGo` returned for each Go file (after that file's
   * reports were replayed). Repository-wide state is built here; `end` decides.
   */
  goFacts?(facts: GoFacts, path: string): void;
  typescript?(file: TsSourceFile): void;
  /** After every file was visited; repository-wide checks go here. */
  end?(): void;
}

export interface Rule {
  meta: RuleMeta;
  // The facts' type is the rule's own business; the engine only carries them from analyzeGo to goFacts.
  create(context: RuleContext): RuleVisitor<any>;
  /**
   * Per-file work on a parsed Go file. Returns plain data (what `structuredClone` copies: no functions,
   * no syntax nodes, no class instances), or undefined when the file holds nothing for the rule.
   */
  analyzeGo?(file: GoSourceFile, context: FileContext): unknown;
}

type RuleDefinition<GoFacts> = { meta: Omit<RuleMeta, "docsUrl"> } & (
  | { /** A check over the parsed repository model. */ check(context: RuleContext): void; create?: never; analyzeGo?: never }
  | {
      /** A visitor, for rules that read Go or TypeScript source. */
      create(context: RuleContext): RuleVisitor<GoFacts>;
      /** Go files are analysed one at a time, possibly in parallel: see `Rule.analyzeGo`. */
      analyzeGo?(file: GoSourceFile, context: FileContext): GoFacts | undefined;
      check?: never;
    }
);

export function defineRule<GoFacts = never>(definition: RuleDefinition<GoFacts>): Rule {
  const meta: RuleMeta = { ...definition.meta, docsUrl: `${DOCS_BASE_URL}${definition.meta.id}.md` };
  if (definition.check) {
    const check = definition.check;
    return { meta, create: (context) => ({ end: () => check(context) }) };
  }
  const rule: Rule = { meta, create: definition.create! };
  if (definition.analyzeGo) rule.analyzeGo = definition.analyzeGo;
  return rule;
}
