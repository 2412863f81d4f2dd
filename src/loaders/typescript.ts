/**
 * TypeScript / JavaScript loader: parses one file with the compiler's parser (no Project, no type
 * checker) and collects, in one walk over raw compiler nodes, the file's imports and every call.
 */
import { ts } from "ts-morph";
import type { SourceCall, SourceImport, TsFile } from "../model/artifacts.js";
import type { LoadDiagnostic } from "../model/finding.js";
import type { Range } from "../model/location.js";
import { calleeText } from "./callee-text.js";

type TsSourceFile = TsFile<ts.SourceFile, ts.Node>;

const SK = ts.SyntaxKind;

/** JSDoc is not parsed: no rule reads it, and in JavaScript files it costs a large share of the parse. */
const PARSE_OPTIONS: ts.CreateSourceFileOptions = {
  languageVersion: ts.ScriptTarget.Latest,
  jsDocParsingMode: ts.JSDocParsingMode.ParseNone,
};

export function parseTsFile(path: string, text: string): { file: TsSourceFile; diagnostics: LoadDiagnostic[] } {
  let sourceFile: ts.SourceFile;
  let walker: Walker;
  try {
    // Parents are set by the walk (setParentNodes false): one pass over the tree instead of two.
    sourceFile = ts.createSourceFile(path, text, PARSE_OPTIONS, false, scriptKindOf(path));
    walker = new Walker(sourceFile);
    walker.walk();
  } catch (error) {
    // The parser recurses once per nesting level: about a thousand nested calls or arrays (generated
    // data, bundles) overflow the stack. That is a file we cannot read, not a crash of the scan; so
    // is any other failure of the compiler on odd input (its internal assertions can throw).
    return unreadable(path, text, error instanceof RangeError);
  }
  const file: TsSourceFile = {
    path,
    text,
    imports: walker.imports,
    calls: walker.resolveCalls(),
    isTest: isTestPath(path),
    isGenerated: isGeneratedPath(path) || hasGeneratedHeader(sourceFile),
    language: languageOf(path),
    ast: sourceFile,
  };
  return { file, diagnostics: syntaxDiagnostics(sourceFile) };
}

/** A file the parser could not read: an empty tree, and a diagnostic saying it was not checked. */
function unreadable(path: string, text: string, tooDeep: boolean): { file: TsSourceFile; diagnostics: LoadDiagnostic[] } {
  const file: TsSourceFile = {
    path,
    text,
    imports: [],
    calls: [],
    isTest: isTestPath(path),
    isGenerated: isGeneratedPath(path),
    language: languageOf(path),
    ast: ts.createSourceFile(path, "", PARSE_OPTIONS, true, scriptKindOf(path)),
  };
  const diagnostic: LoadDiagnostic = {
    kind: "parse-error",
    path,
    range: { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } },
    message: tooDeep
      ? "The file is nested too deeply for the TypeScript parser (stack overflow), so its source was not checked."
      : "The TypeScript parser failed on this file, so its source was not checked.",
  };
  return { file, diagnostics: [diagnostic] };
}

function languageOf(path: string): "typescript" | "javascript" {
  return /\.[cm]?tsx?$/i.test(path) ? "typescript" : "javascript";
}

function scriptKindOf(path: string): ts.ScriptKind {
  const lower = path.toLowerCase();
  if (lower.endsWith(".tsx")) return ts.ScriptKind.TSX;
  if (lower.endsWith(".jsx")) return ts.ScriptKind.JSX;
  if (/\.[cm]?ts$/.test(lower)) return ts.ScriptKind.TS;
  // .js/.mjs/.cjs: the JS script kind also accepts JSX, which React projects often put in .js files.
  return ts.ScriptKind.JS;
}

// ---------------------------------------------------------------------------------------------
// Syntax errors

/** `parseDiagnostics` is internal but always present; the parser never throws, it recovers. */
function syntaxDiagnostics(sourceFile: ts.SourceFile): LoadDiagnostic[] {
  const errors = (sourceFile as ts.SourceFile & { parseDiagnostics?: readonly ts.DiagnosticWithLocation[] })
    .parseDiagnostics;
  const first = errors?.find((d) => d.category === ts.DiagnosticCategory.Error);
  if (!first) return [];
  const more = errors!.length > 1 ? ` (and ${errors!.length - 1} more syntax error${errors!.length > 2 ? "s" : ""})` : "";
  return [
    {
      kind: "parse-error",
      path: sourceFile.fileName,
      range: rangeOf(sourceFile, first.start, first.start + first.length),
      message:
        `Syntax error: ${redactQuoted(ts.flattenDiagnosticMessageText(first.messageText, " ")).replace(/\.$/, "")}${more}. ` +
        "The file was only partly understood, so checks of its source may be incomplete.",
    },
  ];
}

