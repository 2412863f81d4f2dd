import { ts } from "ts-morph";
import type { ConfigDocument, SourceImport } from "../../src/model/artifacts.js";
import type { Range } from "../../src/model/location.js";
import { defineRule, type GoSourceFile, type TsSourceFile } from "../../src/rule-kit/define-rule.js";
import { importForName } from "../../src/rule-kit/go.js";
import { isNonProductionManifest, isRecord } from "../../src/rule-kit/kubernetes.js";
import { scanRelative } from "../../src/rule-kit/paths.js";
import {
  addGoFileToPackage,
  goPackageFileFacts,
  goProgramDirs,
  goZeroServedPaths,
  isGoZeroConfig,
  owningPackageRoot,
  programRunsStart,
  underRoot,
  type CallsByFunction,
  type GoPackageFileFacts,
  type GoStartSite,
} from "../../src/rule-kit/services.js";

type Where = { path: string; range: Range };

// ---------------------------------------------------------------------------------------------
// Go

/** Calls that serve or push metrics: promhttp, OTLP metric exporters, framework Prometheus middlewares, statsd. */
const GO_EXPORT: { module: RegExp; members: RegExp; how: string }[] = [
  { module: /^github\.com\/prometheus\/client_golang\/prometheus\/promhttp$/, members: /^(Handler|HandlerFor|InstrumentMetricHandler)$/, how: "promhttp" },
  { module: /^go\.opentelemetry\.io\/otel\/exporters\/otlp\/otlpmetric\/otlpmetric(grpc|http)$/, members: /^New$/, how: "an OTLP metric exporter" },
  { module: /^github\.com\/labstack\/echo-contrib\/(echoprometheus|prometheus)$/, members: /^(NewHandler|NewPrometheus)$/, how: "echo-contrib Prometheus" },
  { module: /^github\.com\/zsais\/go-gin-prometheus$/, members: /^NewPrometheus$/, how: "go-gin-prometheus" },
  { module: /^github\.com\/penglongli\/gin-metrics\/ginmetrics$/, members: /^GetMonitor$/, how: "gin-metrics" },
  { module: /^github\.com\/ansrivas\/fiberprometheus(\/v\d+)?$/, members: /^(New|NewWith)$/, how: "fiberprometheus" },
  { module: /^github\.com\/DataDog\/datadog-go(\/v\d+)?\/statsd$/, members: /^New$/, how: "a statsd client" },
  { module: /^go\.opentelemetry\.io\/otel$/, members: /^SetMeterProvider$/, how: "an OpenTelemetry meter provider" },
  { module: /^sigs\.k8s\.io\/controller-runtime(\/pkg\/manager)?$/, members: /^(NewManager|New)$/, how: "controller-runtime's metrics server" },
];

/** Constructors of a metric the service defines itself. */
const GO_PROM_MODULE = /^github\.com\/prometheus\/client_golang\/prometheus(\/promauto)?$/;
const GO_PROM_CTOR = /^New(Counter|Gauge|Histogram|Summary)(Vec|Func)?$/;
const GO_ZERO_METRIC = "github.com/zeromicro/go-zero/core/metric";
const GO_ZERO_CTOR = /^New(Counter|Gauge|Histogram|Summary)Vec$/;
const GO_OTEL_METRIC_MODULE = /^go\.opentelemetry\.io\/otel(\/metric)?$/;
const GO_OTEL_INSTRUMENT = /^(Int64|Float64)(Counter|UpDownCounter|Histogram|Gauge|ObservableCounter|ObservableUpDownCounter|ObservableGauge)$/;
/** Methods that update a metric. */
const GO_UPDATE = /^(Inc|Dec|Add|Sub|Set|Observe|WithLabelValues|With|SetToCurrentTime|Record)$/;

