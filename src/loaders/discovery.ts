import { execFileSync } from "node:child_process";
import { lstatSync, readFileSync, readdirSync, realpathSync, statSync, type Dirent, type Stats } from "node:fs";
import path from "node:path";
import ignore, { type Ignore } from "ignore";
import type { FileKind, RepoFile } from "../model/repository.js";

/** Folders that hold other people's code or build output: never the service's own artifacts. */
export const SKIPPED_DIRS: ReadonlySet<string> = new Set([
  ".git",
  ".hg",
  ".svn",
  "node_modules",
  "vendor",
  "bower_components",
  "dist",
  "coverage",
  ".next",
  ".nuxt",
  ".turbo",
  ".cache",
  ".terraform",
  "__pycache__",
  ".venv",
]);

export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;

export interface Discovery {
  /** Absolute repository root: git top level, else the scanned folder. */
  repoRoot: string;
  /** Absolute scanned folder. */
  scanRoot: string;
  files: RepoFile[];
  skipped: { path: string; reason: string }[];
  /** Whether .gitignore excludes a repository-relative path (for files discovery never listed). */
  isIgnored(relativePath: string): boolean;
}

export function findRepoRoot(scanRoot: string): string {
  try {
    const top = execFileSync("git", ["rev-parse", "--show-toplevel"], {
      cwd: scanRoot,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
    return top ? realpathSync(top) : scanRoot;
  } catch {
    return scanRoot;
  }
}

export function toPosix(relative: string): string {
  return relative.split(path.sep).join("/");
}

/** Walks the scanned folder, honouring every .gitignore from the repository root down. */
export async function discover(
  scanRootInput: string,
  options: {
    repoRoot?: string;
    maxFileBytes?: number;
    /** Extra ignore patterns (.gitignore syntax) from the configuration, relative to `base` (repository-relative folder). */
    ignore?: { base: string; patterns: readonly string[] };
  } = {},
): Promise<Discovery> {
  const scanRoot = realpathSync(scanRootInput);
  const repoRoot = options.repoRoot ? realpathSync(options.repoRoot) : findRepoRoot(scanRoot);
  const maxBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const files: RepoFile[] = [];
  const skipped: { path: string; reason: string }[] = [];
  // Each .gitignore applies to paths relative to its own folder.
  const matchers: { base: string; ig: Ignore }[] = [];

  // Synchronous file system calls: for thousands of small stats they are several times faster than
  // promises (no thread-pool round trip per file), and nothing else runs while a scan discovers.
  const addGitignore = (dirRelative: string) => {
    const file = path.join(repoRoot, dirRelative, ".gitignore");
    try {
      // Only a regular file of sane size: a FIFO would block forever, a link could point at /dev/zero.
      const stat = lstatSync(file);
      if (!stat.isFile() || stat.size > maxBytes) return;
      const text = readFileSync(file, "utf8");
      matchers.push({ base: dirRelative, ig: ignore().add(text) });
    } catch {
      // No .gitignore here.
    }
  };
  const isIgnored = (relative: string, isDir = false): boolean => {
    for (const { base, ig } of matchers) {
      if (base && !(relative === base || relative.startsWith(base + "/"))) continue;
      const inner = base ? relative.slice(base.length + 1) : relative;
      if (!inner) continue;
      if (ig.ignores(isDir ? inner + "/" : inner)) return true;
    }
    return false;
  };

  // Configured ignores skip files like .gitignore does, but do not make them "not committed" (isIgnored).
  const configured = options.ignore && options.ignore.patterns.length > 0 ? { base: options.ignore.base, ig: ignore().add([...options.ignore.patterns]) } : undefined;
  const configIgnored = (relative: string, isDir = false): boolean => {
    if (!configured) return false;
    const { base, ig } = configured;
    if (base && !(relative === base || relative.startsWith(base + "/"))) return false;
    const inner = base ? relative.slice(base.length + 1) : relative;
    return inner !== "" && ig.ignores(isDir ? inner + "/" : inner);
  };
  // .gitignore files between the repository root and the scanned folder also apply.
  const scanRelative = toPosix(path.relative(repoRoot, scanRoot));
  const ancestors = scanRelative ? scanRelative.split("/") : [];
  for (let i = 0; i < ancestors.length; i++) addGitignore(ancestors.slice(0, i).join("/"));

  const walk = (dirRelative: string) => {
    addGitignore(dirRelative);
    let entries: Dirent[];
    try {
      entries = readdirSync(path.join(repoRoot, dirRelative), { withFileTypes: true });
    } catch (error) {
      skipped.push({ path: dirRelative || ".", reason: `unreadable folder (${(error as NodeJS.ErrnoException).code ?? "error"})` });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const relative = dirRelative ? `${dirRelative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (SKIPPED_DIRS.has(entry.name) || isIgnored(relative, true) || configIgnored(relative, true)) continue;
        walk(relative);
      } else if (entry.isFile()) {
        if (isIgnored(relative) || configIgnored(relative)) continue;
        const kind = classify(entry.name);
        if (kind === "other" || TOOL_FILES.has(entry.name)) continue;
        let stat: Stats;
        try {
          stat = statSync(path.join(repoRoot, relative));
        } catch (error) {
          // A name the file system will not give back (not UTF-8), or a file removed mid-scan.
          skipped.push({ path: relative, reason: `unreadable (${(error as NodeJS.ErrnoException).code ?? "error"})` });
          continue;
        }
        if (stat.size > maxBytes) {
          skipped.push({ path: relative, reason: `larger than ${Math.round(maxBytes / 1024)} KiB` });
          continue;
        }
        files.push({ path: relative, kind, size: stat.size });
      }
      // Symbolic links are not followed: they can loop or leave the repository.
    }
  };
  walk(scanRelative);
  return { repoRoot, scanRoot, files, skipped, isIgnored: (p) => isIgnored(p) };
}

/** readiness-check's own configuration and baseline: settings for this tool, not artifacts of the service. */
const TOOL_FILES = new Set([
  ".readinessrc",
  ".readinessrc.json",
  ".readinessrc.yaml",
  ".readinessrc.yml",
  "readiness.config.js",
  "readiness.config.mjs",
  "readiness.config.cjs",
  "readiness.config.ts",
  "readiness-baseline.json",
]);

const LOCKFILES = new Set(["package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "bun.lock", "bun.lockb", "go.sum", "go.work.sum"]);
const MANIFESTS = new Set(["package.json", "go.mod", "go.work"]);

const NOT_DOCKERFILE_SUFFIX = /\.(m?[jt]sx?|c[jt]s|go|py|rb|rs|java|kt|sh|md|txt|rst|json|ya?ml|toml|dockerignore|orig|bak|swp)$/;

/** Classifies a file by its name alone; nothing is read. */
export function classify(fileName: string): FileKind {
  const lower = fileName.toLowerCase();
  if (LOCKFILES.has(fileName)) return "lockfile";
  if (MANIFESTS.has(fileName)) return "manifest";
  if (lower === ".dockerignore" || lower.endsWith(".dockerignore")) return "dockerignore";
  if (lower === "dockerfile" || lower === "containerfile" || lower.endsWith(".dockerfile")) return "dockerfile";
  // `Dockerfile.prod` is a Dockerfile; `dockerfile.ts`, `Dockerfile.md` and `dockerfile.test.ts` are not.
  if (lower.startsWith("dockerfile.") || lower.startsWith("containerfile.")) {
    return NOT_DOCKERFILE_SUFFIX.test(lower) ? "other" : "dockerfile";
  }
  if (lower === "makefile" || lower === "gnumakefile" || lower.endsWith(".mk")) return "makefile";
  if (lower === ".env" || lower.startsWith(".env.") || lower.endsWith(".env")) return "env";
  const ext = path.extname(lower);
  switch (ext) {
    case ".yaml":
    case ".yml":
      return "yaml";
    case ".json":
      return "json";
    case ".proto":
      return "proto";
    case ".sh":
    case ".bash":
      return "shell";
    case ".go":
      return "go";
    case ".ts":
    case ".tsx":
    case ".mts":
    case ".cts":
      return lower.endsWith(".d.ts") || lower.endsWith(".d.mts") || lower.endsWith(".d.cts") ? "other" : "typescript";
    case ".js":
    case ".jsx":
    case ".mjs":
    case ".cjs":
      return lower.endsWith(".min.js") ? "other" : "javascript";
    default:
      return "other";
  }
}
