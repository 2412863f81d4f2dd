import { ts } from "ts-morph";
import type { ConfigDocument, DockerStage } from "../../src/model/artifacts.js";
import type { Range } from "../../src/model/location.js";
import { defineRule, type TsSourceFile } from "../../src/rule-kit/define-rule.js";
import { getIn, isNonProductionManifest, isRecord } from "../../src/rule-kit/kubernetes.js";
import { scanRelative } from "../../src/rule-kit/paths.js";
import {
  addGoFileToPackage,
  goPackageFileFacts,
  goProgramDirs,
  isGoZeroConfig,
  linkContainerToRoots,
  owningPackageRoot,
  programRunsStart,
  underRoot,
  type CallsByFunction,
  type GoPackageFileFacts,
  type GoStartSite,
} from "../../src/rule-kit/services.js";

// ---------------------------------------------------------------------------------------------
// Go

type GoServerStart = { path: string; range: Range; callee: string } & GoStartSite;

interface GoPackageFacts {
  dir: string;
  isMain: boolean;
  imports: Set<string>;
  /** Server starts, with the function around each (which programs importing the package run it). */
  starts: GoServerStart[];
  /** Names its files call. */
  called: CallsByFunction;
  goZero: boolean;
  tracerSet: boolean;
}

/** What one Go file contributes to its package (plain data: arrays in source order). */
interface FileFacts extends GoPackageFileFacts {
  starts: GoServerStart[];
  goZero: boolean;
  tracerSet: boolean;
}

const GO_TRACER_SETUP: { module: RegExp; members: string[] }[] = [
  { module: /^go\.opentelemetry\.io\/otel$/, members: ["SetTracerProvider"] },
  { module: /^(gopkg\.in\/DataDog\/dd-trace-go\.v1|github\.com\/DataDog\/dd-trace-go\/v2)\/ddtrace\/tracer$/, members: ["Start"] },
  { module: /^go\.opencensus\.io\/trace$/, members: ["RegisterExporter"] },
];
const GO_SERVER_START = /\.(ListenAndServe|ListenAndServeTLS|Serve|Run|Start|Listen)$/;
const IGNORED_BUILD = /^\/\/go:build ignore\s*$/m;

function field(value: unknown, key: string): unknown {
  if (!isRecord(value)) return undefined;
  const found = Object.keys(value).find((k) => k.toLowerCase() === key.toLowerCase());
  return found === undefined ? undefined : value[found];
}

// ---------------------------------------------------------------------------------------------
// Node

/** Packages whose instrumentation must be loaded before them. */
const INSTRUMENTED = /^(node:)?(http|https|http2)$|^(express|fastify|koa|@koa\/router|@nestjs\/core|@nestjs\/common|@nestjs\/platform-express|@nestjs\/platform-fastify|@grpc\/grpc-js|grpc|pg|mysql|mysql2|redis|ioredis|mongodb|mongoose|kafkajs|amqplib|typeorm|@prisma\/client|undici|axios|got|hapi|@hapi\/hapi|restify|graphql|@apollo\/server)$/;
/** Imports that set tracing up by themselves when loaded. */
const TRACING_PRELOAD_MODULE = /^(@opentelemetry\/auto-instrumentations-node\/register|dd-trace\/init|elastic-apm-node\/start|newrelic)$/;
/** A `--require` / `--import` / `-r` of something that sets tracing up. */
const PRELOAD_FLAG = /(--require|--import|--loader|(^|\s)-r)(\s+|=)\S*(opentelemetry|otel|tracing|tracer|instrument|dd-trace|newrelic|elastic-apm)/i;

interface NodeFile {
  path: string;
  root: string;
  /** Sets tracing up: `new NodeSDK(...)`, `new NodeTracerProvider(...)`, `registerInstrumentations(...)`, dd-trace init. */
  setup?: Range;
  start?: { range: Range; callee: string };
  /** Top-level imports and requires in order (ES imports are hoisted above every other statement). */
  imports: { module: string; local?: string; range: Range; typeOnly: boolean; es: boolean; statement: number }[];
  setupStatement?: number;
  /** The file starts what it set up: `sdk.start()`, `provider.register()` (possibly inside a function it calls). */
  selfStarted: boolean;
  /** Calls of something imported from a file of the package (`sdk.start()`, `startTracing()`), by top-level statement. */
  relativeCalls: { module: string; callee: string; range: Range; statement: number }[];
}

