import { ts } from "ts-morph";
import type { Node as GoNode } from "web-tree-sitter";
import type { ConfigDocument, ContainerRef, SourceImport } from "../../src/model/artifacts.js";
import type { Range } from "../../src/model/location.js";
import { defineRule, type GoSourceFile, type TsSourceFile } from "../../src/rule-kit/define-rule.js";
import { callArguments, callsWithin, goNodeRange, importForName } from "../../src/rule-kit/go.js";
import { getIn, isNonProductionManifest, isRecord } from "../../src/rule-kit/kubernetes.js";
import { scanRelative } from "../../src/rule-kit/paths.js";
import { goRoutes, routeServes, tsRoutes, type NestGlobalPrefix, type Route } from "../../src/rule-kit/routes.js";
import {
  addCalledNames,
  goProgramDirs,
  goZeroServedPaths,
  isGoZeroConfig,
  linkContainerToRoots,
  owningPackageRoot,
  programRunsStart,
  rootNames,
  serviceRoots,
  underRoot,
  type CallsByFunction,
  type GoStartSite,
} from "../../src/rule-kit/services.js";
import { tsNodeRange, typescriptKit } from "../../src/rule-kit/typescript.js";

const readTsRoutes = tsRoutes(ts);
const kit = typescriptKit(ts);

/** A route that reports health: its last segment names a probe. */
const HEALTH_SEGMENT = /^(_?healthz?|_?health-?check|livez|readyz|ready|readiness|live|liveness|alive|ping|status|startup)$/i;

function isHealthRoute(route: Route): boolean {
  const segments = route.path.split("?")[0]!.split("/").filter(Boolean);
  return segments.some((s) => HEALTH_SEGMENT.test(s));
}

/** Text that shows a Node gRPC server serves grpc.health.v1 (a health proto, grpc-health-check, a Check handler). */
const NODE_GRPC_HEALTH = /grpc\.health\.v1|health\.proto|grpc-health-check|grpc-js-health-check|HealthImplementation/;

/** Liveness by name: `/livez`, `/health/live`, `/liveness`, `/alive`. */
const LIVENESS_SEGMENT = /^(livez|live|liveness|alive)$/i;
/** Readiness by name: `/readyz`, `/health/ready`, `/readiness`. */
const READINESS_SEGMENT = /^(readyz|ready|readiness)$/i;

function hasSegment(route: Route, pattern: RegExp): boolean {
  return route.path.split("?")[0]!.split("/").some((s) => pattern.test(s));
}

// ---------------------------------------------------------------------------------------------
// What a health handler does: the calls in its body, classified.

/** What a handler (or a helper it calls) does. */
interface BodyFacts {
  /** Calls that reach a database, cache or another service: `db.PingContext`, `redis.Ping`, `http.Get`, `pingCheck`. */
  deps: { callee: string; range: Range; path: string }[];
  /** Functions / methods of the package it calls (followed when resolving). */
  helpers: string[];
  /** Calls nothing but the response writer, formatting and clock helpers: answers without checking anything. */
  trivial: boolean;
}

/** A handler reference, resolved once every file was seen. */
type HandlerRef =
  | { kind: "body"; facts: BodyFacts }
  | { kind: "function"; name: string; dir?: string }
  | { kind: "unknown" };

/** Go modules whose calls reach a database or cache. */
const GO_DEP_MODULE =
  /^(database\/sql|gorm\.io\/gorm|github\.com\/(jackc\/pgx(\/v\d+)?(\/pgxpool)?|jmoiron\/sqlx|go-redis\/redis(\/v\d+)?|redis\/go-redis\/v\d+|gomodule\/redigo\/redis)|go\.mongodb\.org\/mongo-driver(\/v\d+)?\/mongo|github\.com\/zeromicro\/go-zero\/core\/stores\/.*)$/;
/** Methods that talk to a database or cache whatever the receiver is named. */
const GO_DEP_METHOD = /^(Ping|PingContext|QueryRow|QueryRowContext|QueryContext|ExecContext)$/;
/** Packages a trivial handler may call (writing the response, formatting, the clock). */
const GO_BENIGN_MODULE =
  /^(fmt|io|encoding\/json|net\/http|strconv|time|log|log\/slog|errors|strings|os|runtime|sync\/atomic|github\.com\/sirupsen\/logrus|go\.uber\.org\/zap|github\.com\/zeromicro\/go-zero\/(rest\/httpx|core\/logx)|github\.com\/gin-gonic\/gin|github\.com\/labstack\/echo(\/v\d+)?|github\.com\/gofiber\/fiber(\/v\d+)?|github\.com\/go-chi\/render)$/;
const GO_BUILTINS = new Set(["len", "cap", "append", "make", "new", "string", "int", "int64", "float64", "byte", "rune", "panic", "copy", "min", "max"]);

