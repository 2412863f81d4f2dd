import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type {
  CiPipeline,
  ConfigDocument,
  ContainerRef,
  DockerfileModel,
  DockerIgnoreFile,
  GoFile,
  K8sObject,
  Makefile,
  Manifests,
  ProtoBaseline,
  ProtoFile,
  ShellScript,
  TsFile,
  Workload,
} from "../model/artifacts.js";
import type { LoadDiagnostic } from "../model/finding.js";
import type { RepoFile, Repository } from "../model/repository.js";
import type { InputKind } from "../model/rule.js";
import { loadCiPipeline, isCiPipelinePath } from "./ci.js";
import { loadEnvFile, loadJsonConfig } from "./config.js";
import { toPosix, type Discovery } from "./discovery.js";
import { loadDockerfile } from "./dockerfile.js";
import { loadDockerIgnore } from "./dockerignore.js";
import { createGoParser } from "./go.js";
import { extractContainers, extractWorkloads } from "./kubernetes.js";
import { loadMakefile } from "./makefile.js";
import { loadShellScript } from "./shell.js";
import { loadManifests } from "./manifests.js";
import { loadProtoBaseline } from "./git.js";
import { loadProto } from "./proto.js";
import { parseTsFile } from "./typescript.js";
import { loadYamlFile } from "./yaml-documents.js";
import { commentSyntax, extractComments } from "./comments.js";
import type { SourceComment } from "../model/artifacts.js";
import { contentsHash, type Probe } from "./probes.js";

/** Disk access for loaders that need more than one file's text. */
export interface RepoReader {
  readText(relativePath: string): string | undefined;
  exists(relativePath: string): boolean;
  isIgnored(relativePath: string): boolean;
}

/**
 * The repository model, built lazily: each artifact kind is read and parsed the first time a rule
 * asks for it, once, and problems become diagnostics instead of exceptions.
 */
export class LazyRepository implements Repository {
  private readonly cache = new Map<string, unknown>();
  private readonly loadDiagnostics: LoadDiagnostic[] = [];
  /** Self time per loader (`--timing`): a loader that calls another is not charged for the callee. */
  private readonly loaderMs = new Map<string, number>();
  private nestedMs = 0;
  private readonly searched: { needle: string; paths: ReadonlySet<string>; found: ReadonlySet<string> }[] = [];
  private loaderTotalMs = 0;
  readonly skipped: { path: string; reason: string }[];
  readonly reader: RepoReader;
  /**
   * What loaders learned about the disk beyond the discovered files' contents (a lockfile's presence,
   * whether .gitignore excludes it, a file outside the list that was read): the result cache checks
   * these again before it reuses a result.
   */
  readonly probes: Probe[] = [];

  constructor(
    private readonly discovery: Discovery,
    /** `baseRef`: the git ref protos are compared with (`--base-ref`); default chosen by the git loader. */
    private readonly options: { baseRef?: string } = {},
  ) {
    this.skipped = [...discovery.skipped];
    const listed = new Set(discovery.files.map((f) => f.path));
    this.reader = {
      readText: (p) => {
        if (!listed.has(p)) this.probes.push({ path: p, contents: contentsHash(path.join(discovery.repoRoot, p)) });
        return this.readText(p);
      },
      exists: (p) => {
        const exists = existsSync(path.join(discovery.repoRoot, p));
        this.probes.push({ path: p, exists });
        return exists;
      },
      isIgnored: (p) => {
        const ignored = discovery.isIgnored(p);
        this.probes.push({ path: p, ignored });
        return ignored;
      },
    };
  }

  get scanPrefix(): string {
    return toPosix(path.relative(this.discovery.repoRoot, this.discovery.scanRoot));
  }

  get files(): readonly RepoFile[] {
    return this.discovery.files;
  }

  diagnostics(): LoadDiagnostic[] {
    return this.loadDiagnostics;
  }

  get dockerfiles(): readonly DockerfileModel[] {
    return this.once("dockerfiles", () => this.loadEach("dockerfile", loadDockerfile));
  }

  get dockerignores(): readonly DockerIgnoreFile[] {
    return this.once("dockerignores", () => this.loadEach("dockerignore", loadDockerIgnore));
  }

  get kubernetes(): readonly K8sObject[] {
    return this.yaml().kubernetes;
  }

  get workloads(): readonly Workload[] {
    return this.once("workloads", () => this.guard("", "Kubernetes workloads", () => extractWorkloads(this.kubernetes)) ?? []);
  }

