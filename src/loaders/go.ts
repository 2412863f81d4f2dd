import { createRequire } from "node:module";
import { Language, Parser, type Node, type Point, type Tree } from "web-tree-sitter";
import type { GoFile, SourceCall, SourceImport } from "../model/artifacts.js";
import type { LoadDiagnostic } from "../model/finding.js";
import type { Position, Range } from "../model/location.js";
import { calleeText } from "./callee-text.js";

export interface GoParser {
  parse(path: string, text: string): { file: GoFile<Node>; diagnostics: LoadDiagnostic[] };
  /** Frees the tree-sitter tree behind a parsed file (wasm memory is not garbage-collected). */
  free(file: GoFile<Node>): void;
  dispose(): void;
}

// The wasm runtime and the grammar are loaded once per process; every scan reuses them.
let languagePromise: Promise<Language> | undefined;

function loadGoLanguage(): Promise<Language> {
  languagePromise ??= (async () => {
    await Parser.init();
    const wasm = createRequire(import.meta.url).resolve("tree-sitter-go/tree-sitter-go.wasm");
    return Language.load(wasm);
  })().catch((error: unknown) => {
    languagePromise = undefined; // let a later scan retry instead of caching the failure
    throw error;
  });
  return languagePromise;
}

export async function createGoParser(): Promise<GoParser> {
  const language = await loadGoLanguage();
  const parser = new Parser();
  parser.setLanguage(language);
  // Trees live in wasm memory: keep them by file so free() and dispose() can delete them.
  const trees = new Map<GoFile<Node>, Tree>();

  return {
    parse(path, text) {
      const tree = parser.parse(text);
      // null only happens without a language or with a cancelled parse: a programming error.
      if (!tree) throw new Error(`tree-sitter returned no tree for ${path}`);
      const file = buildGoFile(path, text, tree.rootNode);
      trees.set(file, tree);
      const diagnostics: LoadDiagnostic[] = [];
      if (tree.rootNode.hasError) diagnostics.push(syntaxErrorDiagnostic(path, tree.rootNode));
      return { file, diagnostics };
    },
    free(file) {
      trees.get(file)?.delete();
      trees.delete(file);
    },
    dispose() {
      for (const tree of trees.values()) tree.delete();
      trees.clear();
      parser.delete();
    },
  };
}

function buildGoFile(path: string, text: string, root: Node): GoFile<Node> {
  const packageClause = root.namedChildren.find((n) => n?.type === "package_clause") ?? undefined;
  const imports = collectImports(root);
  return {
    path,
    text,
    packageName: packageClause?.namedChildren.find((n) => n?.type === "package_identifier")?.text ?? "",
    dir: posixDirname(path),
    root,
    imports,
    calls: collectCalls(root, text, imports),
    isTest: path.endsWith("_test.go") || `/${path}`.includes("/testdata/"),
    isGenerated: hasGeneratedHeader(text, packageClause?.startPosition.row ?? 0),
  };
}

function collectImports(root: Node): SourceImport[] {
  const imports: SourceImport[] = [];
  for (const declaration of root.namedChildren) {
    if (declaration?.type !== "import_declaration") continue;
    for (const spec of declaration.descendantsOfType("import_spec")) {
      const pathNode = spec?.childForFieldName("path");
      if (!spec || !pathNode) continue;
      const module = unquote(pathNode.text);
      const alias = spec.childForFieldName("name")?.text;
      imports.push({ module, localName: alias ?? assumedPackageName(module), range: nodeRange(spec) });
    }
  }
  return imports;
}

/**
 * The name a package is usually declared with, from its import path (the real name is in the
 * package's source, which we do not read): the last segment, skipping a major-version suffix
 * (`.../y/v2` -> "y"), without a `go-` prefix or a `.v3`-style suffix (`gopkg.in/yaml.v3` -> "yaml").
 */
export function assumedPackageName(importPath: string): string {
  const segments = importPath.split("/");
  let base = segments[segments.length - 1] ?? importPath;
  if (/^v\d+$/.test(base) && segments.length > 1) base = segments[segments.length - 2]!;
  if (base.startsWith("go-")) base = base.slice(3);
  const end = base.search(/[^A-Za-z0-9_]/);
  return end > 0 ? base.slice(0, end) : base;
}

