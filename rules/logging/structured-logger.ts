import { ts } from "ts-morph";
import type { GoModule, SourceCall } from "../../src/model/artifacts.js";
import type { Range } from "../../src/model/location.js";
import { defineRule, type GoSourceFile, type TsSourceFile } from "../../src/rule-kit/define-rule.js";
import { callArguments, isPackageSelector } from "../../src/rule-kit/go.js";
import { isGoStructuredLogger, isNodeStructuredLoggerImport, NODE_STRUCTURED_LOGGERS } from "../../src/rule-kit/logging.js";
import { scanRelative } from "../../src/rule-kit/paths.js";
import { FILE_START } from "../../src/rule-kit/ranges.js";
import { typescriptKit } from "../../src/rule-kit/typescript.js";
import { startsServer } from "../go/no-fmt-print.js";
import { frontendAppRoots, isServiceCode } from "../ts/no-console.js";

const kit = typescriptKit(ts);

const GO_ZERO_SERVERS = /^github\.com\/zeromicro\/go-zero\/(rest|zrpc)$/;
const IGNORED_BUILD = /^\/\/go:build ignore\s*$/m;
const CONSOLE_METHODS = new Set(["log", "info", "debug", "warn", "error", "trace", "dir", "table"]);
/** Node modules whose `.listen(...)` starts an HTTP server. */
const NODE_SERVER_MODULES = new Set(["express", "fastify", "koa", "http", "https", "node:http", "node:https", "@hapi/hapi", "restify", "@nestjs/core"]);

interface GoPackage {
  dir: string;
  isMain: boolean;
  startsServer: boolean;
  structured: boolean;
  imports: Set<string>;
  /** Print and standard-library log calls, by callee as written ("fmt.Println", "log.Printf"). */
  prints: Map<string, number>;
  main?: { path: string; range: Range };
}

/** What one Go file (not a test, not a `go:build ignore` script) contributes to its package. */
interface FileFacts {
  dir: string;
  isMain: boolean;
  startsServer: boolean;
  structured: boolean;
  /** Imported paths, first occurrence first (the package's import order decides the walk's order). */
  imports: string[];
  /** Print calls by callee, counted, in order of first occurrence (ties in the message keep that order). */
  prints: [string, number][];
  /** `func main` of a main package, from the name's start to its end. */
  main?: { path: string; range: Range };
}

interface NodeService {
  root: string;
  structured: boolean;
  entry?: { path: string; range: Range; callee: string };
  consoleCalls: number;
  /** `path:line` of every console call, so the entry finding never shares a line with a ts/no-console one. */
  consoleLines: Set<string>;
}

