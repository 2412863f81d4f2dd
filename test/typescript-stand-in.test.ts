/**
 * Go worker threads load the rules with `ts-morph` resolved to a stand-in (src/typescript-stand-in.ts):
 * harmless while the rules' modules load, refusing every use once the worker serves.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ts as realTs } from "ts-morph";
import { describe, expect, it } from "vitest";
import { armTypescriptStandIn, ts } from "../src/typescript-stand-in.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? sourceFiles(full) : name.endsWith(".ts") ? [full] : [];
  });
}

describe("the TypeScript stand-in of Go worker threads", () => {
  it("gives inert values to module-level code, then refuses every use once armed", () => {
    const anyTs = ts as any;
    const kinds = new Set([anyTs.SyntaxKind.CallExpression, anyTs.SyntaxKind.Identifier]);
    expect(kinds.size).toBe(1);
    expect(() => anyTs.factory.createIdentifier("x")).not.toThrow();
    expect(`${anyTs.version}`).toBe("0");
    armTypescriptStandIn();
    expect(() => anyTs.SyntaxKind).toThrow(/TypeScript compiler is not loaded in Go worker threads/);
    expect(() => anyTs.isIdentifier({})).toThrow(/not loaded/);
    // Values read before arming refuse too: a Go analysis cannot compute with them by mistake.
    expect(() => [...kinds][0].text).toThrow(/not loaded/);
  });

  it("stands in for everything the worker's modules take from ts-morph: only `ts`", () => {
    const named = new Set<string>();
    for (const file of [...sourceFiles(path.join(ROOT, "src")), ...sourceFiles(path.join(ROOT, "rules"))]) {
      const source = realTs.createSourceFile(file, readFileSync(file, "utf8"), realTs.ScriptTarget.Latest, false);
      for (const statement of source.statements) {
        if (!realTs.isImportDeclaration(statement) || (statement.moduleSpecifier as realTs.StringLiteral).text !== "ts-morph") continue;
        const clause = statement.importClause;
        if (!clause || clause.isTypeOnly) continue;
        if (clause.name) named.add("default");
        const bindings = clause.namedBindings;
        if (bindings && realTs.isNamespaceImport(bindings)) named.add("*");
        if (bindings && realTs.isNamedImports(bindings)) {
          for (const element of bindings.elements) if (!element.isTypeOnly) named.add((element.propertyName ?? element.name).text);
        }
      }
    }
    expect([...named]).toEqual(["ts"]);
  });
});
