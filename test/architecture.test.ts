/**
 * Keeps the dependency direction true: cli -> api -> {loaders, engine, reporters, rules}, where the cli
 * may also load api's light modules (version, render, cache, reporters) without the rules;
 * rules -> rule-kit -> model; loaders -> model; reporters -> model; the model imports nothing.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ts } from "ts-morph";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...sourceFiles(full));
    else if (name.endsWith(".ts")) out.push(full);
  }
  return out;
}

/** Every module a file imports at runtime (type-only imports are erased and may cross layers). */
function runtimeImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, false);
  const specs: string[] = [];
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      const typeOnly =
        clause?.isTypeOnly ||
        (clause && !clause.name && clause.namedBindings && ts.isNamedImports(clause.namedBindings) &&
          clause.namedBindings.elements.length > 0 && clause.namedBindings.elements.every((e) => e.isTypeOnly));
      if (!typeOnly) specs.push((statement.moduleSpecifier as ts.StringLiteral).text);
    } else if (ts.isExportDeclaration(statement) && statement.moduleSpecifier && !statement.isTypeOnly) {
      specs.push((statement.moduleSpecifier as ts.StringLiteral).text);
    }
  }
  return specs;
}

/** The layer a resolved import lands in: a folder of ours, or the package name. */
function layerOf(fromFile: string, spec: string): string {
  if (!spec.startsWith(".")) return spec.startsWith("node:") ? "node" : spec.split("/")[0]!.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!;
  const target = path.relative(ROOT, path.resolve(path.dirname(fromFile), spec));
  const parts = target.split(path.sep);
  if (parts[0] === "rules") return "rules";
  if (parts[0] === "src" && parts.length === 2) return parts[1]!.replace(/\.js$/, "");
  return parts[1] ?? target;
}

const ALLOWED: Record<string, (layer: string) => boolean> = {
  "src/model": (l) => l === "model",
  "src/rule-kit": (l) => ["model", "rule-kit"].includes(l),
  rules: (l) => ["model", "rule-kit", "rules", "ts-morph"].includes(l),
  "src/loaders": (l) => !["engine", "reporters", "rules", "cli", "api", "rule-kit"].includes(l),
  "src/engine": (l) => ["model", "rule-kit", "engine"].includes(l),
  "src/reporters": (l) => ["model", "reporters", "chalk"].includes(l),
  // Besides api: its light front (identity, rendering, the cache lookup), loaded before any rule or parser.
  "src/cli": (l) => ["api", "version", "render", "cache", "reporters", "cli", "node"].includes(l),
  // Configuration loading: the file search and code loading (cosmiconfig, jiti); resolution is pure.
  "src/config": (l) => ["model", "config", "engine", "node", "cosmiconfig", "jiti"].includes(l),
};

describe("import boundaries", () => {
  for (const [folder, allowed] of Object.entries(ALLOWED)) {
    it(`${folder} imports only what its layer may`, () => {
      const violations: string[] = [];
      for (const file of sourceFiles(path.join(ROOT, folder))) {
        for (const spec of runtimeImports(file)) {
          const layer = layerOf(file, spec);
          if (!allowed(layer)) violations.push(`${path.relative(ROOT, file)} imports ${spec} (${layer})`);
        }
      }
      expect(violations).toEqual([]);
    });
  }

  it("nothing imports the cli", () => {
    const offenders = [...sourceFiles(path.join(ROOT, "src")), ...sourceFiles(path.join(ROOT, "rules"))]
      .filter((f) => !f.includes(`${path.sep}cli${path.sep}`))
      .filter((f) => runtimeImports(f).some((s) => s.startsWith(".") && layerOf(f, s) === "cli"));
    expect(offenders).toEqual([]);
  });
});