export default defineRule<FileFacts>({
  meta: {
    id: "logging/structured-logger",
    section: "architecture",
    title: "Services log through a structured logger",
    severity: "warning",
    rationale:
      "A service that only prints writes lines without level, timestamp, fields or trace id: the log pipeline cannot " +
      "filter errors, alert on them or tie them to a request, and nothing can be silenced or raised in production.",
    remediation:
      "Adopt a structured logger for the service (go-zero logx, zap, zerolog, log/slog, logrus; pino, winston, bunyan, " +
      "the NestJS Logger) and log through it.",
    docs: `Reports a **service** that prints but never uses a structured logger, once, at its entry point.

**Go.** A service is a \`main\` package that starts a server (the same starters as \`go/no-fmt-print\`:
\`http.ListenAndServe\`, \`net.Listen\`, \`grpc.NewServer\`, go-zero \`rest\` / \`zrpc\`, gin, echo, fiber, kratos).
Its code is the main package and every package of the repository it imports, directly or not (resolved through
\`go.mod\`). The finding points at \`func main\` when that code calls \`fmt.Print*\`, \`fmt.Fprint*(os.Stdout|os.Stderr)\`,
the standard \`log\` package or the builtin \`println\`, and none of it imports go-zero \`logx\`, zap, zerolog,
\`log/slog\`, logrus, logr, go-kit log, hclog, apex/log, kratos log or charmbracelet/log. A go-zero \`rest\` or
\`zrpc\` service always passes: the framework logs through \`logx\` (goctl's \`fmt.Printf("Starting server at ...")\`
banner is not a logging strategy).

**Node.** A service is the folder of the nearest \`package.json\` around a file that starts a server
(\`NestFactory.create\`, \`.listen(...)\` in a file importing express / fastify / koa / http / hapi / restify,
\`.bindAsync(...)\` of @grpc/grpc-js). The finding points at that call when the service's code calls \`console.*\`
and none of its files imports pino, winston, bunyan, log4js (or their express / Nest bindings), or the NestJS
\`Logger\`, and its \`package.json\` does not depend on one.

\`\`\`go
// Bad: the whole service logs with log.Printf / fmt.Println
func main() {
	log.Printf("listening on %s", addr)
	log.Fatal(http.ListenAndServe(addr, mux))
}
// Good
func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	logger.Info("listening", "addr", addr)
}
\`\`\`

**How it relates to \`go/no-fmt-print\` and \`ts/no-console\`.** Those rules point at each print in request-time code;
this one says, once per service, that there is no structured logger to switch to. It never reports on a line where
\`ts/no-console\` reports (it moves to the top of the file instead), and it also covers what those rules leave
alone: the standard \`log\` package and prints in \`main\`.

Not reported: command-line tools (\`main\` packages that start no server), services that print nothing (nothing to
convert), test, generated and \`//go:build ignore\` files, scripts, browser code and front-end apps (as \`ts/no-console\`).`,
    inputs: ["go", "typescript"],
    tags: ["logging", "observability", "go", "typescript"],
    precision: "high",
    options: {
      loggerModules: {
        type: "string[]",
        default: [],
        description:
          "More Go import paths or npm packages that count as a structured logger, such as the team's own logging wrapper (`example.com/platform/log`, `@acme/logger`).",
      },
    },
  },
  analyzeGo(file, { options }): FileFacts | undefined {
    if (file.isTest || IGNORED_BUILD.test(file.text)) return undefined;
    const extraLoggers = options.loggerModules as readonly string[];
    const facts: FileFacts = { dir: file.dir, isMain: file.packageName === "main", startsServer: false, structured: false, imports: [], prints: [] };
    const imports = new Set<string>();
    for (const i of file.imports) {
      imports.add(i.module);
      // go-zero rest and zrpc servers log through logx themselves (access, slow-call and error logs).
      if (isGoStructuredLogger(i.module) || GO_ZERO_SERVERS.test(i.module) || extraLoggers.includes(i.module)) facts.structured = true;
    }
    facts.imports = [...imports];
    // Generated files (goctl's routes, protoc's stubs) link packages together but print nothing of the team's.
    if (file.isGenerated) return facts;
    const prints = new Map<string, number>();
    for (const call of file.calls) {
      if (startsServer(call)) facts.startsServer = true;
      const print = goPrint(file, call);
      if (print) prints.set(print, (prints.get(print) ?? 0) + 1);
    }
    facts.prints = [...prints];
    if (file.packageName === "main") {
      const main = file.root.namedChildren.find((d) => d?.type === "function_declaration" && d.childForFieldName("name")?.text === "main");
      const name = main?.childForFieldName("name");
      if (main && name) {
        facts.main = {
          path: file.path,
          range: {
            start: { line: main.startPosition.row + 1, column: main.startPosition.column + 1 },
            end: { line: name.endPosition.row + 1, column: name.endPosition.column + 1 },
          },
        };
      }
    }
    return facts;
  },
  create({ repo, report, options }) {
    const extraLoggers = new Set(options.loggerModules as readonly string[]);
    const packages = new Map<string, GoPackage>();
    const services = new Map<string, NodeService>();
    const frontendRoots = frontendAppRoots(repo.files);
    const packageRoots = repo.manifests.packageJsons.map((p) => dirOf(p.path));

    // Merged in file order, so import order, print order and the first file's `func main` are as one walk gives them.
    const goFacts = (facts: FileFacts) => {
      let pkg = packages.get(facts.dir);
      if (!pkg) {
        pkg = { dir: facts.dir, isMain: false, startsServer: false, structured: false, imports: new Set(), prints: new Map() };
        packages.set(facts.dir, pkg);
      }
      if (facts.isMain) pkg.isMain = true;
      if (facts.structured) pkg.structured = true;
      if (facts.startsServer) pkg.startsServer = true;
      for (const module of facts.imports) pkg.imports.add(module);
      for (const [print, n] of facts.prints) pkg.prints.set(print, (pkg.prints.get(print) ?? 0) + n);
      if (facts.main && !pkg.main) pkg.main = facts.main;
    };

    const visitTs = (file: TsSourceFile) => {
      if (!isServiceCode(file, scanRelative(repo, file.path), frontendRoots)) return;
      const root = nearestRoot(file.path, packageRoots);
      let service = services.get(root);
      if (!service) {
        const manifest = repo.manifests.packageJsons.find((p) => dirOf(p.path) === root);
        const declared = manifest
          ? Object.keys(manifest.dependencies).some((d) => NODE_STRUCTURED_LOGGERS.has(d) || extraLoggers.has(d))
          : false;
        service = { root, structured: declared, consoleCalls: 0, consoleLines: new Set() };
        services.set(root, service);
      }
      if (file.imports.some((i) => isNodeStructuredLoggerImport(i.module, i.importedName) || extraLoggers.has(i.module))) {
        service.structured = true;
      }
      const serverFile = file.imports.some((i) => NODE_SERVER_MODULES.has(i.module) || i.module === "@grpc/grpc-js");
      for (const call of file.calls) {
        if (isConsoleCall(call)) {
          service.consoleCalls++;
          service.consoleLines.add(`${file.path}:${call.range.start.line}`);
        } else if (!service.entry && serverFile && isServerStart(call)) {
          service.entry = { path: file.path, range: call.range, callee: call.callee };
        }
      }
    };

    const end = () => {
      const mains = [...packages.values()].filter((p) => p.isMain && p.startsServer && p.main);
      for (const main of mains) {
        const reached = reachablePackages(main, packages, repo.manifests.goModules);
        if (reached.some((p) => p.structured)) continue;
        const prints = new Map<string, number>();
        for (const p of reached) for (const [callee, n] of p.prints) prints.set(callee, (prints.get(callee) ?? 0) + n);
        if (prints.size === 0) continue;
        const total = [...prints.values()].reduce((a, b) => a + b, 0);
        const named = [...prints.keys()].sort((a, b) => prints.get(b)! - prints.get(a)!).slice(0, 3).map((c) => `\`${c}\``).join(", ");
        const where = main.dir ? `The service in \`${main.dir}\`` : "This service";
        report({
          path: main.main!.path,
          range: main.main!.range,
          message:
            `${where} logs only by printing (${total} call${total === 1 ? "" : "s"}: ${named}) and none of its packages ` +
            "uses a structured logger: its logs have no level or fields and cannot be filtered, alerted on or tied to a request.",
          fix: "Create one structured logger at start-up (log/slog with a JSON handler, zap, zerolog, or go-zero logx) and log through it everywhere.",
        });
      }
      for (const service of services.values()) {
        if (service.structured || !service.entry || service.consoleCalls === 0) continue;
        const { path, range, callee } = service.entry;
        const sharesLine = service.consoleLines.has(`${path}:${range.start.line}`);
        const where = service.root ? `The service in \`${service.root}\`` : "This service";
        report({
          path,
          range: sharesLine ? FILE_START : range,
          message:
            `${where} (started by \`${callee}\`) logs only through console (${service.consoleCalls} call` +
            `${service.consoleCalls === 1 ? "" : "s"}) and uses no structured logger: its logs have no level, fields or trace id.`,
          fix: "Add pino (or winston, or the NestJS Logger) to the service, create one logger at start-up and log through it.",
        });
      }
    };

    return { goFacts, typescript: visitTs, end };
  },
});

