/**
 * HTTP routes a service's code registers, read from Go (web-tree-sitter) and TypeScript/JavaScript
 * (TypeScript compiler AST) files. Rules call `goRoutes(file)` / `tsRoutes(ts)(file)` while a file is
 * streamed and keep the plain results (no syntax nodes) until `end()`.
 *
 * What is recognised:
 * - Go: `http.HandleFunc` / `http.Handle` and `<mux>.HandleFunc` / `.Handle` (net/http ServeMux, gorilla/mux,
 *   chi; Go 1.22 `"GET /path"` patterns), gorilla `.Path` / `.PathPrefix(...).Subrouter()`, gin / echo /
 *   fiber / chi verbs (`GET`, `Get`, ...), groups (`r.Group("/api", mw)`, chi `r.Route("/api", func...)`),
 *   go-zero `server.AddRoutes([]rest.Route{...}, rest.WithPrefix(...), rest.WithJwt(...))` and `AddRoute`.
 * - TypeScript/JavaScript: Express / Koa-router / Fastify / Hono verbs (`app.get('/x', h)`), `fastify.route({url})`,
 *   mounts (`app.use('/api', router)`), NestJS `@Controller('x')` + `@Get('y')`, `@Version`, `@UseGuards`,
 *   `@Public()`-style decorators, and `app.setGlobalPrefix('api', { exclude })`.
 *
 * Paths are joined from string literals and constants of the same file. A path with a computed prefix
 * (`baseUrl + "/_healthz"`) is kept with `exact: false`: only its ending is known. A registration whose
 * path cannot be read at all is returned in `unresolved`, so a rule can say "cannot verify" instead of
 * claiming a route is missing.
 */
import type { Node as GoNode } from "web-tree-sitter";
import type { ts } from "ts-morph";
import type { Range } from "../model/location.js";
import type { GoSourceFile, TsSourceFile } from "./define-rule.js";
import { callArguments, goNodeRange, importForName, stringLiteralValue } from "./go.js";
import { tsNodeRange, typescriptKit } from "./typescript.js";

export type RouteFramework =
  | "net/http"
  | "gorilla/mux"
  | "chi"
  | "gin"
  | "echo"
  | "fiber"
  | "go-zero"
  | "express"
  | "fastify"
  | "koa"
  | "hono"
  | "nestjs";

export interface Route {
  /** The path with group and controller prefixes applied, as written: `/users/:id`, `/product/{id}`. */
  path: string;
  /** False when a computed prefix precedes `path` (`baseUrl + "/x"`): only the ending is known. */
  exact: boolean;
  /** Upper-case HTTP method, or undefined for any method. */
  method?: string;
  /** The route also serves every path below it (`PathPrefix`, `app.use('/static', ...)`, `/*`). */
  prefixMatch?: boolean;
  framework: RouteFramework;
  file: string;
  range: Range;
  /** An authentication middleware or guard applies to this route (route, group or controller level). */
  auth: boolean;
  /** Marked public on purpose (`@Public()`, `@SkipAuth()`, `@AllowAnonymous()`). */
  markedPublic?: boolean;
  /** NestJS routes: the global prefix (setGlobalPrefix) applies unless excluded. */
  nest?: { version?: string };
  /** Names of the middlewares / guards seen on the route, for messages. */
  guards?: string[];
}

export interface UnresolvedRoute {
  file: string;
  range: Range;
  /** A registration whose path is computed, or a router mounted where its prefix is unknown. */
  why: string;
}

export interface NestGlobalPrefix {
  prefix: string;
  exclude: string[];
  file: string;
  range: Range;
}

export interface FileRoutes {
  routes: Route[];
  unresolved: UnresolvedRoute[];
  /** Routers mounted under a path (`app.use('/api', router)`): their routes' full paths start there. */
  mounts: { prefix: string; file: string; range: Range }[];
  nestGlobalPrefix?: NestGlobalPrefix;
  /** A global guard or auth middleware (APP_GUARD provider, app.useGlobalGuards, app.use(auth)). */
  globalAuth?: { file: string; range: Range; name: string };
}

/** Middleware / guard names that mean authentication. */
export const AUTH_NAME = /auth|jwt|token|guard|session|login[_-]?required|require[_-]?login|passport|bearer|apikey|api[_-]key|permission|rbac|acl/i;
/** Decorators that mark a NestJS route public on purpose. */
const PUBLIC_DECORATOR = /^(Public|IsPublic|SkipAuth|AllowAnonymous|NoAuth|Anonymous|PublicRoute)$/;