interface GoPackageFacts {
  dir: string;
  isMain: boolean;
  imports: Set<string>;
  /** Server starts, with the function around each (which programs importing the package run it). */
  starts: (Where & GoStartSite & { callee: string })[];
  /** Names its files call. */
  called: CallsByFunction;
  goZero: boolean;
  exported?: Where & { how: string };
  /** Metrics the package defines (constructor calls). */
  metrics: (Where & { callee: string })[];
  /** The package updates a metric somewhere (`.Inc()`, `.Observe()`, `.WithLabelValues()`, `.Record()`). */
  updates: boolean;
}

/** What one Go file contributes to its package (plain data: it may come from a worker thread). */
interface GoFileFacts extends GoPackageFileFacts {
  goZero: boolean;
  /** The file's first exporter call. */
  exported?: Where & { how: string };
  metrics: (Where & { callee: string })[];
  updates: boolean;
  starts: (Where & GoStartSite & { callee: string })[];
}

const GO_SERVER_START = /\.(ListenAndServe|ListenAndServeTLS|Serve|Run|Start|Listen)$/;
const IGNORED_BUILD = /^\/\/go:build ignore\s*$/m;

function goRoot(callee: string, imports: readonly SourceImport[]): { module?: string; last: string } {
  const root = /^[A-Za-z_]\w*/.exec(callee)?.[0] ?? "";
  const last = callee.slice(callee.lastIndexOf(".") + 1);
  return { module: importForName(imports, root)?.module, last };
}

/** Fills in what one file holds: exporters, metric constructors and updates, server starts. */
function goFileFacts(file: GoSourceFile, facts: GoFileFacts): void {
  const metricsFile = file.imports.some((i) => GO_PROM_MODULE.test(i.module) || i.module === GO_ZERO_METRIC || GO_OTEL_METRIC_MODULE.test(i.module));
  for (const call of file.calls) {
    const { module, last } = goRoot(call.callee, file.imports);
    const member = call.member ?? last;
    if (module && GO_ZERO_SERVER.test(module) && /^(Must)?NewServer$/.test(member)) facts.goZero = true;
    const exporter = module ? GO_EXPORT.find((e) => e.module.test(module) && e.members.test(member)) : undefined;
    if (exporter && !file.isGenerated) facts.exported ??= { path: file.path, range: call.range, how: exporter.how };
    const ctor =
      (module && GO_PROM_MODULE.test(module) && GO_PROM_CTOR.test(last)) ||
      (module === GO_ZERO_METRIC && GO_ZERO_CTOR.test(last)) ||
      (metricsFile && GO_OTEL_INSTRUMENT.test(last) && call.callee.includes("."));
    if (ctor && !file.isGenerated) facts.metrics.push({ path: file.path, range: call.range, callee: call.callee });
    // An update: on a metric of this file's own (`placed.WithLabelValues("ok").Inc()`), or on another package's
    // metric variable (`metrics.OrdersPlaced.Inc()`).
    else if (GO_UPDATE.test(last) && ((metricsFile && !module && call.callee.includes(".")) || (module && call.callee.split(".").length >= 3))) facts.updates = true;
    const starts =
      (call.module === "net/http" && /^(ListenAndServe|ListenAndServeTLS|Serve|ServeTLS)$/.test(call.member ?? "")) ||
      (call.module === undefined && GO_SERVER_START.test(call.callee) && file.imports.some((i) => /^(net\/http|google\.golang\.org\/grpc|github\.com\/(gin-gonic|labstack|gofiber))/.test(i.module)));
    if (starts && !file.isGenerated) {
      facts.starts.push({ path: file.path, range: call.range, callee: call.callee, dir: file.dir, ...(call.enclosingFunction ? { inFunction: call.enclosingFunction } : {}) });
    }
  }
}

const GO_ZERO_SERVER = /^github\.com\/zeromicro\/go-zero\/(rest|zrpc)$/;

function field(value: unknown, key: string): unknown {
  if (!isRecord(value)) return undefined;
  const found = Object.keys(value).find((k) => k.toLowerCase() === key.toLowerCase());
  return found === undefined ? undefined : value[found];
}

// ---------------------------------------------------------------------------------------------
// Node

