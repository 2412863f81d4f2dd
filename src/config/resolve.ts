/**
 * The configuration file, validated and resolved against the rule registry: which rules run, at which
 * severity, with which options, which paths are ignored, and per-path overrides. Pure: the loading
 * (cosmiconfig, `extends` of other files) is in load.ts.
 */
import { SEVERITIES, type Severity } from "../model/finding.js";
import { RECOMMENDED_PRECISIONS, type RuleMeta, type RuleOptionSpec } from "../model/rule.js";
import { didYouMean } from "../engine/did-you-mean.js";

export { didYouMean };

/** A configuration mistake: exit code 2 with one line naming the file, the key and what was expected. */
export class ConfigError extends Error {}

export const PRESETS = ["recommended", "strict"] as const;
export type PresetName = (typeof PRESETS)[number];

export type RuleLevel = Severity | "off";

export interface RuleSetting {
  severity: Severity;
  options: Readonly<Record<string, unknown>>;
}

export interface PathOverride {
  /** Globs (minimatch, as ESLint's `files`) relative to the configuration file's folder. */
  files: string[];
  rules: ReadonlyMap<string, RuleLevel>;
}

export interface ResolvedConfig {
  /** Absolute path of the file the settings came from; absent for the built-in default. */
  filepath?: string;
  /** Enabled rules by id, with severity and options (defaults filled in). */
  rules: ReadonlyMap<string, RuleSetting>;
  /** Extra ignore patterns (.gitignore syntax), relative to `baseDir`. */
  ignore: string[];
  overrides: PathOverride[];
  /** Folder the globs are relative to (the configuration file's folder). */
  baseDir?: string;
}

/** A configuration object as written, after `extends` of other files has been flattened by the loader. */
export interface RawConfig {
  $schema?: unknown;
  extends?: unknown;
  rules?: unknown;
  ignore?: unknown;
  overrides?: unknown;
}

const TOP_LEVEL_KEYS = ["$schema", "extends", "rules", "ignore", "overrides"];
const LEVELS: readonly RuleLevel[] = ["off", ...SEVERITIES];

/**
 * The presets, precisely:
 * - `recommended` (the default): every rule whose precision is `high` or `very-high`, at its default severity.
 * - `strict`: every rule; a rule whose default is `warning` becomes `error`, `note` becomes `warning`.
 *   Notes that a rule raises itself when it cannot verify something stay notes in both presets.
 */
export function presetLevels(preset: PresetName, metas: readonly RuleMeta[]): Map<string, Severity> {
  const levels = new Map<string, Severity>();
  for (const meta of metas) {
    if (preset === "recommended") {
      if (RECOMMENDED_PRECISIONS.includes(meta.precision)) levels.set(meta.id, meta.severity);
    } else {
      levels.set(meta.id, meta.severity === "warning" ? "error" : meta.severity === "note" ? "warning" : meta.severity);
    }
  }
  return levels;
}

/**
 * Validates one configuration (its `extends` already expanded into `layers`, first applied first) and
 * resolves it. `where` names the file in error messages.
 */
export function resolveConfig(
  layers: readonly { raw: RawConfig; where: string }[],
  metas: readonly RuleMeta[],
  base: { filepath?: string; baseDir?: string } = {},
): ResolvedConfig {
  const byId = new Map(metas.map((m) => [m.id, m]));
  let levels = presetLevels("recommended", metas);
  const options = new Map<string, Record<string, unknown>>();
  const ignore: string[] = [];
  const overrides: PathOverride[] = [];

  for (const { raw, where } of layers) {
    checkObject(raw, where, "the configuration");
    for (const key of Object.keys(raw).filter((k) => raw[k as keyof RawConfig] !== undefined)) {
      if (!TOP_LEVEL_KEYS.includes(key)) throw new ConfigError(`${where}: unknown key "${key}"${didYouMean(key, TOP_LEVEL_KEYS)}; expected one of ${TOP_LEVEL_KEYS.join(", ")}`);
    }
    for (const preset of presetsOf(raw.extends, where)) levels = presetLevels(preset, metas);
    if (raw.rules !== undefined) {
      for (const [id, value] of Object.entries(checkObject(raw.rules, where, "rules"))) {
        const meta = ruleMeta(id, byId, where, "rules");
        const { level, options: given } = parseRuleValue(value, meta, where, `rules["${id}"]`);
        if (level === "off") levels.delete(id);
        else levels.set(id, level);
        if (given) options.set(id, { ...options.get(id), ...given });
      }
    }
    if (raw.ignore !== undefined) ignore.push(...stringList(raw.ignore, where, "ignore"));
    if (raw.overrides !== undefined) {
      if (!Array.isArray(raw.overrides)) throw new ConfigError(`${where}: "overrides" must be a list of { files, rules } blocks`);
      raw.overrides.forEach((block: unknown, i: number) => overrides.push(parseOverride(block, byId, where, `overrides[${i}]`)));
    }
  }

  const rules = new Map<string, RuleSetting>();
  for (const [id, severity] of levels) {
    const meta = byId.get(id)!;
    const configured = options.get(id) ?? {};
    const filled: Record<string, unknown> = {};
    for (const [name, spec] of Object.entries(meta.options ?? {})) filled[name] = configured[name] ?? spec.default;
    rules.set(id, { severity, options: Object.freeze(filled) });
  }
  return { filepath: base.filepath, baseDir: base.baseDir, rules, ignore, overrides };
}