function resolveRelative(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith("./") && !specifier.startsWith("../")) return undefined;
  const parts = from.split("/").slice(0, -1);
  for (const segment of specifier.split("/")) {
    if (segment === "..") parts.pop();
    else if (segment !== ".") parts.push(segment);
  }
  return parts.join("/").replace(/\.[cm]?[jt]sx?$/, "");
}

const withoutExtension = (path: string) => path.replace(/\.[cm]?[jt]sx?$/, "");

function nodeFile(file: TsSourceFile, root: string): NodeFile {
  const facts: NodeFile = { path: file.path, root, imports: [], selfStarted: false, relativeCalls: [] };
  const sf = file.ast;
  const range = (node: ts.Node): Range => {
    const s = sf.getLineAndCharacterOfPosition(node.getStart(sf));
    const e = sf.getLineAndCharacterOfPosition(node.getEnd());
    return { start: { line: s.line + 1, column: s.character + 1 }, end: { line: e.line + 1, column: e.character + 1 } };
  };
  sf.statements.forEach((statement, index) => {
    if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier)) {
      const typeOnly = statement.importClause?.isTypeOnly === true;
      facts.imports.push({ module: statement.moduleSpecifier.text, range: range(statement), typeOnly, es: true, statement: index });
      return;
    }
    // const x = require('m'), require('m')
    const text = statement.getText(sf);
    const required = /^(?:(?:const|let|var)\s+[^=]+=\s*)?require\(\s*['"]([^'"]+)['"]\s*\)/.exec(text);
    if (required) facts.imports.push({ module: required[1]!, range: range(statement), typeOnly: false, es: false, statement: index });
  });
  const topLevelIndex = (node: ts.Node): number => {
    let n: ts.Node = node;
    while (n.parent && !ts.isSourceFile(n.parent)) n = n.parent;
    return sf.statements.indexOf(n as ts.Statement);
  };
  for (const call of file.calls) {
    const member = call.member ?? "";
    const setup =
      (call.isNew && call.module === "@opentelemetry/sdk-node" && member === "NodeSDK") ||
      (call.isNew && /^@opentelemetry\/sdk-trace-node$/.test(call.module ?? "") && member === "NodeTracerProvider") ||
      (call.module === "@opentelemetry/instrumentation" && member === "registerInstrumentations" && /NodeSDK|TracerProvider|auto-instrumentations/.test(file.text)) ||
      (call.module === "dd-trace" && (member === "init" || member === "default.init"));
    if (setup && !facts.setup) {
      facts.setup = call.range;
      facts.setupStatement = topLevelIndex(call.node);
      // dd-trace's init() and registerInstrumentations() take effect by themselves.
      if (!call.isNew) facts.selfStarted = true;
    }
    if (call.module === undefined && /\.(start|register)$/.test(call.callee)) facts.selfStarted = true;
    if (call.module?.startsWith(".")) facts.relativeCalls.push({ module: call.module, callee: call.callee, range: call.range, statement: topLevelIndex(call.node) });
    const node = call.node;
    if (!facts.start && ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
      const name = node.expression.name.text;
      const receiver = node.expression.expression;
      const receiverName = ts.isIdentifier(receiver) ? receiver.text : "";
      if ((name === "listen" && /^(app|server|httpServer|fastify|srv)$/.test(receiverName)) || (name === "bindAsync" && /grpc/.test(file.text))) {
        facts.start = { range: call.range, callee: call.callee };
      }
    }
  }
  return facts;
}

const NOT_SERVICE_FILE = /(^|[._-])(smoke|mock|mocks|fake|stub|example|sample|demo)([._-]|$)/i;