/** Packages (module, imported member or `new` class) that serve or push metrics. */
const NODE_EXPORT: { module: RegExp; member?: RegExp; how: string }[] = [
  { module: /^@willsoto\/nestjs-prometheus$/, member: /^PrometheusModule\.register(Async)?$/, how: "@willsoto/nestjs-prometheus" },
  { module: /^express-prom-bundle$/, how: "express-prom-bundle" },
  { module: /^fastify-metrics$/, how: "fastify-metrics" },
  { module: /^@opentelemetry\/exporter-prometheus$/, member: /^PrometheusExporter$/, how: "the OpenTelemetry Prometheus exporter" },
  { module: /^@opentelemetry\/exporter-metrics-otlp-(grpc|http|proto)$/, member: /^OTLPMetricExporter$/, how: "an OTLP metric exporter" },
  { module: /^hot-shots$|^node-statsd$|^statsd-client$/, how: "a statsd client" },
];
const PROM_CLIENT = /^prom-client$/;
const PROM_CTOR = /^(default\.)?(Counter|Gauge|Histogram|Summary)$/;
const NEST_PROM_PROVIDER = /^make(Counter|Gauge|Histogram|Summary)Provider$/;
const OTEL_API = /^@opentelemetry\/api$/;
const OTEL_INSTRUMENT = /\.create(Counter|UpDownCounter|Histogram|Gauge|ObservableCounter|ObservableUpDownCounter|ObservableGauge)$/;
const NODE_UPDATE = /\.(inc|dec|set|observe|add|record|startTimer|labels)$/;
const NOT_SERVICE_FILE = /(^|[._-])(smoke|mock|mocks|fake|stub|example|sample|demo)([._-]|$)/i;

/** Packages that make an OpenTelemetry SDK export metrics (the SDK reads OTEL_METRICS_EXPORTER or a metricReader). */
const NODE_OTEL_METRICS_DEP = /^@opentelemetry\/(exporter-metrics-otlp-(grpc|http|proto)|exporter-prometheus|sdk-metrics)$/;
/** A preload of the OpenTelemetry SDK in a start command. */
const OTEL_PRELOAD = /(--require|--import|-r)(\s+|=)@opentelemetry\/auto-instrumentations-node\/register/;

interface NodePackageFacts {
  start?: Where & { callee: string };
  /** Uses prom-client somewhere; `registryCall` is a `<registry>.metrics()` call in a file that does not import it. */
  promClient?: boolean;
  registryCall?: Where & { how: string };
  /** `new NodeSDK(...)` / `new MeterProvider(...)`: with a metrics exporter dependency, metrics are exported. */
  otelSdk?: Where;
  exported?: Where & { how: string };
  metrics: (Where & { callee: string })[];
  updates: boolean;
  defaultMetrics?: Where;
}

