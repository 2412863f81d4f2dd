import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Ajv from "ajv";
import { describe, expect, it } from "vitest";
import { registeredRules } from "../../src/api.js";
import { loadConfig } from "../../src/config/load.js";
import { ConfigError, presetLevels, resolveConfig } from "../../src/config/resolve.js";
import { CONFIG_SCHEMA_PATH, configSchema, renderConfigSchema } from "../../src/config/schema.js";
import { allRuleMetas } from "../../src/engine/registry.js";
import type { RuleMeta } from "../../src/model/rule.js";

const metas = allRuleMetas(registeredRules());
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

function resolve(raw: unknown) {
  return resolveConfig([{ raw: raw as object, where: ".readinessrc.json" }], metas);
}
function problem(raw: unknown): string {
  try {
    resolve(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("expected a ConfigError");
}

function dir(files: Record<string, string>, git = true): string {
  const root = realpathSync(mkdtempSync(path.join(tmpdir(), "rc-config-")));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  if (git) execFileSync("git", ["init", "-q"], { cwd: root });
  return root;
}

describe("presets", () => {
  const fake = (id: string, severity: RuleMeta["severity"], precision: RuleMeta["precision"]) =>
    ({ id, severity, precision, options: {} }) as unknown as RuleMeta;
  const rules = [fake("a/warn", "warning", "high"), fake("a/note", "note", "very-high"), fake("a/err", "error", "high"), fake("a/noisy", "warning", "medium")];

  it("recommended: high-precision rules at their default severity", () => {
    expect(Object.fromEntries(presetLevels("recommended", rules))).toEqual({ "a/warn": "warning", "a/note": "note", "a/err": "error" });
  });

  it("strict: every rule, warnings promoted to errors and notes to warnings", () => {
    expect(Object.fromEntries(presetLevels("strict", rules))).toEqual({ "a/warn": "error", "a/note": "warning", "a/err": "error", "a/noisy": "error" });
  });
});

describe("resolveConfig", () => {
  it("defaults to recommended", () => {
    const config = resolve({});
    expect(config.rules.get("docker/base-image-pinned")?.severity).toBe("warning");
    expect(config.rules.get("k8s/probes-defined")?.severity).toBe("error");
  });

  it("turns rules off, overrides severity ESLint-style and takes options", () => {
    const rules: Record<string, unknown> = { "docker/base-image-pinned": "error", "k8s/resources-set": "off", "ts/no-console": ["note"] };
    const config = resolve({ extends: "strict", rules });
    expect(config.rules.get("docker/base-image-pinned")?.severity).toBe("error");
    expect(config.rules.has("k8s/resources-set")).toBe(false);
    expect(config.rules.get("docker/non-root-user")?.severity).toBe("error"); // strict promoted it
    expect(config.rules.get("ts/no-console")?.severity).toBe("note");
  });

  it.each([
    [{ rules: { "docker/base-image-pined": "error" } }, /\.readinessrc\.json: rules names unknown rule "docker\/base-image-pined"; did you mean "docker\/base-image-pinned"\?/],
    [{ rules: { "base-image-pinned": "error" } }, /did you mean "docker\/base-image-pinned"/],
    [{ rules: { "docker/base-image-pinned": "warn" } }, /rules\["docker\/base-image-pinned"\] must be one of "off", "error", "warning", "note" or \[severity, \{ options \}\] \(got "warn"; did you mean "warning"\?\)/],
    [{ rules: { "docker/base-image-pinned": ["error", { bogus: 1 }] } }, /option "bogus", but docker\/base-image-pinned takes no options|unknown option "bogus"/],
    [{ extends: "strickt" }, /unknown preset "strickt"; did you mean "strict"\?/],
    [{ rulez: {} }, /unknown key "rulez"; did you mean "rules"\?/],
    [{ ignore: "dist" }, /"ignore" must be a list of glob strings/],
    [{ overrides: [{ files: [], rules: {} }] }, /overrides\[0\]\.files must list at least one glob/],
    [{ overrides: [{ files: ["a/**"], rules: { "k8s/resources-set": ["off", {}] } }] }, /options can be set only in the top-level rules/],
  ])("rejects %j with one clear line", (raw, pattern) => {
    const message = problem(raw);
    expect(message).toMatch(pattern);
    expect(message).not.toContain("\n");
  });

  it("validates option names, types, ranges and enums against meta.options", () => {
    const tunable = {
      id: "x/tunable", severity: "warning", precision: "high",
      options: {
        strict: { type: "boolean", default: false, description: "d" },
        seconds: { type: "number", default: 300, minimum: 1, maximum: 3600, description: "d" },
        mode: { type: "string", default: "a", enum: ["a", "b"], description: "d" },
        allow: { type: "string[]", default: [], description: "d" },
      },
    } as unknown as RuleMeta;
    const check = (options: unknown) => {
      try {
        const config = resolveConfig([{ raw: { rules: { "x/tunable": ["error", options] } }, where: "cfg.json" }], [tunable]);
        return config.rules.get("x/tunable")!.options;
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as Error).message;
      }
    };
    expect(check({ seconds: 60, allow: ["a"] })).toEqual({ strict: false, seconds: 60, mode: "a", allow: ["a"] });
    expect(check({ strict: "yes" })).toBe('cfg.json: rules["x/tunable"] option "strict" must be true or false (got "yes")');
    expect(check({ seconds: 0 })).toBe('cfg.json: rules["x/tunable"] option "seconds" must be a number ≥ 1 ≤ 3600 (got 0)');
    expect(check({ mode: "c" })).toBe('cfg.json: rules["x/tunable"] option "mode" must be one of "a", "b" (got "c")');
    expect(check({ allow: "a" })).toBe('cfg.json: rules["x/tunable"] option "allow" must be a list of strings (got "a")');
    expect(check({ secnds: 1 })).toBe('cfg.json: rules["x/tunable"] has unknown option "secnds"; did you mean "seconds"?; x/tunable accepts strict, seconds, mode, allow');
    expect(check([1])).toMatch(/must be an object of options/);
  });
});

describe("loadConfig", () => {
  it("finds .readinessrc.yaml in the scanned folder", async () => {
    const root = dir({ ".readinessrc.yaml": "rules:\n  docker/base-image-pinned: error\n" });
    const config = await loadConfig({ scanRoot: root, repoRoot: root, metas });
    expect(config.filepath).toBe(path.join(root, ".readinessrc.yaml"));
    expect(config.rules.get("docker/base-image-pinned")?.severity).toBe("error");
  });

  it("reads the \"readiness\" key of package.json, and skips a package.json without one", async () => {
    const root = dir({ "package.json": JSON.stringify({ name: "x", readiness: { rules: { "ts/no-console": "off" } } }), "svc/package.json": "{\"name\":\"svc\"}" });
    const config = await loadConfig({ scanRoot: path.join(root, "svc"), repoRoot: root, metas });
    expect(config.filepath).toBe(path.join(root, "package.json"));
    expect(config.rules.has("ts/no-console")).toBe(false);
  });

  it("loads a TypeScript config without the typescript peer (jiti)", async () => {
    const root = dir({
      "readiness.config.ts": "const level: 'error' = 'error';\nexport default { extends: 'strict', rules: { 'k8s/resources-set': level } };\n",
    });
    const config = await loadConfig({ scanRoot: root, repoRoot: root, metas });
    expect(config.rules.get("k8s/resources-set")?.severity).toBe("error");
  });

  it("loads readiness.config.mjs and follows extends to another file", async () => {
    const root = dir({
      "base.json": JSON.stringify({ rules: { "docker/base-image-pinned": "note" } }),
      "readiness.config.mjs": "export default { extends: ['./base.json'], rules: { 'k8s/probes-defined': 'warning' } };\n",
    });
    const config = await loadConfig({ scanRoot: root, repoRoot: root, metas });
    expect(config.rules.get("docker/base-image-pinned")?.severity).toBe("note");
    expect(config.rules.get("k8s/probes-defined")?.severity).toBe("warning");
  });

  it("applies extends entries in order, presets and files alike: later entries win, the file itself last", async () => {
    const root = dir({
      "base.json": JSON.stringify({ rules: { "docker/base-image-pinned": "note" } }),
      "a.json": JSON.stringify({ extends: ["strict", "./base.json"] }),
      "b.json": JSON.stringify({ extends: ["./base.json", "strict"], rules: { "k8s/resources-set": "note" } }),
    });
    const a = await loadConfig({ scanRoot: root, repoRoot: root, metas, configFile: path.join(root, "a.json") });
    expect(a.rules.get("docker/base-image-pinned")?.severity).toBe("note");
    expect(a.rules.get("docker/non-root-user")?.severity).toBe("error");
    const b = await loadConfig({ scanRoot: root, repoRoot: root, metas, configFile: path.join(root, "b.json") });
    expect(b.rules.get("docker/base-image-pinned")?.severity).toBe("error");
    expect(b.rules.get("k8s/resources-set")?.severity).toBe("note");
  });

  it("never runs a code config from above the scanned folder, and never looks above the repository root", async () => {
    const root = dir({ "readiness.config.js": "export default {};\n", "svc/Dockerfile": "FROM scratch\n" });
    await expect(loadConfig({ scanRoot: path.join(root, "svc"), repoRoot: root, metas })).rejects.toThrow(/is code and runs only from the scanned folder; pass --config/);
    const outer = dir({ ".readinessrc.json": "{\"rules\":{\"bogus/rule\":\"off\"}}", "repo/Dockerfile": "FROM scratch\n" }, false);
    execFileSync("git", ["init", "-q"], { cwd: path.join(outer, "repo") });
    const config = await loadConfig({ scanRoot: path.join(outer, "repo"), repoRoot: path.join(outer, "repo"), metas });
    expect(config.filepath).toBeUndefined();
  });

  it("names the file in load errors", async () => {
    const root = dir({ ".readinessrc.json": "{ \"rules\": " });
    await expect(loadConfig({ scanRoot: root, repoRoot: root, metas })).rejects.toThrow(/\.readinessrc\.json/);
    await expect(loadConfig({ scanRoot: root, repoRoot: root, metas, configFile: path.join(root, "nope.json") })).rejects.toThrow(/config file not found/);
  });
});

describe("configuration JSON Schema", () => {
  it(`${CONFIG_SCHEMA_PATH} matches the rule registry (run \`npm run docs\`)`, () => {
    expect(readFileSync(path.join(ROOT, CONFIG_SCHEMA_PATH), "utf8")).toBe(renderConfigSchema(metas));
  });

  it("enumerates every rule id and its options, and accepts what the loader accepts", () => {
    const schema = configSchema(metas) as { properties: { rules: { properties: Record<string, unknown> } } };
    expect(Object.keys(schema.properties.rules.properties).sort()).toEqual(metas.map((m) => m.id).sort());
    const validate = new Ajv({ strict: false }).compile(configSchema(metas));
    expect(validate({ $schema: "x", extends: ["strict", "./base.json"], rules: { "docker/base-image-pinned": ["error"] }, ignore: ["legacy/**"], overrides: [{ files: ["test/**"], rules: { "ts/no-console": "off" } }] })).toBe(true);
    expect(validate({ rules: { "docker/base-image-pined": "error" } })).toBe(false);
    expect(validate({ rules: { "docker/base-image-pinned": "warn" } })).toBe(false);
  });
});

describe("README examples", () => {
  it("the YAML and TypeScript configurations in the README load", async () => {
    const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
    const yamlBlock = /```yaml\n(# \.readinessrc\.yaml[\s\S]*?)```/.exec(readme)?.[1];
    const tsBlock = /```ts\n(\/\/ readiness\.config\.ts[\s\S]*?)```/.exec(readme)?.[1];
    expect(yamlBlock).toBeDefined();
    expect(tsBlock).toBeDefined();
    const root = dir({ ".readinessrc.yaml": yamlBlock!, "ts/readiness.config.ts": tsBlock! });
    const fromYaml = await loadConfig({ scanRoot: root, repoRoot: root, metas });
    expect(fromYaml.rules.has("k8s/resources-set")).toBe(false);
    expect(fromYaml.overrides).toHaveLength(1);
    const fromTs = await loadConfig({ scanRoot: path.join(root, "ts"), repoRoot: root, metas });
    expect(fromTs.rules.has("ts/no-console")).toBe(false);
  });
});
