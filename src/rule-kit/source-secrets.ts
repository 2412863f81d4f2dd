/**
 * String literals in Go and TypeScript/JavaScript source that may hold a credential, each with the name it
 * is bound to (`const apiKey = "..."`, `Password: "..."`, `cfg.Token = "..."`), so the detectors in
 * secrets.ts can judge them like config values. JWT signing keys passed straight to a JWT API
 * (`jwt.sign(p, "...")`, `token.SignedString([]byte("..."))`, `rest.WithJwt("...")`, a Go keyfunc
 * returning `[]byte("...")`) are marked `jwt`: the argument's position names it a secret.
 *
 * Pure functions over trees the loaders built; the TypeScript half takes the `ts` namespace from the
 * rule (the kit may not import the compiler at runtime).
 */
import type { Node as GoNode } from "web-tree-sitter";
import type { ts } from "ts-morph";
import type { GoFile, SourceImport } from "../model/artifacts.js";
import type { Range } from "../model/location.js";
import { goNodeRange, goStringValue, importForName, stringLiteralValue } from "./go.js";
import { mayHoldSecret } from "./secrets.js";
import { tsNodeRange } from "./typescript.js";

export interface SourceSecretCandidate {
  value: string;
  /** The name the literal is bound to (variable, constant, field, property, object key). */
  key?: string;
  /** The enclosing object's name, so a bare `Key` inside `Jwt{...}` counts. */
  parentKey?: string;
  /** Where the literal is, for messages: "constant `apiKey`", "field `Password`". Never the value. */
  where: string;
  /** The API the literal is handed to as a JWT signing or verification key. */
  jwt?: string;
  /** Inside a function or class named for test data (`getTestUsers`, `MockAuth`): fixtures, not config. */
  inFixtureCode?: boolean;
  range: Range;
}

// ---------------------------------------------------------------------------------------------
// Go

const GO_JWT_MODULES = /^github\.com\/(golang-jwt\/jwt|dgrijalva\/jwt-go)(\/v\d+)?(\/request)?$/;
const GO_ZERO_REST = "github.com/zeromicro/go-zero/rest";

/**
 * Go's tokens that can hold a quote: comments and rune literals are matched only so that the quotes
 * inside them are passed over; string literals are what is wanted.
 */
const GO_QUOTED_TOKENS = /\/\/[^\n]*|\/\*[\s\S]*?\*\/|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`[^`]*`/g;

export function goSecretCandidates(file: GoFile<GoNode>): SourceSecretCandidate[] {
  // A tree with errors may not hold a literal where the text's lexing sees one: walk the tree instead.
  if (file.root.hasError) return goSecretCandidatesInTree(file);
  // Building a node for every literal is the costly part, and most literals hold nothing secret under
  // any name: the literals are found in the text, and only those whose value may hold a secret are
  // looked up in the tree (the same literals, in the same order, as walking it).
  const candidates: SourceSecretCandidate[] = [];
  for (const match of file.text.matchAll(GO_QUOTED_TOKENS)) {
    const text = match[0];
    if (text[0] !== '"' && text[0] !== "`") continue;
    const value = goStringValue(text);
    if (value.length < 4 || value.length > 4096 || !mayHoldSecret(value)) continue;
    const start = match.index!;
    const literal = file.root.descendantForIndex(start, start + text.length);
    if (!literal || literal.startIndex !== start || literal.endIndex !== start + text.length || stringLiteralValue(literal) !== value) {
      return goSecretCandidatesInTree(file); // the text and the tree disagree: trust the tree
    }
    let declaration = literal;
    while (declaration.parent && declaration.parent.type !== "source_file") declaration = declaration.parent;
    if (declaration.type === "import_declaration" || declaration.type === "package_clause" || declaration.type === "comment") continue;
    // Struct tags (`json:"password"`) are names, never values.
    if (literal.parent?.type === "field_declaration") continue;
    const name = declaration.type === "function_declaration" || declaration.type === "method_declaration" ? declaration.childForFieldName("name")?.text : undefined;
    const fixture = name !== undefined && namesFixture(name);
    candidates.push({ value, range: goNodeRange(literal), ...goBinding(literal, file.imports), ...(fixture ? { inFixtureCode: true } : {}) });
  }
  return candidates;
}

