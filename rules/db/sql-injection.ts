import { ts } from "ts-morph";
import type { Node as GoNode } from "web-tree-sitter";
import type { SourceImport } from "../../src/model/artifacts.js";
import { defineRule, type GoSourceFile, type TsSourceFile } from "../../src/rule-kit/define-rule.js";
import { callArguments, stringLiteralValue } from "../../src/rule-kit/go.js";
import { tsNodeRange, typescriptKit } from "../../src/rule-kit/typescript.js";

const kit = typescriptKit(ts);

/** Literal text that is unmistakably SQL: a statement shape, not just a keyword. */
const SQL_SHAPE = /\b(select\b[\s\S]*?\bfrom\b|insert\s+into\b|update\s+[`"\w.]+\s+set\b|delete\s+from\b|where\b[\s\S]*?[=<>]|order\s+by\b|values\s*\()/i;

/**
 * Go methods that run a query string, on any receiver (database/sql, sqlx, gorm, pgx, go-zero sqlx/sqlc).
 * The receiver's type is unknown; the SQL shape of the string is what makes the call a query.
 */
const GO_SINKS = new Set([
  "Query", "QueryContext", "QueryRow", "QueryRowContext", "Exec", "ExecContext", "Prepare", "PrepareContext",
  "Get", "GetContext", "Select", "SelectContext", "Queryx", "QueryxContext", "QueryRowx", "QueryRowxContext",
  "MustExec", "MustExecContext", "NamedExec", "NamedExecContext", "NamedQuery", "NamedQueryContext", "Raw",
  "QueryRowCtx", "QueryRowsCtx", "QueryRowPartialCtx", "QueryRowsPartialCtx", "ExecCtx", "PrepareCtx",
  "QueryRows", "QueryRowPartial", "QueryRowsPartial", "QueryRowNoCache", "QueryRowNoCacheCtx",
  "QueryRowsNoCacheCtx", "ExecNoCache", "ExecNoCacheCtx", "SendBatch",
]);

/** Go types whose values cannot carry SQL syntax when formatted. */
const GO_SAFE_TYPES = /^(u?int(8|16|32|64)?|uintptr|float(32|64)|bool|byte|rune|time\.(Time|Duration)|uuid\.UUID)$/;
/** fmt verbs that print only digits, hex, booleans or a single rune. */
const GO_SAFE_VERBS = new Set(["d", "b", "o", "O", "x", "X", "f", "F", "e", "E", "g", "G", "t", "c", "U", "p"]);
/** Conversions and string helpers that carry their argument through unchanged in kind. */
const GO_PASS_THROUGH = /^(string|strings\.(TrimSpace|ToLower|ToUpper|Trim|TrimPrefix|TrimSuffix|Title))$/;

/** TypeScript/JavaScript methods that run a query string (pg, mysql2, knex, TypeORM, Sequelize, Prisma, SQLite). */
const TS_SINKS = new Set([
  "query", "execute", "raw", "whereRaw", "orWhereRaw", "havingRaw", "orderByRaw", "joinRaw", "selectRaw",
  "$queryRawUnsafe", "$executeRawUnsafe", "unsafe", "prepare", "exec", "run", "all", "get",
]);

interface Taint {
  /** The interpolated expression as written (never a value: only code). */
  text: string;
  /** The parameter it comes from. */
  param: string;
}

export default defineRule({
  meta: {
    id: "db/sql-injection",
    section: "security",
    title: "SQL is not built from request data by string formatting",
    severity: "error",
    rationale:
      "A query built by concatenating or formatting a caller-supplied value lets that caller change the statement " +
      "itself (SQL injection): read other tenants' rows, bypass a login, or drop tables.",
    remediation:
      "Pass values as bind parameters ($1 / ? placeholders, or a tagged template such as Prisma's $queryRaw``) instead of " +
      "formatting them into the SQL text.",
    docs: `Reports a query call whose SQL text is built with \`+\`, \`fmt.Sprintf\` or a template literal from a value that
comes from a **parameter of the enclosing function** (a request, a DTO, an argument of a repository method).

**Go**: \`Query\`, \`QueryContext\`, \`QueryRow\`, \`Exec\`, \`Get\`, \`Select\` (database/sql, sqlx, pgx), gorm
\`Raw\` / \`Exec\`, go-zero \`sqlx.SqlConn\` / \`sqlc.CachedConn\` \`QueryRowCtx\`, \`QueryRowsCtx\`, \`ExecCtx\`,
\`QueryRowNoCacheCtx\`, ... on any receiver. **TypeScript/JavaScript**: \`query\`, \`execute\` (pg, mysql2, TypeORM),
knex \`raw\` / \`whereRaw\` / ..., Prisma \`$queryRawUnsafe\` / \`$executeRawUnsafe\`, postgres.js \`unsafe\`,
SQLite \`prepare\` / \`exec\` / \`run\` / \`all\` / \`get\`.

Bad:

\`\`\`go
func (m *UserModel) FindByName(ctx context.Context, name string) (*User, error) {
	query := fmt.Sprintf("select %s from %s where name = '%s'", userRows, m.table, name)
	err := m.conn.QueryRowCtx(ctx, &u, query)
\`\`\`

\`\`\`ts
app.get('/users', async (req, res) => {
  const rows = await pool.query(\`SELECT * FROM users WHERE name = '\${req.query.name}'\`);
});
\`\`\`

Good:

\`\`\`go
query := fmt.Sprintf("select %s from %s where name = ?", userRows, m.table)
err := m.conn.QueryRowCtx(ctx, &u, query, name)
\`\`\`

\`\`\`ts
const rows = await pool.query('SELECT * FROM users WHERE name = $1', [req.query.name]);
\`\`\`

The query text is followed through local variables (\`query := ...\`, \`query += ...\`, \`const sql = ...\`) in the
same function. The string must look like SQL (\`select ... from\`, \`insert into\`, \`update ... set\`,
\`delete from\`, \`where x =\`, \`order by\`, \`values (\`).

Deliberately **not** reported (precision over recall):

- constants, package-level variables (goctl's \`userRows\`), receiver fields (\`m.table\`) and values read from the
  environment or configuration: they are not request data;
- values formatted with a numeric verb (\`%d\`, \`%x\`, \`%f\`, \`%t\`) and parameters declared with a numeric,
  boolean, \`time.Time\` or \`uuid.UUID\` type (\`limit int\`, \`id: number\`), which cannot carry SQL syntax;
- \`%v\` of a value whose type is not visible (a struct field): it is usually a number;
- placeholders (\`$1\`, \`?\`, \`:name\`), Prisma's tagged \`$queryRaw\`\`...\`\`, query builders;
- test files and generated files.

A value that was already escaped or validated by a helper the rule cannot see is still reported: bind it instead.`,
    inputs: ["go", "typescript"],
    tags: ["security", "database", "injection", "go", "typescript"],
    precision: "high",
    securitySeverity: 8.8,
  },
  // Every Go finding depends on one file alone: reported here, no facts.
  analyzeGo(file, { report }): undefined {
    if (file.isTest || file.isGenerated) return undefined;
    for (const call of file.calls) {
      const method = lastSegment(call.callee);
      if (!GO_SINKS.has(method) || !call.callee.includes(".")) continue;
      for (const arg of callArguments(call.node as GoNode)) {
        const taint = goQueryTaint(arg, file.imports, 0);
        if (!taint) continue;
        report({
          path: file.path,
          range: call.range,
          message:
            `\`${call.callee}\` runs SQL built from \`${taint.text}\`, which comes from the parameter \`${taint.param}\`` +
            `${call.enclosingFunction ? ` of \`${call.enclosingFunction}\`` : ""}: a caller can change the statement (SQL injection).`,
          fix: "Put a placeholder (? or $1) in the SQL text and pass the value as a query argument.",
        });
        break;
      }
    }
    return undefined;
  },
  create({ report }) {
    return {
      typescript(file) {
        if (file.isTest || file.isGenerated) return;
        for (const call of file.calls) {
          if (call.isNew) continue;
          const node = call.node as ts.Node;
          if (!ts.isCallExpression(node)) continue;
          const access = kit.staticMemberAccess(node.expression);
          if (!access || !TS_SINKS.has(access.name)) continue;
          const first = node.arguments[0];
          if (!first) continue;
          const taint = tsQueryTaint(first, 0);
          if (!taint) continue;
          report({
            path: file.path,
            range: tsNodeRange(node),
            message:
              `\`${call.callee}(...)\` runs SQL built from \`${taint.text}\`, which comes from the parameter \`${taint.param}\`` +
              `${call.enclosingFunction ? ` of \`${call.enclosingFunction}\`` : ""}: a caller can change the statement (SQL injection).`,
            fix: "Put a placeholder ($1 or ?) in the SQL text and pass the value in the parameters array (or use a tagged template that binds, such as Prisma's $queryRaw``).",
          });
        }
      },
    };
  },
});

function lastSegment(callee: string): string {
  const dot = callee.lastIndexOf(".");
  return dot < 0 ? callee : callee.slice(dot + 1);
}

function truncate(text: string): string {
  const oneLine = text.replace(/\s+/g, " ");
  return oneLine.length > 60 ? `${oneLine.slice(0, 57)}...` : oneLine;
}

// ---------------------------------------------------------------------------------------------
// Go

/**
 * When `expr` is (or holds, through local assignments) SQL text built from a function parameter, that
 * parameter. `depth` bounds how far local variables are followed.
 */
function goQueryTaint(expr: GoNode, imports: readonly SourceImport[], depth: number): Taint | undefined {
  const built = goCollect(expr, imports, depth);
  if (!SQL_SHAPE.test(built.literal)) return undefined;
  for (const part of built.dynamic) {
    const param = goParameterSource(part.node, part.verb, imports, 0);
    if (param) return { text: truncate(part.node.text), param };
  }
  return undefined;
}

/**
 * The literal text and dynamic parts of a query string, through local variables: `q := "select ..."`
 * then `q += " and name = '" + name + "'"` is one string.
 */
function goCollect(expr: GoNode, imports: readonly SourceImport[], depth: number): { literal: string; dynamic: GoDynamicPart[] } {
  const empty = { literal: "", dynamic: [] as GoDynamicPart[] };
  if (depth > 3) return empty;
  // Loops, not recursion, over parentheses and `+` chains: a worker thread's stack is four times the main
  // thread's, and a walk that recursed per level would fail on one and not the other (same output either way).
  while (expr.type === "parenthesized_expression") {
    const inner = expr.namedChildren.find((n) => n !== null);
    if (!inner) return empty;
    expr = inner;
  }
  if (expr.type === "identifier") {
    const all = { literal: "", dynamic: [] as GoDynamicPart[] };
    for (const value of goLocalAssignments(expr)) {
      const part = goCollect(value, imports, depth + 1);
      all.literal += ` ${part.literal}`;
      all.dynamic.push(...part.dynamic);
    }
    return all;
  }
  const literal = stringLiteralValue(expr);
  if (literal !== undefined) return { literal, dynamic: [] };
  const built = goBuiltString(expr, imports);
  if (!built) return empty;
  // A built part that is itself a local variable holding SQL text (`base + " where id = " + id`).
  const dynamic: GoDynamicPart[] = [];
  let text = built.literal;
  for (const part of built.dynamic) {
    if (part.node.type === "identifier" && goFindParameter(part.node, part.node.text) === undefined) {
      const nested = goCollect(part.node, imports, depth + 1);
      if (nested.literal.trim() !== "" || nested.dynamic.length > 0) {
        text += ` ${nested.literal}`;
        dynamic.push(...nested.dynamic);
        continue;
      }
    }
    dynamic.push(part);
  }
  return { literal: text, dynamic };
}

interface GoDynamicPart {
  node: GoNode;
  /** The fmt verb that formats it; "+" for concatenation (Go only concatenates strings). */
  verb: string;
}

/** The literal text and the dynamic parts of `a + b + ...` or `fmt.Sprintf(format, ...)`. */
function goBuiltString(expr: GoNode, imports: readonly SourceImport[]): { literal: string; dynamic: GoDynamicPart[] } | undefined {
  if (expr.type === "binary_expression" && expr.childForFieldName("operator")?.text === "+") {
    // The chain's operands, left to right (see goCollect on why this is not recursive).
    const operands: GoNode[] = [];
    const pending: GoNode[] = [expr];
    while (pending.length > 0) {
      const n = pending.pop()!;
      if (n.type === "binary_expression" && n.childForFieldName("operator")?.text === "+") {
        const r = n.childForFieldName("right");
        const l = n.childForFieldName("left");
        if (r) pending.push(r);
        if (l) pending.push(l);
      } else operands.push(n);
    }
    let literal = "";
    const dynamic: GoDynamicPart[] = [];
    for (const operand of operands) {
      const value = stringLiteralValue(operand);
      if (value !== undefined) literal += value;
      else dynamic.push({ node: operand, verb: "+" });
    }
    return { literal, dynamic };
  }
  if (expr.type === "call_expression") {
    const fn = expr.childForFieldName("function");
    if (fn?.type !== "selector_expression") return undefined;
    const operand = fn.childForFieldName("operand");
    const field = fn.childForFieldName("field")?.text;
    const module = operand?.type === "identifier" ? imports.find((i) => i.localName === operand.text)?.module : undefined;
    if (module !== "fmt" || field !== "Sprintf") return undefined;
    const args = callArguments(expr);
    const format = args[0] ? stringLiteralValue(args[0]) : undefined;
    if (format === undefined) return undefined;
    const verbs = formatVerbs(format);
    return { literal: format, dynamic: args.slice(1).map((node, i) => ({ node, verb: verbs[i] ?? "v" })) };
  }
  return undefined;
}

/** The verb letter of each argument-consuming directive in a fmt format string. */
function formatVerbs(format: string): string[] {
  const verbs: string[] = [];
  for (const m of format.matchAll(/%([-+# 0]*(?:\[\d+\])?(\*|\d+)?(?:\.(\*|\d+)?)?)([a-zA-Z%])/g)) {
    if (m[4] === "%") continue;
    if (m[2] === "*") verbs.push("d");
    if (m[3] === "*") verbs.push("d");
    verbs.push(m[4]!);
  }
  return verbs;
}

/**
 * The enclosing function's parameter that `node` is read from (`name`, `req.Name`, `in.Filter[0]`,
 * `strings.TrimSpace(name)`), when its value can carry text; undefined for anything else.
 */
function goParameterSource(node: GoNode, verb: string, imports: readonly SourceImport[], depth: number): string | undefined {
  if (GO_SAFE_VERBS.has(verb) || depth > 3) return undefined;
  let root: GoNode | null = node;
  let direct = true;
  for (;;) {
    if (!root) return undefined;
    if (root.type === "parenthesized_expression") root = root.namedChildren.find((n) => n !== null) ?? null;
    else if (root.type === "selector_expression") {
      root = root.childForFieldName("operand");
      direct = false;
    } else if (root.type === "index_expression") {
      root = root.childForFieldName("operand");
      direct = false;
    } else if (root.type === "call_expression") {
      const fn = root.childForFieldName("function");
      const args = callArguments(root);
      // r.URL.Query().Get("q"), c.Param("id"), r.FormValue("q"): a method of a parameter.
      if (fn?.type === "selector_expression" && !isImportSelector(fn, imports)) {
        root = fn.childForFieldName("operand");
        direct = false;
      } else if (fn && GO_PASS_THROUGH.test(fn.text) && args.length > 0) {
        root = args[0]!;
      } else return undefined;
    } else break;
  }
  if (root.type !== "identifier") return undefined;
  const name = root.text;
  const param = goFindParameter(root, name);
  if (param) {
    // `%v` / `%s` of a field whose type is unseen: only a direct string-typed parameter is certain.
    if (param.receiver) return undefined;
    const type = param.type.replace(/^\*/, "");
    if (GO_SAFE_TYPES.test(type) || /^(context\.Context|\[\]u?int\d*)$/.test(type)) return undefined;
    if (direct && verb === "v" && type !== "string") return undefined;
    if (!direct && verb === "v") return undefined;
    return name;
  }
  // A local variable: follow what was assigned to it.
  for (const value of goLocalAssignments(root)) {
    const source = goParameterSource(value, verb, imports, depth + 1);
    if (source) return source;
  }
  return undefined;
}

function isImportSelector(selector: GoNode, imports: readonly SourceImport[]): boolean {
  const operand = selector.childForFieldName("operand");
  return operand?.type === "identifier" && imports.some((i) => i.localName === operand.text);
}

/** The function-like nodes around `node`, innermost first. */
function goFunctionsAround(node: GoNode): GoNode[] {
  const found: GoNode[] = [];
  for (let n: GoNode | null = node.parent; n; n = n.parent) {
    if (n.type === "function_declaration" || n.type === "method_declaration" || n.type === "func_literal") found.push(n);
  }
  return found;
}

function goFindParameter(node: GoNode, name: string): { type: string; receiver: boolean } | undefined {
  for (const fn of goFunctionsAround(node)) {
    // A local declaration of the same name in this function shadows outer parameters.
    if (goLocalAssignments(node, fn).length > 0) return undefined;
    for (const [field, receiver] of [["receiver", true], ["parameters", false]] as const) {
      const list = fn.childForFieldName(field);
      for (const declaration of list?.namedChildren ?? []) {
        if (!declaration || (declaration.type !== "parameter_declaration" && declaration.type !== "variadic_parameter_declaration")) continue;
        if (declaration.childrenForFieldName("name").some((n) => n?.text === name)) {
          return { type: declaration.childForFieldName("type")?.text ?? "", receiver };
        }
      }
    }
  }
  return undefined;
}

/**
 * Values assigned to the local variable `identifier` names, before it, in the innermost function
 * (`x := v`, `x = v`, `x += v`, `var x = v`). Empty when the name is not a local variable.
 */
function goLocalAssignments(identifier: GoNode, within?: GoNode): GoNode[] {
  const fn = within ?? goFunctionsAround(identifier)[0];
  if (!fn) return [];
  const name = identifier.text;
  const values: GoNode[] = [];
  const body = fn.childForFieldName("body");
  if (!body) return [];
  for (const statement of body.descendantsOfType(["short_var_declaration", "assignment_statement", "var_spec"])) {
    if (!statement || statement.startIndex >= identifier.startIndex) continue;
    // Declarations inside nested function literals belong to them.
    if (goFunctionsAround(statement)[0]?.id !== fn.id) continue;
    const lefts = statement.type === "var_spec" ? statement.childrenForFieldName("name") : statement.childForFieldName("left")?.namedChildren ?? [];
    const rights = (statement.type === "var_spec" ? statement.childForFieldName("value") : statement.childForFieldName("right"))?.namedChildren ?? [];
    const index = lefts.findIndex((n) => n?.type === "identifier" && n.text === name);
    if (index < 0) continue;
    const value = rights.length === lefts.length ? rights[index] : undefined;
    if (value) values.push(value);
  }
  return values;
}

// ---------------------------------------------------------------------------------------------
// TypeScript / JavaScript

function tsQueryTaint(expr: ts.Expression, depth: number): Taint | undefined {
  const built = tsCollect(expr, depth);
  if (!SQL_SHAPE.test(built.literal)) return undefined;
  for (const part of built.dynamic) {
    const param = tsParameterSource(part, 0);
    if (param) return { text: truncate(part.getText()), param };
  }
  return undefined;
}

/** Literal text and interpolated parts of a query string, through local `const` / `let` (and `+=`). */
function tsCollect(expr: ts.Expression, depth: number): { literal: string; dynamic: ts.Expression[] } {
  const empty = { literal: "", dynamic: [] as ts.Expression[] };
  if (depth > 3) return empty;
  const inner = kit.skipWrappers(expr);
  if (ts.isIdentifier(inner)) {
    const all = { literal: "", dynamic: [] as ts.Expression[] };
    for (const value of tsLocalValues(inner)) {
      const part = tsCollect(value, depth + 1);
      all.literal += ` ${part.literal}`;
      all.dynamic.push(...part.dynamic);
    }
    return all;
  }
  if (ts.isStringLiteralLike(inner)) return { literal: inner.text, dynamic: [] };
  const built = tsBuiltString(inner);
  if (!built) return empty;
  let literal = built.literal;
  const dynamic: ts.Expression[] = [];
  for (const part of built.dynamic) {
    if (ts.isIdentifier(part)) {
      const nested = tsCollect(part, depth + 1);
      if (nested.literal.trim() !== "" || nested.dynamic.length > 0) {
        literal += ` ${nested.literal}`;
        dynamic.push(...nested.dynamic);
        continue;
      }
    }
    dynamic.push(part);
  }
  return { literal, dynamic };
}

function tsBuiltString(expr: ts.Expression): { literal: string; dynamic: ts.Expression[] } | undefined {
  if (ts.isTemplateExpression(expr)) {
    return {
      literal: expr.head.text + expr.templateSpans.map((s) => ` ${s.literal.text}`).join(""),
      dynamic: expr.templateSpans.map((s) => s.expression),
    };
  }
  if (ts.isBinaryExpression(expr) && expr.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    let literal = "";
    const dynamic: ts.Expression[] = [];
    const flatten = (e: ts.Expression) => {
      const n = kit.skipWrappers(e);
      if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.PlusToken) {
        flatten(n.left);
        flatten(n.right);
      } else if (ts.isStringLiteralLike(n)) literal += n.text;
      else if (ts.isTemplateExpression(n)) {
        const nested = tsBuiltString(n)!;
        literal += nested.literal;
        dynamic.push(...nested.dynamic);
      } else dynamic.push(n);
    };
    flatten(expr);
    return { literal, dynamic };
  }
  return undefined;
}

/** The parameter an interpolated value is read from, unless its declared type is numeric or boolean. */
function tsParameterSource(expr: ts.Expression, depth: number): string | undefined {
  if (depth > 3) return undefined;
  let root: ts.Expression = kit.skipWrappers(expr);
  let direct = true;
  for (;;) {
    if (ts.isPropertyAccessExpression(root) || ts.isElementAccessExpression(root)) {
      root = kit.skipWrappers(root.expression);
      direct = false;
    } else if (ts.isCallExpression(root) && ts.isPropertyAccessExpression(root.expression)) {
      // req.query.name.trim(), String(x) is handled below; Number(x) / parseInt(x) are numbers.
      root = kit.skipWrappers(root.expression.expression);
      direct = false;
    } else if (ts.isCallExpression(root) && ts.isIdentifier(root.expression) && root.expression.text === "String" && root.arguments[0]) {
      root = kit.skipWrappers(root.arguments[0]);
    } else break;
  }
  if (!ts.isIdentifier(root)) return undefined;
  const declaration = kit.findLocalDeclaration(root, root.text);
  if (!declaration) return undefined;
  if (ts.isParameter(declaration) || isInsideParameter(declaration)) {
    const parameter = ts.isParameter(declaration) ? declaration : parameterOf(declaration)!;
    if (direct && parameter.type && isSafeTsType(parameter.type)) return undefined;
    return root.text;
  }
  if (ts.isVariableDeclaration(declaration) && declaration.initializer) {
    if (declaration.type && isSafeTsType(declaration.type)) return undefined;
    // `const { name } = req.query`: a binding pattern reads from its initializer.
    return tsParameterSource(declaration.initializer, depth + 1);
  }
  if (ts.isBindingElement(declaration)) {
    let up: ts.Node = declaration;
    while (up.parent && !ts.isVariableDeclaration(up)) up = up.parent;
    if (ts.isVariableDeclaration(up) && up.initializer) return tsParameterSource(up.initializer, depth + 1);
  }
  return undefined;
}

function isInsideParameter(node: ts.Node): boolean {
  return parameterOf(node) !== undefined;
}

function parameterOf(node: ts.Node): ts.ParameterDeclaration | undefined {
  for (let n: ts.Node | undefined = node; n; n = n.parent) {
    if (ts.isParameter(n)) return n;
    if (ts.isBlock(n) || ts.isSourceFile(n)) return undefined;
  }
  return undefined;
}

function isSafeTsType(type: ts.TypeNode): boolean {
  return (
    type.kind === ts.SyntaxKind.NumberKeyword ||
    type.kind === ts.SyntaxKind.BooleanKeyword ||
    type.kind === ts.SyntaxKind.BigIntKeyword ||
    (ts.isTypeReferenceNode(type) && ts.isIdentifier(type.typeName) && type.typeName.text === "Date")
  );
}

/** The initializer of a local `const`/`let`, plus later `x = ...` / `x += ...` assignments before the use. */
function tsLocalValues(identifier: ts.Identifier): ts.Expression[] {
  const declaration = kit.findLocalDeclaration(identifier, identifier.text);
  if (!declaration || !ts.isVariableDeclaration(declaration) || !declaration.initializer) return [];
  const values: ts.Expression[] = [declaration.initializer];
  const scope = declaration.parent?.parent?.parent;
  if (!scope) return values;
  const visit = (node: ts.Node): void => {
    if (node.pos >= identifier.pos) return;
    if (
      ts.isBinaryExpression(node) &&
      (node.operatorToken.kind === ts.SyntaxKind.EqualsToken || node.operatorToken.kind === ts.SyntaxKind.PlusEqualsToken) &&
      ts.isIdentifier(node.left) &&
      node.left.text === identifier.text
    ) {
      values.push(node.right);
    }
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(scope, visit);
  return values;
}