/** The leftmost identifier of `a.b.c(...)`, `a.b().c`. */
function goRootIdentifier(node: GoNode | null): string | undefined {
  let n = node;
  while (n) {
    if (n.type === "identifier") return n.text;
    if (n.type === "selector_expression") n = n.childForFieldName("operand");
    else if (n.type === "call_expression") n = n.childForFieldName("function");
    else if (n.type === "parenthesized_expression") n = n.namedChildren[0] ?? null;
    else return undefined;
  }
  return undefined;
}

function goNames(list: GoNode | null): Set<string> {
  const names = new Set<string>();
  for (const p of list?.namedChildren ?? []) for (const n of p?.childrenForFieldName("name") ?? []) if (n) names.add(n.text);
  return names;
}

function goBodyFacts(fn: GoNode, file: GoSourceFile): BodyFacts {
  const { imports, path } = file;
  const facts: BodyFacts = { deps: [], helpers: [], trivial: true };
  const body = fn.childForFieldName("body");
  if (!body) return { ...facts, trivial: false };
  // The handler's own parameters (w, r, c) are the request and response; a method's receiver is not.
  const params = goNames(fn.childForFieldName("parameters"));
  for (const call of callsWithin(file.calls, body)) {
    const callee = call.callee.slice(0, 60);
    // A plain dotted callee (`s.db.Ping`, `fmt.Sprintf`, `helper`) is read from the loader's text;
    // anything else (`json.NewEncoder(w).Encode`, `(*s).F`) from the nodes.
    const shape = PLAIN_CALLEE.test(call.callee) ? plainCallee(call.callee) : nodeCallee(call.node as GoNode);
    if (shape.kind === "selector") {
      const imported = shape.operandIdentifier !== undefined ? importForName(imports, shape.operandIdentifier) : undefined;
      const field = shape.field;
      if (imported) {
        if (GO_DEP_MODULE.test(imported.module) || (imported.module === "net/http" && /^(Get|Post|Head|PostForm)$/.test(field))) {
          facts.deps.push({ callee, range: call.range, path });
        } else if (!GO_BENIGN_MODULE.test(imported.module)) {
          facts.trivial = false;
          facts.helpers.push(field);
        }
        continue;
      }
      const root = shape.root;
      const rootImport = root ? importForName(imports, root) : undefined;
      if (GO_DEP_METHOD.test(field)) {
        facts.deps.push({ callee, range: call.range, path });
      } else if (root && (params.has(root) || (rootImport && GO_BENIGN_MODULE.test(rootImport.module)))) {
        continue; // w.Write, c.JSON, r.Context, json.NewEncoder(w).Encode
      } else {
        facts.trivial = false;
        facts.helpers.push(field);
      }
    } else if (shape.kind === "identifier") {
      if (GO_BUILTINS.has(shape.name)) continue;
      facts.trivial = false;
      facts.helpers.push(shape.name);
    }
    // conversions ([]byte("ok")) and immediately called literals: their calls are visited on their own
  }
  return facts;
}

type CalleeShape =
  | { kind: "identifier"; name: string }
  | { kind: "selector"; field: string; operandIdentifier?: string; root?: string }
  | { kind: "other" };

const PLAIN_CALLEE = /^[\p{L}_][\p{L}\p{N}_]*(\.[\p{L}_][\p{L}\p{N}_]*)*$/u;

/** `helper`, `fmt.Sprintf`, `s.db.Ping`: whitespace-free text of this shape is only ever an identifier or a selector chain. */
function plainCallee(text: string): CalleeShape {
  const parts = text.split(".");
  if (parts.length === 1) return { kind: "identifier", name: text };
  return { kind: "selector", field: parts[parts.length - 1]!, root: parts[0]!, ...(parts.length === 2 ? { operandIdentifier: parts[0]! } : {}) };
}

function nodeCallee(call: GoNode): CalleeShape {
  const fnNode = call.childForFieldName("function");
  if (fnNode?.type === "identifier") return { kind: "identifier", name: fnNode.text };
  if (fnNode?.type !== "selector_expression") return { kind: "other" };
  const operand = fnNode.childForFieldName("operand");
  const root = goRootIdentifier(operand);
  return {
    kind: "selector",
    field: fnNode.childForFieldName("field")?.text ?? "",
    ...(operand?.type === "identifier" ? { operandIdentifier: operand.text } : {}),
    ...(root !== undefined ? { root } : {}),
  };
}

/** The handler argument of a Go route registration: a literal, a function, a method value, http.HandlerFunc(f). */
function goHandlerRef(handler: GoNode | undefined, file: GoSourceFile): HandlerRef {
  if (!handler) return { kind: "unknown" };
  if (handler.type === "func_literal") return { kind: "body", facts: goBodyFacts(handler, file) };
  if (handler.type === "identifier") return { kind: "function", name: handler.text, dir: file.dir };
  if (handler.type === "selector_expression") {
    const field = handler.childForFieldName("field")?.text;
    return field ? { kind: "function", name: field } : { kind: "unknown" };
  }
  if (handler.type === "call_expression") {
    const fn = handler.childForFieldName("function");
    const args = callArguments(handler);
    if (fn?.type === "selector_expression" && fn.childForFieldName("field")?.text === "HandlerFunc" && args.length === 1) return goHandlerRef(args[0], file);
  }
  return { kind: "unknown" };
}