/** The same candidates found by walking every literal in the tree (files with syntax errors; the tests compare both). */
export function goSecretCandidatesInTree(file: GoFile<GoNode>): SourceSecretCandidate[] {
  const candidates: SourceSecretCandidate[] = [];
  // Named functions are top-level in Go, so each declaration's own name is the only enclosing name
  // (walking per declaration also skips the import paths, a good share of a file's literals).
  for (const declaration of file.root.namedChildren) {
    if (!declaration || declaration.type === "import_declaration" || declaration.type === "package_clause" || declaration.type === "comment") continue;
    const name = declaration.type === "function_declaration" || declaration.type === "method_declaration" ? declaration.childForFieldName("name")?.text : undefined;
    const fixture = name !== undefined && namesFixture(name);
    for (const literal of declaration.descendantsOfType(["interpreted_string_literal", "raw_string_literal"])) {
      if (!literal) continue;
      const value = stringLiteralValue(literal);
      if (value === undefined || value.length < 4 || value.length > 4096 || !mayHoldSecret(value)) continue;
      // Struct tags (`json:"password"`) are names, never values.
      if (literal.parent?.type === "field_declaration") continue;
      candidates.push({ value, range: goNodeRange(literal), ...goBinding(literal, file.imports), ...(fixture ? { inFixtureCode: true } : {}) });
    }
  }
  return candidates;
}

function goBinding(literal: GoNode, imports: readonly SourceImport[]): Omit<SourceSecretCandidate, "value" | "range"> {
  let node: GoNode = literal;
  // `[]byte("...")` and `("...")` carry the literal unchanged.
  while (node.parent && (node.parent.type === "parenthesized_expression" || node.parent.type === "type_conversion_expression")) {
    node = node.parent;
  }
  const parent = node.parent;
  if (!parent) return { where: "a string literal" };
  if (parent.type === "literal_element" && parent.parent?.type === "keyed_element") {
    const keyed = parent.parent;
    const keyElement = keyed.namedChildren[0];
    if (keyElement?.id === parent.id) return { where: "a string literal" };
    const keyNode = keyElement?.namedChildren[0];
    const key = keyNode ? (stringLiteralValue(keyNode) ?? (keyNode.type === "identifier" ? keyNode.text : undefined)) : undefined;
    const parentKey = compositeName(keyed);
    return key ? { key, ...(parentKey ? { parentKey } : {}), where: keyNode?.type === "identifier" ? `field \`${key}\`` : `key "${key}"` } : { where: "a string literal" };
  }
  if (parent.type === "expression_list") {
    const holder = parent.parent;
    const index = parent.namedChildren.findIndex((n) => n?.id === node.id);
    if (holder && (holder.type === "const_spec" || holder.type === "var_spec") && holder.childForFieldName("value")?.id === parent.id) {
      const name = holder.childrenForFieldName("name")[index]?.text;
      if (name) return { key: name, where: `${holder.type === "const_spec" ? "constant" : "variable"} \`${name}\`` };
    }
    if (holder && (holder.type === "short_var_declaration" || holder.type === "assignment_statement") && holder.childForFieldName("right")?.id === parent.id) {
      const left = holder.childForFieldName("left")?.namedChildren[index];
      const name = left?.type === "selector_expression" ? left.childForFieldName("field")?.text : left?.type === "identifier" ? left.text : undefined;
      if (name) return { key: name, where: left?.type === "selector_expression" ? `field \`${name}\`` : `variable \`${name}\`` };
    }
    if (holder?.type === "return_statement") {
      const fn = enclosingGoFunction(holder);
      if (fn?.type === "func_literal" && isJwtKeyFunc(fn, imports)) return { jwt: "a JWT key function", where: "the key returned by a JWT key function" };
    }
    return { where: "a string literal" };
  }
  if (parent.type === "argument_list") {
    const call = parent.parent;
    const fn = call?.childForFieldName("function");
    if (fn?.type === "selector_expression") {
      const field = fn.childForFieldName("field")?.text ?? "";
      const operand = fn.childForFieldName("operand");
      const module = operand?.type === "identifier" ? importForName(imports, operand.text)?.module : undefined;
      if (field === "SignedString" && module === undefined) return { jwt: `${fn.text}`, where: `the signing key passed to \`${fn.text}\`` };
      if (module === GO_ZERO_REST && /^WithJwt(Transition)?$/.test(field)) return { jwt: fn.text, where: `the JWT secret passed to \`${fn.text}\`` };
    }
  }
  return { where: "a string literal" };
}

