/**
 * Helpers for rules that read TypeScript/JavaScript syntax trees.
 *
 * The kit's layer may not import the compiler at runtime (test/architecture.test.ts), while rules may.
 * So the helpers that need node-kind predicates (`ts.isIdentifier`, ...) are built from the `ts`
 * namespace the rule passes in, once per rule module:
 *
 *   import { ts } from "ts-morph";
 *   const kit = typescriptKit(ts);
 *
 * Nothing here parses or reads the disk.
 */
import type { ts } from "ts-morph";
import type { Range } from "../model/location.js";

type Ts = typeof ts;

/** Where a node sits in its file, 1-based, UTF-16 columns, leading comments and whitespace skipped. */
export function tsNodeRange(node: ts.Node): Range {
  const sourceFile = node.getSourceFile();
  const start = sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile));
  const end = sourceFile.getLineAndCharacterOfPosition(node.getEnd());
  return {
    start: { line: start.line + 1, column: start.character + 1 },
    end: { line: end.line + 1, column: end.character + 1 },
  };
}

export interface ObjectLiteralKeys {
  /** Property names written statically: `a: 1`, `"b": 2`, shorthand `c`, methods `d() {}`. */
  names: Set<string>;
  /**
   * The literal has a spread (`...defaults`) or a computed key (`[k]: v`): other properties may be
   * present that cannot be seen, so "key absent" cannot be verified.
   */
  open: boolean;
}

export type TypescriptKit = ReturnType<typeof typescriptKit>;