// Each container is linked to the code roots once per roots list (probePaths runs for every root).
const containerLinks = new WeakMap<readonly string[], Map<ContainerRef, string[]>>();

/** Node packages whose presence means the service has a database, cache or broker to check. */
const NODE_DEP_PACKAGE =
  /^(pg|mysql|mysql2|mongodb|mongoose|typeorm|@prisma\/client|ioredis|redis|sequelize|knex|@nestjs\/typeorm|@nestjs\/mongoose|@mikro-orm\/core|drizzle-orm|kafkajs|amqplib|amqp-connection-manager)$/;
/** Calls that reach a database, cache or another service (terminus indicators included). */
const TS_DEP_METHOD = /^(pingCheck|ping|query|\$queryRaw|\$queryRawUnsafe|\$executeRaw|authenticate|runCommand|responseCheck|isHealthy)$/;
const TS_DEP_MODULE = /^(axios|got|node-fetch|undici|superagent)$/;
/** Globals a trivial handler may use. */
const TS_BENIGN_ROOT = new Set(["Date", "JSON", "Math", "process", "Object", "console", "String", "Number", "Boolean", "Array"]);

function tsRootIdentifier(expr: ts.Expression): string | undefined {
  let e: ts.Expression = expr;
  for (;;) {
    e = kit.skipWrappers(e);
    if (ts.isIdentifier(e)) return e.text;
    if (e.kind === ts.SyntaxKind.ThisKeyword) return "this";
    if (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) e = e.expression;
    else if (ts.isCallExpression(e)) e = e.expression;
    else if (ts.isNewExpression(e)) e = e.expression;
    else return undefined;
  }
}

function tsBodyFacts(fn: ts.FunctionLikeDeclaration, file: TsSourceFile): BodyFacts {
  const facts: BodyFacts = { deps: [], helpers: [], trivial: true };
  if (!fn.body) return { ...facts, trivial: false };
  const params = new Set(fn.parameters.map((p) => (ts.isIdentifier(p.name) ? p.name.text : "")).filter(Boolean));
  const imported = new Map(file.imports.map((i) => [i.localName ?? "", i.module] as const));
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const callee = node.expression.getText(file.ast).replace(/\s+/g, "").slice(0, 60);
      const access = kit.staticMemberAccess(node.expression);
      const root = tsRootIdentifier(node.expression);
      const module = root ? imported.get(root) : undefined;
      if (module !== undefined && TS_DEP_MODULE.test(module)) facts.deps.push({ callee, range: tsNodeRange(node), path: file.path });
      else if (root === "fetch" && ts.isIdentifier(node.expression)) facts.deps.push({ callee, range: tsNodeRange(node), path: file.path });
      else if (access && TS_DEP_METHOD.test(access.name) && !(root && params.has(root))) facts.deps.push({ callee, range: tsNodeRange(node), path: file.path });
      else if (root && (params.has(root) || TS_BENIGN_ROOT.has(root) || module === "os" || module === "node:os")) {
        // res.json, reply.send, Date.now, process.uptime, os.loadavg
      } else {
        facts.trivial = false;
        if (access) facts.helpers.push(access.name);
        else if (ts.isIdentifier(node.expression)) facts.helpers.push(node.expression.text);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(fn.body);
  return facts;
}

function isFunctionLike(node: ts.Node): node is ts.FunctionLikeDeclaration {
  return ts.isArrowFunction(node) || ts.isFunctionExpression(node) || ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node);
}

/** Top-level functions of a file by name: `function f() {}`, `const f = () => {}`. */
function tsFunctions(file: TsSourceFile): Map<string, ts.FunctionLikeDeclaration> {
  const functions = new Map<string, ts.FunctionLikeDeclaration>();
  for (const statement of file.ast.statements) {
    if (ts.isFunctionDeclaration(statement) && statement.name) functions.set(statement.name.text, statement);
    if (ts.isVariableStatement(statement)) {
      for (const d of statement.declarationList.declarations) {
        const init = d.initializer ? kit.skipWrappers(d.initializer) : undefined;
        if (ts.isIdentifier(d.name) && init && isFunctionLike(init)) functions.set(d.name.text, init);
      }
    }
  }
  return functions;
}