/** A print or standard-library log call, by the name it is shown with. */
function goPrint(file: GoSourceFile, call: SourceCall<GoSourceFile["root"]>): string | undefined {
  if (call.module === "fmt" && /^Print(f|ln)?$/.test(call.member ?? "")) return call.callee;
  if (call.module === "fmt" && /^Fprint(f|ln)?$/.test(call.member ?? "")) {
    const writer = callArguments(call.node)[0];
    return writer && isPackageSelector(writer, file.imports, "os", ["Stdout", "Stderr"]) ? call.callee : undefined;
  }
  if (call.module === "log" && /^(Print|Fatal|Panic)(f|ln)?$/.test(call.member ?? "")) return call.callee;
  if (call.module === undefined && (call.callee === "println" || call.callee === "print")) return call.callee;
  return undefined;
}

/** The main package and every repository package it imports, transitively. */
function reachablePackages(main: GoPackage, packages: Map<string, GoPackage>, modules: readonly GoModule[]): GoPackage[] {
  const seen = new Set<string>([main.dir]);
  const queue = [main];
  for (let i = 0; i < queue.length; i++) {
    for (const imp of queue[i]!.imports) {
      const dir = importDir(imp, modules);
      if (dir === undefined || seen.has(dir)) continue;
      const pkg = packages.get(dir);
      if (!pkg) continue;
      seen.add(dir);
      queue.push(pkg);
    }
  }
  return queue;
}

/** The repository folder an import path names, through the go.mod files that declare its module. */
function importDir(importPath: string, modules: readonly GoModule[]): string | undefined {
  for (const mod of modules) {
    if (!mod.module) continue;
    const modDir = dirOf(mod.path);
    if (importPath === mod.module) return modDir;
    if (importPath.startsWith(`${mod.module}/`)) {
      const rest = importPath.slice(mod.module.length + 1);
      return modDir ? `${modDir}/${rest}` : rest;
    }
  }
  return undefined;
}

function isConsoleCall(call: SourceCall): boolean {
  if (call.isNew || !ts.isCallExpression(call.node as ts.Node)) return false;
  const access = kit.staticMemberAccess((call.node as ts.CallExpression).expression);
  if (!access || !ts.isIdentifier(access.object) || access.object.text !== "console" || !CONSOLE_METHODS.has(access.name)) return false;
  return kit.findLocalDeclaration(access.object, "console") === undefined;
}

function isServerStart(call: SourceCall): boolean {
  if (call.module === "@nestjs/core" && /^NestFactory\.(create|createMicroservice)$/.test(call.member ?? "")) return true;
  return !call.isNew && /\.(listen|bindAsync)$/.test(call.callee);
}

function nearestRoot(path: string, roots: readonly string[]): string {
  let best = "";
  for (const root of roots) {
    if ((root === "" || path.startsWith(`${root}/`)) && root.length > best.length) best = root;
  }
  return best;
}

function dirOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? "" : path.slice(0, slash);
}
