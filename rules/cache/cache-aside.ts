/**
 * The cache-aside shape shared by cache/stampede-protection and cache/negative-caching: inside one
 * function, a read from a cache client, then a load from the database, then a write back to the same
 * client. Only the shape is found here; each rule judges it.
 */
import { ts } from "ts-morph";
import type { Node as GoNode } from "web-tree-sitter";
import type { SourceCall, SourceImport } from "../../src/model/artifacts.js";
import { importForName } from "../../src/rule-kit/go.js";
import { typescriptKit } from "../../src/rule-kit/typescript.js";

const kit = typescriptKit(ts);

// ---------------------------------------------------------------------------------------------
// Go

export const GO_REDIS = /^github\.com\/(redis\/go-redis|go-redis\/redis)(\/v\d+)?$/;
export const GO_ZERO_REDIS = "github.com/zeromicro/go-zero/core/stores/redis";

/** Imports that bring request coalescing or a lock: a package that uses one is treated as protected. */
export const GO_PROTECTION_IMPORTS: readonly RegExp[] = [
  /^golang\.org\/x\/sync\/singleflight$/,
  /^github\.com\/zeromicro\/go-zero\/core\/syncx$/,
  // go-zero cache.Cache / sqlc.CachedConn: singleflight and not-found placeholders built in.
  /^github\.com\/zeromicro\/go-zero\/core\/stores\/(cache|sqlc)$/,
  /^github\.com\/go-redsync\/redsync(\/v\d+)?$/,
  /^github\.com\/bsm\/redislock$/,
];

const GO_CACHE_RECEIVER = /redis|\brdb\b|\brds\b|cache/i;
const GO_CACHE_GET = new Set(["Get", "GetCtx", "HGet", "Hget", "HgetCtx", "HGetAll", "Hgetall", "HgetallCtx", "GetBytes"]);
const GO_CACHE_SET = new Set(["Set", "SetEx", "SetCtx", "Setex", "SetexCtx", "HSet", "Hset", "HsetCtx", "HMSet", "Hmset", "HmsetCtx"]);
/** Database reads: database/sql, sqlx, gorm, go-zero sqlx, and model finders. */
const GO_LOAD = /^(QueryRow(x)?(Context|Ctx)?|Query(x)?(Context|Ctx)?|QueryRows?(NoCache|Partial)?Ctx|Select(Context)?|First|Take|Last|Find(One\w*|By\w*)?|GetContext)$/;
/** Loads that return one row: a missing row comes back as an error (ErrNoRows, ErrRecordNotFound, ErrNotFound). */
export const GO_SINGLE_ROW = /^(QueryRow\w*|First|Take|Last|FindOne\w*|FindBy\w*|GetContext|Get)$/;
/** Model finders (go-zero `FindOne`): a cached model layer coalesces loads and caches not-found itself. */
export const GO_MODEL_FINDER = /^Find(One|By)\w*$/;
/** Calls inside the function that take a lock or coalesce requests. */
const GO_LOCK_CALLS = new Set(["SetNX", "SetNx", "Setnx", "SetnxCtx", "SetnxEx", "SetnxExCtx", "Lock", "TryLock", "Acquire", "AcquireCtx", "Do", "DoEx", "DoChan", "Obtain"]);

export interface GoCall {
  node: GoNode;
  receiver: string;
  method: string;
}

export interface GoCacheAside {
  fn: GoNode;
  get: GoCall;
  load: GoCall;
  set: GoCall;
  /** The function compares the read's result with `redis.Nil` or `""`: the miss branch is explicit. */
  explicitMiss: boolean;
  /** The function itself takes a lock or coalesces (SetNX, mu.Lock, group.Do). */
  locked: boolean;
}

