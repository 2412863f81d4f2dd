import { ts } from "ts-morph";
import type { Node as GoNode } from "web-tree-sitter";
import type { Range } from "../../src/model/location.js";
import { defineRule, type GoSourceFile, type TsSourceFile } from "../../src/rule-kit/define-rule.js";
import { callArguments, callsWithin, goNodeRange } from "../../src/rule-kit/go.js";
import {
  callsRecover,
  goFunctionShape,
  isGoZeroLogicShape,
  isHttpHandlerParams,
  isUnaryRpcShape,
  parameterTypes,
} from "../../src/rule-kit/go-rpc.js";
import { tsNodeRange, typescriptKit } from "../../src/rule-kit/typescript.js";

const kit = typescriptKit(ts);

const GRPC = "google.golang.org/grpc";

/** Calls that end the process at once: deferred functions and every other in-flight request die with it. */
const EXITS: { module: string; members: RegExp }[] = [
  { module: "os", members: /^Exit$/ },
  { module: "log", members: /^Fatal(f|ln)?$/ },
  { module: "github.com/sirupsen/logrus", members: /^Fatal(f|ln)?$/ },
  { module: "github.com/zeromicro/go-zero/core/logx", members: /^Must$/ },
];

interface GrpcServerSite {
  path: string;
  range: Range;
  /** Names of functions passed as interceptors (`recoveryInterceptor`, `mw.Recover`'s `Recover`). */
  interceptors: string[];
  /** Options passed as a slice (`opts...`) or a variable: what they hold cannot be seen. */
  opaque: boolean;
  /** The top-level function that creates it: servers built in both branches of one `if` are one server. */
  inFunction?: string;
}

interface PanicSite {
  path: string;
  range: Range;
  method: string;
}

/** What one Go file contributes to the repository-wide verdicts. */
interface FileFacts {
  usesZrpc: boolean;
  /** Top-level functions of this file whose body calls recover(), in call order. */
  recoveringFunctions: string[];
  servers: GrpcServerSite[];
  panics: PanicSite[];
}