export function typescriptKit(ts: Ts) {
  /** The arguments of a call or `new` node (`new X` without parentheses has none). */
  function callArguments(node: ts.Node): readonly ts.Expression[] {
    if (ts.isCallExpression(node) || ts.isNewExpression(node)) return node.arguments ?? [];
    return [];
  }

  /** The call's argument at `index` when it is written as an object literal (`new Pool({ max: 10 })`). */
  function objectLiteralArgument(node: ts.Node, index: number): ts.ObjectLiteralExpression | undefined {
    const arg = callArguments(node)[index];
    if (!arg) return undefined;
    const inner = skipWrappers(arg);
    return ts.isObjectLiteralExpression(inner) ? inner : undefined;
  }

  function objectLiteralKeys(literal: ts.ObjectLiteralExpression): ObjectLiteralKeys {
    const names = new Set<string>();
    let open = false;
    for (const property of literal.properties) {
      if (ts.isSpreadAssignment(property)) {
        open = true;
        continue;
      }
      const name = propertyName(property.name);
      if (name === undefined) open = true;
      else names.add(name);
    }
    return { names, open };
  }

  /** The value written for `key` in an object literal (the last one wins, as at runtime). */
  function objectLiteralProperty(literal: ts.ObjectLiteralExpression, key: string): ts.Expression | undefined {
    let value: ts.Expression | undefined;
    for (const property of literal.properties) {
      if (ts.isPropertyAssignment(property) && propertyName(property.name) === key) value = property.initializer;
      else if (ts.isShorthandPropertyAssignment(property) && property.name.text === key) value = property.name;
    }
    return value;
  }

  /** A property key as written; undefined for computed keys (`[name]`). */
  function propertyName(name: ts.PropertyName | undefined): string | undefined {
    if (!name) return undefined;
    if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name) || ts.isPrivateIdentifier(name)) {
      return name.text;
    }
    if (ts.isComputedPropertyName(name) && ts.isStringLiteralLike(name.expression)) return name.expression.text;
    return undefined;
  }

  /** The value of a string literal or a template without substitutions; undefined for anything computed. */
  function stringLiteralValue(node: ts.Node | undefined): string | undefined {
    if (!node) return undefined;
    const inner = ts.isExpression(node) ? skipWrappers(node) : node;
    return ts.isStringLiteralLike(inner) ? inner.text : undefined;
  }

  /** The value of a numeric literal, including a negated one; undefined for anything computed. */
  function numericLiteralValue(node: ts.Node | undefined): number | undefined {
    if (!node) return undefined;
    const inner = ts.isExpression(node) ? skipWrappers(node) : node;
    if (ts.isNumericLiteral(inner)) return Number(inner.text);
    if (ts.isPrefixUnaryExpression(inner) && inner.operator === ts.SyntaxKind.MinusToken && ts.isNumericLiteral(inner.operand)) {
      return -Number(inner.operand.text);
    }
    return undefined;
  }

  /** `(x)`, `x as T`, `x satisfies T`, `<T>x` and `x!` are the same value as `x`. */
  function skipWrappers(expr: ts.Expression): ts.Expression {
    for (;;) {
      if (
        ts.isParenthesizedExpression(expr) ||
        ts.isAsExpression(expr) ||
        ts.isSatisfiesExpression(expr) ||
        ts.isTypeAssertionExpression(expr) ||
        ts.isNonNullExpression(expr)
      ) {
        expr = expr.expression;
      } else {
        return expr;
      }
    }
  }

  /**
   * A static member access `obj.name` or `obj["name"]`, seen through wrappers: its object and the
   * member's name. Undefined for a computed member (`obj[key]`).
   */
  function staticMemberAccess(expr: ts.Expression): { object: ts.Expression; name: string } | undefined {
    const inner = skipWrappers(expr);
    if (ts.isPropertyAccessExpression(inner) && ts.isIdentifier(inner.name)) {
      return { object: skipWrappers(inner.expression), name: inner.name.text };
    }
    if (ts.isElementAccessExpression(inner) && ts.isStringLiteralLike(inner.argumentExpression)) {
      return { object: skipWrappers(inner.expression), name: inner.argumentExpression.text };
    }
    return undefined;
  }

  // ---------------------------------------------------------------------------------------------
  // Scopes: is a name declared locally, or does it refer to a global?

  /**
   * The nearest declaration of `name` visible from `from`, following JavaScript scoping (block-scoped
   * let/const/class, function-scoped var and parameters, imports, catch bindings), or undefined when
   * the name is not declared in the file and so refers to a global. Type-only declarations
   * (interfaces, type aliases) are ignored: they cannot shadow a value.
   */
  function findLocalDeclaration(from: ts.Node, name: string): ts.Node | undefined {
    for (let scope: ts.Node | undefined = from.parent; scope; scope = scope.parent) {
      const found = declarationIn(scope, name);
      if (found) return found;
    }
    return undefined;
  }

  function declarationIn(scope: ts.Node, name: string): ts.Node | undefined {
    if (ts.isSourceFile(scope) || ts.isBlock(scope) || ts.isModuleBlock(scope) || ts.isCaseBlock(scope)) {
      const statements = ts.isCaseBlock(scope) ? scope.clauses.flatMap((c) => [...c.statements]) : scope.statements;
      for (const statement of statements) {
        const found = statementDeclares(statement, name);
        if (found) return found;
      }
      // `var` declared in a nested block is hoisted to the whole function or file.
      if (ts.isSourceFile(scope) || isFunctionLike(scope.parent)) return hoistedVar(scope, name);
      return undefined;
    }
    if (isFunctionLike(scope)) {
      for (const parameter of scope.parameters) {
        if (bindsName(parameter.name, name)) return parameter;
      }
      // A named function expression sees its own name.
      if (ts.isFunctionExpression(scope) && scope.name?.text === name) return scope;
      return undefined;
    }
    if (ts.isClassExpression(scope) && scope.name?.text === name) return scope;
    if (ts.isCatchClause(scope) && scope.variableDeclaration && bindsName(scope.variableDeclaration.name, name)) {
      return scope.variableDeclaration;
    }
    if (ts.isForStatement(scope) || ts.isForInStatement(scope) || ts.isForOfStatement(scope)) {
      const init = scope.initializer;
      if (init && ts.isVariableDeclarationList(init)) return init.declarations.find((d) => bindsName(d.name, name));
    }
    return undefined;
  }

  function statementDeclares(statement: ts.Statement, name: string): ts.Node | undefined {
    if (ts.isVariableStatement(statement)) {
      return statement.declarationList.declarations.find((d) => bindsName(d.name, name));
    }
    if (
      ts.isFunctionDeclaration(statement) ||
      ts.isClassDeclaration(statement) ||
      ts.isEnumDeclaration(statement) ||
      ts.isImportEqualsDeclaration(statement)
    ) {
      return statement.name && ts.isIdentifier(statement.name) && statement.name.text === name ? statement : undefined;
    }
    if (ts.isModuleDeclaration(statement) && ts.isIdentifier(statement.name) && statement.name.text === name) {
      return statement; // `namespace console {}`: a value when it has content
    }
    if (ts.isImportDeclaration(statement) && statement.importClause) {
      const clause = statement.importClause;
      if (clause.name?.text === name) return clause;
      const named = clause.namedBindings;
      if (named && ts.isNamespaceImport(named) && named.name.text === name) return named;
      if (named && ts.isNamedImports(named)) return named.elements.find((e) => e.name.text === name);
    }
    return undefined;
  }

  /**
   * A `var` declaration of `name` anywhere under `root`, not crossing into nested functions. Only
   * statements are searched: an expression can hold a `var` only inside a function, which is its own scope.
   */
  function hoistedVar(root: ts.Node, name: string): ts.Node | undefined {
    let found: ts.Node | undefined;
    const visit = (node: ts.Node): void => {
      if (found || ts.isExpression(node) || isFunctionLike(node) || ts.isClassLike(node)) return;
      if (ts.isVariableDeclarationList(node) && (node.flags & ts.NodeFlags.BlockScoped) === 0) {
        found = node.declarations.find((d) => bindsName(d.name, name));
        if (found) return;
      }
      ts.forEachChild(node, visit);
    };
    ts.forEachChild(root, visit);
    return found;
  }

  function bindsName(binding: ts.BindingName, name: string): boolean {
    if (ts.isIdentifier(binding)) return binding.text === name;
    return binding.elements.some((element) => !ts.isOmittedExpression(element) && bindsName(element.name, name));
  }

  function isFunctionLike(node: ts.Node | undefined): node is ts.FunctionLikeDeclaration {
    return (
      node !== undefined &&
      (ts.isFunctionDeclaration(node) ||
        ts.isFunctionExpression(node) ||
        ts.isArrowFunction(node) ||
        ts.isMethodDeclaration(node) ||
        ts.isConstructorDeclaration(node) ||
        ts.isGetAccessorDeclaration(node) ||
        ts.isSetAccessorDeclaration(node))
    );
  }

  return {
    callArguments,
    objectLiteralArgument,
    objectLiteralKeys,
    objectLiteralProperty,
    propertyName,
    stringLiteralValue,
    numericLiteralValue,
    skipWrappers,
    staticMemberAccess,
    findLocalDeclaration,
  };
}