/** Nest route methods by the position of their verb decorator (the range tsRoutes gives a Nest route). */
function nestMethodsByDecorator(file: TsSourceFile): Map<string, ts.MethodDeclaration> {
  const methods = new Map<string, ts.MethodDeclaration>();
  const visit = (node: ts.Node): void => {
    if (ts.isMethodDeclaration(node)) {
      for (const d of ts.canHaveDecorators(node) ? (ts.getDecorators(node) ?? []) : []) {
        const r = tsNodeRange(d);
        methods.set(`${r.start.line}:${r.start.column}`, node);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file.ast);
  return methods;
}

const at = (r: Range) => `${r.start.line}:${r.start.column}`;

type GoServerSite = { path: string; range: Range; callee: string } & GoStartSite;

interface GoPackageFacts {
  dir: string;
  isMain: boolean;
  imports: Set<string>;
  routes: Route[];
  /** Health routes with their handlers. */
  handlers: { route: Route; ref: HandlerRef }[];
  /** Function and method declarations by name (methods of every receiver under one name). */
  functions: Map<string, BodyFacts[]>;
  /** Server starts and gRPC servers, with the function around each (which importing programs run it). */
  httpStarts: GoServerSite[];
  grpcServers: GoServerSite[];
  /** Names its files call. */
  called: CallsByFunction;
  grpcHealth: boolean;
  goZeroRest: boolean;
  /** Where `func main` is declared (a main package): the program's own place when nothing else is in view. */
  mainFunction?: { path: string; range: Range };
}

/**
 * What one non-test Go file contributes to its package (plain data: handler bodies are read here, where
 * the tree is, and resolved against the program's functions in end()).
 */
interface GoFileFacts {
  path: string;
  dir: string;
  isMain: boolean;
  mainFunction?: { path: string; range: Range };
  /** Imported modules, in import order. */
  imports: string[];
  /** CallsByFunction of this file, as [caller, callee names] in first-call order. */
  called: [string, string[]][];
  routes: Route[];
  /** A generated file ("Code generated ... DO NOT EDIT.") that registers routes. */
  generatedRoutes: boolean;
  handlers: { route: Route; ref: HandlerRef }[];
  /** Function and method declarations, in file order. */
  functions: { name: string; facts: BodyFacts }[];
  httpStarts: GoServerSite[];
  grpcServers: GoServerSite[];
  grpcHealth: boolean;
  goZeroRest: boolean;
}

interface NodePackageFacts {
  routes: Route[];
  nestPrefix?: NestGlobalPrefix;
  handlers: { route: Route; ref: HandlerRef }[];
  grpc?: { path: string; range: Range; callee: string };
  grpcHealth: boolean;
}

function field(value: unknown, key: string): unknown {
  if (!isRecord(value)) return undefined;
  const found = Object.keys(value).find((k) => k.toLowerCase() === key.toLowerCase());
  return found === undefined ? undefined : value[found];
}

export default defineRule<GoFileFacts>({
  meta: {
    id: "service/health-endpoints",
    section: "operations",
    title: "Services expose health endpoints",
    severity: "warning",
    rationale:
      "Kubernetes probes need something to ask: without a health endpoint (or the gRPC health service) readiness and " +
      "liveness can only be guessed from an open port, so a hung or disconnected service keeps receiving traffic.",
    remediation:
      "Serve a cheap liveness route (/healthz) and a readiness route that checks dependencies (/readyz); register grpc.health.v1 on gRPC servers.",
    docs: `Checks each service for a health endpoint.

**HTTP.** A Go program (a \`main\` package and the packages it imports; a server started in an imported package
counts for the programs that call the function it is in) or a Node package (nearest package.json)
that registers HTTP routes must register one whose path has a probe-like segment: \`healthz\`, \`_healthz\`,
\`health\`, \`livez\`, \`readyz\`, \`ready\`, \`live\`, \`ping\`, \`status\`, \`startup\` (any of them, e.g.
\`/health/ready\`). A go-zero \`rest\` service serves \`/healthz\` only when its config has a
\`DevServer:\` block (inside it \`Enabled\` defaults to true; without the block the dev server is off), so a go-zero API
without routes of its own for health and without a \`DevServer\` block (or with \`Enabled: false\`) is reported at its config.
Other programs are reported at their server start, or, when it is not in view (started by a package outside the
scanned folder), at the first route written by hand, else at their \`func main\`, never in generated code.

**gRPC.** A Go program that creates a \`grpc.NewServer()\` must register the standard health service
(\`grpc_health_v1.RegisterHealthServer\`); go-zero \`zrpc\` registers it itself (\`Health\` defaults to true; \`Health: false\`
in the config turns it off and is reported). A Node file that serves gRPC (\`server.bindAsync\`) must mention the health
service (\`grpc.health.v1\`, a \`health.proto\`, \`grpc-health-check\`).

Bad:

\`\`\`go
r := gin.New()
r.GET("/orders", list)
r.Run(":8080")     // nothing for the kubelet to probe
\`\`\`

Good:

\`\`\`go
r.GET("/healthz", func(c *gin.Context) { c.Status(http.StatusOK) })              // liveness: the process only
r.GET("/readyz", func(c *gin.Context) { if db.PingContext(c) != nil { c.Status(503) } })  // readiness: dependencies
\`\`\`

**Liveness stays cheap, readiness checks dependencies.** The handler of each health route is read (a function
literal, a function or method of the program, \`http.HandlerFunc(f)\`, an Express handler, a Nest controller method),
following the program's own helpers three calls deep:
- a liveness route — named \`live\`, \`livez\`, \`liveness\`, \`alive\`, or requested by the \`livenessProbe\` of a
  container linked to the service (as in cross/probe-path-exists) — that calls a database, cache or another service
  (\`PingContext\`, \`Ping\`, \`QueryRowContext\`, database/cache client packages, \`http.Get\`, \`fetch\`, axios,
  terminus \`pingCheck\`) is reported: a dependency outage then restarts every replica;
- a readiness route — named \`ready\`, \`readyz\`, \`readiness\`, or requested by a \`readinessProbe\` — whose handler
  calls nothing but the response writer, formatting and the clock, in a service that uses a database, cache or
  broker client, is reported as a **note**: whether that dependency is optional cannot be verified.

Not reported: services whose routes cannot be seen (another framework, routes registered at runtime), programs that
start no server, health handlers built by a call (\`health.Handler(db)\`) or defined in another class, tests and
code under test and example folders.`,
    inputs: ["go", "typescript"],
    tags: ["kubernetes", "probes", "health", "reliability"],
    precision: "high",
  },
  analyzeGo(file): GoFileFacts | undefined {
    if (file.isTest) return undefined;
    const facts: GoFileFacts = {
      path: file.path,
      dir: file.dir,
      isMain: file.packageName === "main",
      imports: file.imports.map((i) => i.module),
      called: [],
      routes: [],
      generatedRoutes: false,
      handlers: [],
      functions: [],
      httpStarts: [],
      grpcServers: [],
      grpcHealth: false,
      goZeroRest: false,
    };
    if (facts.isMain) {
      const main = file.root.namedChildren.find((d) => d?.type === "function_declaration" && d.childForFieldName("name")?.text === "main");
      const name = main?.childForFieldName("name");
      if (name && !file.isGenerated) facts.mainFunction = { path: file.path, range: goNodeRange(name) };
    }
    const called: CallsByFunction = new Map();
    addCalledNames(file.calls, called);
    facts.called = [...called].map(([caller, names]) => [caller, [...names]]);
    const routes = goRoutes(file).routes;
    facts.routes = routes;
    facts.generatedRoutes = file.isGenerated && routes.length > 0;
    const healthRoutes = routes.filter((r) => r.framework !== "go-zero" && isHealthRoute(r));
    if (healthRoutes.length > 0) {
      const byRange = new Map(file.calls.map((c) => [at(c.range), c.node as GoNode] as const));
      for (const route of healthRoutes) {
        const node = byRange.get(at(route.range));
        facts.handlers.push({ route, ref: node ? goHandlerRef(callArguments(node).at(-1), file) : { kind: "unknown" } });
      }
    }
    for (const declaration of file.root.namedChildren) {
      if (declaration?.type !== "function_declaration" && declaration?.type !== "method_declaration") continue;
      const name = declaration.childForFieldName("name")?.text;
      if (!name) continue;
      facts.functions.push({ name, facts: goBodyFacts(declaration, file) });
    }
    for (const call of file.calls) {
      const site = { path: file.path, range: call.range, callee: call.callee, dir: file.dir, ...(call.enclosingFunction ? { inFunction: call.enclosingFunction } : {}) };
      if (call.module === "google.golang.org/grpc" && call.member === "NewServer") facts.grpcServers.push(site);
      if (call.module === "google.golang.org/grpc/health/grpc_health_v1" && call.member === "RegisterHealthServer") facts.grpcHealth = true;
      if (call.module === "github.com/zeromicro/go-zero/rest" && /^(Must)?NewServer$/.test(call.member ?? "")) facts.goZeroRest = true;
      const httpStart =
        (call.module === "net/http" && /^(ListenAndServe|ListenAndServeTLS|Serve|ServeTLS)$/.test(call.member ?? "")) ||
        (call.module === undefined && /\.(ListenAndServe|ListenAndServeTLS|Run|Start|Listen)$/.test(call.callee) && file.imports.some((i) => /^(net\/http|github\.com\/(gin-gonic|labstack|gofiber))/.test(i.module)));
      if (httpStart && !file.isGenerated) facts.httpStarts.push(site);
    }
    return facts;
  },
  create({ repo, report }) {
    const goPackages = new Map<string, GoPackageFacts>();
    /** Files with a "Code generated ... DO NOT EDIT." header that register routes (oapi-codegen servers). */
    const generatedRouteFiles = new Set<string>();
    const nodePackages = new Map<string, NodePackageFacts>();
    const production = (path: string) => !isNonProductionManifest(scanRelative(repo, path));

    return {
      // Rebuilds each package from its files' facts in file order: the order of imports,
      // routes, handlers, functions and server sites decides which one a message names.
      goFacts(facts) {
        let pkg = goPackages.get(facts.dir);
        if (!pkg) {
          pkg = { dir: facts.dir, isMain: false, imports: new Set(), routes: [], handlers: [], functions: new Map(), httpStarts: [], grpcServers: [], called: new Map(), grpcHealth: false, goZeroRest: false };
          goPackages.set(facts.dir, pkg);
        }
        if (facts.isMain) pkg.isMain = true;
        if (facts.mainFunction) pkg.mainFunction ??= facts.mainFunction;
        for (const module of facts.imports) pkg.imports.add(module);
        for (const [caller, names] of facts.called) {
          let into = pkg.called.get(caller);
          if (!into) pkg.called.set(caller, (into = new Set()));
          for (const name of names) into.add(name);
        }
        pkg.routes.push(...facts.routes);
        if (facts.generatedRoutes) generatedRouteFiles.add(facts.path);
        pkg.handlers.push(...facts.handlers);
        for (const { name, facts: body } of facts.functions) {
          const list = pkg.functions.get(name) ?? [];
          list.push(body);
          pkg.functions.set(name, list);
        }
        pkg.grpcServers.push(...facts.grpcServers);
        if (facts.grpcHealth) pkg.grpcHealth = true;
        if (facts.goZeroRest) pkg.goZeroRest = true;
        pkg.httpStarts.push(...facts.httpStarts);
      },
      typescript(file) {
        if (file.isTest || file.isGenerated) return;
        const root = owningPackageRoot(repo, file.path) ?? "";
        let pkg = nodePackages.get(root);
        if (!pkg) {
          pkg = { routes: [], handlers: [], grpcHealth: false };
          nodePackages.set(root, pkg);
        }
        const fileRoutes = readTsRoutes(file);
        const routes = fileRoutes.routes;
        pkg.routes.push(...routes);
        if (fileRoutes.nestGlobalPrefix) pkg.nestPrefix ??= fileRoutes.nestGlobalPrefix;
        const healthRoutes = routes.filter(isHealthRoute);
        if (healthRoutes.length > 0) {
          const functions = tsFunctions(file);
          const nestMethods = nestMethodsByDecorator(file);
          const calls = new Map(file.calls.map((c) => [at(c.range), c.node] as const));
          for (const route of healthRoutes) {
            let handler: ts.FunctionLikeDeclaration | undefined;
            if (route.framework === "nestjs") handler = nestMethods.get(at(route.range));
            else {
              const node = calls.get(at(route.range));
              const last = node ? kit.callArguments(node).at(-1) : undefined;
              const inner = last ? kit.skipWrappers(last) : undefined;
              if (inner && isFunctionLike(inner)) handler = inner;
              else if (inner && ts.isIdentifier(inner)) handler = functions.get(inner.text);
            }
            pkg.handlers.push({ route, ref: handler ? { kind: "body", facts: tsBodyFacts(handler, file) } : { kind: "unknown" } });
          }
        }
        if (NODE_GRPC_HEALTH.test(file.text)) pkg.grpcHealth = true;
        const bind = file.calls.find((c) => c.callee.endsWith(".bindAsync") && file.imports.some((i) => i.module === "@grpc/grpc-js" || i.module === "grpc"));
        if (bind) pkg.grpc ??= { path: file.path, range: bind.range, callee: bind.callee };
      },
      end() {
        checkGo();
        checkNode();
      },
    };

    function goZeroConfigsUnder(dir: string): ConfigDocument[] {
      return repo.configs.filter((c) => isGoZeroConfig(c) && underRoot(c.path, dir) && production(c.path));
    }

    /** httpGet paths of liveness / readiness probes of the containers linked to a code root. */
    function probePaths(root: string, roots: string[], candidates: { root: string; names: string[] }[]): { liveness: string[]; readiness: string[] } {
      const found = { liveness: [] as string[], readiness: [] as string[] };
      let linked = containerLinks.get(roots);
      if (!linked) containerLinks.set(roots, (linked = new Map()));
      for (const container of repo.containers) {
        if (container.role === "init" || container.workload.runsToCompletion) continue;
        if (!production(container.workload.object.path)) continue;
        let containerRoots = linked.get(container);
        if (!containerRoots) linked.set(container, (containerRoots = linkContainerToRoots(container, roots, candidates)));
        if (!containerRoots.includes(root)) continue;
        for (const [field, list] of [["livenessProbe", found.liveness], ["readinessProbe", found.readiness]] as const) {
          const path = getIn(container.container, [field, "httpGet", "path"]);
          if (typeof path === "string" && path.startsWith("/") && !path.includes("{{")) list.push(path);
        }
      }
      return found;
    }

    /** Reports a liveness route that calls a dependency and a readiness route that checks nothing. */
    function checkHandlers(
      label: string,
      handlers: { route: Route; facts: BodyFacts }[],
      probes: { liveness: string[]; readiness: string[] },
      dependency: string | undefined,
      reported: Set<string>,
      nestPrefix?: NestGlobalPrefix,
    ): void {
      for (const { route, facts } of handlers) {
        const key = `${route.file}:${at(route.range)}`;
        if (reported.has(key) || !production(route.file)) continue;
        const livenessProbe = probes.liveness.find((p) => routeServes(route, p, nestPrefix));
        const liveness = hasSegment(route, LIVENESS_SEGMENT) || livenessProbe !== undefined;
        const readiness = !liveness && (hasSegment(route, READINESS_SEGMENT) || probes.readiness.some((p) => routeServes(route, p, nestPrefix)));
        if (liveness && facts.deps.length > 0) {
          reported.add(key);
          const dep = facts.deps[0]!;
          const why = livenessProbe ? `the livenessProbe requests ${livenessProbe}` : `\`${route.path}\` is a liveness route`;
          report({
            path: route.file,
            range: route.range,
            message: `${why}, but its handler calls \`${dep.callee}(...)\`: when that dependency is slow or down, the kubelet restarts every replica, which does not fix the dependency and turns its outage into a restart loop of ${label}.`,
            fix: "Keep liveness to the process itself (return 200 unless the process is wedged); check the database, cache and downstreams in the readiness route instead.",
            related: [{ path: dep.path, range: dep.range, message: `\`${dep.callee}(...)\` reaches a dependency.` }],
          });
        } else if (readiness && facts.trivial && facts.deps.length === 0 && dependency) {
          reported.add(key);
          report({
            path: route.file,
            range: route.range,
            severity: "note",
            message: `The readiness route \`${route.path}\` of ${label} answers without checking anything, while the service uses \`${dependency}\`: it keeps receiving traffic while that dependency is unreachable. Cannot verify whether the dependency is optional.`,
            fix: "Make readiness fail (503) when a dependency the service cannot work without is unreachable: ping the database/cache with a short timeout, or read a flag a background checker maintains.",
          });
        }
      }
    }

    function checkGo(): void {
      const imports = new Map([...goPackages].map(([dir, pkg]) => [dir, pkg.imports] as const));
      const mains = [...goPackages].filter(([dir, pkg]) => pkg.isMain && production(`${dir}/main.go`)).map(([dir]) => dir);
      const roots = serviceRoots(repo, mains);
      const candidates = roots
        .filter((root) => [...goPackages.values()].some((p) => p.routes.some((r) => underRoot(r.file, root))))
        .map((root) => ({ root, names: rootNames(repo, root) }));
      // A server in a package several programs share is reported once, naming every program.
      const grouped = new Map<string, { at: { path: string; range: Range }; programs: string[]; message: (who: string, s: string) => string; fix: string }>();
      const group = (where: { path: string; range: Range }, program: string, message: (who: string, s: string) => string, fix: string) => {
        const key = `${where.path}:${at(where.range)}`;
        const entry = grouped.get(key) ?? { at: where, programs: [], message, fix };
        entry.programs.push(program);
        grouped.set(key, entry);
      };
      const reportedHandlers = new Set<string>();
      for (const dir of mains) {
        const programDirs = goProgramDirs(dir, imports, repo.manifests.goModules);
        const program = programDirs.map((d) => goPackages.get(d)).filter((p): p is GoPackageFacts => p !== undefined);
        const routes = program.flatMap((p) => p.routes).filter((r) => production(r.file));
        const label = `\`${dir || "."}\``;

        // gRPC health service.
        const grpcServer = program.flatMap((p) => p.grpcServers).find((s) => programRunsStart(s, dir, program));
        if (grpcServer && production(grpcServer.path) && !program.some((p) => p.grpcHealth)) {
          group(grpcServer, label, (who, s) => `${who} create${s} a gRPC server with \`${grpcServer.callee}(...)\` but never register${s} the grpc.health.v1 service: Kubernetes grpc probes and load balancers cannot tell whether it is serving.`, "Register the standard health service: healthpb.RegisterHealthServer(srv, health.NewServer()) and set each service's status.");
        }
        for (const config of goZeroConfigsUnder(dir)) {
          const health = field(config.body, "Health");
          if (health === false && field(config.body, "ListenOn") !== undefined) {
            const key = Object.keys(config.body as object).find((k) => k.toLowerCase() === "health") ?? "Health";
            report({
              path: config.path,
              range: config.locateKey([key]),
              message: `The go-zero RPC service \`${String(field(config.body, "Name"))}\` turns the gRPC health service off (Health: false): Kubernetes grpc probes cannot tell whether it is serving.`,
              fix: "Remove `Health: false` (zrpc registers grpc.health.v1 by default).",
            });
          }
        }

        // What the health routes do.
        const resolve = (ref: HandlerRef): BodyFacts | undefined => {
          if (ref.kind === "body") return ref.facts;
          if (ref.kind === "unknown") return undefined;
          const found = (ref.dir !== undefined ? [goPackages.get(ref.dir)] : program).flatMap((p) => p?.functions.get(ref.name) ?? []);
          return found.length === 1 ? found[0] : undefined;
        };
        const handlers: { route: Route; facts: BodyFacts }[] = [];
        for (const { route, ref } of program.flatMap((p) => p.handlers)) {
          const facts = resolve(ref);
          if (!facts) continue;
          handlers.push({ route, facts: withHelpers(facts, program) });
        }
        const dependency = [...program.flatMap((p) => [...p.imports])].find((m) => GO_DEP_MODULE.test(m));
        checkHandlers(label, handlers, probePaths(dir, roots, candidates), dependency, reportedHandlers);

        // HTTP health routes.
        if (routes.length === 0 || routes.some(isHealthRoute)) continue;
        if (program.some((p) => p.goZeroRest)) {
          const configs = goZeroConfigsUnder(dir);
          if (configs.length === 0) continue; // the config is elsewhere: cannot see whether DevServer is on
          if (goZeroServedPaths(configs).some(isHealthRoute)) continue;
          const config = configs[0]!;
          const nameKey = Object.keys(config.body as object).find((k) => k.toLowerCase() === "name") ?? "Name";
          report({
            path: config.path,
            range: config.locateKey([nameKey]),
            message: `The go-zero API \`${String(field(config.body, "Name"))}\` has no health route and its config has no enabled \`DevServer\` block (which serves /healthz): Kubernetes probes have nothing to ask.`,
            fix: "Add a DevServer block (DevServer: {Port: 6060, HealthPath: /healthz}, on by default once present) and probe it, or add health routes to the .api file.",
          });
          continue;
        }
        const start = program.flatMap((p) => p.httpStarts).find((s) => programRunsStart(s, dir, program));
        // Without a visible server start, the first route written by hand, else the program's func main: a
        // suppression in generated code is overwritten.
        const handwritten = routes.find((r) => !generatedRouteFiles.has(r.file));
        const mainFunction = goPackages.get(dir)?.mainFunction;
        const where = start ?? (handwritten ? { path: handwritten.file, range: handwritten.range } : mainFunction ?? { path: routes[0]!.file, range: routes[0]!.range });
        group(where, label, (who, s) => `${who} register${s} HTTP routes but none for health (healthz, readyz, live, ready, ...): Kubernetes probes have nothing cheap and reliable to ask.`, "Add a liveness route that only checks the process (/healthz) and a readiness route that checks dependencies (/readyz).");
      }
      for (const { at: where, programs, message, fix } of grouped.values()) {
        const who = programs.length === 1 ? `The program in ${programs[0]}` : `The programs in ${programs.slice(0, 3).join(", ")}${programs.length > 3 ? ` and ${programs.length - 3} more` : ""}`;
        report({ path: where.path, range: where.range, message: message(who, programs.length === 1 ? "s" : ""), fix });
      }
    }

    /** A handler's facts with the dependency calls of the package functions it calls (three levels deep). */
    function withHelpers(facts: BodyFacts, program: GoPackageFacts[]): BodyFacts {
      const deps = [...facts.deps];
      const seen = new Set<string>();
      let frontier = facts.helpers;
      for (let depth = 0; depth < 3 && frontier.length > 0 && deps.length === 0; depth++) {
        const next: string[] = [];
        for (const name of frontier) {
          if (seen.has(name)) continue;
          seen.add(name);
          const found = program.flatMap((p) => p.functions.get(name) ?? []);
          if (found.length !== 1) continue; // unknown or ambiguous: claim nothing
          deps.push(...found[0]!.deps);
          next.push(...found[0]!.helpers);
        }
        frontier = next;
      }
      return { ...facts, deps };
    }

    function checkNode(): void {
      const reportedHandlers = new Set<string>();
      const roots = [...nodePackages.keys()];
      const candidates = roots.filter((r) => nodePackages.get(r)!.routes.length > 0).map((root) => ({ root, names: rootNames(repo, root) }));
      for (const [root, pkg] of nodePackages) {
        const label = `\`${root || "."}\``;
        if (pkg.grpc && production(pkg.grpc.path) && !pkg.grpcHealth) {
          report({
            path: pkg.grpc.path,
            range: pkg.grpc.range,
            message: `The package in ${label} serves gRPC (\`${pkg.grpc.callee}(...)\`) but never adds the grpc.health.v1 service: Kubernetes grpc probes and load balancers cannot tell whether it is serving.`,
            fix: "Add the standard health service (grpc-health-check's HealthImplementation, or a Check handler for grpc.health.v1.Health loaded from health.proto).",
          });
        }
        const manifest = repo.manifests.packageJsons.find((p) => p.path === (root ? `${root}/package.json` : "package.json"));
        const dependency = Object.keys(manifest?.dependencies ?? {}).find((d) => NODE_DEP_PACKAGE.test(d));
        const handlers = pkg.handlers.flatMap(({ route, ref }) => (ref.kind === "body" ? [{ route, facts: ref.facts }] : []));
        checkHandlers(label, handlers, probePaths(root, roots, candidates), dependency, reportedHandlers, pkg.nestPrefix);
        const routes = pkg.routes.filter((r) => production(r.file));
        if (routes.length === 0 || routes.some(isHealthRoute)) continue;
        report({
          path: routes[0]!.file,
          range: routes[0]!.range,
          message: `The HTTP service in ${label} registers ${routes.length} route${routes.length === 1 ? "" : "s"} but none for health (healthz, readyz, live, ready, ...): Kubernetes probes have nothing cheap and reliable to ask.`,
          fix: "Add a liveness route that only checks the process (/healthz) and a readiness route that checks dependencies (/readyz), e.g. with @nestjs/terminus.",
        });
      }
    }
  },
});