export default defineRule<FileFacts>({
  meta: {
    id: "errors/panic-recovery",
    section: "architecture",
    title: "Panics are recovered where no framework does it",
    severity: "warning",
    rationale:
      "A panic that nothing recovers kills the whole process and every request in flight with it, and log.Fatal or " +
      "os.Exit in a handler does the same without even running deferred cleanup; in Node, a process-level handler " +
      "that only logs keeps a process running in an unknown, possibly corrupt state.",
    remediation:
      "Add a recovery interceptor to grpc.NewServer, recover inside goroutines started by handlers (or use go-zero " +
      "threading.GoSafe), return errors instead of exiting, and exit after logging in process-level error handlers.",
    docs: `Reports places where a panic or a fatal error takes the whole service down.

**Go**

- \`grpc.NewServer(...)\` without a recovery interceptor (once per function: servers built in both branches of an
  \`if\` are one finding, the other calls related locations): none of its options mentions recovery
  (grpc-ecosystem \`recovery.UnaryServerInterceptor()\`) and no interceptor passed to it is a function of the
  repository that calls \`recover()\`. grpc-go does not recover handler panics. Options passed as a slice
  (\`grpc.NewServer(opts...)\`) give a **note**: they cannot be seen.
- \`go func() { ... }()\` inside a request handler whose function never calls \`recover()\`: a panic in a
  goroutine cannot be recovered by any framework middleware. Handlers are unary gRPC methods
  (\`(ctx context.Context, in *pb.Req) (*pb.Resp, error)\`), go-zero logic methods, and HTTP handlers
  (an \`http.ResponseWriter\`, \`*gin.Context\` or \`echo.Context\` parameter). go-zero's \`threading.GoSafe\`
  is the safe form and is not reported.
- \`log.Fatal*\`, logrus \`Fatal*\`, \`os.Exit\` or go-zero \`logx.Must\` inside a request handler.
- \`panic(...)\` inside a unary gRPC method when the repository shows no recovery interceptor and is not a go-zero
  zrpc service (zrpc recovers by default).

\`\`\`go
// Bad
srv := grpc.NewServer(grpc.StatsHandler(otelgrpc.NewServerHandler()))
// Good
srv := grpc.NewServer(
	grpc.ChainUnaryInterceptor(recovery.UnaryServerInterceptor()),
	grpc.ChainStreamInterceptor(recovery.StreamServerInterceptor()),
)
\`\`\`

**Node**

\`process.on("uncaughtException" | "unhandledRejection", handler)\` whose handler neither exits
(\`process.exit\`, \`process.exitCode\`, \`process.kill\`, a call named like shutdown / close / exit) nor rethrows.

\`\`\`ts
// Bad: the process keeps serving after an unknown failure
process.on("uncaughtException", (error) => logger.error(error));
// Good
process.on("uncaughtException", (error) => { logger.fatal(error); process.exit(1); });
\`\`\`

Not reported: go-zero services (rest and zrpc recover panics), \`panic\` in HTTP handlers (net/http, gin.Default and
go-zero recover them), \`log.Fatal\` / \`panic\` in \`main\` and start-up code, \`go namedFunction()\` whose function
is not in the same file, test and generated files.`,
    inputs: ["go", "typescript"],
    tags: ["reliability", "errors", "go", "typescript", "grpc"],
    precision: "high",
  },
  analyzeGo(file, { report }): FileFacts | undefined {
    if (file.isTest) return undefined;
    const facts: FileFacts = { usesZrpc: false, recoveringFunctions: [], servers: [], panics: [] };
    if (file.imports.some((i) => i.module === "github.com/zeromicro/go-zero/zrpc")) facts.usesZrpc = true;
    // The loader names each call's top-level function: no walk of every body for recover().
    for (const call of file.calls) {
      if (call.callee === "recover" && call.module === undefined && call.enclosingFunction) facts.recoveringFunctions.push(call.enclosingFunction);
    }
    if (!file.isGenerated) {
      for (const call of file.calls) {
        if (call.module === GRPC && call.member === "NewServer") {
          facts.servers.push({ ...grpcServerSite(file, call.node as GoNode, call.range), ...(call.enclosingFunction ? { inFunction: call.enclosingFunction } : {}) });
        }
      }
      checkGoHandlers(file, report, facts.panics);
    }
    if (!facts.usesZrpc && facts.recoveringFunctions.length === 0 && facts.servers.length === 0 && facts.panics.length === 0) return undefined;
    return facts;
  },
  create({ report }) {
    const servers: GrpcServerSite[] = [];
    const panics: PanicSite[] = [];
    /** Functions and methods (by name) of the repository whose body calls recover(). */
    const recoveringFunctions = new Set<string>();
    let usesZrpc = false;

    return {
      goFacts(facts) {
        if (facts.usesZrpc) usesZrpc = true;
        for (const name of facts.recoveringFunctions) recoveringFunctions.add(name);
        for (const server of facts.servers) servers.push(server);
        for (const panic of facts.panics) panics.push(panic);
      },
      typescript(file) {
        if (file.isTest || file.isGenerated) return;
        checkProcessHandlers(file, report);
      },
      end() {
        let recovered = usesZrpc;
        // One finding per function and verdict: the others of the same function are related places.
        const sameServer = new Map<string, GrpcServerSite[]>();
        for (const server of servers) {
          if (server.interceptors.some((i) => recoveringFunctions.has(i) || /recover/i.test(i))) {
            recovered = true;
            continue;
          }
          const key = server.inFunction ? `${server.path}#${server.inFunction}#${server.opaque}` : `${server.path}:${server.range.start.line}`;
          const group = sameServer.get(key);
          if (group) group.push(server);
          else sameServer.set(key, [server]);
        }
        for (const [server, ...others] of sameServer.values()) {
          if (!server) continue;
          const related = others.map((o) => ({
            path: o.path,
            range: o.range,
            message: server.opaque ? "Another grpc.NewServer in the same function, also with its options in a variable." : "Another grpc.NewServer in the same function, also without a recovery interceptor.",
          }));
          if (server.opaque) {
            report({
              path: server.path,
              range: server.range,
              ...(related.length > 0 ? { related } : {}),
              severity: "note",
              message:
                "`grpc.NewServer` gets its options from a variable, so whether they include a recovery interceptor " +
                "cannot be verified; grpc-go itself does not recover handler panics.",
            });
            continue;
          }
          report({
            path: server.path,
            range: server.range,
            ...(related.length > 0 ? { related } : {}),
            message:
              "`grpc.NewServer` has no recovery interceptor: grpc-go does not recover panics, so one panicking " +
              "handler crashes the process and fails every request in flight.",
            fix: "Add grpc.ChainUnaryInterceptor(recovery.UnaryServerInterceptor()) and the stream variant (github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/recovery).",
          });
        }
        if (recovered) return;
        for (const p of panics) {
          report({
            path: p.path,
            range: p.range,
            message:
              `\`panic\` in gRPC method \`${p.method}\`: no recovery interceptor is visible in this repository, so the ` +
              "panic crashes the whole server instead of failing one call.",
            fix: "Return status.Error(codes.Internal, ...) instead, and add a recovery interceptor to the server.",
          });
        }
      },
    };
  },
});

