/**
 * The JSON Schema of the configuration file, generated from the rule registry so editors complete
 * rule ids and their options. Written to schemas/readiness-config.schema.json by `npm run docs`;
 * a test fails when the committed file drifts from the registry.
 */
import type { RuleMeta, RuleOptionSpec } from "../model/rule.js";
import { PRESETS } from "./resolve.js";

export const CONFIG_SCHEMA_PATH = "schemas/readiness-config.schema.json";
export const CONFIG_SCHEMA_ID = "https://github.com/readiness-check/readiness-check/raw/main/schemas/readiness-config.schema.json";

type Schema = Record<string, unknown>;

export function configSchema(metas: readonly RuleMeta[]): Schema {
  const sorted = [...metas].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const level = { enum: ["off", "error", "warning", "note"] };
  const rules: Record<string, Schema> = {};
  const overrideRules: Record<string, Schema> = {};
  for (const meta of sorted) {
    const description = `${meta.title} (default: ${meta.severity}). ${meta.docsUrl}`;
    const options = Object.entries(meta.options ?? {});
    const withOptions: Schema[] = [{ $ref: "#/definitions/level" }];
    if (options.length > 0) {
      withOptions.push({
        type: "array",
        items: [
          { $ref: "#/definitions/level" },
          { type: "object", additionalProperties: false, properties: Object.fromEntries(options.map(([name, spec]) => [name, optionSchema(spec)])) },
        ],
        minItems: 1,
        maxItems: 2,
      });
    } else {
      withOptions.push({ type: "array", items: [{ $ref: "#/definitions/level" }], minItems: 1, maxItems: 1 });
    }
    rules[meta.id] = { description, anyOf: withOptions.map(stripUndefined) };
    overrideRules[meta.id] = { description, $ref: "#/definitions/level" };
  }
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    $id: CONFIG_SCHEMA_ID,
    title: "readiness-check configuration",
    description: "readiness.config.*, .readinessrc* or the \"readiness\" key of package.json.",
    type: "object",
    additionalProperties: false,
    definitions: {
      level: { ...level, description: "off, or the severity the rule's findings get" },
      extendsEntry: {
        anyOf: [{ enum: [...PRESETS, ...PRESETS.map((p) => `readiness-check:${p}`)] }, { type: "string", pattern: "^(\\./|\\.\\./|/)" }],
      },
    },
    properties: {
      $schema: { type: "string" },
      extends: {
        description: `A preset (${PRESETS.join(", ")}) or a path to another configuration file (./base.json), or a list of them; later entries win.`,
        anyOf: [{ $ref: "#/definitions/extendsEntry" }, { type: "array", items: { $ref: "#/definitions/extendsEntry" } }],
      },
      rules: { type: "object", additionalProperties: false, properties: rules },
      ignore: { description: "Paths not to scan, in .gitignore syntax, relative to this file's folder (in addition to .gitignore).", type: "array", items: { type: "string", minLength: 1 } },
      overrides: {
        description: "Per-path rule levels (ESLint `files` blocks): globs relative to this file's folder; the last matching block wins.",
        type: "array",
        items: {
          type: "object",
          additionalProperties: false,
          required: ["files"],
          properties: {
            files: { type: "array", items: { type: "string", minLength: 1 }, minItems: 1 },
            rules: { type: "object", additionalProperties: false, properties: overrideRules },
          },
        },
      },
    },
  };
}

export function renderConfigSchema(metas: readonly RuleMeta[]): string {
  return JSON.stringify(configSchema(metas), null, 2) + "\n";
}

function optionSchema(spec: RuleOptionSpec): Schema {
  const base = { description: spec.description, default: spec.default };
  switch (spec.type) {
    case "boolean":
      return { ...base, type: "boolean" };
    case "number":
      return stripUndefined({ ...base, type: "number", minimum: spec.minimum, maximum: spec.maximum });
    case "string":
      return stripUndefined({ ...base, type: "string", enum: spec.enum ? [...spec.enum] : undefined });
    case "string[]":
      return { ...base, type: "array", items: { type: "string" } };
  }
}

function stripUndefined(schema: Schema): Schema {
  return Object.fromEntries(Object.entries(schema).filter(([, v]) => v !== undefined));
}