/** Every cache-aside function in a Go file that imports a Redis client. */
export function goCacheAsides(file: { root: unknown; imports: readonly SourceImport[]; calls: readonly SourceCall[] }): GoCacheAside[] {
  const { imports } = file;
  // Walking a function's calls in the tree is costly; the loader's call list names the functions that
  // hold both a read and a write method call, and only those can hold the shape.
  const candidates = functionsWithReadAndWrite(file.calls);
  if (candidates.size === 0) return [];
  // Without a Redis import in the file (`l.svcCtx.RedisClient.GetCtx`), the receiver's name is the evidence.
  const imported = imports.some((i) => GO_REDIS.test(i.module) || i.module === GO_ZERO_REDIS);
  const found: GoCacheAside[] = [];
  for (const fn of (file.root as GoNode).descendantsOfType(["function_declaration", "method_declaration"])) {
    if (!fn || !candidates.has(fn.childForFieldName("name")?.text ?? "")) continue;
    const calls = methodCalls(fn, imports);
    for (const get of calls) {
      if (!GO_CACHE_GET.has(get.method) || get.node.childForFieldName("arguments")?.namedChildCount === 0) continue;
      if (!imported && !GO_CACHE_RECEIVER.test(get.receiver)) continue;
      const set = calls.find((c) => GO_CACHE_SET.has(c.method) && c.receiver === get.receiver && c.node.startIndex > get.node.endIndex);
      if (!set) continue;
      const load = calls.find(
        (c) =>
          c.node.startIndex > get.node.endIndex &&
          c.node.endIndex < set.node.startIndex &&
          !c.receiver.startsWith(get.receiver) &&
          (GO_LOAD.test(c.method) || (c.method === "Get" && /db|sql|conn/i.test(c.receiver))),
      );
      if (!load) continue;
      found.push({
        fn,
        get,
        load,
        set,
        explicitMiss: hasExplicitGoMiss(fn, imports),
        locked: calls.some((c) => GO_LOCK_CALLS.has(c.method)),
      });
      break; // one shape per function
    }
  }
  return found;
}

/** Names of the functions with a call to a cache read method and one to a cache write method. */
function functionsWithReadAndWrite(calls: readonly SourceCall[]): Set<string> {
  const reads = new Set<string>();
  const both = new Set<string>();
  for (const call of calls) {
    if (call.enclosingFunction === undefined) continue;
    const method = call.callee.slice(call.callee.lastIndexOf(".") + 1);
    if (GO_CACHE_GET.has(method)) reads.add(call.enclosingFunction);
    if (GO_CACHE_SET.has(method) && reads.has(call.enclosingFunction)) both.add(call.enclosingFunction);
  }
  return both;
}

/** `x.M(...)` calls in a function, in source order, leaving out package functions (`http.Get`). */
function methodCalls(fn: GoNode, imports: readonly SourceImport[]): GoCall[] {
  const calls: GoCall[] = [];
  for (const call of fn.descendantsOfType("call_expression")) {
    const callee = call?.childForFieldName("function");
    if (!call || callee?.type !== "selector_expression") continue;
    const operand = callee.childForFieldName("operand");
    const field = callee.childForFieldName("field");
    if (!operand || !field) continue;
    if (operand.type === "identifier" && importForName(imports, operand.text)) continue;
    calls.push({ node: call, receiver: operand.text.replace(/\s+/g, ""), method: field.text });
  }
  return calls.sort((a, b) => a.node.startIndex - b.node.startIndex);
}

function hasExplicitGoMiss(fn: GoNode, imports: readonly SourceImport[]): boolean {
  for (const selector of fn.descendantsOfType("selector_expression")) {
    const operand = selector?.childForFieldName("operand");
    if (selector?.childForFieldName("field")?.text !== "Nil" || operand?.type !== "identifier") continue;
    const module = importForName(imports, operand.text)?.module;
    if (module && (GO_REDIS.test(module) || module === GO_ZERO_REDIS)) return true;
  }
  return fn
    .descendantsOfType("binary_expression")
    .some((b) => b !== null && /^(==|!=)$/.test(b.childForFieldName("operator")?.text ?? "") && /^""$/.test(b.childForFieldName("right")?.text ?? ""));
}

// ---------------------------------------------------------------------------------------------
// TypeScript

export const TS_CACHE_MODULES = new Set(["ioredis", "redis", "@redis/client", "cache-manager", "@nestjs/cache-manager"]);
export const TS_PROTECTION_MODULES = new Set(["redlock", "@sesamecare-oss/redlock", "async-mutex", "async-lock", "redis-semaphore"]);
const TS_CACHE_RECEIVER = /redis|cache|rds/i;
const TS_CACHE_GET = new Set(["get", "hget", "hGet", "hgetall", "hGetAll", "getBuffer"]);
const TS_CACHE_SET = new Set(["set", "setex", "setEx", "hset", "hSet", "hmset", "mset"]);
const TS_LOAD = /^(find\w*|query|\$queryRaw\w*|select\w*|get(One|Many|RawOne|RawMany)(OrFail)?|first|execute)$/;
const TS_LOCK = /^(setnx|setNX|acquire|lock|using|runExclusive)$/;