/** The type or variable name of a composite literal around a keyed element (`Jwt` in `Jwt{Key: "..."}`). */
function compositeName(keyed: GoNode): string | undefined {
  const composite = keyed.parent?.parent;
  if (composite?.type === "composite_literal") {
    const type = composite.childForFieldName("type");
    if (type?.type === "type_identifier") return type.text;
    if (type?.type === "qualified_type") return type.childForFieldName("name")?.text;
  }
  // A nested element: `Auth: {Key: "..."}` / `{AccessSecret: ...}` inside a parent keyed element.
  const element = keyed.parent?.parent;
  if (element?.type === "literal_element" && element.parent?.type === "keyed_element") {
    const key = element.parent.namedChildren[0]?.namedChildren[0];
    if (key?.type === "identifier") return key.text;
  }
  return undefined;
}

const FIXTURE_WORDS = new Set(["test", "tests", "mock", "mocks", "fake", "fakes", "fixture", "fixtures", "stub", "stubs", "dummy", "example", "examples", "sample", "samples", "seed", "demo"]);

/** `getTestUsers`, `MockAuthClient`, `fakeJWT`: names of code that produces test data. */
function namesFixture(name: string): boolean {
  return splitWords(name).some((w) => FIXTURE_WORDS.has(w));
}

function splitWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

/**
 * Values that a secret-like name holds without being a secret, seen in service source: the *name* of a
 * secret (`postgresPassword: "app-postgres-password"`, an IaC resource name) and a stored password hash
 * (`password: "<sha-256 hex>"`, bcrypt, argon2) seeded into a database.
 */
export function isSourceNonSecretValue(key: string | undefined, value: string): boolean {
  const words = splitWords(value);
  if (/^[a-z0-9]+([-_.][a-z0-9]+)+$/.test(value) && /^(password|passwd|pass|pwd|secret|secrets|token|key|credential|credentials)$/.test(words[words.length - 1] ?? "")) {
    return true;
  }
  const keyWords = key ? splitWords(key) : [];
  if (keyWords.some((w) => /^(password|passwd|pass|pwd|passphrase)$/.test(w) || w.endsWith("password"))) {
    if (/^([a-f0-9]{32}|[a-f0-9]{40}|[a-f0-9]{64}|[a-f0-9]{128})$/i.test(value)) return true;
    if (/^\$(2[abxy]?|argon2(id|i|d)|scrypt|pbkdf2[-_a-z0-9]*)\$/.test(value)) return true;
  }
  return false;
}

function enclosingGoFunction(node: GoNode): GoNode | undefined {
  for (let n: GoNode | null = node.parent; n; n = n.parent) {
    if (n.type === "func_literal" || n.type === "function_declaration" || n.type === "method_declaration") return n;
  }
  return undefined;
}

