import { ts } from "ts-morph";
import type { SourceCall } from "../../src/model/artifacts.js";
import type { Range } from "../../src/model/location.js";
import { defineRule, type GoSourceFile, type TsSourceFile } from "../../src/rule-kit/define-rule.js";
import { callArguments } from "../../src/rule-kit/go.js";
import { isNonProductionManifest } from "../../src/rule-kit/kubernetes.js";
import { scanRelative } from "../../src/rule-kit/paths.js";
import {
  addGoFileToPackage,
  goPackageFileFacts,
  goProgramDirs,
  owningPackageRoot,
  programRunsStart,
  type CallsByFunction,
  type GoPackageFileFacts,
  type GoStartSite,
} from "../../src/rule-kit/services.js";
import { typescriptKit } from "../../src/rule-kit/typescript.js";

const kit = typescriptKit(ts);

// ---------------------------------------------------------------------------------------------
// Go

interface ServerStart extends GoStartSite {
  path: string;
  range: Range;
  callee: string;
  /** `http.ListenAndServe(...)`: no server value exists to call Shutdown on. */
  bare: boolean;
}

/** What one Go file contributes to its package (plain data: it may come from a worker thread). */
interface GoFileFacts extends GoPackageFileFacts {
  starts: ServerStart[];
  sigterm: boolean;
  shutdown: boolean;
  /** The last managing framework the file calls (the package keeps the last one seen, as before). */
  managedBy?: string;
}

interface GoPackageFacts {
  dir: string;
  isMain: boolean;
  imports: Set<string>;
  starts: ServerStart[];
  /** Names its files call: which imported packages' server starts a program runs. */
  called: CallsByFunction;
  sigterm: boolean;
  shutdown: boolean;
  /** A framework that stops on SIGTERM by itself (go-zero, kratos, fx, go-micro). */
  managedBy?: string;
}

/** Frameworks whose servers shut down gracefully on SIGTERM without application code. */
const GO_MANAGED: { module: RegExp; members: string[]; name: string }[] = [
  { module: /^github\.com\/zeromicro\/go-zero\/(rest|zrpc)$/, members: ["MustNewServer", "NewServer"], name: "go-zero" },
  { module: /^github\.com\/zeromicro\/go-zero\/core\/service$/, members: ["NewServiceGroup"], name: "go-zero" },
  { module: /^github\.com\/go-kratos\/kratos(\/v\d+)?$/, members: ["New"], name: "kratos" },
  { module: /^go\.uber\.org\/fx$/, members: ["New"], name: "fx" },
  { module: /^(github\.com\/micro\/go-micro|go-micro\.dev)(\/v\d+)?$/, members: ["NewService"], name: "go-micro" },
];

const GO_FRAMEWORK_STARTS: { module: RegExp; method: string }[] = [
  { module: /^github\.com\/gin-gonic\/gin$/, method: "Run" },
  { module: /^github\.com\/labstack\/echo(\/v\d+)?$/, method: "Start" },
  { module: /^github\.com\/gofiber\/fiber(\/v\d+)?$/, method: "Listen" },
];

function goServerStart(file: GoSourceFile, call: SourceCall): ServerStart | undefined {
  const at = { path: file.path, range: call.range, callee: call.callee, dir: file.dir, ...(call.enclosingFunction ? { inFunction: call.enclosingFunction } : {}) };
  if (call.module === "net/http" && ["ListenAndServe", "ListenAndServeTLS", "Serve", "ServeTLS"].includes(call.member ?? "")) {
    return { ...at, bare: true };
  }
  if (call.module !== undefined) return undefined;
  const method = call.callee.slice(call.callee.lastIndexOf(".") + 1);
  if (!call.callee.includes(".")) return undefined;
  if (method === "ListenAndServe" || method === "ListenAndServeTLS") return { ...at, bare: false };
  const imports = file.imports.map((i) => i.module);
  if (method === "Serve" && callArguments(call.node as never).length === 1 && imports.some((m) => m === "net/http" || m === "google.golang.org/grpc")) {
    return { ...at, bare: false };
  }
  if (GO_FRAMEWORK_STARTS.some((s) => s.method === method && imports.some((m) => s.module.test(m)))) return { ...at, bare: false };
  return undefined;
}