const GO_VERBS: Record<string, string | undefined> = {
  GET: "GET", POST: "POST", PUT: "PUT", DELETE: "DELETE", PATCH: "PATCH", HEAD: "HEAD", OPTIONS: "OPTIONS", Any: undefined,
  Get: "GET", Post: "POST", Put: "PUT", Delete: "DELETE", Patch: "PATCH", Head: "HEAD", Options: "OPTIONS", All: undefined,
};
const GO_FRAMEWORKS: [RegExp, RouteFramework][] = [
  [/^github\.com\/gorilla\/mux$/, "gorilla/mux"],
  [/^github\.com\/go-chi\/chi(\/v\d+)?$/, "chi"],
  [/^github\.com\/gin-gonic\/gin$/, "gin"],
  [/^github\.com\/labstack\/echo(\/v\d+)?$/, "echo"],
  [/^github\.com\/gofiber\/fiber(\/v\d+)?$/, "fiber"],
  [/^github\.com\/zeromicro\/go-zero\/rest$/, "go-zero"],
];

// ---------------------------------------------------------------------------------------------
// Path values

/** A path expression's value: fully known, known only at its end, or unknown. */
type PathValue = { text: string; exact: boolean } | undefined;

/** Joins a prefix and a path the way routers do: one slash between, none doubled. */
export function joinPath(prefix: string, path: string): string {
  if (!prefix) return path || "/";
  if (!path || path === "/") return prefix.startsWith("/") ? prefix : `/${prefix}`;
  const left = (prefix.startsWith("/") ? prefix : `/${prefix}`).replace(/\/+$/, "");
  return `${left}/${path.replace(/^\/+/, "")}`;
}

/** String constants of a Go file (`const healthPath = "/healthz"`); vars are not constants and stay unknown. */
function goStringConstants(root: GoNode): Map<string, string> {
  const constants = new Map<string, string>();
  for (const spec of root.descendantsOfType("const_spec")) {
    if (!spec) continue;
    const names = spec.childrenForFieldName("name");
    const values = spec.childForFieldName("value")?.namedChildren ?? [];
    names.forEach((name, index) => {
      const value = values[index];
      const text = value ? stringLiteralValue(value) : undefined;
      if (name && text !== undefined) constants.set(name.text, text);
    });
  }
  return constants;
}

