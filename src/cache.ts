/**
 * The result cache (`--cache`): a whole scan's result, keyed by everything it depends on, so a second
 * run over an unchanged tree only discovers and hashes files.
 *
 * The key is a SHA-256 over: the tool's version and a fingerprint of its own code (path, size and
 * modification time of every module under src/ and rules/, so a rebuilt tool never reads an older
 * build's results), the resolved scan options (folders, rule selection, rule options), the list of
 * discovered and skipped files, and the contents of every discovered file. Files the loaders looked at
 * outside that list (a git-ignored lockfile, a lockfile in a parent folder) are recorded with what was
 * found and checked again on lookup.
 *
 * One entry per scan configuration (folder + options), replaced when the key changes. Entries are
 * written to a temporary file and renamed, so a reader never sees half an entry. The cache is an
 * optimisation only: a missing, unreadable, corrupt or foreign entry is a miss, and a location that
 * cannot be written is ignored. Deleting the folder is always safe.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Discovery } from "./loaders/discovery.js";
import { contentsHash, type Probe } from "./loaders/probes.js";
import { toolVersion } from "./version.js";
import type { RunResult } from "./model/finding.js";

/** Bumped when the entry's shape changes: older entries are then misses. */
const ENTRY_FORMAT = 1;

export const DEFAULT_CACHE_LOCATION = path.join("node_modules", ".cache", "readiness-check");

interface Entry {
  format: number;
  key: string;
  probes: Probe[];
  result: RunResult;
}

export interface ScanIdentity {
  toolVersion: string;
  /** Everything about the request that changes the result: folders, rule selection, rule options. */
  options: unknown;
  /** In the key but not in the entry's file name (git state): a change replaces the entry instead of adding one. */
  state?: unknown;
}

/** The refs of the repository (HEAD, branches, tags): a rule comparing with a release tag depends on them. */
export function gitState(repoRoot: string): string {
  try {
    return execFileSync("git", ["show-ref", "--head"], { cwd: repoRoot, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], maxBuffer: 64 * 1024 * 1024 });
  } catch {
    return ""; // not a git repository, or no commits yet
  }
}

/** The entry's file: one per scan configuration, whatever the file contents are. */
export function entryPath(location: string, identity: ScanIdentity): string {
  return path.join(location, `${sha256(stableJson(identity.options)).slice(0, 32)}.json`);
}

/** The full key: the tool, the options, the file list and every discovered file's contents. */
export function cacheKey(identity: ScanIdentity, discovery: Discovery): string | undefined {
  const hash = createHash("sha256");
  hash.update(`readiness-check cache ${ENTRY_FORMAT}\0${identity.toolVersion}\0${toolFingerprint()}\0`);
  hash.update(stableJson(identity.options));
  hash.update(`\0${stableJson(identity.state ?? null)}`);
  hash.update(`\0${discovery.repoRoot}\0${discovery.scanRoot}\0`);
  for (const skipped of discovery.skipped) hash.update(`skipped\0${skipped.path}\0${skipped.reason}\0`);
  for (const file of discovery.files) {
    let content: Buffer;
    try {
      content = readFileSync(path.join(discovery.repoRoot, file.path));
    } catch {
      return undefined; // a file that vanished or cannot be read: do not cache this scan
    }
    hash.update(`file\0${file.path}\0${file.kind}\0${content.length}\0`);
    hash.update(content);
  }
  return hash.digest("hex");
}

/** The cached result for `key`, if there is a sound entry and what the loaders saw outside the file list still holds. */
export function readEntry(file: string, key: string, discovery: Discovery): RunResult | undefined {
  let entry: Entry;
  try {
    entry = JSON.parse(readFileSync(file, "utf8")) as Entry;
  } catch {
    return undefined; // absent or corrupt: a miss
  }
  if (!isEntry(entry) || entry.format !== ENTRY_FORMAT || entry.key !== key) return undefined;
  for (const probe of entry.probes) {
    if (probe.exists !== undefined && existsSync(path.join(discovery.repoRoot, probe.path)) !== probe.exists) return undefined;
    if (probe.ignored !== undefined && discovery.isIgnored(probe.path) !== probe.ignored) return undefined;
    if (probe.contents !== undefined && contentsHash(path.join(discovery.repoRoot, probe.path)) !== probe.contents) return undefined;
  }
  return entry.result;
}

/**
 * Creates a folder and its missing parents one level at a time: Node's `mkdirSync(..., { recursive: true })`
 * spins forever under a pseudo-filesystem such as /proc, where mkdir keeps answering ENOENT.
 */
