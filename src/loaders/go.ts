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

/** The node types the model is built from, collected in one walk over the tree (done in wasm, not in JavaScript). */
const MODEL_TYPES = ["package_clause", "import_spec", "function_declaration", "method_declaration", "call_expression"];

/**
 * Builds the model from one `descendantsOfType` walk: the walk runs inside wasm and hands back the
 * nodes in document order, so functions come before the calls in their bodies. Every property read
 * on a node is a call into wasm; the loop reads as few as it can (start positions come with the node,
 * the operand and member of `pkg.Name` come from the callee's text).
 */
function buildGoFile(path: string, text: string, root: Node): GoFile<Node> {
  let packageClause: Node | undefined;
  const imports: SourceImport[] = [];
  const callNodes: Node[] = [];
  const enclosing: (string | undefined)[] = [];
  let functionName: string | undefined;
  let functionEnd = -1;
  for (const node of root.descendantsOfType(MODEL_TYPES)) {
    if (!node) continue;
    switch (node.type) {
      case "call_expression":
        callNodes.push(node);
        // Named functions and methods only appear at the top level in Go (closures are func literals).
        enclosing.push(node.startIndex < functionEnd ? functionName : undefined);
        break;
      case "function_declaration":
      case "method_declaration":
        functionName = node.childForFieldName("name")?.text;
        functionEnd = node.endIndex;
        break;
      case "import_spec":
        addImport(imports, node);
        break;
      case "package_clause":
        packageClause ??= node;
        break;
    }
  }
  return {
    path,
    text,
    packageName: packageClause?.namedChildren.find((n) => n?.type === "package_identifier")?.text ?? "",
    dir: posixDirname(path),
    root,
    imports,
    calls: buildCalls(text, callNodes, enclosing, imports),
    isTest: path.endsWith("_test.go") || `/${path}`.includes("/testdata/"),
    isGenerated: hasGeneratedHeader(text, packageClause?.startPosition.row ?? 0),
  };
}

function addImport(imports: SourceImport[], spec: Node): void {
  const pathNode = spec.childForFieldName("path");
  if (!pathNode) return;
  const module = unquote(pathNode.text);
  const alias = spec.childForFieldName("name")?.text;
  imports.push({ module, localName: alias ?? assumedPackageName(module), range: nodeRange(spec) });
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

/** `pkg.Name` as the callee's text reads once whitespace is gone: an identifier, a dot, an identifier. */
const PACKAGE_SELECTOR = /^([\p{L}_][\p{L}\p{N}_]*)\.([\p{L}_][\p{L}\p{N}_]*)$/u;

function buildCalls(text: string, nodes: Node[], enclosing: (string | undefined)[], imports: SourceImport[]): SourceCall<Node>[] {
  const byLocalName = new Map<string, string>();
  for (const i of imports) {
    if (i.localName && i.localName !== "_" && i.localName !== ".") byLocalName.set(i.localName, i.module);
  }
  const calls: SourceCall<Node>[] = [];
  for (let index = 0; index < nodes.length; index++) {
    const node = nodes[index]!;
    const callee = node.childForFieldName("function");
    if (!callee) continue;
    const call: SourceCall<Node> = {
      callee: calleeText(text, callee.startIndex, callee.endIndex),
      isNew: false,
      range: { start: toPosition(node.startPosition), end: toPosition(node.endPosition) },
      node,
    };
    const enclosingFunction = enclosing[index];
    if (enclosingFunction) call.enclosingFunction = enclosingFunction;
    if (byLocalName.size > 0) {
      const selector = packageSelector(call.callee, callee);
      const module = selector && byLocalName.get(selector.operand);
      if (module !== undefined && selector) {
        call.module = module;
        call.member = selector.field;
      }
    }
    calls.push(call);
  }
  return calls;
}

/**
 * The operand and field of a callee that is `identifier.field`. Read from the callee text (no calls
 * into wasm): whitespace-free text of that shape is only ever such a selector expression. A comment
 * inside the callee (`fmt./* x *\/Println`) makes the text unreadable; the nodes decide then.
 */
function packageSelector(calleeText: string, callee: Node): { operand: string; field: string } | undefined {
  const match = PACKAGE_SELECTOR.exec(calleeText);
  if (match) return { operand: match[1]!, field: match[2]! };
  if (!calleeText.includes("/") || callee.type !== "selector_expression") return undefined;
  const operand = callee.childForFieldName("operand");
  const field = callee.childForFieldName("field");
  return operand?.type === "identifier" && field ? { operand: operand.text, field: field.text } : undefined;
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