export interface TsCall {
  node: ts.CallExpression;
  receiver: string;
  method: string;
}

export interface TsCacheAside {
  fn: ts.Node;
  get: TsCall;
  load: TsCall;
  set: TsCall;
  /** The variable the read's result is bound to, when it is one (`const cached = await redis.get(k)`). */
  cachedName?: string;
  /** The variable the load's result is bound to. */
  loadedName?: string;
  explicitMiss: boolean;
  locked: boolean;
}

export function tsCacheAsides(sourceFile: ts.SourceFile, imports: readonly SourceImport[]): TsCacheAside[] {
  // A client library, or the project's own cache adapter (`@/infra/cache`, `../redis/service`).
  if (!imports.some((i) => TS_CACHE_MODULES.has(i.module) || /(^|[/@])(cache|redis)([/.-]|$)/i.test(i.module))) return [];
  const found: TsCacheAside[] = [];
  const visit = (node: ts.Node): void => {
    if (isFunctionLike(node) && node.body) {
      const shape = tsShape(node);
      if (shape) found.push(shape);
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return found;
}

function tsShape(fn: ts.FunctionLikeDeclaration): TsCacheAside | undefined {
  const calls = tsCalls(fn);
  for (const get of calls) {
    if (!TS_CACHE_GET.has(get.method) || !TS_CACHE_RECEIVER.test(get.receiver) || get.node.arguments.length === 0) continue;
    const set = calls.find((c) => TS_CACHE_SET.has(c.method) && c.receiver === get.receiver && c.node.pos > get.node.end);
    if (!set) continue;
    const load = calls.find(
      (c) => c.node.pos > get.node.end && c.node.end < set.node.pos && c.receiver !== get.receiver && TS_LOAD.test(c.method),
    );
    if (!load) continue;
    const cachedName = boundName(get.node);
    const explicitMiss =
      cachedName !== undefined &&
      someNode(fn, (n) => ts.isIfStatement(n) && n.pos >= get.node.end && n.getStart() < load.node.getStart() && mentions(n.expression, cachedName));
    const locked =
      calls.some((c) => TS_LOCK.test(c.method)) ||
      calls.some(
        (c) => c.method === "set" && c.receiver === get.receiver && c.node.arguments.some((a) => /^['"]NX['"]$|\bNX\s*:/.test(a.getText())),
      );
    return { fn, get, load, set, cachedName, loadedName: boundName(load.node), explicitMiss, locked };
  }
  return undefined;
}

/** Member calls directly in this function (not in nested functions), in source order. */
function tsCalls(fn: ts.FunctionLikeDeclaration): TsCall[] {
  const calls: TsCall[] = [];
  const visit = (node: ts.Node): void => {
    if (node !== fn && isFunctionLike(node)) return;
    if (ts.isCallExpression(node)) {
      const access = kit.staticMemberAccess(node.expression);
      if (access) calls.push({ node, receiver: access.object.getText().replace(/\s+/g, ""), method: access.name });
    }
    ts.forEachChild(node, visit);
  };
  visit(fn);
  return calls.sort((a, b) => a.node.getStart() - b.node.getStart());
}

/** `const x = await call(...)` / `x = await call(...)`: the name the call's result is bound to. */
function boundName(call: ts.Node): string | undefined {
  let node: ts.Node = call;
  while (ts.isAwaitExpression(node.parent) || ts.isParenthesizedExpression(node.parent) || ts.isAsExpression(node.parent)) {
    node = node.parent;
  }
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (ts.isBinaryExpression(parent) && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isIdentifier(parent.left)) {
    return parent.left.text;
  }
  return undefined;
}

export function mentions(node: ts.Node, name: string): boolean {
  return someNode(node, (n) => ts.isIdentifier(n) && n.text === name) || (ts.isIdentifier(node) && node.text === name);
}

export function someNode(root: ts.Node, test: (n: ts.Node) => boolean): boolean {
  let found = false;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (test(node)) {
      found = true;
      return;
    }
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(root, visit);
  return found;
}

function isFunctionLike(node: ts.Node): node is ts.FunctionLikeDeclaration {
  return (
    ts.isFunctionDeclaration(node) ||
    ts.isFunctionExpression(node) ||
    ts.isArrowFunction(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isGetAccessorDeclaration(node)
  );
}