/** Keywords and punctuation tokens of the language: the only quoted text a message may repeat. */
let languageTokens: Set<string> | undefined;

function quotableToken(text: string): boolean {
  if (!languageTokens) {
    languageTokens = new Set<string>();
    const ranges: [number, number][] = [
      [SK.FirstKeyword, SK.LastKeyword],
      [SK.FirstPunctuation, SK.LastPunctuation],
    ];
    for (const [from, to] of ranges) {
      for (let kind = from; kind <= to; kind++) {
        const token = ts.tokenToString(kind);
        if (token) languageTokens.add(token);
      }
    }
  }
  return languageTokens.has(text);
}

/**
 * The compiler quotes arguments from the file in its messages (`closing tag for 'x'`, `Use the
 * syntax '0o777'`): a quoted part that is not a keyword or punctuation is replaced, since it may be
 * a secret. The location says where to look.
 */
function redactQuoted(message: string): string {
  return message.replace(/'([^'\n]*)'/g, (whole, inner: string) => (quotableToken(inner) ? whole : "'…'"));
}

// ---------------------------------------------------------------------------------------------
// Positions

function rangeOf(sourceFile: ts.SourceFile, start: number, end: number): Range {
  // TypeScript offsets index the JS string, so `character` is already in UTF-16 code units.
  const s = sourceFile.getLineAndCharacterOfPosition(start);
  const e = sourceFile.getLineAndCharacterOfPosition(end);
  return { start: { line: s.line + 1, column: s.character + 1 }, end: { line: e.line + 1, column: e.character + 1 } };
}

function nodeRange(sourceFile: ts.SourceFile, node: ts.Node): Range {
  // getStart skips leading trivia (comments, whitespace) that node.pos includes.
  return rangeOf(sourceFile, node.getStart(sourceFile), node.getEnd());
}

// ---------------------------------------------------------------------------------------------
// The walk

/** A call whose module/member is resolved after the walk (an import may come after its use). */
interface PendingCall {
  call: SourceCall<ts.Node>;
  /** Root identifier and static property path of the callee (`pg.Pool` -> ["pg", "Pool"]). */
  path?: string[];
  /** Set when the callee's root is `require("m")` itself (`require("pg").Pool`). */
  requiredModule?: string;
}

/** How an import binding relates to the module: the whole module, or one named export. */
interface Binding {
  module: string;
  /** The named export bound; absent when the binding is the module object (namespace, default, require). */
  exported?: string;
}

class Walker {
  readonly imports: SourceImport[] = [];
  private readonly pending: PendingCall[] = [];
  private readonly bindings = new Map<string, Binding>();

  constructor(private readonly sourceFile: ts.SourceFile) {}

  /**
   * Pre-order, with an explicit stack: deeply nested expressions must not overflow the call stack.
   * The walk also sets every node's `parent` (the parser is asked not to, which would be a second
   * walk), and dispatches on `kind` once per node: it visits every node of every file.
   */
  walk(): void {
    const nodes: ts.Node[] = [this.sourceFile];
    const enclosings: (string | undefined)[] = [undefined];
    const children: ts.Node[] = [];
    let count = 0;
    const collect = (child: ts.Node) => {
      children[count++] = child;
    };
    while (nodes.length > 0) {
      const node = nodes.pop()!;
      const enclosing = enclosings.pop();
      let inner = enclosing;
      switch (node.kind) {
        case SK.ImportDeclaration:
          this.addEsImport(node as ts.ImportDeclaration);
          break;
        case SK.ImportEqualsDeclaration:
          this.addImportEquals(node as ts.ImportEqualsDeclaration);
          break;
        case SK.VariableDeclaration:
          this.addRequire(node as ts.VariableDeclaration);
          break;
        case SK.ExpressionStatement:
          this.addBareRequire(node as ts.ExpressionStatement);
          break;
        case SK.CallExpression:
        case SK.NewExpression:
          this.addCall(node as ts.CallExpression | ts.NewExpression, enclosing);
          break;
        case SK.Constructor:
        case SK.FunctionDeclaration:
        case SK.MethodDeclaration:
        case SK.GetAccessor:
        case SK.SetAccessor:
        case SK.FunctionExpression:
        case SK.ArrowFunction:
          inner = functionName(node) ?? enclosing;
          break;
      }
      count = 0;
      ts.forEachChild(node, collect);
      for (let i = count - 1; i >= 0; i--) {
        const child = children[i]!;
        (child as { parent: ts.Node }).parent = node;
        nodes.push(child);
        enclosings.push(inner);
      }
    }
  }