function goPathValue(node: GoNode | null | undefined, constants: Map<string, string>): PathValue {
  if (!node) return undefined;
  const literal = stringLiteralValue(node);
  if (literal !== undefined) return { text: literal, exact: true };
  if (node.type === "identifier" && constants.has(node.text)) return { text: constants.get(node.text)!, exact: true };
  if (node.type === "parenthesized_expression") return goPathValue(node.namedChildren[0], constants);
  if (node.type === "binary_expression" && node.childForFieldName("operator")?.text === "+") {
    const left = goPathValue(node.childForFieldName("left"), constants);
    const right = goPathValue(node.childForFieldName("right"), constants);
    if (!right) return undefined;
    if (!left) return right.text.startsWith("/") ? { text: right.text, exact: false } : undefined;
    return { text: left.text + right.text, exact: left.exact && right.exact };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Go

interface GoGroup {
  prefix: string;
  exact: boolean;
  auth: string[];
}

/** Routes registered in one Go file. */
export function goRoutes(file: GoSourceFile): FileRoutes {
  const result: FileRoutes = { routes: [], unresolved: [], mounts: [] };
  if (file.isTest) return result;
  const frameworks = new Set<RouteFramework>();
  let usesNetHttp = false;
  for (const i of file.imports) {
    if (i.module === "net/http") usesNetHttp = true;
    for (const [pattern, framework] of GO_FRAMEWORKS) if (pattern.test(i.module)) frameworks.add(framework);
  }
  if (!usesNetHttp && frameworks.size === 0) return result;
  const constants = goStringConstants(file.root);
  const framework: RouteFramework = [...frameworks][0] ?? "net/http";
  // Groups by variable name: `api := r.Group("/api", auth)`, `s := r.PathPrefix("/api").Subrouter()`.
  const groups = new Map<string, GoGroup>();

  const receiverGroup = (operand: GoNode | null): GoGroup | undefined => {
    if (!operand) return undefined;
    if (operand.type === "identifier") return groups.get(operand.text);
    return undefined;
  };
  /** Prefix from enclosing chi `r.Route("/p", func(r chi.Router) {...})` / `r.Group(func...)` closures. */
  const closurePrefix = (node: GoNode): GoGroup | undefined => {
    let prefix = "";
    let exact = true;
    const auth: string[] = [];
    let found = false;
    for (let n = node.parent; n; n = n.parent) {
      if (n.type !== "func_literal") continue;
      const call = n.parent?.parent;
      if (call?.type !== "call_expression") continue;
      const fn = call.childForFieldName("function");
      const field = fn?.type === "selector_expression" ? fn.childForFieldName("field")?.text : undefined;
      if (field !== "Route" && field !== "Group") continue;
      const args = callArguments(call);
      if (field === "Route") {
        const value = goPathValue(args[0], constants);
        if (!value) return undefined;
        prefix = joinPath(value.text, prefix);
        exact &&= value.exact;
        found = true;
      }
      // chi: r.Group(func(r chi.Router) { r.Use(auth); ... }): Use inside is read below per receiver.
      for (const use of n.descendantsOfType("call_expression")) {
        const f = use?.childForFieldName("function");
        if (f?.type === "selector_expression" && f.childForFieldName("field")?.text === "Use") {
          for (const a of callArguments(use!)) if (AUTH_NAME.test(a.text)) auth.push(shortName(a.text));
          found = true;
        }
      }
    }
    return found ? { prefix, exact, auth } : undefined;
  };

  for (const call of file.calls) {
    const node = call.node as GoNode;
    const fn = node.childForFieldName("function");
    if (fn?.type !== "selector_expression") continue;
    const operand = fn.childForFieldName("operand");
    const field = fn.childForFieldName("field")?.text ?? "";
    const operandImport = operand?.type === "identifier" ? importForName(file.imports, operand.text) : undefined;
    const args = callArguments(node);

    // Group declarations: `x := r.Group(...)`, `x := r.PathPrefix(...).Subrouter()`, `x := r.Route(...)` (chi returns a router too).
    const assigned = assignedName(node);
    if (assigned && (field === "Group" || field === "Subrouter" || field === "Route") && !operandImport) {
      let target: GoNode | null = node;
      let pathArg = args[0];
      let mwArgs = args.slice(1);
      if (field === "Subrouter") {
        const inner = operand?.type === "call_expression" ? operand : null;
        const innerField = inner?.childForFieldName("function")?.childForFieldName("field")?.text;
        if (!inner || (innerField !== "PathPrefix" && innerField !== "Path")) continue;
        target = inner;
        pathArg = callArguments(inner)[0];
        mwArgs = [];
      }
      const parentOperand = target.childForFieldName("function")?.childForFieldName("operand") ?? null;
      const parent = receiverGroup(parentOperand) ?? { prefix: "", exact: true, auth: [] };
      const value = goPathValue(pathArg, constants);
      if (value && (pathArg?.type !== "func_literal")) {
        groups.set(assigned, {
          prefix: joinPath(parent.prefix, value.text),
          exact: parent.exact && value.exact,
          auth: [...parent.auth, ...mwArgs.filter((a) => AUTH_NAME.test(a.text)).map((a) => shortName(a.text))],
        });
      } else if (field === "Group" && args.length === 0) {
        groups.set(assigned, { ...parent, auth: [...parent.auth] });
      }
      continue;
    }
    // `g.Use(auth)` on a group: every route registered on it after that is authenticated (order ignored).
    if (field === "Use" && operand?.type === "identifier" && !operandImport) {
      const names = args.filter((a) => AUTH_NAME.test(a.text)).map((a) => shortName(a.text));
      if (names.length > 0) {
        const group = groups.get(operand.text);
        if (group) group.auth.push(...names);
        // Inside a chi `Route` / `Group` closure it applies to that closure's routes only (read by closurePrefix).
        else if (!closurePrefix(node)) result.globalAuth ??= { file: file.path, range: call.range, name: names[0]! };
      }
      continue;
    }

    // go-zero: server.AddRoutes([]rest.Route{...}, rest.WithPrefix("/p"), rest.WithJwt(...)).
    if ((field === "AddRoutes" || field === "AddRoute") && frameworks.has("go-zero")) {
      addGoZeroRoutes(file, node, args, constants, result);
      continue;
    }

    if (operandImport && operandImport.module !== "net/http") continue;
    let method: string | undefined;
    let pathIndex = 0;
    let prefixMatch = false;
    let fw: RouteFramework = framework;
    if (field === "HandleFunc" || field === "Handle") {
      if (operandImport) fw = "net/http";
      // gin: r.Handle("GET", "/x", h)
      if (framework === "gin" && args.length >= 3 && /^"[A-Z]+"$/.test(args[0]?.text ?? "")) {
        method = stringLiteralValue(args[0]!);
        pathIndex = 1;
      }
    } else if (field in GO_VERBS && !operandImport && verbFramework(field, frameworks)) {
      // gin and echo spell verbs GET/POST, chi and fiber Get/Post: `cache.Get(k, &v)` is neither.
      method = GO_VERBS[field];
    } else if ((field === "Path" || field === "PathPrefix") && !operandImport && framework === "gorilla/mux") {
      // r.Path("/x").HandlerFunc(h), r.PathPrefix("/static/").Handler(h); `.Subrouter()` was handled above.
      const parentCall = node.parent?.parent;
      const next = parentCall?.type === "call_expression" ? parentCall.childForFieldName("function")?.childForFieldName("field")?.text : undefined;
      if (next !== "Handler" && next !== "HandlerFunc") continue;
      prefixMatch = field === "PathPrefix";
    } else if (field === "Static" && !operandImport && (framework === "gin" || framework === "echo" || framework === "fiber")) {
      prefixMatch = true;
    } else {
      continue;
    }
    const minArgs = field === "Path" || field === "PathPrefix" ? 1 : 2;
    if (args.length < minArgs + pathIndex) continue;
    const value = goPathValue(args[pathIndex], constants);
    const group = receiverGroup(operand) ?? closurePrefix(node);
    if (!value) {
      // Only framework-specific registrations count as unseen routes; `x.Get(key, ...)` could be anything.
      if (field === "HandleFunc" || field === "Handle" || /^[A-Z]+$/.test(field)) {
        result.unresolved.push({ file: file.path, range: call.range, why: `the path of \`${call.callee}(...)\` is computed` });
      }
      continue;
    }
    let text = value.text;
    // Go 1.22 ServeMux patterns: "GET /path", "example.com/path".
    const pattern = /^([A-Z]+)\s+(\S+)$/.exec(text);
    if (pattern && (field === "HandleFunc" || field === "Handle")) {
      method = pattern[1];
      text = pattern[2]!;
    }
    if (!text.startsWith("/") && value.exact) {
      if (field === "HandleFunc" || field === "Handle") {
        // A host-qualified pattern ("example.com/x") or a relative path: keep what follows the host.
        const slash = text.indexOf("/");
        if (slash < 0) continue;
        text = text.slice(slash);
      } else if (!group) {
        continue;
      }
    }
    // net/http ServeMux: a pattern ending in "/" matches the whole subtree.
    if (fw === "net/http" || fw === "gorilla/mux") prefixMatch ||= (field === "HandleFunc" || field === "Handle") && fw === "net/http" && text.endsWith("/") && !text.endsWith("{$}");
    const routeAuth = args.slice(pathIndex + 1, -1).filter((a) => AUTH_NAME.test(a.text)).map((a) => shortName(a.text));
    const guards = [...(group?.auth ?? []), ...routeAuth];
    const route: Route = {
      path: group ? joinPath(group.prefix, text) : text,
      exact: value.exact && (group?.exact ?? true),
      framework: fw,
      file: file.path,
      range: call.range,
      auth: guards.length > 0,
    };
    if (method) route.method = method;
    if (prefixMatch || text.endsWith("/*") || text.endsWith("*")) route.prefixMatch = true;
    if (guards.length > 0) route.guards = guards;
    result.routes.push(route);
  }
  return result;
}

function addGoZeroRoutes(file: GoSourceFile, node: GoNode, args: GoNode[], constants: Map<string, string>, result: FileRoutes): void {
  let prefix = "";
  let exact = true;
  const guards: string[] = [];
  for (const option of args.slice(1)) {
    if (option.type !== "call_expression") continue;
    const name = option.childForFieldName("function")?.childForFieldName("field")?.text;
    const optionArgs = callArguments(option);
    if (name === "WithPrefix") {
      const value = goPathValue(optionArgs[0], constants);
      if (!value) {
        result.unresolved.push({ file: file.path, range: goNodeRange(option), why: "the route prefix is computed" });
        exact = false;
      } else {
        prefix = value.text;
        exact = value.exact;
      }
    } else if (name === "WithJwt" || name === "WithJwtTransition") {
      guards.push("rest.WithJwt");
    } else if (name === "WithMiddlewares") {
      for (const mw of optionArgs[0]?.descendantsOfType("identifier") ?? []) {
        if (mw && AUTH_NAME.test(mw.text)) guards.push(mw.text);
      }
      for (const mw of optionArgs[0]?.descendantsOfType("field_identifier") ?? []) {
        if (mw && AUTH_NAME.test(mw.text)) guards.push(mw.text);
      }
    }
  }
  const first = args[0];
  if (!first) return;
  for (const literal of first.type === "composite_literal" ? first.descendantsOfType("literal_value") : []) {
    if (!literal) continue;
    const fields = new Map<string, GoNode>();
    for (const keyed of literal.namedChildren) {
      if (keyed?.type !== "keyed_element") continue;
      const key = keyed.childForFieldName("key")?.text;
      const value = keyed.childForFieldName("value")?.namedChildren[0];
      if (key && value) fields.set(key, value);
    }
    const pathNode = fields.get("Path");
    if (!pathNode) continue;
    const value = goPathValue(pathNode, constants);
    if (!value) {
      result.unresolved.push({ file: file.path, range: goNodeRange(pathNode), why: "a go-zero route's path is computed" });
      continue;
    }
    const methodNode = fields.get("Method");
    const methodText = methodNode ? (stringLiteralValue(methodNode) ?? methodNode.text.replace(/^http\.Method/, "")) : undefined;
    const route: Route = {
      path: joinPath(prefix, value.text),
      exact: exact && value.exact,
      framework: "go-zero",
      file: file.path,
      range: goNodeRange(pathNode),
      auth: guards.length > 0,
    };
    if (methodText) route.method = methodText.toUpperCase();
    if (guards.length > 0) route.guards = [...guards];
    result.routes.push(route);
  }
  void node;
}

function verbFramework(field: string, frameworks: ReadonlySet<RouteFramework>): boolean {
  if (/^[A-Z]+$/.test(field) || field === "Any") return frameworks.has("gin") || frameworks.has("echo");
  return frameworks.has("chi") || frameworks.has("fiber");
}

/** The variable a call's result is assigned to: `x := call()`, `x = call()`, `var x = call()`. */
function assignedName(call: GoNode): string | undefined {
  const list = call.parent;
  const statement = list?.parent;
  if (list?.type !== "expression_list" || !statement) return undefined;
  if (statement.type !== "short_var_declaration" && statement.type !== "assignment_statement" && statement.type !== "var_spec") return undefined;
  const left = statement.childForFieldName("left") ?? statement.childForFieldName("name");
  const first = left?.type === "expression_list" ? left.namedChildren[0] : left;
  return first?.type === "identifier" ? first.text : undefined;
}

/** `middleware.JWTAuth(secret)` -> "JWTAuth"; `authMiddleware` -> "authMiddleware". */
function shortName(text: string): string {
  const head = text.replace(/\(.*$/s, "");
  return head.slice(head.lastIndexOf(".") + 1) || head;
}

// ---------------------------------------------------------------------------------------------
// TypeScript / JavaScript

const TS_VERBS: Record<string, string | undefined> = {
  get: "GET", post: "POST", put: "PUT", delete: "DELETE", del: "DELETE", patch: "PATCH", head: "HEAD", options: "OPTIONS", all: undefined,
};
const NEST_VERBS: Record<string, string | undefined> = {
  Get: "GET", Post: "POST", Put: "PUT", Delete: "DELETE", Patch: "PATCH", Head: "HEAD", Options: "OPTIONS", All: undefined,
};
const TS_FRAMEWORKS: [RegExp, RouteFramework][] = [
  [/^express$/, "express"],
  [/^fastify$/, "fastify"],
  [/^(@koa\/router|koa-router|koa)$/, "koa"],
  [/^hono$/, "hono"],
];
const ROUTER_NAME = /^(app|router|server|api|fastify|routes?|instance|\w+Router|\w+Routes)$/i;

type Ts = typeof ts;

/** Builds the TypeScript route reader from the compiler namespace the rule passes in (see typescriptKit). */
export function tsRoutes(tsApi: Ts): (file: TsSourceFile) => FileRoutes {
  const kit = typescriptKit(tsApi);

  const decoratorsOf = (node: ts.Node): { name: string; args: readonly ts.Expression[]; node: ts.Decorator }[] => {
    const mods = tsApi.canHaveDecorators(node) ? tsApi.getDecorators(node) ?? [] : [];
    return mods.map((d) => {
      const expr = d.expression;
      if (tsApi.isCallExpression(expr)) {
        const callee = expr.expression;
        const name = tsApi.isIdentifier(callee) ? callee.text : tsApi.isPropertyAccessExpression(callee) ? callee.name.text : "";
        return { name, args: expr.arguments, node: d };
      }
      return { name: tsApi.isIdentifier(expr) ? expr.text : "", args: [], node: d };
    });
  };

  /** Strings of a decorator's path argument: 'x', ['a', 'b'], { path: 'x' }; [] when none, undefined when computed. */
  const decoratorPaths = (arg: ts.Expression | undefined): string[] | undefined => {
    if (!arg) return [""];
    const inner = kit.skipWrappers(arg);
    const literal = kit.stringLiteralValue(inner);
    if (literal !== undefined) return [literal];
    if (tsApi.isArrayLiteralExpression(inner)) {
      const values = inner.elements.map((e) => kit.stringLiteralValue(e));
      return values.every((v) => v !== undefined) ? (values as string[]) : undefined;
    }
    if (tsApi.isObjectLiteralExpression(inner)) {
      const path = kit.objectLiteralProperty(inner, "path");
      return path ? decoratorPaths(path) : [""];
    }
    return undefined;
  };

  return (file) => {
    const result: FileRoutes = { routes: [], unresolved: [], mounts: [] };
    if (file.isTest) return result;
    const frameworks = new Set<RouteFramework>();
    let nest = false;
    for (const i of file.imports) {
      for (const [pattern, framework] of TS_FRAMEWORKS) if (pattern.test(i.module)) frameworks.add(framework);
      if (i.module === "@nestjs/common" || i.module === "@nestjs/core") nest = true;
    }
    const framework: RouteFramework = [...frameworks][0] ?? "express";

    // NestJS controllers.
    if (nest) {
      const visit = (node: ts.Node): void => {
        if (tsApi.isClassDeclaration(node)) nestController(node);
        tsApi.forEachChild(node, visit);
      };
      visit(file.ast);
    }

    function nestController(cls: ts.ClassDeclaration): void {
      const classDecorators = decoratorsOf(cls);
      const controller = classDecorators.find((d) => d.name === "Controller");
      if (!controller) return;
      const prefixes = decoratorPaths(controller.args[0]);
      if (!prefixes) {
        result.unresolved.push({ file: file.path, range: tsNodeRange(controller.node), why: "the controller's path is computed" });
        return;
      }
      const classVersion = versionOf(controller.args[0]) ?? decoratorVersion(classDecorators);
      const classGuards = classDecorators.filter((d) => d.name === "UseGuards").flatMap((d) => d.args.map((a) => a.getText(file.ast)));
      const classPublic = classDecorators.some((d) => PUBLIC_DECORATOR.test(d.name));
      for (const member of cls.members) {
        if (!tsApi.isMethodDeclaration(member)) continue;
        const decorators = decoratorsOf(member);
        const verb = decorators.find((d) => d.name in NEST_VERBS);
        if (!verb) continue;
        const paths = decoratorPaths(verb.args[0]);
        if (!paths) {
          result.unresolved.push({ file: file.path, range: tsNodeRange(verb.node), why: "the route's path is computed" });
          continue;
        }
        const guards = [...classGuards, ...decorators.filter((d) => d.name === "UseGuards").flatMap((d) => d.args.map((a) => a.getText(file.ast)))];
        const version = decoratorVersion(decorators) ?? classVersion;
        for (const prefix of prefixes) {
          for (const path of paths) {
            const route: Route = {
              path: joinPath(prefix, path),
              exact: true,
              framework: "nestjs",
              file: file.path,
              range: tsNodeRange(verb.node),
              auth: guards.length > 0,
              nest: version ? { version } : {},
            };
            const method = NEST_VERBS[verb.name];
            if (method) route.method = method;
            if (guards.length > 0) route.guards = guards;
            if (classPublic || decorators.some((d) => PUBLIC_DECORATOR.test(d.name))) route.markedPublic = true;
            result.routes.push(route);
          }
        }
      }
    }

    function versionOf(arg: ts.Expression | undefined): string | undefined {
      if (!arg) return undefined;
      const inner = kit.skipWrappers(arg);
      if (!tsApi.isObjectLiteralExpression(inner)) return undefined;
      return kit.stringLiteralValue(kit.objectLiteralProperty(inner, "version"));
    }
    function decoratorVersion(decorators: { name: string; args: readonly ts.Expression[] }[]): string | undefined {
      const v = decorators.find((d) => d.name === "Version");
      return v ? (kit.stringLiteralValue(v.args[0]) ?? "?") : undefined;
    }

    // NestJS global guards: `{ provide: APP_GUARD, useClass: AuthGuard }`, and auth middleware applied to routes.
    if (nest) {
      const appGuard = /provide\s*:\s*APP_GUARD\b[^}]*use(Class|Existing|Factory|Value)\s*:\s*([\w.]+)/.exec(file.text);
      if (appGuard) {
        const at = file.text.indexOf(appGuard[0]);
        const before = file.text.slice(0, at).split("\n");
        const line = before.length;
        const column = before[before.length - 1]!.length + 1;
        result.globalAuth = { file: file.path, range: { start: { line, column }, end: { line, column } }, name: appGuard[2]! };
      }
    }

    // Variables made by a framework factory: `const api = express.Router()`, `const web = new Hono()`.
    const routerVariables = new Set<string>();
    for (const call of file.calls) {
      if (call.module === undefined || !TS_FRAMEWORKS.some(([p]) => p.test(call.module!))) continue;
      let parent = call.node.parent;
      while (parent && (tsApi.isAwaitExpression(parent) || tsApi.isParenthesizedExpression(parent))) parent = parent.parent;
      if (parent && tsApi.isVariableDeclaration(parent) && tsApi.isIdentifier(parent.name)) routerVariables.add(parent.name.text);
    }

    // Express / Fastify / Koa / Hono registrations and Nest bootstrap calls.
    for (const call of file.calls) {
      const node = call.node;
      if (!tsApi.isCallExpression(node)) continue;
      const access = kit.staticMemberAccess(node.expression);
      if (!access) continue;
      const receiver = access.object;
      const receiverName = tsApi.isIdentifier(receiver) ? receiver.text : tsApi.isPropertyAccessExpression(receiver) ? receiver.name.text : undefined;
      if (call.module !== undefined && !frameworks.size) continue; // `axios.get(...)`: a client, not a router
      if (call.module !== undefined && !TS_FRAMEWORKS.some(([p]) => p.test(call.module!))) continue;
      const args = node.arguments;
      const name = access.name;

      if (nest && name === "setGlobalPrefix") {
        const prefix = kit.stringLiteralValue(args[0]);
        if (prefix === undefined) {
          result.unresolved.push({ file: file.path, range: call.range, why: "the global prefix is computed" });
          continue;
        }
        const exclude: string[] = [];
        const options = args[1] ? kit.skipWrappers(args[1]) : undefined;
        const list = options && tsApi.isObjectLiteralExpression(options) ? kit.objectLiteralProperty(options, "exclude") : undefined;
        if (list && tsApi.isArrayLiteralExpression(list)) {
          for (const element of list.elements) {
            const text = kit.stringLiteralValue(element);
            if (text !== undefined) exclude.push(text);
            else if (tsApi.isObjectLiteralExpression(element)) {
              const path = kit.stringLiteralValue(kit.objectLiteralProperty(element, "path"));
              if (path !== undefined) exclude.push(path);
            }
          }
        }
        result.nestGlobalPrefix = { prefix, exclude, file: file.path, range: call.range };
        continue;
      }
      // consumer.apply(AuthMiddleware).forRoutes('*')
      if (nest && name === "apply" && args.some((a) => AUTH_NAME.test(a.getText(file.ast)))) {
        result.globalAuth ??= { file: file.path, range: call.range, name: shortName(args[0]!.getText(file.ast)) };
        continue;
      }
      if (nest && name === "useGlobalGuards") {
        result.globalAuth ??= { file: file.path, range: call.range, name: args.map((a) => a.getText(file.ast)).join(", ") || "global guard" };
        continue;
      }

      // The receiver must look like a router: named like one, or made by a framework factory in this file.
      if (receiverName === undefined || !(ROUTER_NAME.test(receiverName) || routerVariables.has(receiverName))) continue;

      if (name === "use") {
        const prefix = kit.stringLiteralValue(args[0]);
        if (prefix !== undefined && prefix.startsWith("/") && args.length >= 2) {
          result.mounts.push({ prefix, file: file.path, range: call.range });
          // `app.use('/health', handler)` serves the path itself too.
          result.routes.push({ path: prefix, exact: true, framework, file: file.path, range: call.range, auth: false, prefixMatch: true });
        } else if (args.length >= 1 && args.every((a) => AUTH_NAME.test(a.getText(file.ast)))) {
          result.globalAuth ??= { file: file.path, range: call.range, name: shortName(args[0]!.getText(file.ast)) };
        }
        continue;
      }
      if (name === "route" && framework === "fastify" && args[0]) {
        const options = kit.skipWrappers(args[0]);
        if (!tsApi.isObjectLiteralExpression(options)) continue;
        const url = kit.objectLiteralProperty(options, "url") ?? kit.objectLiteralProperty(options, "path");
        const path = kit.stringLiteralValue(url);
        if (path === undefined) {
          result.unresolved.push({ file: file.path, range: call.range, why: "the route's url is computed" });
          continue;
        }
        const method = kit.stringLiteralValue(kit.objectLiteralProperty(options, "method"));
        const hook = kit.objectLiteralProperty(options, "preHandler") ?? kit.objectLiteralProperty(options, "onRequest");
        const guards = hook && AUTH_NAME.test(hook.getText(file.ast)) ? [shortName(hook.getText(file.ast))] : [];
        const route: Route = { path, exact: true, framework, file: file.path, range: call.range, auth: guards.length > 0 };
        if (method) route.method = method.toUpperCase();
        if (guards.length) route.guards = guards;
        result.routes.push(route);
        continue;
      }
      if (!(name in TS_VERBS) || args.length < 2) continue;
      const path = kit.stringLiteralValue(args[0]);
      if (path === undefined) {
        if (frameworks.size > 0 && !tsApi.isObjectLiteralExpression(kit.skipWrappers(args[0]!))) {
          result.unresolved.push({ file: file.path, range: call.range, why: `the path of \`${call.callee}(...)\` is computed` });
        }
        continue;
      }
      if (!path.startsWith("/") && !path.startsWith("*")) continue;
      const middlewares = args.slice(1, -1).map((a) => a.getText(file.ast));
      // Fastify: app.get('/x', { preHandler: auth }, handler)
      const options = kit.skipWrappers(args[1]!);
      if (tsApi.isObjectLiteralExpression(options)) {
        for (const key of ["preHandler", "onRequest", "preValidation"]) {
          const hook = kit.objectLiteralProperty(options, key);
          if (hook) middlewares.push(hook.getText(file.ast));
        }
      }
      const guards = middlewares.filter((m) => AUTH_NAME.test(m)).map(shortName);
      const route: Route = { path, exact: true, framework, file: file.path, range: call.range, auth: guards.length > 0 };
      const method = TS_VERBS[name];
      if (method) route.method = method;
      if (path.endsWith("*")) route.prefixMatch = true;
      if (guards.length) route.guards = guards;
      result.routes.push(route);
    }
    return result;
  };
}

// ---------------------------------------------------------------------------------------------
// Matching

/** Whether a concrete request path (a probe's `path`, query stripped) is served by `route`. */
export function routeServes(route: Route, requestPath: string, nestPrefix?: NestGlobalPrefix): boolean {
  const request = normalise(requestPath.split("?")[0]!);
  for (const candidate of candidatePaths(route, nestPrefix)) {
    const regex = routeRegex(candidate, route.prefixMatch === true, route.exact);
    if (regex.test(request)) return true;
  }
  return false;
}

function candidatePaths(route: Route, nestPrefix?: NestGlobalPrefix): string[] {
  if (route.framework !== "nestjs") return [route.path];
  const version = route.nest?.version;
  const versioned = version && version !== "?" ? joinPath(`v${version}`, route.path) : route.path;
  const paths = [versioned, route.path];
  if (!nestPrefix) return paths;
  const excluded = nestPrefix.exclude.some((e) => normalise(e) === normalise(route.path));
  if (excluded) return paths;
  return paths.map((p) => joinPath(nestPrefix.prefix, p));
}

function normalise(path: string): string {
  const withSlash = path.startsWith("/") ? path : `/${path}`;
  return withSlash.length > 1 ? withSlash.replace(/\/+$/, "") : withSlash;
}

function routeRegex(path: string, prefixMatch: boolean, exact: boolean): RegExp {
  const parts = normalise(path)
    .split("/")
    .map((segment) => {
      if (/^\{[^}]*\}$/.test(segment) || /^:\w+\??$/.test(segment) || /^<[^>]*>$/.test(segment)) return "[^/]+";
      if (segment === "*" || /^\{[^}]*\.\.\.\}$/.test(segment) || /^\*\w*$/.test(segment)) return ".*";
      return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    });
  const body = parts.join("/") || "";
  const tail = prefixMatch ? "(/.*)?" : "/?";
  return new RegExp(`${exact ? "^" : "^(.*)?"}${body}${tail}$`);
}
