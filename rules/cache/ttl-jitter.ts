import { ts } from "ts-morph";
import type { Node as GoNode } from "web-tree-sitter";
import type { SourceImport } from "../../src/model/artifacts.js";
import { defineRule } from "../../src/rule-kit/define-rule.js";
import { callArguments, importForName } from "../../src/rule-kit/go.js";
import { tsNodeRange, typescriptKit } from "../../src/rule-kit/typescript.js";

const kit = typescriptKit(ts);

const GO_REDIS = /^github\.com\/(redis\/go-redis|go-redis\/redis)(\/v\d+)?$/;
const GO_ZERO_REDIS = "github.com/zeromicro/go-zero/core/stores/redis";
/** go-redis methods that set an expiry, and the TTL's position counted from the end of the arguments. */
const GO_REDIS_TTL: Record<string, number> = { Set: 1, SetEx: 1, SetNX: 1, SetXX: 1, Expire: 1, PExpire: 1 };
/** go-zero redis: `Setex(key, value, seconds)`, `Expire(key, seconds)`, with or without Ctx. */
const GO_ZERO_TTL: Record<string, number> = { Setex: 1, SetexCtx: 1, SetnxEx: 1, SetnxExCtx: 1, Expire: 1, ExpireCtx: 1 };
const NODE_REDIS_MODULES = new Set(["ioredis", "redis", "@redis/client"]);

export default defineRule({
  meta: {
    id: "cache/ttl-jitter",
    section: "dependencies",
    title: "Cache TTLs are spread with jitter",
    severity: "note",
    rationale:
      "Keys written together with the same fixed TTL expire together; their reloads then reach the database in the same " +
      "instant (cache avalanche), which is how a cache restart or a bulk warm-up turns into a database outage.",
    remediation: "Add a random jitter to each TTL (for example base + rand(0..10 %)), or use a cache layer that does (go-zero cache.Cache).",
    docs: `Reports Redis writes whose expiry is a fixed constant: go-redis \`Set\` / \`SetEx\` / \`SetNX\` / \`Expire\`
(\`rdb.Set(ctx, k, v, time.Minute*5)\`), go-zero \`redis.Redis\` \`Setex\` / \`SetnxEx\` / \`Expire\` (+\`Ctx\`), and
ioredis / node-redis \`set(k, v, 'EX', 300)\`, \`set(k, v, { EX: 300 })\`, \`setex(k, 300, v)\`, \`expire(k, 300)\`.

A **note**, not a warning: a single fixed-TTL key (a session, a rate-limit window) is harmless; the avalanche needs many
keys written at once. The finding asks the question; the launch checklist's answer is a random offset.

\`\`\`go
// Flagged
rdb.Set(ctx, key, payload, 5*time.Minute)
// Not flagged: the TTL is computed
rdb.Set(ctx, key, payload, 5*time.Minute+time.Duration(rand.Int63n(int64(30*time.Second))))
\`\`\`

\`\`\`ts
// Flagged
await redis.set(key, body, 'EX', 300);
// Not flagged
await redis.set(key, body, 'EX', 300 + Math.floor(Math.random() * 30));
\`\`\`

Silent: TTLs held in variables, parameters or configuration (the value may already be jittered), \`0\` (no expiry),
go-zero \`cache.Cache\` / \`sqlc.CachedConn\` (they add ±5 % jitter themselves), test files, and files that do not import a
Redis client (the receiver's type is unknown, so the import is the evidence).`,
    inputs: ["go", "typescript"],
    tags: ["cache", "redis", "reliability", "go", "typescript"],
    precision: "medium",
  },
  // Every Go finding needs only its own file: reported from the per-file analysis (worker threads), no facts kept.
  analyzeGo(file, { report }) {
    if (file.isTest || file.isGenerated) return undefined;
    const goRedis = file.imports.some((i) => GO_REDIS.test(i.module));
    const goZero = file.imports.some((i) => i.module === GO_ZERO_REDIS);
    if (!goRedis && !goZero) return undefined;
    const constants = packageConstants(file.root as GoNode);
    for (const call of file.calls) {
      if (call.module !== undefined) continue; // a package function, not a client method
      const method = call.callee.slice(call.callee.lastIndexOf(".") + 1);
      const fromEnd = (goRedis ? GO_REDIS_TTL[method] : undefined) ?? (goZero ? GO_ZERO_TTL[method] : undefined);
      if (fromEnd === undefined || !call.callee.includes(".")) continue;
      const args = callArguments(call.node as GoNode);
      const ttl = args[args.length - fromEnd];
      // `h.Set("k", 5)` on some other type: Redis writes carry a key, a value and a TTL.
      const minimum = /Expire/.test(method) ? 2 : 3;
      if (!ttl || args.length < minimum || !isFixedGo(ttl, file.imports, constants) || isZeroGo(ttl)) continue;
      report({
        path: file.path,
        range: call.range,
        message:
          `\`${call.callee}\` sets a fixed TTL (\`${ttl.text.slice(0, 40)}\`): keys written together expire together and ` +
          `their reloads hit the database at once (cache avalanche).`,
        fix: "Add a random offset to the TTL (e.g. base + rand.Int63n(base/10)).",
      });
    }
    return undefined;
  },
  create({ report }) {
    return {
      typescript(file) {
        if (file.isTest || file.isGenerated) return;
        if (!file.imports.some((i) => NODE_REDIS_MODULES.has(i.module))) return;
        for (const call of file.calls) {
          const node = call.node as ts.Node;
          if (call.isNew || !ts.isCallExpression(node)) continue;
          const access = kit.staticMemberAccess(node.expression);
          if (!access) continue;
          const ttl = nodeTtl(access.name, node.arguments);
          if (!ttl || !isFixedTs(ttl) || kit.numericLiteralValue(ttl) === 0) continue;
          report({
            path: file.path,
            range: tsNodeRange(node),
            message:
              `\`${call.callee}(...)\` sets a fixed TTL (\`${ttl.getText().slice(0, 40)}\`): keys written together expire together ` +
              `and their reloads hit the database at once (cache avalanche).`,
            fix: "Add a random offset to the TTL (e.g. ttl + Math.floor(Math.random() * ttl * 0.1)).",
          });
        }
      },
    };
  },
});