  get containers(): readonly ContainerRef[] {
    return this.once("containers", () => this.guard("", "Kubernetes containers", () => extractContainers(this.workloads)) ?? []);
  }

  get protos(): readonly ProtoFile[] {
    return this.once("protos", () => this.loadEach("proto", loadProto));
  }

  get protoBaseline(): ProtoBaseline | undefined {
    return this.once("protoBaseline", () => {
      const request = { repoRoot: this.discovery.repoRoot, scanPrefix: this.scanPrefix, baseRef: this.options.baseRef };
      const result = this.guard("", "git baseline loader", () => loadProtoBaseline(request));
      this.addDiagnostics(result?.diagnostics ?? []);
      return result?.value;
    });
  }

  get configs(): readonly ConfigDocument[] {
    return this.once("configs", () => {
      const configs = [...this.yaml().configs];
      for (const documents of [...this.loadEach("json", loadJsonConfig), ...this.loadEach("env", loadEnvFile)]) {
        for (const document of documents) configs.push(document);
      }
      return configs;
    });
  }

  get manifests(): Manifests {
    return this.once("manifests", () => {
      const result = this.guard("", "dependency manifests", () => loadManifests(this.discovery.files, this.reader));
      this.addDiagnostics(result?.diagnostics ?? []);
      return result?.value ?? { packageJsons: [], goModules: [], goWorks: [], lockfiles: [] };
    });
  }

  get ci(): readonly CiPipeline[] {
    return this.once("ci", () =>
      this.loadEach("yaml", loadCiPipeline, (file) => isCiPipelinePath(file.path)),
    );
  }

  get makefiles(): readonly Makefile[] {
    return this.once("makefiles", () => this.loadEach("makefile", loadMakefile));
  }

  get shellScripts(): readonly ShellScript[] {
    return this.once("shellScripts", () => this.loadEach("shell", loadShellScript));
  }

  has(kind: InputKind): boolean {
    switch (kind) {
      case "dockerfile":
        return this.filesOf("dockerfile").length > 0;
      case "kubernetes":
        return this.kubernetes.length > 0;
      case "proto":
        return this.filesOf("proto").length > 0;
      case "config":
        return this.configs.length > 0;
      case "manifest":
        return this.filesOf("manifest").length > 0;
      case "ci":
        return this.ci.length > 0;
      case "go":
        return this.filesOf("go").length > 0;
      case "typescript":
        return this.filesOf("typescript").length + this.filesOf("javascript").length > 0;
    }
  }

  /** Parses each Go file once, hands it to `visit`, then frees its tree. */
  async forEachGoFile(visit: (file: GoFile<never>) => void): Promise<void> {
    const files = this.filesOf("go");
    if (files.length === 0) return;
    const started = performance.now();
    const parser = await createGoParser();
    const startUp = performance.now() - started;
    this.loaderMs.set("Go parser start-up", startUp);
    this.loaderTotalMs += startUp;
    try {
      for (const file of files) {
        const text = this.readText(file.path);
        if (text === undefined) continue;
        const parsed = this.guard(file.path, "Go parser", () => parser.parse(file.path, text));
        if (!parsed) continue;
        this.addDiagnostics(parsed.diagnostics);
        try {
          visit(parsed.file as GoFile<never>);
        } finally {
          parser.free(parsed.file);
        }
      }
    } finally {
      parser.dispose();
    }
  }

  /** Parses each TypeScript/JavaScript file once and hands it to `visit`; nothing is kept. */
  async forEachTsFile(visit: (file: TsFile<never, never>) => void): Promise<void> {
    for (const file of [...this.filesOf("typescript"), ...this.filesOf("javascript")].sort(byPath)) {
      const text = this.readText(file.path);
      if (text === undefined) continue;
      const parsed = this.guard(file.path, "TypeScript parser", () => parseTsFile(file.path, text));
      if (!parsed) continue;
      this.addDiagnostics(parsed.diagnostics);
      visit(parsed.file as TsFile<never, never>);
    }
  }

  /** The comments of one file, for inline suppressions: read and extracted on first request, then cached. */
  comments(relativePath: string): SourceComment[] {
    return this.once(`comments:${relativePath}`, () => {
      if (commentSyntax(relativePath) === "none") return [];
      const text = this.readText(relativePath);
      if (text === undefined) return [];
      // A file that cannot be tokenised has no usable suppressions; its parse error is reported elsewhere.
      return this.guardQuiet(() => extractComments(relativePath, text)) ?? [];
    });
  }