function nodeFacts(file: TsSourceFile, pkg: NodePackageFacts): void {
  const metricsFile = file.imports.some((i) => PROM_CLIENT.test(i.module) || OTEL_API.test(i.module) || i.module === "@willsoto/nestjs-prometheus");
  const base = file.path.slice(file.path.lastIndexOf("/") + 1);
  const promImported = file.imports.some((i) => PROM_CLIENT.test(i.module));
  // `const server = new PaymentServer(...)` from './server': its listen() is a wrapper; the real start is in that file.
  const wrappers = new Set(
    file.calls
      .filter((c) => c.isNew && c.module?.startsWith(".") === true)
      .map((c) => c.node.parent)
      .filter((p): p is ts.VariableDeclaration => p !== undefined && ts.isVariableDeclaration(p) && ts.isIdentifier(p.name))
      .map((p) => (p.name as ts.Identifier).text),
  );
  for (const call of file.calls) {
    const module = call.module ?? "";
    const member = call.member ?? "";
    const exporter = NODE_EXPORT.find((e) => e.module.test(module) && (!e.member || e.member.test(member.replace(/^default\./, ""))));
    if (exporter) pkg.exported ??= { path: file.path, range: call.range, how: exporter.how };
    // prom-client: `register.metrics()`, `client.register.metrics()`, `registry.metrics()` serve the registry (which
    // may be created in another file of the package: the call counts when the package uses prom-client).
    if (promImported && /\.metrics$/.test(call.callee)) pkg.exported ??= { path: file.path, range: call.range, how: "prom-client's registry" };
    else if (/(^|\.)\w*([rR]egister|[rR]egistry)\.metrics$/.test(call.callee)) pkg.registryCall ??= { path: file.path, range: call.range, how: "prom-client's registry" };
    if (promImported) pkg.promClient = true;
    if (PROM_CLIENT.test(module) && /collectDefaultMetrics$/.test(member)) pkg.defaultMetrics ??= { path: file.path, range: call.range };
    if (call.isNew && ((module === "@opentelemetry/sdk-node" && member === "NodeSDK") || (module === "@opentelemetry/sdk-metrics" && member === "MeterProvider"))) {
      pkg.otelSdk ??= { path: file.path, range: call.range };
    }
    const ctor =
      (PROM_CLIENT.test(module) && call.isNew && PROM_CTOR.test(member)) ||
      (module === "@willsoto/nestjs-prometheus" && NEST_PROM_PROVIDER.test(member)) ||
      (metricsFile && OTEL_INSTRUMENT.test(call.callee));
    if (ctor) pkg.metrics.push({ path: file.path, range: call.range, callee: call.callee });
    // An update: on a local metric in a file that uses a metrics library, or on one imported from a file of the package.
    else if (NODE_UPDATE.test(call.callee) && ((metricsFile && !module) || module.startsWith("."))) pkg.updates = true;
    if (!pkg.start && !NOT_SERVICE_FILE.test(base)) {
      const nestCreate = module === "@nestjs/core" && /^NestFactory\.create(Microservice)?$/.test(member);
      const listen = /^(app|server|httpServer|fastify|srv)\.listen$/.test(call.callee) && !wrappers.has(call.callee.slice(0, call.callee.indexOf(".")));
      const grpc = call.callee.endsWith(".bindAsync") && file.imports.some((i) => i.module === "@grpc/grpc-js" || i.module === "grpc");
      if (nestCreate || listen || grpc) pkg.start = { path: file.path, range: call.range, callee: call.callee };
    }
  }
}