function goHandlesSigterm(call: SourceCall): boolean {
  if (call.module !== "os/signal" || (call.member !== "Notify" && call.member !== "NotifyContext")) return false;
  const args = callArguments(call.node as never);
  // signal.Notify(c) with no signal listed relays every signal.
  if (args.length === 1) return call.member === "Notify";
  return args.slice(1).some((a) => /\bSIGTERM\b/.test(a.text));
}

// ---------------------------------------------------------------------------------------------
// Node

interface NodeStart {
  path: string;
  range: Range;
  callee: string;
}

interface SigtermHandler {
  path: string;
  range: Range;
  /** The handler (or a function of the same file it calls) closes a server; undefined when unknown. */
  closes: boolean | undefined;
}

interface NodeFileFacts {
  path: string;
  root: string;
  starts: NodeStart[];
  handlers: SigtermHandler[];
  managedBy?: string;
  /** The file creates a NestJS application. */
  nest: boolean;
  /** Relative imports resolved to repository paths without extension (`src/utils/tracing`). */
  localImports: string[];
}

/** Entry points that are not the service: smoke apps, mocks, demos. */
const NOT_SERVICE_FILE = /(^|[._-])(smoke|mock|mocks|fake|stub|example|sample|demo)([._-]|$)/i;

function withoutExtension(path: string): string {
  return path.replace(/\.[cm]?[jt]sx?$/, "");
}

function resolveRelative(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith("./") && !specifier.startsWith("../")) return undefined;
  const parts = from.split("/").slice(0, -1);
  for (const segment of specifier.split("/")) {
    if (segment === "..") parts.pop();
    else if (segment !== ".") parts.push(segment);
  }
  return withoutExtension(parts.join("/"));
}