  /** Discovered files whose text contains `needle` (files that may hold suppressions), without parsing them. */
  pathsContaining(needle: string): string[] {
    const out: string[] = [];
    const searched = this.searched.filter((s) => s.needle === needle);
    for (const file of this.discovery.files) {
      if (file.kind === "lockfile" || commentSyntax(file.path) === "none") continue;
      // Files a worker thread already searched are not read again (7,500 Go files are 1 s of reading).
      const known = searched.find((s) => s.paths.has(file.path));
      if (known) {
        if (known.found.has(file.path)) out.push(file.path);
        continue;
      }
      const text = this.readText(file.path);
      if (text?.includes(needle)) out.push(file.path);
    }
    return out;
  }

  private guardQuiet<T>(run: () => T): T | undefined {
    try {
      return run();
    } catch {
      return undefined;
    }
  }

  private yaml(): { kubernetes: K8sObject[]; configs: ConfigDocument[] } {
    return this.once("yaml", () => {
      const kubernetes: K8sObject[] = [];
      const configs: ConfigDocument[] = [];
      const templates: LoadDiagnostic[] = [];
      for (const file of this.filesOf("yaml")) {
        if (isCiPipelinePath(file.path)) continue;
        const text = this.readText(file.path);
        if (text === undefined) continue;
        const result = this.guard(file.path, "YAML loader", () => loadYamlFile(file.path, text));
        if (!result) continue;
        for (const object of result.kubernetes) kubernetes.push(object);
        for (const config of result.configs) configs.push(config);
        for (const diagnostic of result.diagnostics) {
          if (diagnostic.kind !== "not-rendered") this.loadDiagnostics.push(diagnostic);
          // Other templated YAML (a docs generator's, a load test's) holds no Kubernetes objects to miss.
          else if (this.mayHoldKubernetes(file.path, text)) templates.push(diagnostic);
        }
      }
      this.addDiagnostics(onePerChart(templates));
      return { kubernetes, configs };
    });
  }

  /** A file in a Helm chart's templates/ folder, or one that names an apiVersion or kind. */
  private mayHoldKubernetes(filePath: string, text: string): boolean {
    if (/^[ \t-]*(apiVersion|kind)[ \t]*:/m.test(text)) return true;
    const at = `/${filePath}`.lastIndexOf("/templates/");
    if (at < 0) return false;
    const chart = `/${filePath}`.slice(1, at + 1);
    return this.discovery.files.some((f) => f.path === `${chart}Chart.yaml` || f.path === `${chart}Chart.yml`);
  }

  private filesOf(kind: RepoFile["kind"]): RepoFile[] {
    return this.once(`files:${kind}`, () => this.discovery.files.filter((f) => f.kind === kind));
  }

  private loadEach<T>(
    kind: RepoFile["kind"],
    load: (path: string, text: string) => { value?: T; diagnostics: LoadDiagnostic[] },
    include: (file: RepoFile) => boolean = () => true,
  ): T[] {
    const values: T[] = [];
    for (const file of this.filesOf(kind)) {
      if (!include(file)) continue;
      const text = this.readText(file.path);
      if (text === undefined) continue;
      const result = this.guard(file.path, `${kind} loader`, () => load(file.path, text));
      if (!result) continue;
      this.addDiagnostics(result.diagnostics);
      if (result.value !== undefined) values.push(result.value);
    }
    return values;
  }

  /**
   * Runs one loader on one file. A loader that throws (a defect, or input deep enough to exhaust the
   * stack) costs that file only: it becomes a parse-error diagnostic and the scan goes on.
   */
  private guard<T>(path: string, what: string, load: () => T): T | undefined {
    try {
      return this.timed(what, load);
    } catch (error) {
      this.loadDiagnostics.push(loaderFailure(path, what, error));
      return undefined;
    }
  }

  /** Milliseconds spent in each loader so far, and their sum (the engine charges it to no rule). */
  loaderTimings(): { byLoader: ReadonlyMap<string, number>; totalMs: number } {
    return { byLoader: this.loaderMs, totalMs: this.loaderTotalMs };
  }

  private timed<T>(what: string, run: () => T): T {
    const outerNested = this.nestedMs;
    this.nestedMs = 0;
    const start = performance.now();
    try {
      return run();
    } finally {
      const elapsed = performance.now() - start;
      const self = elapsed - this.nestedMs;
      this.loaderMs.set(what, (this.loaderMs.get(what) ?? 0) + self);
      this.loaderTotalMs += self;
      this.nestedMs = outerNested + elapsed;
    }
  }