export default defineRule<GoFileFacts>({
  meta: {
    id: "observability/metrics-exposed",
    section: "operations",
    title: "Services expose metrics, including their own",
    severity: "warning",
    rationale:
      "Without metrics there is nothing to alert on and no dashboard to read during an incident; with only the default " +
      "runtime metrics, CPU and memory look fine while orders fail or a queue backs up.",
    remediation:
      "Serve Prometheus metrics (promhttp.Handler, prom-client's register.metrics(), @willsoto/nestjs-prometheus, go-zero Prometheus/DevServer) or push them over OTLP, and define counters/histograms for what the service does.",
    docs: `Checks each service — a Go program (a \`main\` package and the packages it imports; a server started in an imported
package counts for the programs that call the function it is in) that starts a server, or a
Node package whose code starts one (\`app.listen\`, \`NestFactory.create\`, gRPC \`bindAsync\`) — for metrics.

**Exposed.** One of:
- Go: \`promhttp.Handler()\` / \`HandlerFor\`, an OTLP metric exporter (\`otlpmetricgrpc.New\`, \`otlpmetrichttp.New\`),
  echo-contrib / go-gin-prometheus / gin-metrics / fiberprometheus middleware, a Datadog statsd client, a
  controller-runtime manager (which serves /metrics itself);
- go-zero: a config with \`Prometheus: {Host: ...}\` or a \`DevServer:\` block (on unless \`Enabled: false\`; metrics on unless
  \`EnableMetrics: false\`) — go-zero then serves its own request metrics;
- Node: prom-client's \`register.metrics()\` (or a \`Registry\`'s), \`PrometheusModule.register()\` of
  @willsoto/nestjs-prometheus, express-prom-bundle, fastify-metrics, the OpenTelemetry Prometheus or OTLP metric
  exporter, a statsd client; an OpenTelemetry SDK (\`new NodeSDK\`, \`new MeterProvider\`, or a preloaded
  \`@opentelemetry/auto-instrumentations-node/register\` in a start script or the Dockerfile) in a package that depends on
  a metrics exporter or \`@opentelemetry/sdk-metrics\`;
- Go also: \`otel.SetMeterProvider\` (metrics exported by the OpenTelemetry SDK).

Without any, the finding is a **warning** at the server start (at the config's \`Name\` for go-zero).

**Its own metrics.** A service that exposes metrics but never defines one of its own (prometheus
\`NewCounter\`/\`NewHistogram\`/\`NewGauge\`/\`NewSummary\`, promauto, go-zero \`metric.New*Vec\`, an OpenTelemetry
instrument such as \`meter.Int64Counter\` / \`meter.createCounter\`, prom-client \`new Counter()\`,
\`makeCounterProvider\`) serves only the defaults (runtime, process, framework request metrics): reported as a **note**,
since whether the defaults are enough for this service cannot be decided from code. Metrics defined but never
updated (\`.Inc()\`, \`.Observe()\`, \`.WithLabelValues()\`, \`.record()\`, ...) anywhere in the service are a note too.

Bad:

\`\`\`go
http.Handle("/metrics", promhttp.Handler())  // Go runtime metrics only
\`\`\`

Good:

\`\`\`go
var ordersPlaced = promauto.NewCounterVec(prometheus.CounterOpts{Name: "orders_placed_total"}, []string{"status"})
// ...
ordersPlaced.WithLabelValues("ok").Inc()
\`\`\`

Not reported: programs that start no server (CLIs, jobs), tests, files named like smoke tests or demos, code under
test and example folders; go-zero programs whose config cannot be found.`,
    inputs: ["go", "typescript"],
    tags: ["observability", "metrics", "prometheus"],
    precision: "high",
  },
  analyzeGo(file): GoFileFacts | undefined {
    if (file.isTest || IGNORED_BUILD.test(file.text)) return undefined;
    const facts: GoFileFacts = {
      ...goPackageFileFacts(file),
      goZero: false,
      metrics: [],
      updates: false,
      starts: [],
    };
    goFileFacts(file, facts);
    return facts;
  },
  create({ repo, report }) {
    const goPackages = new Map<string, GoPackageFacts>();
    const nodePackages = new Map<string, NodePackageFacts>();
    const production = (path: string) => !isNonProductionManifest(scanRelative(repo, path));

    return {
      // Every file of a package, in file order: the package map's order decides import resolution and report order.
      goFacts(facts) {
        let pkg = goPackages.get(facts.dir);
        if (!pkg) {
          pkg = { dir: facts.dir, isMain: false, imports: new Set(), starts: [], called: new Map(), goZero: false, metrics: [], updates: false };
          goPackages.set(facts.dir, pkg);
        }
        addGoFileToPackage(pkg, facts);
        if (facts.goZero) pkg.goZero = true;
        // The package's first exporter: the first file's that has one.
        if (facts.exported) pkg.exported ??= facts.exported;
        for (const metric of facts.metrics) pkg.metrics.push(metric);
        if (facts.updates) pkg.updates = true;
        for (const start of facts.starts) pkg.starts.push(start);
      },
      typescript(file) {
        if (file.isTest || file.isGenerated || !production(file.path)) return;
        const root = owningPackageRoot(repo, file.path) ?? "";
        let pkg = nodePackages.get(root);
        if (!pkg) {
          pkg = { metrics: [], updates: false };
          nodePackages.set(root, pkg);
        }
        nodeFacts(file, pkg);
      },
      end() {
        checkGo();
        checkNode();
      },
    };

    function goZeroMetrics(configs: readonly ConfigDocument[]): (Where & { how: string }) | undefined {
      const served = goZeroServedPaths(configs).find((r) => /metrics/i.test(r.path));
      return served ? { path: served.file, range: served.range, how: "go-zero's Prometheus endpoint" } : undefined;
    }

    function checkGo(): void {
      const imports = new Map([...goPackages].map(([dir, pkg]) => [dir, pkg.imports] as const));
      const goZeroConfigs = repo.configs.filter(isGoZeroConfig);
      // A server in a package several programs share is reported once, naming every program.
      const grouped = new Map<string, { where: Where; programs: string[]; severity?: "note"; message: (who: string, s: string) => string; fix: string }>();
      const group = (where: Where, program: string, severity: "note" | undefined, message: (who: string, s: string) => string, fix: string) => {
        const key = `${where.path}:${where.range.start.line}:${where.range.start.column}:${severity ?? ""}`;
        const entry = grouped.get(key) ?? { where, programs: [], ...(severity ? { severity } : {}), message, fix };
        entry.programs.push(program);
        grouped.set(key, entry);
      };
      for (const main of goPackages.values()) {
        if (!main.isMain || !production(`${main.dir}/main.go`)) continue;
        const program = goProgramDirs(main.dir, imports, repo.manifests.goModules).map((d) => goPackages.get(d)).filter((p): p is GoPackageFacts => p !== undefined);
        const label = `\`${main.dir || "."}\``;
        const goZero = program.some((p) => p.goZero);
        let exported = program.map((p) => p.exported).find((e) => e !== undefined);
        let start: Where | undefined = program.flatMap((p) => p.starts).find((s) => programRunsStart(s, main.dir, program));
        if (goZero) {
          const configs = goZeroConfigs.filter((c) => underRoot(c.path, main.dir) && production(c.path));
          if (configs.length === 0 && !exported) continue; // the config is elsewhere: cannot see it
          exported ??= goZeroMetrics(configs);
          if (!exported) {
            const config = configs[0]!;
            const nameKey = Object.keys(config.body as object).find((k) => k.toLowerCase() === "name") ?? "Name";
            report({
              path: config.path,
              range: config.locateKey([nameKey]),
              message: `The go-zero service \`${String(field(config.body, "Name"))}\` has neither a \`Prometheus\` block nor an enabled \`DevServer\`: go-zero serves no metrics, so its request rates, errors and latencies cannot be scraped or alerted on.`,
              fix: "Add `Prometheus: {Host: 0.0.0.0, Port: 9101, Path: /metrics}` (or a `DevServer:` block) to the config and scrape it.",
            });
            continue;
          }
          start ??= exported;
        }
        if (!start || !production(start.path)) continue;
        if (!exported) {
          const callee = (start as { callee?: string }).callee ?? "the server";
          group(start, label, undefined, (who, s) => `${who} serve${s} with \`${callee}(...)\` but never expose${s} metrics (no promhttp handler, no OTLP metric exporter): request rates, errors and latencies cannot be scraped or alerted on.`, "Serve promhttp.Handler() on /metrics (or export over OTLP with a MeterProvider) and define counters/histograms for what the service does.");
          continue;
        }
        const metrics = program.flatMap((p) => p.metrics).filter((m) => production(m.path));
        if (metrics.length === 0) {
          group(exported, label, "note", (who, s) => `${who} expose${s} metrics through ${exported!.how} but define${s} none of ${s ? "its" : "their"} own (no Counter, Histogram or Gauge): only runtime and framework metrics are served, so what the service does (orders placed, payments failed, queue depth) cannot be alerted on. Cannot verify whether these defaults are enough.`, "Define a few metrics of the service's own (promauto.NewCounterVec, NewHistogramVec, go-zero metric.NewCounterVec) and update them where the work happens.");
        } else if (!program.some((p) => p.updates)) {
          const first = metrics[0]!;
          group(first, label, "note", (who, s) => `${who} define${s} \`${first.callee}(...)\` but never update${s} a metric (no .Inc(), .Observe(), .WithLabelValues(), .Record() seen): the metric stays at zero. Cannot verify updates made through other names.`, "Update the metric where the work happens (counter.Inc(), histogram.Observe(seconds)), or remove it.");
        }
      }
      for (const { where, programs, severity, message, fix } of grouped.values()) {
        const who = programs.length === 1 ? `The program in ${programs[0]}` : `The programs in ${programs.slice(0, 3).join(", ")}${programs.length > 3 ? ` and ${programs.length - 3} more` : ""}`;
        report({ path: where.path, range: where.range, message: message(who, programs.length === 1 ? "s" : ""), fix, ...(severity ? { severity } : {}) });
      }
    }

    /**
     * An OpenTelemetry SDK that exports metrics: the package depends on a metrics exporter (or sdk-metrics) and
     * creates a NodeSDK / MeterProvider, or preloads auto-instrumentations-node/register in a start script or its Dockerfile.
     */
    function otelSdkMetrics(root: string, pkg: NodePackageFacts): (Where & { how: string }) | undefined {
      const manifest = repo.manifests.packageJsons.find((p) => p.path === (root ? `${root}/package.json` : "package.json"));
      if (!manifest || !Object.keys(manifest.dependencies).some((d) => NODE_OTEL_METRICS_DEP.test(d))) return undefined;
      const how = "the OpenTelemetry SDK's metric exporter";
      if (pkg.otelSdk) return { ...pkg.otelSdk, how };
      const script = Object.entries(manifest.scripts).find(([, text]) => OTEL_PRELOAD.test(text));
      if (script) return { path: manifest.path, range: manifest.locateKey(["scripts", script[0]]), how };
      for (const dockerfile of repo.dockerfiles) {
        const dir = dockerfile.path.includes("/") ? dockerfile.path.slice(0, dockerfile.path.lastIndexOf("/")) : "";
        if (dir !== root) continue;
        for (const stage of dockerfile.stages) {
          const preload = stage.instructions.find((i) => ["CMD", "ENTRYPOINT", "ENV"].includes(i.keyword) && OTEL_PRELOAD.test(i.exec ? i.exec.join(" ") : i.text));
          if (preload) return { path: dockerfile.path, range: preload.range, how };
        }
      }
      return undefined;
    }

    function checkNode(): void {
      for (const [root, pkg] of nodePackages) {
        if (!pkg.start) continue;
        const label = `\`${root || "."}\``;
        if (pkg.promClient && pkg.registryCall) pkg.exported ??= pkg.registryCall;
        pkg.exported ??= otelSdkMetrics(root, pkg);
        if (!pkg.exported) {
          report({
            path: pkg.start.path,
            range: pkg.start.range,
            message: `The service in ${label} starts with \`${pkg.start.callee}(...)\` but never exposes metrics (no prom-client register.metrics(), no @willsoto/nestjs-prometheus, no OTLP metric exporter): request rates, errors and latencies cannot be scraped or alerted on.`,
            fix: "Serve prom-client's register.metrics() on /metrics (or PrometheusModule.register() in NestJS, or an OTLP metric exporter) and define counters/histograms for what the service does.",
          });
          continue;
        }
        if (pkg.metrics.length === 0) {
          report({
            path: pkg.exported.path,
            range: pkg.exported.range,
            severity: "note",
            message: `The service in ${label} exposes metrics through ${pkg.exported.how} but defines none of its own (no Counter, Histogram or Gauge${pkg.defaultMetrics ? "; only collectDefaultMetrics()" : ""}): what the service does (orders placed, payments failed, queue depth) cannot be alerted on. Cannot verify whether the defaults are enough.`,
            fix: "Define a few metrics of the service's own (new client.Counter({...}), makeCounterProvider, meter.createHistogram) and update them where the work happens.",
          });
        } else if (!pkg.updates) {
          const first = pkg.metrics[0]!;
          report({
            path: first.path,
            range: first.range,
            severity: "note",
            message: `The service in ${label} defines \`${first.callee}(...)\` but never updates a metric (no .inc(), .observe(), .set(), .record() seen): the metric stays at zero. Cannot verify updates made through other names.`,
            fix: "Update the metric where the work happens (counter.inc(), histogram.observe(seconds)), or remove it.",
          });
        }
      }
    }
  },
});
