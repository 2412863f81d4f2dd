/**
 * Helpers for rules that read Go syntax trees (web-tree-sitter nodes from the Go loader).
 * Type-only import of the parser: rules inspect nodes they are handed, they never parse.
 */
import type { Node as GoNode } from "web-tree-sitter";
import type { SourceCall, SourceImport } from "../model/artifacts.js";
import type { Range } from "../model/location.js";

/**
 * A node's range. web-tree-sitter parses the JavaScript string as UTF-16, so its columns are
 * already UTF-16 code units, which is what our positions count (the loader relies on the same).
 */
export function goNodeRange(node: GoNode): Range {
  return {
    start: { line: node.startPosition.row + 1, column: node.startPosition.column + 1 },
    end: { line: node.endPosition.row + 1, column: node.endPosition.column + 1 },
  };
}

/**
 * The loader's calls that lie inside `node` (a function body, say), in document order: reading the
 * model is much cheaper than walking the subtree again and reading each call's nodes across wasm.
 */
export function callsWithin<C extends SourceCall>(calls: readonly C[], node: GoNode): C[] {
  const start = node.startIndex;
  const end = node.endIndex;
  return calls.filter((c) => {
    const at = (c.node as GoNode).startIndex;
    return at >= start && at < end;
  });
}

/** The arguments of a call_expression, comments left out. */
export function callArguments(call: GoNode): GoNode[] {
  const list = call.childForFieldName("arguments");
  if (!list) return [];
  return list.namedChildren.filter((n): n is GoNode => n !== null && n.type !== "comment");
}

/** The import bound to a file-local package name (`f` for `import f "fmt"`). */
export function importForName(imports: readonly SourceImport[], localName: string): SourceImport | undefined {
  if (localName === "_" || localName === ".") return undefined;
  return imports.find((i) => i.localName === localName);
}

/** Whether `node` is `<pkg>.<Name>` where `pkg` is bound to `module` and Name is one of `names`. */
export function isPackageSelector(
  node: GoNode,
  imports: readonly SourceImport[],
  module: string,
  names: readonly string[],
): boolean {
  if (node.type !== "selector_expression") return false;
  const operand = node.childForFieldName("operand");
  const field = node.childForFieldName("field");
  if (operand?.type !== "identifier" || !field || !names.includes(field.text)) return false;
  return importForName(imports, operand.text)?.module === module;
}

/** Names declared at package level in this file: functions (not methods), vars, consts and types. */
export function packageLevelNames(root: GoNode): Set<string> {
  const names = new Set<string>();
  for (const declaration of root.namedChildren) {
    if (!declaration) continue;
    switch (declaration.type) {
      case "function_declaration":
        addName(names, declaration.childForFieldName("name"));
        break;
      case "var_declaration":
      case "const_declaration":
        for (const spec of declaration.descendantsOfType(["var_spec", "const_spec"])) {
          for (const name of spec?.childrenForFieldName("name") ?? []) addName(names, name);
        }
        break;
      case "type_declaration":
        for (const spec of declaration.descendantsOfType(["type_spec", "type_alias"])) {
          addName(names, spec?.childForFieldName("name") ?? null);
        }
        break;
    }
  }
  return names;
}

/**
 * Whether `name` is declared anywhere inside the top-level function around `node` (parameters,
 * receivers, `:=`, `var`, `const`, range variables). Scope-insensitive on purpose: when in doubt
 * the identifier is treated as shadowed, which makes rules miss rather than misreport.
 */
export function declaredInEnclosingFunction(node: GoNode, name: string): boolean {
  let fn: GoNode | null = node;
  while (fn && fn.type !== "function_declaration" && fn.type !== "method_declaration") fn = fn.parent;
  if (!fn) return false;
  return namesDeclaredIn(fn).has(name);
}

// Per tree, per function node id: a function is walked once however many calls ask about it.
const declaredNamesByTree = new WeakMap<object, Map<number, Set<string>>>();

function namesDeclaredIn(fn: GoNode): Set<string> {
  let byFunction = declaredNamesByTree.get(fn.tree);
  if (!byFunction) declaredNamesByTree.set(fn.tree, (byFunction = new Map()));
  const known = byFunction.get(fn.id);
  if (known) return known;
  const names = new Set<string>();
  for (const declaration of fn.descendantsOfType([
    "parameter_declaration",
    "variadic_parameter_declaration",
    "var_spec",
    "const_spec",
    "short_var_declaration",
    "range_clause",
    "receive_statement",
  ])) {
    if (!declaration) continue;
    switch (declaration.type) {
      case "short_var_declaration":
      case "range_clause":
      case "receive_statement":
        for (const n of declaration.childForFieldName("left")?.namedChildren ?? []) {
          if (n?.type === "identifier") names.add(n.text);
        }
        break;
      default:
        for (const n of declaration.childrenForFieldName("name")) if (n) names.add(n.text);
    }
  }
  byFunction.set(fn.id, names);
  return names;
}

/** The value of a Go string literal node, or undefined when the node is not a string literal. */
export function stringLiteralValue(node: GoNode): string | undefined {
  if (node.type !== "raw_string_literal" && node.type !== "interpreted_string_literal") return undefined;
  return goStringValue(node.text);
}

/** The value of a Go string literal from its source text, quotes included (`"a\tb"`, `` `raw` ``). */
export function goStringValue(literal: string): string {
  if (literal.startsWith("`")) return literal.slice(1, -1).replace(/\r/g, "");
  const body = literal.slice(1, -1);
  const simple: Record<string, string> = { n: "\n", t: "\t", r: "\r", '"': '"', "\\": "\\", "'": "'", a: "\x07", b: "\b", f: "\f", v: "\v" };
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|.)/g, (whole, escape: string) => {
    if (escape in simple) return simple[escape]!;
    if (/^[xuU]/.test(escape)) return String.fromCodePoint(parseInt(escape.slice(1), 16));
    if (/^[0-7]{3}$/.test(escape)) return String.fromCharCode(parseInt(escape, 8));
    return whole;
  });
}

function addName(names: Set<string>, node: GoNode | null): void {
  if (node && node.text !== "_") names.add(node.text);
}