  /** Appends without spreading: a file can carry more diagnostics than a call has room for arguments. */
  private addDiagnostics(diagnostics: readonly LoadDiagnostic[]) {
    for (const diagnostic of diagnostics) this.loadDiagnostics.push(diagnostic);
  }

  private once<T>(key: string, build: () => T): T {
    if (!this.cache.has(key)) this.cache.set(key, build());
    return this.cache.get(key) as T;
  }

  private readText(relativePath: string): string | undefined {
    return this.timed("reading files", () => this.readTextUntimed(relativePath));
  }

  private readTextUntimed(relativePath: string): string | undefined {
    const read = readRepoText(this.discovery.repoRoot, relativePath);
    if (read.skipped !== undefined) this.skip(relativePath, read.skipped);
    return read.text;
  }

  /** Files analysed in worker threads: what they met there, recorded as if read here. */
  recordWorkerLoading(report: {
    diagnostics: readonly LoadDiagnostic[];
    skipped: readonly { path: string; reason: string }[];
    loaderMs: Readonly<Record<string, number>>;
    /** The workers looked for `needle` in every file of `paths` they read: `found` holds it. */
    searched?: { needle: string; paths: readonly string[]; found: readonly string[] };
  }): void {
    this.addDiagnostics(report.diagnostics);
    if (report.searched) this.searched.push({ needle: report.searched.needle, paths: new Set(report.searched.paths), found: new Set(report.searched.found) });
    for (const { path: skippedPath, reason } of report.skipped) this.skip(skippedPath, reason);
    for (const [what, ms] of Object.entries(report.loaderMs)) {
      this.loaderMs.set(what, (this.loaderMs.get(what) ?? 0) + ms);
    }
  }

  /** The Go files to analyse, in path order (what forEachGoFile visits). */
  goFilePaths(): string[] {
    return this.filesOf("go").map((f) => f.path);
  }

  private skip(relativePath: string, reason: string) {
    if (!this.skipped.some((s) => s.path === relativePath)) this.skipped.push({ path: relativePath, reason });
  }
}

/**
 * A discovered file's text, or why it is skipped: unreadable, or binary (a NUL byte early on). A
 * byte-order mark is invisible in editors; dropping it keeps columns as users see them.
 */
export function readRepoText(repoRoot: string, relativePath: string): { text?: string; skipped?: string } {
  let buffer: Buffer;
  try {
    buffer = readFileSync(path.join(repoRoot, relativePath));
  } catch (error) {
    return { skipped: `unreadable (${(error as NodeJS.ErrnoException).code ?? "error"})` };
  }
  if (buffer.subarray(0, 8000).includes(0)) return { skipped: "binary" };
  const text = buffer.toString("utf8");
  return { text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
}

/**
 * A loader that threw (a defect, or input deep enough to exhaust the stack), as a diagnostic. Only the
 * error's class and, for engine limits, its message: loader messages could quote input.
 */
export function loaderFailure(filePath: string, what: string, error: unknown): LoadDiagnostic {
  const name = error instanceof Error ? error.name : "Error";
  const detail = error instanceof RangeError ? `${name}: ${error.message}` : name;
  return {
    kind: "parse-error",
    path: filePath,
    range: { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } },
    message: `The ${what} failed on ${filePath || "this repository"} (${detail}), so it was not checked. Please report this with the file.`,
  };
}

/**
 * A chart has many templates; one note per chart (at its first template) says the same thing as one
 * per file, without burying the report. Templates outside a `templates/` folder keep their own note.
 */
function onePerChart(notes: LoadDiagnostic[]): LoadDiagnostic[] {
  const byChart = new Map<string, LoadDiagnostic[]>();
  for (const note of notes) {
    const at = `/${note.path}`.lastIndexOf("/templates/");
    const chart = at < 0 ? note.path : note.path.slice(0, Math.max(0, at - 1)) || ".";
    byChart.set(chart, [...(byChart.get(chart) ?? []), note]);
  }
  return [...byChart.entries()].map(([chart, group]) => {
    if (group.length === 1) return group[0]!;
    const [first] = group;
    return {
      ...first!,
      message: `${group.length} files in the templates of chart ${chart === "." ? "at the repository root" : `\`${chart}\``} are Helm templates: they become YAML only after rendering (helm template), so their Kubernetes objects were not checked.`,
    };
  });
}

function byPath(a: RepoFile, b: RepoFile): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}
