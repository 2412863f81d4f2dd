/**
 * Which code belongs to which deployed service: code roots (folders of Go `main` packages and of
 * package.json files), linking a Kubernetes container to its roots by name, and what go-zero serves
 * by configuration alone (DevServer health and metrics paths).
 */
import type { ConfigDocument, ContainerRef } from "../model/artifacts.js";
import type { Repository } from "../model/repository.js";
import { isNonProductionManifest, isRecord } from "./kubernetes.js";
import { scanRelative } from "./paths.js";
import type { Route } from "./routes.js";

/** Whether a repository-relative file lies under a root folder ("" is the repository root). */
export function underRoot(file: string, root: string): boolean {
  return root === "" || file === root || file.startsWith(`${root}/`);
}

/**
 * Folders that hold a service's code: the folders of Go `main` packages (pass the ones the rule saw)
 * and of package.json files, outside test / example folders.
 */
export function serviceRoots(repo: Repository, goMainDirs: Iterable<string>): string[] {
  const roots = new Set<string>();
  for (const dir of goMainDirs) roots.add(dir);
  for (const pkg of repo.manifests.packageJsons) {
    const slash = pkg.path.lastIndexOf("/");
    roots.add(slash < 0 ? "" : pkg.path.slice(0, slash));
  }
  return [...roots].filter((root) => !isNonProductionManifest(`${scanRelative(repo, root)}/x`)).sort();
}

const SUFFIX = /[-_](service|svc|api|app|server|deployment|deploy)$/;

function nameVariants(name: string | undefined): string[] {
  if (!name) return [];
  const lower = name.toLowerCase();
  const variants = new Set([lower, lower.replace(SUFFIX, "")]);
  return [...variants].filter((v) => v.length >= 2);
}

/** Words too common in image and package names to link them: `api`, `app`, `service`, environments. */
const GENERIC_WORDS = new Set(["api", "app", "apps", "service", "services", "svc", "server", "microservice", "web", "backend", "frontend", "dev", "prod", "production", "staging", "test", "main", "go", "node", "nodejs", "docker", "image", "deployment", "v1", "v2"]);

function words(name: string | undefined): string[] {
  return (name ?? "").toLowerCase().split(/[^a-z0-9]+/).filter((w) => w.length >= 3 && !GENERIC_WORDS.has(w));
}

/**
 * The code roots of a container: roots with a folder named like the image (last segment), the
 * container or the workload, with or without a -service/-api/... suffix. Without such a match, the
 * only root among `candidates` (roots that register routes) when that root's package name shares a
 * distinctive word with the image or workload (`nestjs-boilerplate-dev-app` and the package
 * `nestjs-boilerplate-microservice-api`): a third-party image (zipkin, an OTel collector) is never linked.
 */
export function linkContainerToRoots(
  container: ContainerRef,
  roots: readonly string[],
  candidates: readonly { root: string; names: readonly string[] }[] = [],
): string[] {
  const names = new Set([
    ...nameVariants(container.image?.name),
    ...nameVariants(container.name),
    ...nameVariants(container.workload.object.name),
  ]);
  const matched = roots.filter((root) =>
    root.split("/").some((segment) => {
      const lower = segment.toLowerCase();
      return names.has(lower) || names.has(lower.replace(SUFFIX, ""));
    }),
  );
  if (matched.length > 0) return matched;
  if (candidates.length !== 1) return [];
  const own = new Set([...words(container.image?.name), ...words(container.workload.object.name)]);
  const only = candidates[0]!;
  const shared = [...only.names, ...only.root.split("/")].some((name) => words(name).some((w) => own.has(w)));
  return shared ? [only.root] : [];
}

/** The names a code root goes by: its package.json `name` and its go.mod module path's last segment. */
export function rootNames(repo: Repository, root: string): string[] {
  const names: string[] = [];
  for (const pkg of repo.manifests.packageJsons) {
    if (pkg.name && pkg.path === (root ? `${root}/package.json` : "package.json")) names.push(pkg.name);
  }
  for (const mod of repo.manifests.goModules) {
    const dir = mod.path.includes("/") ? mod.path.slice(0, mod.path.lastIndexOf("/")) : "";
    if (mod.module && underRoot(root, dir)) names.push(mod.module.slice(mod.module.lastIndexOf("/") + 1));
  }
  return names;
}

/** A key of a go-zero config, matched case-insensitively as go-zero does. */
function field(value: unknown, key: string): unknown {
  if (!isRecord(value)) return undefined;
  const found = Object.keys(value).find((k) => k.toLowerCase() === key.toLowerCase());
  return found === undefined ? undefined : value[found];
}