/** The TTL argument of an ioredis / node-redis write, when it has one. */
function nodeTtl(method: string, args: readonly ts.Expression[]): ts.Expression | undefined {
  const lower = method.toLowerCase();
  if (lower === "setex" || lower === "psetex" || lower === "expire" || lower === "pexpire") return args[1];
  if (lower !== "set") return undefined;
  // ioredis: set(k, v, 'EX', 300)
  for (let i = 2; i + 1 < args.length; i++) {
    const flag = kit.stringLiteralValue(args[i]);
    if (flag && /^(EX|PX)$/i.test(flag)) return args[i + 1];
  }
  // node-redis v4: set(k, v, { EX: 300 })
  const options = args[2] ? kit.skipWrappers(args[2]) : undefined;
  if (options && ts.isObjectLiteralExpression(options)) {
    return kit.objectLiteralProperty(options, "EX") ?? kit.objectLiteralProperty(options, "PX");
  }
  return undefined;
}

function isFixedTs(expr: ts.Expression): boolean {
  const inner = kit.skipWrappers(expr);
  if (kit.numericLiteralValue(inner) !== undefined) return true;
  if (ts.isBinaryExpression(inner)) {
    const op = inner.operatorToken.kind;
    const arithmetic = [ts.SyntaxKind.AsteriskToken, ts.SyntaxKind.PlusToken, ts.SyntaxKind.MinusToken, ts.SyntaxKind.SlashToken];
    return arithmetic.includes(op) && isFixedTs(inner.left) && isFixedTs(inner.right);
  }
  if (ts.isIdentifier(inner)) {
    // A `const X = 300` in this file.
    const declaration = kit.findLocalDeclaration(inner, inner.text);
    return (
      declaration !== undefined &&
      ts.isVariableDeclaration(declaration) &&
      ts.isVariableDeclarationList(declaration.parent) &&
      (declaration.parent.flags & ts.NodeFlags.Const) !== 0 &&
      declaration.initializer !== undefined &&
      isFixedTs(declaration.initializer)
    );
  }
  return false;
}

/** Names declared with `const` at package level in this file. */
function packageConstants(root: GoNode): Set<string> {
  const names = new Set<string>();
  for (const declaration of root.namedChildren) {
    if (declaration?.type !== "const_declaration") continue;
    for (const spec of declaration.descendantsOfType("const_spec")) {
      for (const name of spec?.childrenForFieldName("name") ?? []) if (name) names.add(name.text);
    }
  }
  return names;
}

/** Literals, `time.Minute`-style constants, package constants and arithmetic over them. */
function isFixedGo(node: GoNode, imports: readonly SourceImport[], constants: Set<string>): boolean {
  switch (node.type) {
    case "int_literal":
    case "float_literal":
      return true;
    case "parenthesized_expression":
      return node.namedChildren.every((c) => c !== null && isFixedGo(c, imports, constants));
    case "binary_expression": {
      const left = node.childForFieldName("left");
      const right = node.childForFieldName("right");
      return !!left && !!right && isFixedGo(left, imports, constants) && isFixedGo(right, imports, constants);
    }
    case "selector_expression": {
      const operand = node.childForFieldName("operand");
      return operand?.type === "identifier" && importForName(imports, operand.text)?.module === "time";
    }
    case "identifier":
      return constants.has(node.text);
    case "call_expression": {
      // time.Duration(300) * time.Second
      const fn = node.childForFieldName("function");
      const args = callArguments(node);
      return fn?.text.endsWith("time.Duration") === true && args.length === 1 && isFixedGo(args[0]!, imports, constants);
    }
    default:
      return false;
  }
}

function isZeroGo(node: GoNode): boolean {
  return node.type === "int_literal" && /^0+$/.test(node.text);
}