/** `func(t *jwt.Token) (interface{}, error)` with `jwt` bound to golang-jwt or jwt-go. */
function isJwtKeyFunc(fn: GoNode, imports: readonly SourceImport[]): boolean {
  const params = fn.childForFieldName("parameters")?.namedChildren ?? [];
  return params.some((p) => {
    const type = p?.childForFieldName("type");
    const inner = type?.type === "pointer_type" ? type.namedChildren[0] : undefined;
    if (inner?.type !== "qualified_type" || inner.childForFieldName("name")?.text !== "Token") return false;
    const pkg = inner.childForFieldName("package")?.text;
    return pkg !== undefined && GO_JWT_MODULES.test(importForName(imports, pkg)?.module ?? "");
  });
}

// ---------------------------------------------------------------------------------------------
// TypeScript / JavaScript

type Ts = typeof ts;

/** JWT functions and the index of their key argument, by module. */
const TS_JWT_APIS: Record<string, Record<string, number>> = {
  jsonwebtoken: { sign: 1, verify: 1 },
  jose: { createSecretKey: 0 },
};

export function sourceSecretsKit(ts: Ts) {
  function skipWrappers(expr: ts.Node): ts.Node {
    let node = expr;
    while (
      node.parent &&
      (ts.isParenthesizedExpression(node.parent) ||
        ts.isAsExpression(node.parent) ||
        ts.isSatisfiesExpression(node.parent) ||
        ts.isNonNullExpression(node.parent) ||
        // `process.env.X || "fallback"`, `process.env.X ?? "fallback"`: the fallback is what ships.
        (ts.isBinaryExpression(node.parent) &&
          node.parent.right === node &&
          (node.parent.operatorToken.kind === ts.SyntaxKind.BarBarToken ||
            node.parent.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken)))
    ) {
      node = node.parent;
    }
    return node;
  }

  function nameOf(name: ts.Node | undefined): string | undefined {
    if (!name) return undefined;
    if (ts.isIdentifier(name) || ts.isStringLiteralLike(name) || ts.isPrivateIdentifier(name)) return name.text;
    if (ts.isPropertyAccessExpression(name)) return name.name.text;
    if (ts.isElementAccessExpression(name) && ts.isStringLiteralLike(name.argumentExpression)) return name.argumentExpression.text;
    return undefined;
  }

  /** The name of the object literal holding a property: its own property name, variable, or the call it is passed to. */
  function objectName(object: ts.ObjectLiteralExpression): string | undefined {
    const holder = skipWrappers(object).parent;
    if (!holder) return undefined;
    if (ts.isPropertyAssignment(holder) || ts.isVariableDeclaration(holder)) return nameOf(holder.name);
    if (ts.isCallExpression(holder)) {
      const callee = holder.expression;
      return ts.isPropertyAccessExpression(callee) ? `${nameOf(callee.expression) ?? ""}.${callee.name.text}` : nameOf(callee);
    }
    return undefined;
  }

  function binding(literal: ts.StringLiteralLike, imports: readonly SourceImport[]): Omit<SourceSecretCandidate, "value" | "range"> {
    const found = directBinding(literal, imports);
    return isFallback(literal) ? { ...found, where: `the literal fallback of ${found.where}` } : found;
  }

  /** `process.env.X || "..."`: the literal is only used when the variable is missing. */
  function isFallback(literal: ts.Node): boolean {
    for (let n = literal; n.parent && n !== skipWrappers(literal); n = n.parent) {
      if (ts.isBinaryExpression(n.parent) && n.parent.right === n) return true;
    }
    return false;
  }

  function directBinding(literal: ts.StringLiteralLike, imports: readonly SourceImport[]): Omit<SourceSecretCandidate, "value" | "range"> {
    const node = skipWrappers(literal);
    const parent = node.parent;
    if (!parent) return { where: "a string literal" };
    if (ts.isVariableDeclaration(parent) && parent.initializer === node) {
      const key = nameOf(parent.name);
      if (key) return { key, where: `variable \`${key}\`` };
    }
    if ((ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) && parent.initializer === node) {
      const key = nameOf(parent.name);
      const parentKey = ts.isPropertyAssignment(parent) && ts.isObjectLiteralExpression(parent.parent) ? objectName(parent.parent) : undefined;
      if (key) return { key, ...(parentKey ? { parentKey } : {}), where: `property \`${key}\`` };
    }
    if (ts.isParameter(parent) && parent.initializer === node) {
      const key = nameOf(parent.name);
      if (key) return { key, where: `the default of parameter \`${key}\`` };
    }
    if (ts.isBinaryExpression(parent) && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken && parent.right === node) {
      const key = nameOf(parent.left);
      if (key) return { key, where: `\`${key}\`` };
    }
    if (ts.isCallExpression(parent)) {
      const api = jwtApi(parent, imports);
      if (api && parent.arguments[api.index] === node) return { jwt: api.name, where: `the key passed to \`${api.name}\`` };
    }
    return { where: "a string literal" };
  }

  /** `jwt.sign(...)` / `sign(...)` / `require("jsonwebtoken").sign(...)` resolved through the file's imports. */
  function jwtApi(call: ts.CallExpression, imports: readonly SourceImport[]): { name: string; index: number } | undefined {
    const callee = call.expression;
    let local: string | undefined;
    let member: string | undefined;
    if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression)) {
      local = callee.expression.text;
      member = callee.name.text;
    } else if (ts.isIdentifier(callee)) {
      local = callee.text;
    }
    if (!local) return undefined;
    const imported = imports.find((i) => i.localName === local);
    if (!imported) return undefined;
    const apis = TS_JWT_APIS[imported.module];
    if (!apis) return undefined;
    // A named import binds the function itself; a default or namespace import binds the module object.
    const fn = member !== undefined && (imported.importedName === undefined || imported.importedName === "default") ? member : member === undefined ? imported.importedName : undefined;
    if (!fn || apis[fn] === undefined) return undefined;
    return { name: callee.getText(), index: apis[fn]! };
  }

  function typescriptSecretCandidates(sourceFile: ts.SourceFile, imports: readonly SourceImport[]): SourceSecretCandidate[] {
    const candidates: SourceSecretCandidate[] = [];
    const visit = (node: ts.Node): void => {
      if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node) || ts.isExternalModuleReference(node)) return;
      if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
        const value = node.text;
        if (value.length >= 4 && value.length <= 4096 && mayHoldSecret(value) && !isRequireArgument(node)) {
          const fixture = enclosingNames(node).some(namesFixture);
          candidates.push({ value, range: tsNodeRange(node), ...binding(node, imports), ...(fixture ? { inFixtureCode: true } : {}) });
        }
        return;
      }
      ts.forEachChild(node, visit);
    };
    ts.forEachChild(sourceFile, visit);
    return candidates;
  }

  /** Names of the functions, methods and classes around a node (a `const f = () => ...` counts as `f`). */
  function enclosingNames(node: ts.Node): string[] {
    const names: string[] = [];
    for (let n = node.parent; n; n = n.parent) {
      if ((ts.isFunctionDeclaration(n) || ts.isMethodDeclaration(n) || ts.isClassDeclaration(n)) && n.name) {
        const name = nameOf(n.name);
        if (name) names.push(name);
      } else if ((ts.isArrowFunction(n) || ts.isFunctionExpression(n)) && n.parent && ts.isVariableDeclaration(n.parent)) {
        const name = nameOf(n.parent.name);
        if (name) names.push(name);
      }
    }
    return names;
  }

  function isRequireArgument(node: ts.Node): boolean {
    const parent = node.parent;
    return parent !== undefined && ts.isCallExpression(parent) && ts.isIdentifier(parent.expression) && parent.expression.text === "require";
  }

  return { typescriptSecretCandidates };
}