/** Whether a config document looks like a go-zero service config (Name plus ListenOn or Host/Port). */
export function isGoZeroConfig(config: ConfigDocument): boolean {
  const body = config.body;
  if (config.format !== "yaml" || !isRecord(body) || typeof field(body, "Name") !== "string") return false;
  return field(body, "ListenOn") !== undefined || field(body, "Port") !== undefined;
}

/**
 * Paths a go-zero service serves by configuration: with a `DevServer:` block (its `Enabled` defaults to true;
 * without the block the dev server stays off), its HealthPath
 * (default /healthz) and, unless EnableMetrics is false, its MetricsPath (default /metrics); with a
 * `Prometheus:` block that has a Host, its Path (default /metrics).
 */
export function goZeroServedPaths(configs: readonly ConfigDocument[]): Route[] {
  const routes: Route[] = [];
  for (const config of configs) {
    if (!isGoZeroConfig(config)) continue;
    const dev = field(config.body, "DevServer");
    const add = (path: unknown, fallback: string, keyPath: string[]) => {
      const text = typeof path === "string" && path.startsWith("/") ? path : fallback;
      routes.push({ path: text, exact: true, framework: "go-zero", file: config.path, range: config.locateKey(keyPath), auth: false });
    };
    if (isRecord(dev) && field(dev, "Enabled") !== false) {
      add(field(dev, "HealthPath"), "/healthz", ["DevServer"]);
      if (field(dev, "EnableMetrics") !== false) add(field(dev, "MetricsPath"), "/metrics", ["DevServer"]);
    }
    const prometheus = field(config.body, "Prometheus");
    if (isRecord(prometheus) && field(prometheus, "Host")) add(field(prometheus, "Path"), "/metrics", ["Prometheus"]);
  }
  return routes;
}

// ---------------------------------------------------------------------------------------------
// Go programs: a main package and the packages of the repository it imports

/**
 * Whether a Go import path names the package in `dir`: through a go.mod whose folder contains `dir`,
 * or, without one, when the path ends with the directory.
 */
export function goImportRefersTo(importPath: string, dir: string, modules: Repository["manifests"]["goModules"]): boolean {
  for (const mod of modules) {
    if (!mod.module) continue;
    const modDir = mod.path.includes("/") ? mod.path.slice(0, mod.path.lastIndexOf("/")) : "";
    if (modDir !== "" && dir !== modDir && !dir.startsWith(`${modDir}/`)) continue;
    const relative = modDir === "" ? dir : dir.slice(modDir.length + 1);
    if (importPath === (relative ? `${mod.module}/${relative}` : mod.module)) return true;
  }
  return dir !== "" && (importPath === dir || importPath.endsWith(`/${dir}`));
}

/**
 * The package folders a Go program is built from: `mainDir` and, transitively, every package of the
 * repository it imports. `imports` maps a package folder to the import paths its files use.
 */
export function goProgramDirs(
  mainDir: string,
  imports: ReadonlyMap<string, ReadonlySet<string>>,
  modules: Repository["manifests"]["goModules"],
): string[] {
  const resolve = importResolver(imports, modules);
  const seen = new Set([mainDir]);
  const queue = [mainDir];
  while (queue.length > 0) {
    const dir = queue.pop()!;
    for (const path of imports.get(dir) ?? []) {
      const target = resolve(path);
      if (target !== undefined && !seen.has(target)) {
        seen.add(target);
        queue.push(target);
      }
    }
  }
  return [...seen];
}

// One resolver per package map (a rule builds the map once and asks for every main package): indexing the
// folders once keeps a repository of thousands of packages linear instead of packages × imports × folders.
const resolvers = new WeakMap<object, (importPath: string) => string | undefined>();

/**
 * The first folder of `imports` (in its order) that an import path names, as goImportRefersTo decides:
 * through a go.mod whose folder holds it, or a path that ends with the folder.
 */
