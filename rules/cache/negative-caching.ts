import { ts } from "ts-morph";
import type { Node as GoNode } from "web-tree-sitter";
import { defineRule } from "../../src/rule-kit/define-rule.js";
import { goNodeRange } from "../../src/rule-kit/go.js";
import { tsNodeRange } from "../../src/rule-kit/typescript.js";
import { GO_SINGLE_ROW, type GoCacheAside, type TsCacheAside, GO_MODEL_FINDER, goCacheAsides, someNode, tsCacheAsides } from "./cache-aside.js";

/** Not-found sentinels: database/sql, gorm, go-zero sqlc and the models generated from it. */
const NOT_FOUND = new Set(["ErrNoRows", "ErrRecordNotFound", "ErrNotFound"]);

/** What one Go file tells the main thread: how many cache-aside shapes it holds. */
interface FileFacts {
  shapes: number;
}

export default defineRule<FileFacts>({
  meta: {
    id: "cache/negative-caching",
    section: "dependencies",
    title: "Not-found results are cached",
    severity: "note",
    rationale:
      "When a lookup misses the cache and the database has no such row, nothing is cached, so every request for a " +
      "missing key reaches the database (cache penetration); a client or attacker looping over unknown ids loads the database directly.",
    remediation:
      "On not-found, cache a short-lived placeholder (an empty value or a marker, with a short TTL) and treat it as " +
      "not-found on read, or put a Bloom filter in front; go-zero cache.Cache / sqlc.CachedConn do this already.",
    docs: `Looks at the same cache-aside shape as \`cache/stampede-protection\` (a Redis read, a database load, a write back
in one function) and asks what happens when the database has no row:

- Go: the branch that tests \`sql.ErrNoRows\`, \`gorm.ErrRecordNotFound\`, \`sqlc.ErrNotFound\` or a model's
  \`ErrNotFound\` returns without a cache write; or, with no such test, a single-row load (\`QueryRow\`, \`First\`,
  \`Take\`, sqlx \`Get\`, ...) is followed by \`if err != nil { return ... }\` before the write, so not-found is never cached.
- TypeScript: \`if (!row)\` / \`row === null\` after the load returns or throws without a cache write.

\`\`\`go
// Flagged: missing ids are never cached
if errors.Is(err, sql.ErrNoRows) {
    return nil, ErrProductNotFound
}
// Not flagged: a placeholder is cached for a short time
if errors.Is(err, sql.ErrNoRows) {
    s.rdb.Set(ctx, key, "", time.Minute)
    return nil, ErrProductNotFound
}
\`\`\`

A **note**: whether penetration matters depends on who can choose the keys. Silent for go-zero \`cache.Cache\` /
\`sqlc.CachedConn\` (they cache a \`*\` placeholder for not-found), multi-row queries (an empty list is cached like any
other), model finders such as go-zero \`FindOne\` (the model may cache not-found itself), a TypeScript write that stores the null result, and test or generated files.`,
    inputs: ["go", "typescript"],
    tags: ["cache", "redis", "database", "reliability", "go", "typescript"],
    precision: "medium",
  },
  // Each Go finding needs only its own file and is reported from the per-file analysis; the count of
  // shapes goes to the main thread, where `end` decides whether the rule applied at all.
  analyzeGo(file, { report }): FileFacts | undefined {
    if (file.isTest || file.isGenerated) return undefined;
    let shapes = 0;
    for (const shape of goCacheAsides(file)) {
      shapes++;
      const finding = goNotFoundUncached(shape);
      if (!finding) continue;
      report({ path: file.path, range: goNodeRange(finding.node), message: finding.message });
    }
    return shapes > 0 ? { shapes } : undefined;
  },
  create({ report, notApplicable }) {
    let shapes = 0;
    return {
      goFacts(facts) {
        shapes += facts.shapes;
      },
      typescript(file) {
        if (file.isTest || file.isGenerated) return;
        for (const shape of tsCacheAsides(file.ast, file.imports)) {
          shapes++;
          const guard = tsNullGuardWithoutCaching(shape);
          if (!guard) continue;
          report({
            path: file.path,
            range: tsNodeRange(guard.expression),
            message:
              `When \`${shape.load.method}\` finds nothing, \`${guard.expression.getText().slice(0, 40)}\` leaves without writing ` +
              `to \`${shape.set.receiver}\`: every lookup of a missing key reaches the database (cache penetration).`,
          });
        }
      },
      end() {
        if (shapes === 0) notApplicable(); // no cache-aside read anywhere
      },
    };
  },
});