function presetsOf(value: unknown, where: string): PresetName[] {
  if (value === undefined) return [];
  const list = typeof value === "string" ? [value] : Array.isArray(value) ? value : undefined;
  if (!list) throw new ConfigError(`${where}: "extends" must be a preset name or a list of them (${PRESETS.join(", ")})`);
  // File paths in `extends` were expanded by the loader; only preset names reach here.
  return list.filter((v): v is string => typeof v === "string" && !isFileReference(v)).map((name) => {
    const bare = name.replace(/^readiness-check:/, "");
    if (!(PRESETS as readonly string[]).includes(bare)) {
      throw new ConfigError(`${where}: "extends" names unknown preset "${name}"${didYouMean(bare, PRESETS)}; expected ${PRESETS.join(" or ")}, or a path starting with ./`);
    }
    return bare as PresetName;
  });
}

/** `extends` entries that name another configuration file rather than a preset. */
export function isFileReference(value: string): boolean {
  return value.startsWith("./") || value.startsWith("../") || value.startsWith("/");
}

function parseRuleValue(
  value: unknown,
  meta: RuleMeta,
  where: string,
  key: string,
): { level: RuleLevel; options?: Record<string, unknown> } {
  const [level, options, ...rest] = Array.isArray(value) ? value : [value];
  if (typeof level !== "string" || !(LEVELS as readonly string[]).includes(level) || rest.length > 0) {
    throw new ConfigError(
      `${where}: ${key} must be one of ${LEVELS.map((l) => `"${l}"`).join(", ")} or [severity, { options }]` +
        (typeof level === "string" ? ` (got "${level}"${didYouMean(level, LEVELS)})` : ""),
    );
  }
  if (options === undefined) return { level: level as RuleLevel };
  return { level: level as RuleLevel, options: validateOptions(options, meta, where, key) };
}

/** Checks rule options against the rule's `meta.options`: names, types, ranges and enums. */
export function validateOptions(value: unknown, meta: RuleMeta, where: string, key: string): Record<string, unknown> {
  const specs = meta.options ?? {};
  const names = Object.keys(specs);
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigError(`${where}: ${key}[1] must be an object of options${names.length ? ` (${names.join(", ")})` : ""}`);
  }
  const out: Record<string, unknown> = {};
  for (const [name, given] of Object.entries(value)) {
    const spec = specs[name];
    if (!spec) {
      throw new ConfigError(
        names.length
          ? `${where}: ${key} has unknown option "${name}"${didYouMean(name, names)}; ${meta.id} accepts ${names.join(", ")}`
          : `${where}: ${key} has option "${name}", but ${meta.id} takes no options`,
      );
    }
    const problem = optionProblem(given, spec);
    if (problem) throw new ConfigError(`${where}: ${key} option "${name}" must be ${problem} (got ${JSON.stringify(given)})`);
    out[name] = Array.isArray(given) ? Object.freeze([...given]) : given;
  }
  return out;
}

function optionProblem(value: unknown, spec: RuleOptionSpec): string | undefined {
  switch (spec.type) {
    case "boolean":
      return typeof value === "boolean" ? undefined : "true or false";
    case "number": {
      const range = `${spec.minimum !== undefined ? ` ≥ ${spec.minimum}` : ""}${spec.maximum !== undefined ? ` ≤ ${spec.maximum}` : ""}`;
      if (typeof value !== "number" || !Number.isFinite(value)) return `a number${range}`;
      if ((spec.minimum !== undefined && value < spec.minimum) || (spec.maximum !== undefined && value > spec.maximum)) return `a number${range}`;
      return undefined;
    }
    case "string":
      if (typeof value !== "string") return spec.enum ? `one of ${spec.enum.map((e) => `"${e}"`).join(", ")}` : "a string";
      return spec.enum && !spec.enum.includes(value) ? `one of ${spec.enum.map((e) => `"${e}"`).join(", ")}` : undefined;
    case "string[]":
      return Array.isArray(value) && value.every((v) => typeof v === "string") ? undefined : "a list of strings";
  }
}

function parseOverride(block: unknown, byId: Map<string, RuleMeta>, where: string, key: string): PathOverride {
  const object = checkObject(block, where, key);
  for (const k of Object.keys(object)) {
    if (k !== "files" && k !== "rules") throw new ConfigError(`${where}: ${key} has unknown key "${k}"; expected files and rules`);
  }
  const files = stringList(object.files, where, `${key}.files`);
  if (files.length === 0) throw new ConfigError(`${where}: ${key}.files must list at least one glob`);
  const rules = new Map<string, RuleLevel>();
  for (const [id, value] of Object.entries(checkObject(object.rules ?? {}, where, `${key}.rules`))) {
    ruleMeta(id, byId, where, `${key}.rules`);
    if (typeof value !== "string" || !(LEVELS as readonly string[]).includes(value)) {
      // Options depend on the whole repository, so they are set once, not per path.
      throw new ConfigError(`${where}: ${key}.rules["${id}"] must be one of ${LEVELS.map((l) => `"${l}"`).join(", ")} (options can be set only in the top-level rules)`);
    }
    rules.set(id, value as RuleLevel);
  }
  return { files, rules };
}

function ruleMeta(id: string, byId: Map<string, RuleMeta>, where: string, key: string): RuleMeta {
  const meta = byId.get(id);
  if (!meta) throw new ConfigError(`${where}: ${key} names unknown rule "${id}"${didYouMean(id, [...byId.keys()])} (\`readiness-check rules\` lists them)`);
  return meta;
}

function checkObject(value: unknown, where: string, key: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new ConfigError(`${where}: ${key} must be an object`);
  return value as Record<string, unknown>;
}

function stringList(value: unknown, where: string, key: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string" && v.trim() !== "")) {
    throw new ConfigError(`${where}: "${key}" must be a list of glob strings`);
  }
  return value as string[];
}