const NODE_MANAGED_MODULES: Record<string, string> = {
  "@godaddy/terminus": "@godaddy/terminus",
  lightship: "lightship",
  "http-terminator": "http-terminator",
  "@cloudnative/health-connect": "@cloudnative/health-connect",
};
const SERVER_FACTORY_MODULES = /^(express|fastify|koa|hono|@hono\/node-server|http|https|node:http|node:https|http2|node:http2|@nestjs\/core|restify|@grpc\/grpc-js|grpc)$/;
const SERVER_NAME = /^(app|server|httpServer|httpsServer|fastify|instance|srv|grpcServer)$/;
const CLOSES = /\.(close|tryShutdown|forceShutdown|closeAllConnections)\s*\(|\bterminate\s*\(/;
const SIGNAL_LISTENERS = new Set(["on", "once", "addListener", "prependListener", "prependOnceListener"]);

function nodeFacts(file: TsSourceFile): { starts: NodeStart[]; handlers: SigtermHandler[]; managedBy?: string; nest: boolean } {
  const starts: NodeStart[] = [];
  const handlers: SigtermHandler[] = [];
  let managedBy: string | undefined;
  for (const i of file.imports) if (NODE_MANAGED_MODULES[i.module]) managedBy = NODE_MANAGED_MODULES[i.module];
  const imports = new Set(file.imports.map((i) => i.module));
  // Variables holding a server or app made by a framework: `const app = express()`, `await NestFactory.create(...)`.
  const servers = new Set<string>();
  // Instances of the package's own classes (`new HipsterShopServer(...)` from './server'): their `.listen()` runs code
  // in that file, which is checked where it starts the real server.
  const wrappers = new Set<string>();
  for (const call of file.calls) {
    const own = call.isNew && call.module?.startsWith(".") === true;
    if (!own && (call.module === undefined || !SERVER_FACTORY_MODULES.test(call.module))) continue;
    let parent = call.node.parent;
    while (parent && (ts.isAwaitExpression(parent) || ts.isParenthesizedExpression(parent))) parent = parent.parent;
    if (parent && ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) (own ? wrappers : servers).add(parent.name.text);
  }
  const functionTexts = new Map<string, string>();
  const collectFunctions = (node: ts.Node): void => {
    if (ts.isFunctionDeclaration(node) && node.name) functionTexts.set(node.name.text, node.getText(file.ast));
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer && (ts.isArrowFunction(node.initializer) || ts.isFunctionExpression(node.initializer))) {
      functionTexts.set(node.name.text, node.initializer.getText(file.ast));
    }
    ts.forEachChild(node, collectFunctions);
  };
  let functionsCollected = false;

  for (const call of file.calls) {
    const node = call.node;
    if (!ts.isCallExpression(node)) continue;
    const access = kit.staticMemberAccess(node.expression);
    if (!access) continue;
    if (access.name === "enableShutdownHooks") managedBy = "NestJS enableShutdownHooks()";
    // process.on('SIGTERM', handler)
    if (ts.isIdentifier(access.object) && access.object.text === "process" && SIGNAL_LISTENERS.has(access.name)) {
      const signal = kit.stringLiteralValue(node.arguments[0]);
      const handler = node.arguments[1];
      if (signal === undefined && /SIGTERM/.test(file.text)) {
        handlers.push({ path: file.path, range: call.range, closes: undefined }); // a loop over signal names
      } else if (signal === "SIGTERM" && handler) {
        if (!functionsCollected) {
          collectFunctions(file.ast);
          functionsCollected = true;
        }
        let text = handler.getText(file.ast);
        if (ts.isIdentifier(handler)) text = functionTexts.get(handler.text) ?? "";
        // One level of same-file helpers: process.on('SIGTERM', () => shutdown()).
        for (const [name, body] of functionTexts) if (new RegExp(`\\b${name}\\s*\\(`).test(text)) text += body;
        const unknown = ts.isIdentifier(handler) && !functionTexts.has(handler.text);
        handlers.push({ path: file.path, range: call.range, closes: unknown ? undefined : CLOSES.test(text) });
      }
      continue;
    }
    const receiver = access.object;
    const receiverName = ts.isIdentifier(receiver) ? receiver.text : undefined;
    const isServer = receiverName !== undefined && (servers.has(receiverName) || (SERVER_NAME.test(receiverName) && !wrappers.has(receiverName)));
    if (access.name === "listen" && call.module === undefined) {
      const fromCreateServer = ts.isCallExpression(receiver) && /createServer$/.test(receiver.expression.getText(file.ast));
      if (isServer || fromCreateServer) starts.push({ path: file.path, range: call.range, callee: call.callee });
    } else if (access.name === "bindAsync" && (imports.has("@grpc/grpc-js") || imports.has("grpc"))) {
      starts.push({ path: file.path, range: call.range, callee: call.callee });
    }
  }
  const nest = file.calls.some((c) => c.module === "@nestjs/core" && c.member === "NestFactory.create");
  return managedBy ? { starts, handlers, managedBy, nest } : { starts, handlers, nest };
}

const IGNORED_BUILD = /^\/\/go:build ignore\s*$/m;

export default defineRule<GoFileFacts>({
  meta: {
    id: "service/graceful-shutdown",
    section: "operations",
    title: "Servers shut down gracefully on SIGTERM",
    severity: "warning",
    rationale:
      "Kubernetes sends SIGTERM before it stops a pod, on every rollout, scale-down and node drain. A server that " +
      "does not catch it dies at once and cuts off every request in flight, so each deployment causes errors.",
    remediation:
      "On SIGTERM, stop accepting connections and drain the server: signal.NotifyContext + srv.Shutdown / GracefulStop in Go; " +
      "app.enableShutdownHooks() in NestJS, or a SIGTERM handler that calls server.close() (or @godaddy/terminus / lightship) in Node.",
    docs: `Reports a service whose code starts a server but never drains it on SIGTERM.

**Go.** A program is a \`main\` package plus every package of the repository it imports (through go.mod). A
server started in an imported package counts for the programs whose code calls the function it is in (a shared
\`server\` package with \`RunHTTPServer\` and \`RunGRPCServer\` is reported for the programs that run each).
It starts a server when it calls \`http.ListenAndServe\` / \`http.Serve\` (and the TLS variants), \`.ListenAndServe()\`
on a server value, \`.Serve(listener)\` (net/http or gRPC), gin \`.Run()\`, echo \`.Start()\` or fiber \`.Listen()\`.
It is graceful when it calls \`signal.Notify\` / \`signal.NotifyContext\` with \`SIGTERM\` (or \`signal.Notify(c)\`
with no signal, which relays all) **and** \`.Shutdown(...)\` or \`.GracefulStop()\`. \`os.Interrupt\` alone is SIGINT,
which Kubernetes does not send.

Bad:

\`\`\`go
func main() {
	log.Fatal(http.ListenAndServe(":8080", router)) // no server value to Shutdown, SIGTERM kills it
}
\`\`\`

Good:

\`\`\`go
func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	srv := &http.Server{Addr: ":8080", Handler: router, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.ListenAndServe() }()
	<-ctx.Done()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdownCtx)
}
\`\`\`

**Node.** Per package (the nearest package.json), a server starts with \`.listen()\` on an app or server
(\`express()\`, \`fastify()\`, \`new Koa()\`, \`http.createServer()\`, \`NestFactory.create()\`) or a gRPC
\`server.bindAsync()\`. It is graceful with NestJS \`app.enableShutdownHooks()\`, with @godaddy/terminus, lightship
or http-terminator, or with a \`process.on('SIGTERM', ...)\` handler that calls \`.close()\` (\`tryShutdown\` for gRPC),
directly or through a function of the same file. A SIGTERM handler that only flushes telemetry and exits is reported:
it still cuts off requests in flight.

Not reported:
- go-zero (\`rest\` / \`zrpc\` servers and service groups stop gracefully on SIGTERM by default), kratos, fx and go-micro apps;
- command-line tools and workers that start no server; test files, \`//go:build ignore\` scripts, code under test and example folders;
- a SIGTERM handler whose body cannot be read (a handler imported from another module, a loop over signal names).`,
    inputs: ["go", "typescript"],
    tags: ["reliability", "kubernetes", "lifecycle"],
    precision: "high",
  },
  analyzeGo(file): GoFileFacts | undefined {
    if (file.isTest || IGNORED_BUILD.test(file.text)) return undefined;
    const facts: GoFileFacts = {
      ...goPackageFileFacts(file),
      starts: [],
      sigterm: false,
      shutdown: false,
    };
    for (const call of file.calls) {
      const managed = GO_MANAGED.find((m) => call.module !== undefined && m.module.test(call.module) && m.members.includes(call.member ?? ""));
      if (managed) facts.managedBy = managed.name;
      if (goHandlesSigterm(call)) facts.sigterm = true;
      if (call.module === undefined && /\.(Shutdown|ShutdownWithContext|ShutdownWithTimeout|GracefulStop)$/.test(call.callee)) facts.shutdown = true;
      const start = goServerStart(file, call);
      if (start && !file.isGenerated) facts.starts.push(start);
    }
    return facts;
  },
  create({ repo, report }) {
    const goPackages = new Map<string, GoPackageFacts>();
    const nodeFiles = new Map<string, NodeFileFacts>();
    const production = (path: string) => !isNonProductionManifest(scanRelative(repo, path));

    const goPackage = (dir: string): GoPackageFacts => {
      let pkg = goPackages.get(dir);
      if (!pkg) {
        pkg = { dir, isMain: false, imports: new Set(), starts: [], called: new Map(), sigterm: false, shutdown: false };
        goPackages.set(dir, pkg);
      }
      return pkg;
    };

    return {
      // Every file of a package, in file order: the package map's order decides import resolution and report order.
      goFacts(facts) {
        const pkg = goPackage(facts.dir);
        addGoFileToPackage(pkg, facts);
        if (facts.managedBy) pkg.managedBy = facts.managedBy;
        if (facts.sigterm) pkg.sigterm = true;
        if (facts.shutdown) pkg.shutdown = true;
        for (const start of facts.starts) pkg.starts.push(start);
      },
      typescript(file) {
        if (file.isTest || file.isGenerated) return;
        const facts = nodeFacts(file);
        const localImports = file.imports.map((i) => resolveRelative(file.path, i.module)).filter((p): p is string => p !== undefined);
        nodeFiles.set(withoutExtension(file.path), { path: file.path, root: owningPackageRoot(repo, file.path) ?? "", ...facts, localImports });
      },
      end() {
        // Each server start once, with every program that runs it without draining it.
        const ungraceful = new Map<string, { start: ServerStart; programs: string[]; sigterm: boolean }>();
        const modules = repo.manifests.goModules;
        const imports = new Map([...goPackages].map(([dir, pkg]) => [dir, pkg.imports] as const));
        for (const main of goPackages.values()) {
          if (!main.isMain || !production(`${main.dir}/main.go`)) continue;
          const program = goProgramDirs(main.dir, imports, modules).map((d) => goPackages.get(d)!).filter(Boolean);
          if (program.some((p) => p.managedBy)) continue;
          const sigterm = program.some((p) => p.sigterm);
          if (sigterm && program.some((p) => p.shutdown)) continue;
          for (const start of program.flatMap((p) => p.starts)) {
            if (!production(start.path) || !programRunsStart(start, main.dir, program)) continue;
            const key = `${start.path}:${start.range.start.line}:${start.range.start.column}`;
            const entry = ungraceful.get(key) ?? { start, programs: [], sigterm };
            entry.programs.push(`\`${main.dir || "."}\``);
            ungraceful.set(key, entry);
          }
        }
        for (const { start, programs, sigterm } of ungraceful.values()) {
          const where = programs.length === 1 ? `The program in ${programs[0]}` : `The programs in ${programs.slice(0, 3).join(", ")}${programs.length > 3 ? ` and ${programs.length - 3} more` : ""}`;
          const serves = programs.length === 1 ? "serves" : "serve";
          const message = !sigterm
            ? `${where} ${serves} with \`${start.callee}(...)\` but never ${programs.length === 1 ? "handles" : "handle"} SIGTERM (signal.Notify / signal.NotifyContext): when Kubernetes stops the pod the process dies at once and drops the requests in flight.`
            : start.bare
              ? `${where} ${programs.length === 1 ? "handles" : "handle"} SIGTERM but ${serves} with \`${start.callee}(...)\`, which leaves no server to call Shutdown on: requests in flight are cut off when it exits.`
              : `${where} ${programs.length === 1 ? "handles" : "handle"} SIGTERM but never call${programs.length === 1 ? "s" : ""} Shutdown or GracefulStop on the server started by \`${start.callee}(...)\`: requests in flight are cut off when it exits.`;
          const fix = start.bare
            ? "Create an http.Server{...} (with ReadHeaderTimeout), run srv.ListenAndServe() in a goroutine, wait on signal.NotifyContext(ctx, syscall.SIGTERM) and call srv.Shutdown(ctx) with a deadline."
            : "Wait on signal.NotifyContext(ctx, syscall.SIGTERM, os.Interrupt) and then call srv.Shutdown(ctx) (HTTP) or GracefulStop() (gRPC) with a deadline below terminationGracePeriodSeconds.";
          report({ path: start.path, range: start.range, message, fix });
        }

        for (const entry of nodeFiles.values()) {
          const start = entry.starts[0];
          const base = entry.path.slice(entry.path.lastIndexOf("/") + 1);
          if (!start || NOT_SERVICE_FILE.test(base) || !production(start.path)) continue;
          // The files this entry point loads through relative imports, transitively.
          const loaded: NodeFileFacts[] = [];
          const seen = new Set<string>();
          const queue = [withoutExtension(entry.path)];
          while (queue.length > 0) {
            const key = queue.pop()!;
            const facts = nodeFiles.get(key) ?? nodeFiles.get(`${key}/index`);
            if (!facts || seen.has(facts.path)) continue;
            seen.add(facts.path);
            loaded.push(facts);
            queue.push(...facts.localImports);
          }
          if (loaded.some((f) => f.managedBy || f.handlers.some((h) => h.closes !== false))) continue;
          // Imports through path aliases (`@/app`) are not followed: a graceful setup elsewhere in the package may be loaded.
          const samePackage = [...nodeFiles.values()].filter((f) => f.root === entry.root);
          if (samePackage.some((f) => f.managedBy || f.handlers.some((h) => h.closes !== false))) continue;
          const handler = loaded.flatMap((f) => f.handlers)[0];
          const nest = entry.nest;
          const message = handler
            ? `\`${start.callee}(...)\` starts the server, and the SIGTERM handler it loads (${handler.path}:${handler.range.start.line}) never closes it: requests in flight are cut off when the process exits.`
            : `\`${start.callee}(...)\` starts the server, but nothing it loads handles SIGTERM: Node exits at once when Kubernetes stops the pod and drops the requests in flight.`;
          report({
            path: start.path,
            range: start.range,
            message,
            fix: nest
              ? "Call app.enableShutdownHooks() before app.listen() so Nest closes the server on SIGTERM (and runs onApplicationShutdown hooks)."
              : "Handle SIGTERM: process.on('SIGTERM', () => server.close(() => process.exit(0))) (server.tryShutdown for gRPC), or use @godaddy/terminus or lightship.",
            ...(handler ? { related: [{ path: handler.path, range: handler.range, message: "This SIGTERM handler does not close the server." }] } : {}),
          });
        }
      },
    };
  },
});
