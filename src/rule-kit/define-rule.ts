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

/** Called by the engine: source files are streamed (parsed once, visited by every rule, dropped). */
export interface RuleVisitor {
  go?(file: GoSourceFile): void;
  typescript?(file: TsSourceFile): void;
  /** After every file was visited; repository-wide checks go here. */
  end?(): void;
}

export interface Rule {
  meta: RuleMeta;
  create(context: RuleContext): RuleVisitor;
}

type RuleDefinition = { meta: Omit<RuleMeta, "docsUrl"> } & (
  | { /** A check over the parsed repository model. */ check(context: RuleContext): void; create?: never }
  | { /** A visitor, for rules that read Go or TypeScript source. */ create(context: RuleContext): RuleVisitor; check?: never }
);

export function defineRule(definition: RuleDefinition): Rule {
  const meta: RuleMeta = { ...definition.meta, docsUrl: `${DOCS_BASE_URL}${definition.meta.id}.md` };
  if (definition.check) {
    const check = definition.check;
    return { meta, create: (context) => ({ end: () => check(context) }) };
  }
  return { meta, create: definition.create! };
}