function importResolver(imports: ReadonlyMap<string, ReadonlySet<string>>, modules: Repository["manifests"]["goModules"]): (importPath: string) => string | undefined {
  const known = resolvers.get(imports);
  if (known) return known;
  const dirs = [...imports.keys()];
  const order = new Map(dirs.map((d, i) => [d, i] as const));
  const byModulePath = new Map<string, number>();
  for (const [index, dir] of dirs.entries()) {
    for (const mod of modules) {
      if (!mod.module) continue;
      const modDir = mod.path.includes("/") ? mod.path.slice(0, mod.path.lastIndexOf("/")) : "";
      if (modDir !== "" && dir !== modDir && !dir.startsWith(`${modDir}/`)) continue;
      const relative = modDir === "" ? dir : dir.slice(modDir.length + 1);
      const importPath = relative ? `${mod.module}/${relative}` : mod.module;
      if (!byModulePath.has(importPath)) byModulePath.set(importPath, index);
    }
  }
  const cache = new Map<string, string | undefined>();
  const resolve = (importPath: string): string | undefined => {
    if (cache.has(importPath)) return cache.get(importPath);
    let best = byModulePath.get(importPath) ?? Infinity;
    // A folder that the path ends with (`example.com/app/internal/db` for `internal/db`), or equals.
    const segments = importPath.split("/");
    for (let i = 0; i < segments.length; i++) {
      const at = order.get(segments.slice(i).join("/"));
      if (at !== undefined && dirs[at] !== "" && at < best) best = at;
    }
    const found = best === Infinity ? undefined : dirs[best];
    cache.set(importPath, found);
    return found;
  };
  resolvers.set(imports, resolve);
  return resolve;
}

/** The package.json folder that owns a file (the nearest one above it), or undefined. */
export function owningPackageRoot(repo: Repository, file: string): string | undefined {
  let best: string | undefined;
  for (const pkg of repo.manifests.packageJsons) {
    const root = pkg.path.includes("/") ? pkg.path.slice(0, pkg.path.lastIndexOf("/")) : "";
    if (underRoot(file, root) && (best === undefined || root.length > best.length)) best = root;
  }
  return best;
}

/** Where a Go server start is: its package folder and the top-level function around it. */
export interface GoStartSite {
  dir: string;
  inFunction?: string;
}

/** The names a package's files call (each callee's last segment), by the top-level function they are in ("" for none). */
export type CallsByFunction = Map<string, Set<string>>;

export function addCalledNames(calls: readonly { callee: string; enclosingFunction?: string }[], into: CallsByFunction): void {
  for (const call of calls) {
    const caller = call.enclosingFunction ?? "";
    let names = into.get(caller);
    if (!names) into.set(caller, (names = new Set()));
    names.add(call.callee.slice(call.callee.lastIndexOf(".") + 1));
  }
}

/**
 * What one Go file tells its package, for rules that follow programs across packages (plain data: what
 * `analyzeGo` returns). Rebuilt into the package, in file order, by `addGoFileToPackage`.
 */
export interface GoPackageFileFacts {
  dir: string;
  isMain: boolean;
  /** Import paths, in the file's order. */
  imports: string[];
  /** Names called, by the top-level function they are called in ("" for none), in order of first call. */
  called: [caller: string, names: string[]][];
}

export function goPackageFileFacts(file: {
  dir: string;
  packageName: string;
  imports: readonly { module: string }[];
  calls: readonly { callee: string; enclosingFunction?: string }[];
}): GoPackageFileFacts {
  const called: CallsByFunction = new Map();
  addCalledNames(file.calls, called);
  return {
    dir: file.dir,
    isMain: file.packageName === "main",
    imports: file.imports.map((i) => i.module),
    called: [...called].map(([caller, names]) => [caller, [...names]]),
  };
}

/** A Go package as those rules rebuild it from its files' facts. */
export interface GoPackageBase {
  dir: string;
  isMain: boolean;
  imports: Set<string>;
  called: CallsByFunction;
}

/** Adds a file's facts to its package: the same sets, in the same order, as adding the file's imports and calls one by one. */
export function addGoFileToPackage(pkg: GoPackageBase, facts: GoPackageFileFacts): void {
  if (facts.isMain) pkg.isMain = true;
  for (const module of facts.imports) pkg.imports.add(module);
  for (const [caller, names] of facts.called) {
    let into = pkg.called.get(caller);
    if (!into) pkg.called.set(caller, (into = new Set()));
    for (const name of names) into.add(name);
  }
}

/**
 * Whether a program runs a server start found among its packages: in its main package always; in an imported
 * package when another package of the program calls the function the start is in (by name), or a function of
 * its own package that the program runs does. A shared `server` package with RunHTTPServer and RunGRPCServer is
 * imported by programs that run only one of them.
 */
export function programRunsStart(start: GoStartSite, mainDir: string, program: readonly { dir: string; called: CallsByFunction }[]): boolean {
  const own = program.find((p) => p.dir === start.dir);
  const runs = (fn: string | undefined, seen: Set<string>): boolean => {
    if (start.dir === mainDir || fn === undefined || fn === "" || fn === "init") return true;
    if (seen.has(fn)) return false;
    seen.add(fn);
    if (program.some((p) => p !== own && [...p.called.values()].some((names) => names.has(fn)))) return true;
    for (const [caller, names] of own?.called ?? []) if (names.has(fn) && runs(caller, seen)) return true;
    return false;
  };
  return runs(start.inFunction, new Set());
}