function collectCalls(root: Node, text: string, imports: SourceImport[]): SourceCall<Node>[] {
  const byLocalName = new Map<string, string>();
  for (const i of imports) {
    if (i.localName && i.localName !== "_" && i.localName !== ".") byLocalName.set(i.localName, i.module);
  }
  const calls: SourceCall<Node>[] = [];
  // Named functions and methods only appear at the top level in Go (closures are func literals).
  for (const declaration of root.namedChildren) {
    if (!declaration) continue;
    const named = declaration.type === "function_declaration" || declaration.type === "method_declaration";
    const enclosingFunction = named ? declaration.childForFieldName("name")?.text : undefined;
    for (const node of declaration.descendantsOfType("call_expression")) {
      const callee = node?.childForFieldName("function");
      if (!node || !callee) continue;
      const call: SourceCall<Node> = {
        callee: calleeText(text, callee.startIndex, callee.endIndex),
        isNew: false,
        range: nodeRange(node),
        node,
      };
      if (enclosingFunction) call.enclosingFunction = enclosingFunction;
      if (callee.type === "selector_expression") {
        const operand = callee.childForFieldName("operand");
        const module = operand?.type === "identifier" ? byLocalName.get(operand.text) : undefined;
        if (module !== undefined) {
          call.module = module;
          call.member = callee.childForFieldName("field")?.text;
        }
      }
      calls.push(call);
    }
  }
  return calls;
}

/** Go's convention (go help generate): a `// Code generated ... DO NOT EDIT.` line before the package clause. */
function hasGeneratedHeader(text: string, packageRow: number): boolean {
  const lines = text.split("\n", packageRow + 1);
  return lines.some((line) => /^\/\/ Code generated .* DO NOT EDIT\.\s*$/.test(line));
}

/** Go's keywords: an unexpected keyword is named in a message, any other word is not (it may be a secret). */
const GO_KEYWORDS = new Set([
  "break", "case", "chan", "const", "continue", "default", "defer", "else", "fallthrough", "for", "func",
  "go", "goto", "if", "import", "interface", "map", "package", "range", "return", "select", "struct",
  "switch", "type", "var",
]);

/**
 * Only Go keywords and short runs of punctuation are quoted: anything else in an error span (an
 * identifier, a number, a string literal) is input text that may be a secret.
 */
function quotableToken(text: string): boolean {
  if (text.length === 0 || text.length > 11) return false; // "fallthrough" is the longest keyword
  return GO_KEYWORDS.has(text) || /^[!%&()*+,\-./:;<=>[\]^{|}~]+$/.test(text);
}

function syntaxErrorDiagnostic(path: string, root: Node): LoadDiagnostic {
  const bad = firstErrorNode(root) ?? root;
  const what = bad.isMissing
    ? `missing \`${bad.type}\``
    : `unexpected ${quotableToken(bad.text) ? `\`${bad.text}\`` : "input"}`;
  return {
    kind: "parse-error",
    path,
    range: nodeRange(bad),
    message: `Go syntax error: ${what}. Rules saw a partial syntax tree, so findings in this file may be incomplete.`,
  };
}

/**
 * The first ERROR or MISSING node in document order. Iterative (a tree cursor): errors can sit
 * thousands of levels deep (nested parentheses), too deep to recurse.
 */
function firstErrorNode(root: Node): Node | undefined {
  const cursor = root.walk();
  try {
    for (;;) {
      const node = cursor.currentNode;
      if (node.isError || node.isMissing) return node;
      // Only subtrees holding an error are entered.
      if (node.hasError && cursor.gotoFirstChild()) continue;
      while (!cursor.gotoNextSibling()) {
        if (!cursor.gotoParent()) return undefined;
      }
    }
  } finally {
    cursor.delete();
  }
}

/**
 * web-tree-sitter hands the JavaScript string to the parser as UTF-16, so its columns already
 * count UTF-16 code units (not UTF-8 bytes as native tree-sitter does); see test/loaders/go.test.ts.
 */
function toPosition(point: Point): Position {
  return { line: point.row + 1, column: point.column + 1 };
}

function nodeRange(node: Node): Range {
  return { start: toPosition(node.startPosition), end: toPosition(node.endPosition) };
}

function unquote(literal: string): string {
  return literal.replace(/^["`]|["`]$/g, "");
}

function posixDirname(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? "" : path.slice(0, slash);
}