function makeFolders(dir: string): void {
  const missing: string[] = [];
  for (let at = path.resolve(dir); !existsSync(at); at = path.dirname(at)) {
    if (path.dirname(at) === at) break;
    missing.unshift(at);
  }
  for (const folder of missing) mkdirSync(folder);
}

/** Writes an entry atomically; false when the location cannot be written (the scan's result stands). */
export function writeEntry(file: string, key: string, probes: readonly Probe[], result: RunResult): boolean {
  const { timing: _timing, cache: _cache, ...stats } = result.stats;
  const entry: Entry = { format: ENTRY_FORMAT, key, probes: [...probes], result: { ...result, stats } };
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    makeFolders(path.dirname(file));
    writeFileSync(temporary, JSON.stringify(entry));
    renameSync(temporary, file);
    return true;
  } catch {
    try {
      unlinkSync(temporary);
    } catch {
      // Nothing was written.
    }
    return false;
  }
}

function isEntry(value: unknown): value is Entry {
  if (typeof value !== "object" || value === null) return false;
  const entry = value as Partial<Entry>;
  const result = entry.result as Partial<RunResult> | undefined;
  return (
    typeof entry.key === "string" &&
    Array.isArray(entry.probes) &&
    entry.probes.every((p) => typeof p === "object" && p !== null && typeof (p as Probe).path === "string") &&
    typeof result === "object" &&
    result !== null &&
    Array.isArray(result.findings) &&
    Array.isArray(result.rules) &&
    typeof result.stats === "object" &&
    result.stats !== null &&
    typeof result.repoRoot === "string" &&
    typeof result.complete === "boolean"
  );
}

let fingerprint: string | undefined;

/**
 * Path, size and modification time of the tool's own modules (src/ and rules/ next to this file's
 * folder, in dist/ or in the source tree): a rebuilt or edited tool gets new keys even when its
 * version is unchanged.
 */
function toolFingerprint(): string {
  if (fingerprint !== undefined) return fingerprint;
  const base = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
  const hash = createHash("sha256");
  const walk = (dir: string) => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const name of names) {
      const full = path.join(dir, name);
      const stat = statSync(full, { throwIfNoEntry: false });
      if (!stat) continue;
      if (stat.isDirectory()) walk(full);
      else if (/\.(m?[jt]s|json|wasm)$/.test(name)) hash.update(`${path.relative(base, full)}\0${stat.size}\0${stat.mtimeMs}\0`);
    }
  };
  walk(path.join(base, "src"));
  walk(path.join(base, "rules"));
  // The parsers' versions too: an upgraded dependency can parse the same file differently.
  for (const [name, version] of dependencyVersions(base)) hash.update(`${name}@${version}\0`);
  fingerprint = hash.digest("hex");
  return fingerprint;
}

/** Installed versions of the tool's dependencies, found by walking up from its folder to node_modules. */
function dependencyVersions(base: string): [string, string][] {
  let manifest: { dependencies?: Record<string, string> } | undefined;
  let dir = base;
  for (let i = 0; i < 3 && !manifest; i++, dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { name?: string; dependencies?: Record<string, string> };
      if (pkg.name === "readiness-check") manifest = pkg;
    } catch {
      // Not here.
    }
  }
  return Object.keys(manifest?.dependencies ?? {}).map((name) => {
    for (let d = base; ; d = path.dirname(d)) {
      try {
        const pkg = JSON.parse(readFileSync(path.join(d, "node_modules", name, "package.json"), "utf8")) as { version?: string };
        return [name, pkg.version ?? "?"];
      } catch {
        if (path.dirname(d) === d) return [name, "?"];
      }
    }
  });
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** JSON with object keys sorted, so equal options give equal keys whatever order they were written in. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** Where `scan` writes the entry after a miss. */
export interface CacheSlot {
  file: string;
  key: string;
  /** Time spent hashing and looking up, for --timing. */
  ms: number;
}

/**
 * Looks a scan up by everything it depends on: `identity` (tool version, resolved configuration, rule
 * selection and options, git state) and the discovered files' contents. A hit is the earlier result; a
 * miss gives the slot `scan` writes its result to. Undefined when the key cannot be computed.
 */
export function lookUp(
  location: string | undefined,
  identity: ScanIdentity,
  discovery: Discovery,
): { hit?: RunResult; slot?: CacheSlot } {
  const started = performance.now();
  const key = cacheKey(identity, discovery);
  if (key === undefined) return {};
  const file = entryPath(path.resolve(location || DEFAULT_CACHE_LOCATION), identity);
  const hit = readEntry(file, key, discovery);
  const ms = performance.now() - started;
  return hit ? { hit: { ...hit, stats: { ...hit.stats, cache: "hit" } } } : { slot: { file, key, ms } };
}