  /** Sets module and member on the calls whose callee is bound by an import (in place: one object per call). */
  resolveCalls(): SourceCall<ts.Node>[] {
    const calls: SourceCall<ts.Node>[] = new Array(this.pending.length);
    for (let i = 0; i < this.pending.length; i++) {
      const { call, path, requiredModule } = this.pending[i]!;
      calls[i] = call;
      if (requiredModule !== undefined && path) {
        call.module = requiredModule;
        const member = path.join(".");
        if (member) call.member = member;
        continue;
      }
      const binding = path && this.bindings.get(path[0]!);
      if (!binding || !path) continue;
      call.module = binding.module;
      const memberPath = [...(binding.exported ? [binding.exported] : []), ...path.slice(1)];
      if (memberPath.length > 0) call.member = memberPath.join(".");
    }
    return calls;
  }

  // --- imports -------------------------------------------------------------------------------

  private addImport(node: ts.Node, module: string, localName?: string, importedName?: string): void {
    const entry: SourceImport = { module, range: nodeRange(this.sourceFile, node) };
    if (localName !== undefined) entry.localName = localName;
    if (importedName !== undefined) entry.importedName = importedName;
    this.imports.push(entry);
    if (localName === undefined) return;
    // A default import is the module object for CommonJS packages (`import pg from "pg"; pg.Pool`).
    const exported = importedName === undefined || importedName === "default" ? undefined : importedName;
    this.bindings.set(localName, exported ? { module, exported } : { module });
  }

  private addEsImport(node: ts.ImportDeclaration): void {
    if (!ts.isStringLiteral(node.moduleSpecifier)) return;
    const module = node.moduleSpecifier.text;
    const clause = node.importClause;
    if (!clause) return this.addImport(node, module); // `import "reflect-metadata"`
    if (clause.name) this.addImport(node, module, clause.name.text, "default");
    const named = clause.namedBindings;
    if (named && ts.isNamespaceImport(named)) this.addImport(node, module, named.name.text);
    if (named && ts.isNamedImports(named)) {
      for (const spec of named.elements) {
        this.addImport(node, module, spec.name.text, moduleExportName(spec.propertyName ?? spec.name));
      }
    }
  }

  /** `import x = require("m")`; `import x = Ns.Member` is a namespace alias, not an import. */
  private addImportEquals(node: ts.ImportEqualsDeclaration): void {
    const ref = node.moduleReference;
    if (ts.isExternalModuleReference(ref) && ts.isStringLiteral(ref.expression)) {
      this.addImport(node, ref.expression.text, node.name.text);
    }
  }

  /** `const x = require("m")`, `const { a: b } = require("m")`, `const P = require("m").Pool`, `await import("m")`. */
  private addRequire(node: ts.VariableDeclaration): void {
    if (!node.initializer) return;
    const target = requireTarget(node.initializer);
    if (!target) return;
    const { module, member } = target;
    if (ts.isIdentifier(node.name)) {
      this.addImport(node, module, node.name.text, member);
    } else if (ts.isObjectBindingPattern(node.name) && member === undefined) {
      for (const element of node.name.elements) {
        if (element.dotDotDotToken || !ts.isIdentifier(element.name)) continue;
        const imported = element.propertyName ? propertyNameText(element.propertyName) : element.name.text;
        if (imported !== undefined) this.addImport(node, module, element.name.text, imported);
      }
    } else {
      this.addImport(node, module);
    }
  }

  /** `require("dotenv/config");` as a statement: a side-effect import. */
  private addBareRequire(node: ts.ExpressionStatement): void {
    const target = requireTarget(node.expression);
    if (target && target.member === undefined) this.addImport(node, target.module);
  }

  // --- calls ---------------------------------------------------------------------------------

  private addCall(node: ts.CallExpression | ts.NewExpression, enclosing: string | undefined): void {
    const callee = node.expression;
    const call: SourceCall<ts.Node> = {
      callee: calleeText(this.sourceFile.text, callee.getStart(this.sourceFile), callee.getEnd()),
      isNew: ts.isNewExpression(node),
      range: nodeRange(this.sourceFile, node),
      node,
    };
    if (enclosing !== undefined) call.enclosingFunction = enclosing;
    const access = staticAccessPath(callee);
    if (access?.root) {
      this.pending.push({ call, path: [access.root, ...access.members] });
    } else if (access?.required !== undefined) {
      this.pending.push({ call, path: access.members, requiredModule: access.required });
    } else {
      this.pending.push({ call });
    }
  }
}

/**
 * The callee as a root plus static member names: `a.b["c"]` -> a, [b, c]. Undefined when any step
 * is dynamic (`a[key]`, `f().b`): the member reached is then unknown. The root may also be
 * `require("m")` itself. Members are collected outermost first and reversed once (unshift per
 * step is quadratic on a long chain).
 */