function goNotFoundUncached(shape: GoCacheAside): { node: GoNode; message: string } | undefined {
  if (GO_MODEL_FINDER.test(shape.load.method)) return undefined; // the model may cache not-found (go-zero cached models do)
  const after = shape.load.node.startIndex;
  const sentinels = shape.fn
    .descendantsOfType(["selector_expression", "identifier"])
    .filter((n): n is GoNode => n !== null && n.startIndex > after && isNotFoundSentinel(n));
  if (sentinels.length > 0) {
    for (const sentinel of sentinels) {
      const branch = enclosingBranch(sentinel);
      if (!branch) return undefined; // passed along (`return err == sql.ErrNoRows`): cannot tell
      if (cachesInside(branch, shape)) return undefined;
    }
    const sentinel = sentinels[0]!;
    return {
      node: sentinel,
      message:
        `\`${sentinel.text}\` from \`${shape.load.method}\` leaves without writing to \`${shape.set.receiver}\`: every lookup ` +
        `of a missing key reaches the database (cache penetration).`,
    };
  }
  if (!GO_SINGLE_ROW.test(shape.load.method)) return undefined;
  // No not-found test: an `if err != nil { return ... }` between the load and the write drops not-found with every other error.
  for (const statement of shape.fn.descendantsOfType("if_statement")) {
    // `if err := db.First(&u).Error; err != nil` holds the load in its initializer.
    if (!statement || statement.endIndex < shape.load.node.startIndex || statement.startIndex > shape.set.node.startIndex) continue;
    if (statement.descendantsOfType("call_expression").some((c) => c?.startIndex === shape.set.node.startIndex)) continue;
    const condition = statement.childForFieldName("condition")?.text.replace(/\s+/g, "") ?? "";
    const consequence = statement.childForFieldName("consequence");
    if (!/\berr!=nil\b/.test(condition) || !consequence?.descendantsOfType("return_statement").length) continue;
    if (cachesInside(consequence, shape)) return undefined;
    return {
      node: shape.load.node,
      message:
        `\`${shape.load.method}\` reports a missing row as an error, and the error returns before \`${shape.set.method}\`: ` +
        `not-found is never cached, so every lookup of a missing key reaches the database (cache penetration).`,
    };
  }
  return undefined;
}

function isNotFoundSentinel(node: GoNode): boolean {
  if (node.type === "selector_expression") return NOT_FOUND.has(node.childForFieldName("field")?.text ?? "");
  return node.type === "identifier" && NOT_FOUND.has(node.text) && node.parent?.type !== "selector_expression";
}

/** The `if` consequence or `case` body that runs when the sentinel matches. */
function enclosingBranch(node: GoNode): GoNode | undefined {
  for (let at: GoNode | null = node.parent; at; at = at.parent) {
    if (at.type === "if_statement") return at.childForFieldName("consequence") ?? undefined;
    if (at.type === "expression_case") return at;
    if (at.type === "block" || at.type === "function_declaration" || at.type === "method_declaration") return undefined;
  }
  return undefined;
}

function cachesInside(branch: GoNode, shape: GoCacheAside): boolean {
  return branch.descendantsOfType("call_expression").some((call) => {
    const callee = call?.childForFieldName("function");
    const receiver = callee?.childForFieldName("operand")?.text.replace(/\s+/g, "");
    const method = callee?.childForFieldName("field")?.text ?? "";
    const write = /^(H?M?Set\w*|Hset\w*|Hmset\w*|Setex\w*)$/i.test(method);
    return (write && receiver === shape.set.receiver) || /cache|placeholder/i.test(callee?.text ?? "");
  });
}

function tsNullGuardWithoutCaching(shape: TsCacheAside): ts.IfStatement | undefined {
  const name = shape.loadedName;
  if (!name) return undefined;
  let guard: ts.IfStatement | undefined;
  someNode(shape.fn, (n) => {
    if (!ts.isIfStatement(n) || n.getStart() < shape.load.node.getEnd()) return false;
    if (!isNullTest(n.expression, name)) return false;
    const leaves = someNode(n.thenStatement, (s) => ts.isReturnStatement(s) || ts.isThrowStatement(s)) ||
      ts.isReturnStatement(n.thenStatement) || ts.isThrowStatement(n.thenStatement);
    const caches = someNode(n.thenStatement, (s) => ts.isCallExpression(s) && s.expression.getText().replace(/\s+/g, "").startsWith(`${shape.set.receiver}.`));
    if (leaves && !caches) guard = n;
    return true;
  });
  return guard;
}

/** `!row`, `row === null`, `row == null`, `row === undefined`, `null === row`. */
function isNullTest(expr: ts.Expression, name: string): boolean {
  if (ts.isPrefixUnaryExpression(expr) && expr.operator === ts.SyntaxKind.ExclamationToken) {
    return ts.isIdentifier(expr.operand) && expr.operand.text === name;
  }
  if (ts.isBinaryExpression(expr)) {
    const op = expr.operatorToken.kind;
    if (op !== ts.SyntaxKind.EqualsEqualsEqualsToken && op !== ts.SyntaxKind.EqualsEqualsToken) return false;
    const sides = [expr.left, expr.right];
    return sides.some((s) => ts.isIdentifier(s) && s.text === name) &&
      sides.some((s) => s.kind === ts.SyntaxKind.NullKeyword || (ts.isIdentifier(s) && s.text === "undefined"));
  }
  return false;
}