export default defineRule<FileFacts>({
  meta: {
    id: "observability/tracing-configured",
    section: "operations",
    title: "Services export distributed traces",
    severity: "warning",
    rationale:
      "Without tracing, a slow or failing request that crosses several services cannot be followed: each service's " +
      "logs show only its own part and there is no trace id to join them.",
    remediation:
      "Configure OpenTelemetry: go-zero `Telemetry.Endpoint`, otel.SetTracerProvider in Go, or a NodeSDK started by the first import of the Node entry file (or --require @opentelemetry/auto-instrumentations-node/register).",
    docs: `Checks each service — a Go program (a \`main\` package and the packages it imports; a server started in an imported
package counts for the programs that call the function it is in) or a Node entry file
that starts a server — for a tracing setup that exports spans.

**go-zero.** A program that builds a \`rest\` or \`zrpc\` server is traced when one of the go-zero configs under its
folder has \`Telemetry.Endpoint\` set (a \`\${VAR}\` placeholder counts). go-zero exports nothing without an
endpoint, so a \`Telemetry\` block without one is reported at the block, and a config without \`Telemetry\` at its
\`Name\` key.

**Other Go programs** are traced when the program calls \`otel.SetTracerProvider\` (or starts the Datadog tracer, or
registers an OpenCensus exporter). The finding points at the server start.

**Node.** An entry file (one that calls \`app.listen\` / \`server.listen\` or a gRPC \`bindAsync\`) is traced when:
- its package.json scripts, its Dockerfile (\`CMD\` / \`ENTRYPOINT\` in shell or exec form, or \`ENV NODE_OPTIONS\`, in the
  final stage or a stage it builds on), or the \`NODE_OPTIONS\` / command of a container linked to the package (by
  name, as in cross/probe-path-exists; any container when the repository has one Node package) preloads tracing
  (\`--require @opentelemetry/auto-instrumentations-node/register\`, \`-r ./tracing.js\`, \`--import ./otel.mjs\`), or
- it imports \`@opentelemetry/auto-instrumentations-node/register\` (or \`dd-trace/init\`, \`newrelic\`) first, or
- its **first** import is a file of the package that creates a \`NodeSDK\` / \`NodeTracerProvider\` and starts it
  (\`sdk.start()\`, \`provider.register()\`); an SDK that the entry starts in its body after importing \`express\` and
  the like is reported at the start call, one that nothing starts at its creation, or
- it creates the SDK itself before it loads any instrumented module (\`http\`, \`express\`, \`@grpc/grpc-js\`, \`pg\`, ...).
  ES \`import\` statements all run before the file's body, so an SDK started in the body of a file that imports
  \`express\` is too late.

Bad:

\`\`\`ts
import { NestFactory } from '@nestjs/core'
import './tracing'            // too late: @nestjs/core and http are already loaded, their spans are lost
\`\`\`

Good:

\`\`\`ts
import './tracing'
import { NestFactory } from '@nestjs/core'
\`\`\`

Reported as a **note** (cannot verify): a package that sets tracing up in a file its entry does not import
(it may be preloaded by a command this scan does not see).

Not reported: programs that start no server, tests, files named like smoke tests, mocks or demos, code under test and
example folders; go-zero programs whose config cannot be found.`,
    inputs: ["go", "typescript"],
    tags: ["observability", "tracing", "opentelemetry"],
    precision: "high",
  },
  analyzeGo(file): FileFacts | undefined {
    if (file.isTest || IGNORED_BUILD.test(file.text)) return undefined;
    // Returned even when empty: a package joins the map at its first file, and that order decides which
    // folder an import resolves to and which server start of a program is reported.
    const facts: FileFacts = {
      ...goPackageFileFacts(file),
      starts: [],
      goZero: false,
      tracerSet: false,
    };
    for (const call of file.calls) {
      if (call.module && /^github\.com\/zeromicro\/go-zero\/(rest|zrpc)$/.test(call.module) && /^(Must)?NewServer$/.test(call.member ?? "")) facts.goZero = true;
      if (call.module && GO_TRACER_SETUP.some((s) => s.module.test(call.module!) && s.members.includes(call.member ?? ""))) facts.tracerSet = true;
      const starts =
        (call.module === "net/http" && /^(ListenAndServe|ListenAndServeTLS|Serve|ServeTLS)$/.test(call.member ?? "")) ||
        (call.module === undefined && GO_SERVER_START.test(call.callee) && file.imports.some((i) => /^(net\/http|google\.golang\.org\/grpc|github\.com\/(gin-gonic|labstack|gofiber))/.test(i.module)));
      if (starts && !file.isGenerated) {
        facts.starts.push({ path: file.path, range: call.range, callee: call.callee, dir: file.dir, ...(call.enclosingFunction ? { inFunction: call.enclosingFunction } : {}) });
      }
    }
    return facts;
  },
  create({ repo, report }) {
    const goPackages = new Map<string, GoPackageFacts>();
    const nodeFiles = new Map<string, NodeFile>();
    const production = (path: string) => !isNonProductionManifest(scanRelative(repo, path));

    return {
      goFacts(facts) {
        let pkg = goPackages.get(facts.dir);
        if (!pkg) {
          pkg = { dir: facts.dir, isMain: false, imports: new Set(), starts: [], called: new Map(), goZero: false, tracerSet: false };
          goPackages.set(facts.dir, pkg);
        }
        addGoFileToPackage(pkg, facts);
        if (facts.goZero) pkg.goZero = true;
        if (facts.tracerSet) pkg.tracerSet = true;
        pkg.starts.push(...facts.starts);
      },
      typescript(file) {
        if (file.isTest || file.isGenerated) return;
        nodeFiles.set(withoutExtension(file.path), nodeFile(file, owningPackageRoot(repo, file.path) ?? ""));
      },
      end() {
        checkGo();
        checkNode();
      },
    };

    function checkGo(): void {
      const imports = new Map([...goPackages].map(([dir, pkg]) => [dir, pkg.imports] as const));
      const goZeroConfigs = repo.configs.filter(isGoZeroConfig);
      const untraced = new Map<string, { start: GoServerStart; programs: string[] }>();
      for (const main of goPackages.values()) {
        if (!main.isMain || !production(`${main.dir}/main.go`)) continue;
        const program = goProgramDirs(main.dir, imports, repo.manifests.goModules).map((d) => goPackages.get(d)).filter((p): p is GoPackageFacts => p !== undefined);
        if (program.some((p) => p.tracerSet)) continue;
        if (program.some((p) => p.goZero)) {
          const configs = goZeroConfigs.filter((c) => underRoot(c.path, main.dir) && production(c.path));
          if (configs.length === 0) continue; // the config is elsewhere: cannot see it
          if (configs.some((c) => hasTelemetryEndpoint(c))) continue;
          const config = configs[0]!;
          const telemetryKey = Object.keys(config.body as object).find((k) => k.toLowerCase() === "telemetry");
          report({
            path: config.path,
            range: config.locateKey(telemetryKey ? [telemetryKey] : [Object.keys(config.body as object).find((k) => k.toLowerCase() === "name") ?? "Name"]),
            message: telemetryKey
              ? `The go-zero service \`${String(field(config.body, "Name"))}\` has a Telemetry block without an Endpoint: go-zero creates spans but exports none, so its traces never reach a collector.`
              : `The go-zero service \`${String(field(config.body, "Name"))}\` has no Telemetry configuration: it exports no traces, so requests through it cannot be followed across services.`,
            fix: "Add Telemetry: {Name: <service>, Endpoint: <collector, e.g. http://otel-collector:4318 or ${OTEL_ENDPOINT}>, Sampler: 1.0, Batcher: otlphttp}.",
          });
          continue;
        }
        const start = program.flatMap((p) => p.starts).find((s) => programRunsStart(s, main.dir, program));
        if (!start || !production(start.path)) continue;
        const key = `${start.path}:${start.range.start.line}:${start.range.start.column}`;
        const entry = untraced.get(key) ?? { start, programs: [] };
        entry.programs.push(`\`${main.dir || "."}\``);
        untraced.set(key, entry);
      }
      // A server started by a shared package is reported once, naming every program that runs it.
      for (const { start, programs } of untraced.values()) {
        const who = programs.length === 1 ? `The program in ${programs[0]} serves` : `The programs in ${programs.slice(0, 3).join(", ")}${programs.length > 3 ? ` and ${programs.length - 3} more` : ""} serve`;
        report({
          path: start.path,
          range: start.range,
          message: `${who} with \`${start.callee}(...)\` but never set${programs.length === 1 ? "s" : ""} a tracer provider (otel.SetTracerProvider): no traces are exported, so requests cannot be followed across services.`,
          fix: "Create an sdktrace.TracerProvider with an OTLP exporter, call otel.SetTracerProvider and otel.SetTextMapPropagator at startup, and wrap handlers with otelhttp / otelgrpc.",
        });
      }
    }

    function hasTelemetryEndpoint(config: ConfigDocument): boolean {
      const endpoint = field(field(config.body, "Telemetry"), "Endpoint");
      return typeof endpoint === "string" && endpoint.trim() !== "";
    }

    function preloadedElsewhere(root: string, nodeRoots: string[]): boolean {
      for (const pkg of repo.manifests.packageJsons) {
        const dir = pkg.path.includes("/") ? pkg.path.slice(0, pkg.path.lastIndexOf("/")) : "";
        if (dir !== root) continue;
        if (Object.values(pkg.scripts).some((s) => PRELOAD_FLAG.test(s))) return true;
      }
      for (const dockerfile of repo.dockerfiles) {
        const dir = dockerfile.path.includes("/") ? dockerfile.path.slice(0, dockerfile.path.lastIndexOf("/")) : "";
        if (!underRoot(root, dir) && !underRoot(dir, root)) continue;
        // The final stage and the stages it builds on: ENV NODE_OPTIONS is inherited, CMD may be too.
        const stages: DockerStage[] = [];
        let stage: DockerStage | undefined = dockerfile.stages[dockerfile.stages.length - 1];
        while (stage && stages.length <= dockerfile.stages.length) {
          stages.push(stage);
          stage = stage.from.parentStage === undefined ? undefined : dockerfile.stages[stage.from.parentStage];
        }
        // Exec form (`CMD ["node", "--require", "x"]`) is read as the words it runs.
        const text = (i: { text: string; exec: string[] | null }) => (i.exec ? i.exec.join(" ") : i.text);
        if (stages.some((stage) => stage.instructions.some((i) => ["CMD", "ENTRYPOINT", "ENV"].includes(i.keyword) && PRELOAD_FLAG.test(text(i))))) return true;
      }
      // Containers of this package (linked by name; any container when the repository has one Node package).
      for (const container of repo.containers) {
        if (nodeRoots.length > 1 && !linkContainerToRoots(container, nodeRoots).includes(root)) continue;
        const env = getIn(container.container, ["env"]);
        const args = [getIn(container.container, ["command"]), getIn(container.container, ["args"])].flat().filter((a) => typeof a === "string").join(" ");
        if (PRELOAD_FLAG.test(args)) return true;
        if (Array.isArray(env) && env.some((e) => isRecord(e) && e.name === "NODE_OPTIONS" && typeof e.value === "string" && PRELOAD_FLAG.test(e.value))) return true;
      }
      return false;
    }

    function checkNode(): void {
      const nodeRoots = [...new Set([...nodeFiles.values()].map((f) => f.root))];
      // A file another file imports is a module of the app, not its entry point.
      const imported = new Set<string>();
      for (const file of nodeFiles.values()) {
        for (const i of file.imports) {
          const target = resolveRelative(file.path, i.module);
          if (target !== undefined) imported.add(nodeFiles.has(target) ? target : `${target}/index`);
        }
      }
      for (const entry of nodeFiles.values()) {
        const start = entry.start;
        if (imported.has(withoutExtension(entry.path))) continue;
        const base = entry.path.slice(entry.path.lastIndexOf("/") + 1);
        if (!start || NOT_SERVICE_FILE.test(base) || !production(entry.path)) continue;
        if (preloadedElsewhere(entry.root, nodeRoots)) continue;
        const runtime = entry.imports.filter((i) => !i.typeOnly);
        const first = runtime[0];
        if (first && TRACING_PRELOAD_MODULE.test(first.module)) continue;
        const setupFileOf = (module: string): NodeFile | undefined => {
          const target = resolveRelative(entry.path, module);
          if (target === undefined) return undefined;
          const file = nodeFiles.get(target) ?? nodeFiles.get(`${target}/index`);
          return file?.setup ? file : undefined;
        };
        const firstSetup = first ? setupFileOf(first.module) : undefined;
        if (first && firstSetup) {
          if (firstSetup.selfStarted) continue;
          // The SDK is created by the first import but started elsewhere: from the entry's body, after its imports?
          const startCall = entry.relativeCalls.find((c) => resolveRelative(entry.path, c.module) === withoutExtension(firstSetup.path) || resolveRelative(entry.path, c.module) === withoutExtension(firstSetup.path).replace(/\/index$/, ""));
          if (startCall) {
            const late = runtime.find((i) => (i.es || i.statement < startCall.statement) && INSTRUMENTED.test(i.module) && !i.module.startsWith("@opentelemetry/"));
            if (!late) continue;
            report({
              path: entry.path,
              range: startCall.range,
              message: `Tracing starts at \`${startCall.callee}(...)\` in ${entry.path}, after \`${late.module}\` is loaded${late.es ? " (ES imports run before the file's body)" : ""}: the SDK patches modules when it starts, so that module's calls produce no spans.`,
              fix: "Start the SDK in the tracing file itself (sdk.start() at its top level) so that importing it first is enough, or preload it with --require.",
              related: [{ path: entry.path, range: late.range, message: `\`${late.module}\` is loaded here, before tracing starts.` }],
            });
            continue;
          }
          const startedElsewhere = [...nodeFiles.values()].some((f) =>
            f.relativeCalls.some((c) => {
              const target = resolveRelative(f.path, c.module);
              return target === withoutExtension(firstSetup.path) || `${target}/index` === withoutExtension(firstSetup.path);
            }),
          );
          if (startedElsewhere) continue; // started from another file: cannot tell when
          report({
            path: firstSetup.path,
            range: firstSetup.setup!,
            message: `${firstSetup.path} creates the tracing SDK but nothing starts it (no \`sdk.start()\` / \`provider.register()\`): no instrumentation is installed and no spans are exported.`,
            fix: "Call sdk.start() at the top level of the tracing file, right after creating the SDK.",
          });
          continue;
        }
        // The SDK created in the entry file itself: only modules loaded before it matter.
        if (entry.setup !== undefined) {
          const before = runtime.filter((i) => i.es || (entry.setupStatement !== undefined && i.statement < entry.setupStatement));
          const late = before.find((i) => INSTRUMENTED.test(i.module) && !i.module.startsWith("@opentelemetry/"));
          if (!late) continue;
          report({
            path: entry.path,
            range: entry.setup,
            message: `Tracing is set up in ${entry.path} after \`${late.module}\` is loaded${late.es ? " (ES imports run before the file's body)" : ""}: its calls are not instrumented, so incoming requests produce no spans.`,
            fix: "Move the SDK setup into its own file (tracing.ts) and make it the first import of the entry file, or preload it with --require.",
            related: [{ path: entry.path, range: late.range, message: `\`${late.module}\` is loaded here, before tracing starts.` }],
          });
          continue;
        }
        const lateImport = runtime.find((i) => setupFileOf(i.module));
        if (lateImport) {
          const earlier = runtime.slice(0, runtime.indexOf(lateImport)).find((i) => INSTRUMENTED.test(i.module) || i.module.startsWith("."));
          if (!earlier) continue; // only harmless packages (reflect-metadata, dotenv/config) come before it
          report({
            path: entry.path,
            range: lateImport.range,
            message: `The tracing setup \`${lateImport.module}\` is imported after \`${earlier.module}\`: modules loaded before it are not instrumented, so their requests produce no spans.`,
            fix: "Make the tracing import the first statement of the entry file, or preload it with --require.",
            related: [{ path: entry.path, range: earlier.range, message: `\`${earlier.module}\` is loaded before tracing starts.` }],
          });
          continue;
        }
        const setupElsewhere = [...nodeFiles.values()].find((f) => f.setup && f.root === entry.root);
        if (setupElsewhere) {
          report({
            path: entry.path,
            range: start.range,
            severity: "note",
            message: `${setupElsewhere.path} sets tracing up, but the entry file ${entry.path} does not import it first and no --require of it was found: whether it runs before the app's modules load cannot be verified.`,
            fix: "Import the tracing file first in the entry file, or preload it with node --require in the start command.",
          });
          continue;
        }
        report({
          path: entry.path,
          range: start.range,
          message: `\`${start.callee}(...)\` starts a server in ${entry.path}, but its package never sets up tracing (no NodeSDK, no --require of OpenTelemetry): it exports no traces, so requests through it cannot be followed across services.`,
          fix: "Add a tracing.ts that starts @opentelemetry/sdk-node's NodeSDK with auto-instrumentations and an OTLP exporter, and import it first in the entry file.",
        });
      }
    }
  },
});