function staticAccessPath(expr: ts.Expression): { root?: string; required?: string; members: string[] } | undefined {
  const reversed: string[] = [];
  let current: ts.Expression = expr;
  for (;;) {
    if (ts.isParenthesizedExpression(current) || ts.isNonNullExpression(current)) {
      current = current.expression;
    } else if (ts.isPropertyAccessExpression(current)) {
      if (!ts.isIdentifier(current.name)) return undefined; // `#private` members are never imports
      reversed.push(current.name.text);
      current = current.expression;
    } else if (ts.isElementAccessExpression(current)) {
      const arg = current.argumentExpression;
      if (!ts.isStringLiteralLike(arg)) return undefined;
      reversed.push(arg.text);
      current = current.expression;
    } else if (ts.isIdentifier(current)) {
      return { root: current.text, members: reversed.reverse() };
    } else {
      const target = requireTarget(current);
      return target && target.member === undefined ? { required: target.module, members: reversed.reverse() } : undefined;
    }
  }
}

/** `require("m")`, `require("m").X`, `await import("m")`, `(await import("m")).X` -> module and member. */
function requireTarget(expr: ts.Expression): { module: string; member?: string } | undefined {
  let current = skipParens(expr);
  let member: string | undefined;
  if (ts.isPropertyAccessExpression(current) && ts.isIdentifier(current.name)) {
    member = current.name.text;
    current = skipParens(current.expression);
  }
  if (ts.isAwaitExpression(current)) current = skipParens(current.expression);
  if (!ts.isCallExpression(current) || current.arguments.length !== 1) return undefined;
  const arg = current.arguments[0]!;
  if (!ts.isStringLiteralLike(arg)) return undefined;
  const isRequire = ts.isIdentifier(current.expression) && current.expression.text === "require";
  const isDynamicImport = current.expression.kind === SK.ImportKeyword;
  if (!isRequire && !isDynamicImport) return undefined;
  return member === undefined ? { module: arg.text } : { module: arg.text, member };
}

function skipParens(expr: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(expr)) expr = expr.expression;
  return expr;
}

function moduleExportName(name: ts.ModuleExportName): string {
  return name.text; // Identifier or, since ES2022, a string literal (`import { "a-b" as ab }`)
}

function propertyNameText(name: ts.PropertyName): string | undefined {
  if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name) || ts.isPrivateIdentifier(name)) {
    return name.text;
  }
  return undefined; // computed: `[key]`
}

/**
 * The name a function-like node is known by, or undefined for anonymous functions and non-functions:
 * declarations and methods by their own name, function expressions and arrows by the variable,
 * property or class field they are assigned to.
 */
function functionName(node: ts.Node): string | undefined {
  if (ts.isConstructorDeclaration(node)) return "constructor";
  if (
    ts.isFunctionDeclaration(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isGetAccessorDeclaration(node) ||
    ts.isSetAccessorDeclaration(node)
  ) {
    return node.name ? propertyNameText(node.name) : undefined;
  }
  if (ts.isFunctionExpression(node) || ts.isArrowFunction(node)) {
    if (ts.isFunctionExpression(node) && node.name) return node.name.text;
    const parent = skipParentParens(node);
    if (ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
    if (ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) return propertyNameText(parent.name);
  }
  return undefined;
}

function skipParentParens(node: ts.Node): ts.Node {
  let parent = node.parent;
  while (parent && (ts.isParenthesizedExpression(parent) || ts.isAsExpression(parent) || ts.isSatisfiesExpression(parent))) {
    parent = parent.parent;
  }
  return parent;
}

// ---------------------------------------------------------------------------------------------
// File classification

const TEST_DIRS = new Set(["test", "tests", "__tests__", "__test__", "e2e", "__mocks__", "__fixtures__", "fixtures", "cypress"]);

function isTestPath(path: string): boolean {
  const segments = path.split("/");
  const name = segments.pop()!.toLowerCase();
  if (/\.(test|spec|e2e-spec|e2e)\.[cm]?[jt]sx?$/.test(name)) return true;
  return segments.some((s) => TEST_DIRS.has(s.toLowerCase()));
}

const GENERATED_DIRS = new Set(["generated", "__generated__"]);

function isGeneratedPath(path: string): boolean {
  return path
    .split("/")
    .slice(0, -1)
    .some((s) => GENERATED_DIRS.has(s.toLowerCase()));
}

/**
 * Generated-code markers, read only from the comments before the first statement so a comment
 * elsewhere that merely mentions code generation does not hide a hand-written file.
 */
function hasGeneratedHeader(sourceFile: ts.SourceFile): boolean {
  const first = sourceFile.statements[0];
  const headerEnd = first ? first.getStart(sourceFile) : sourceFile.text.length;
  const header = sourceFile.text.slice(0, Math.min(headerEnd, 4000));
  // "Code generated by X. DO NOT EDIT." (the Go convention protoc plugins follow), "@generated",
  // and OpenAPI-style "auto generated ... Do not edit the class manually".
  return /@generated\b/.test(header) || /generated[\s\S]*do not edit|do not edit[\s\S]*generated/i.test(header);
}