// ---------------------------------------------------------------------------------------------
// Go

function grpcServerSite(file: GoSourceFile, node: GoNode, range: Range): GrpcServerSite {
  const interceptors: string[] = [];
  let opaque = false;
  for (const arg of callArguments(node)) {
    if (arg.type === "variadic_argument" || arg.type === "identifier" || arg.type === "selector_expression") {
      opaque = true;
      continue;
    }
    if (/recover/i.test(arg.text)) interceptors.push("recovery");
    // Every name inside the option (`grpc.ChainUnaryInterceptor(panicGuard)`, go-grpc-middleware v1's
    // `WithUnaryServerChain(mw.Recover)`): one that names a function calling recover() is a recovery interceptor.
    for (const name of arg.descendantsOfType(["identifier", "field_identifier"])) {
      if (name) interceptors.push(name.text);
    }
    if (arg.descendantsOfType("variadic_argument").length > 0) opaque = true;
  }
  return { path: file.path, range, interceptors, opaque };
}

type GoReport = (d: { path: string; range: Range; message: string; fix?: string }) => void;

function checkGoHandlers(file: GoSourceFile, report: GoReport, panics: PanicSite[]): void {
  const sameFileFunctions = new Map<string, GoNode>();
  for (const decl of file.root.namedChildren) {
    if (decl?.type === "function_declaration") {
      const name = decl.childForFieldName("name")?.text;
      const body = decl.childForFieldName("body");
      if (name && body) sameFileFunctions.set(name, body);
    }
  }
  const seen = new Set<number>();
  // A handler literal nested in another handler is visited twice: report each statement once.
  const reported = new Set<number>();
  const visitHandler = (fn: GoNode, label: string, rpcMethod?: string) => {
    const body = fn.childForFieldName("body");
    if (!body || seen.has(fn.id)) return;
    seen.add(fn.id);
    for (const stmt of body.descendantsOfType("go_statement")) {
      const call = stmt?.namedChildren.find((n) => n?.type === "call_expression");
      const target = call?.childForFieldName("function");
      if (!stmt || !target) continue;
      const goBody = target.type === "func_literal" ? target.childForFieldName("body") : target.type === "identifier" ? sameFileFunctions.get(target.text) : undefined;
      if (!goBody || callsRecover(goBody) || reported.has(stmt.id)) continue;
      reported.add(stmt.id);
      report({
        path: file.path,
        range: goNodeRange(stmt),
        message:
          `${label} starts a goroutine that never calls recover(): a panic in it cannot be caught by any ` +
          "middleware or interceptor and crashes the whole process.",
        fix: "Add `defer func() { if r := recover(); r != nil { /* log */ } }()` at the top of the goroutine, or use go-zero threading.GoSafe.",
      });
    }
    for (const call of callsWithin(file.calls, body)) {
      const node = call.node as GoNode;
      if (reported.has(node.id)) continue;
      const { module, member } = call;
      if (module !== undefined && member !== undefined && EXITS.some((e) => e.module === module && e.members.test(member))) {
        reported.add(node.id);
        report({
          path: file.path,
          range: call.range,
          message:
            `\`${call.callee}\` in ${label} ends the whole process: every request in flight fails and deferred ` +
            "cleanup does not run. A request handler should return an error instead.",
          fix: "Log the error and return it (or an error response) instead of exiting.",
        });
      } else if (rpcMethod && call.callee === "panic" && module === undefined && !shadowsPanic(file)) {
        reported.add(node.id);
        panics.push({ path: file.path, range: call.range, method: rpcMethod });
      }
    }
  };

  const logicDir = /(^|\/)internal\/logic(\/|$)/.test(file.dir);
  for (const decl of file.root.namedChildren) {
    if (decl?.type !== "function_declaration" && decl?.type !== "method_declaration") continue;
    // Handlers take a context, a ResponseWriter or a framework Context (go-zero logic methods are
    // told by their folder); a function that does not mention either, nor a function literal, is skipped unread.
    const text = file.text.slice(decl.startIndex, decl.endIndex);
    const mentionsHandlerTypes = /Context|ResponseWriter/.test(text);
    if (!mentionsHandlerTypes && !logicDir) continue;
    const shape = goFunctionShape(decl);
    if (!shape) continue;
    if (isUnaryRpcShape(shape)) visitHandler(decl, `gRPC method \`${shape.name}\``, shape.name);
    else if (isGoZeroLogicShape(shape, file.dir)) visitHandler(decl, `go-zero logic \`${shape.name}\``);
    else if (isHttpHandlerParams(shape.paramTypes, file.imports)) visitHandler(decl, `HTTP handler \`${shape.name}\``);
    else if (mentionsHandlerTypes && /\bfunc\s*\(/.test(text)) {
      // go-zero handlers and middleware return a `func(w http.ResponseWriter, r *http.Request)` literal.
      for (const literal of decl.descendantsOfType("func_literal")) {
        const params = literal?.childForFieldName("parameters");
        if (literal && params && isHttpHandlerParams(parameterTypes(params), file.imports)) {
          visitHandler(literal, `the HTTP handler in \`${shape.name}\``);
        }
      }
    }
  }
}

/** A package-level `func panic` would shadow the builtin (never seen in practice, cheap to respect). */
function shadowsPanic(file: GoSourceFile): boolean {
  return /^func panic\(/m.test(file.text);
}

// ---------------------------------------------------------------------------------------------
// Node

const PROCESS_EVENTS = new Set(["uncaughtException", "unhandledRejection"]);
const EXIT_LIKE = /(exit|shutdown|close|terminate|kill|abort|crash|stop)/i;

function checkProcessHandlers(file: TsSourceFile, report: GoReport): void {
  for (const call of file.calls) {
    if (call.isNew || !ts.isCallExpression(call.node)) continue;
    const access = kit.staticMemberAccess(call.node.expression);
    if (!access || !ts.isIdentifier(access.object) || access.object.text !== "process") continue;
    if (access.name !== "on" && access.name !== "once" && access.name !== "addListener") continue;
    if (kit.findLocalDeclaration(access.object, "process")) continue;
    const event = kit.stringLiteralValue(call.node.arguments[0]);
    if (!event || !PROCESS_EVENTS.has(event)) continue;
    const handler = resolveHandler(call.node.arguments[1]);
    if (!handler?.body || endsProcess(handler.body)) continue;
    report({
      path: file.path,
      range: call.range,
      message:
        `The '${event}' handler logs or ignores the error and lets the process keep running: after an unexpected ` +
        "failure its state is unknown, and the orchestrator never restarts it because it looks healthy.",
      fix: "Log the error, then exit (process.exit(1) after flushing logs, or a graceful shutdown that ends in exit) so the orchestrator restarts a clean process.",
    });
  }
}

type FunctionNode = ts.FunctionDeclaration | ts.FunctionExpression | ts.ArrowFunction;

function resolveHandler(arg: ts.Expression | undefined): FunctionNode | undefined {
  if (!arg) return undefined;
  const inner = kit.skipWrappers(arg);
  if (ts.isFunctionExpression(inner) || ts.isArrowFunction(inner)) return inner;
  if (ts.isIdentifier(inner)) {
    const declaration = kit.findLocalDeclaration(inner, inner.text);
    if (declaration && ts.isFunctionDeclaration(declaration)) return declaration;
    if (declaration && ts.isVariableDeclaration(declaration) && declaration.initializer) {
      const init = kit.skipWrappers(declaration.initializer);
      if (ts.isFunctionExpression(init) || ts.isArrowFunction(init)) return init;
    }
  }
  return undefined;
}

/** Whether a handler body exits, rethrows, or calls something named for shutting down. */
function endsProcess(body: ts.Node): boolean {
  let found = false;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (ts.isThrowStatement(node)) found = true;
    else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const name = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : "";
      if (EXIT_LIKE.test(name)) found = true;
    } else if (ts.isPropertyAccessExpression(node) && node.name.text === "exitCode") found = true;
    ts.forEachChild(node, visit);
  };
  visit(body);
  return found;
}
