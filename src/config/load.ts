/**
 * Finds and reads the configuration file with cosmiconfig 9 (Node 20). TypeScript configs are loaded
 * with jiti rather than cosmiconfig's `typescript` peer. JavaScript and TypeScript configs are code:
 * they run only from the scanned folder or when named with --config, never from a folder above it.
 */
import { existsSync, mkdtempSync, realpathSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { cosmiconfig, defaultLoaders, type Loader } from "cosmiconfig";
import { createJiti } from "jiti";
import type { RuleMeta } from "../model/rule.js";
import { ConfigError, isFileReference, resolveConfig, type RawConfig, type ResolvedConfig } from "./resolve.js";

export const MODULE_NAME = "readiness";

/** Searched in each folder from the scanned one up to the repository root, in this order. */
export const SEARCH_PLACES = [
  "package.json",
  ".readinessrc",
  ".readinessrc.json",
  ".readinessrc.yaml",
  ".readinessrc.yml",
  "readiness.config.js",
  "readiness.config.mjs",
  "readiness.config.cjs",
  "readiness.config.ts",
];

const CODE = /\.(c|m)?(j|t)s$/;

const loadTs: Loader = async (filepath) => {
  const jiti = createJiti(import.meta.url, { moduleCache: false, fsCache: false });
  return jiti.import(filepath, { default: true });
};

/** A broken package.json is the scanned repository's problem (a parse error finding), not a configuration error. */
const loadJson: Loader = (filepath, content) => {
  if (path.basename(filepath) !== "package.json") return defaultLoaders[".json"](filepath, content);
  try {
    return defaultLoaders[".json"](filepath, content);
  } catch {
    return {};
  }
};

function explorer(places: readonly string[] = SEARCH_PLACES) {
  const create = () =>
    cosmiconfig(MODULE_NAME, {
      searchPlaces: [...places],
      searchStrategy: "none",
      cache: false,
      loaders: { ...defaultLoaders, ".json": loadJson, ".ts": loadTs, ".mts": loadTs, ".cts": loadTs },
    });
  try {
    return create();
  } catch {
    // cosmiconfig reads a "meta" configuration from the working directory's package.json while it is
    // created; a broken package.json there (the scanned repository's own) is a finding of the scan, not a
    // reason to stop. Create it from an empty folder instead (synchronous: nothing runs in between).
    const previous = process.cwd();
    const empty = mkdtempSync(path.join(tmpdir(), "readiness-check-"));
    try {
      process.chdir(empty);
      return create();
    } finally {
      process.chdir(previous);
      rmSync(empty, { recursive: true, force: true });
    }
  }
}

/**
 * The configuration for a scan: `--config FILE` when given, else the nearest file from `scanRoot` up
 * to `repoRoot`, else the built-in `recommended` preset.
 */
export async function loadConfig(options: {
  scanRoot: string;
  repoRoot: string;
  configFile?: string;
  metas: readonly RuleMeta[];
}): Promise<ResolvedConfig> {
  const found = options.configFile ? absoluteFile(options.configFile) : await search(options.scanRoot, options.repoRoot);
  if (!found) return resolveConfig([], options.metas);
  const layers = await readLayers(found, []);
  return resolveConfig(layers, options.metas, { filepath: found, baseDir: path.dirname(found) });
}

function absoluteFile(file: string): string {
  const absolute = path.resolve(file);
  if (!existsSync(absolute) || !statSync(absolute).isFile()) throw new ConfigError(`config file not found: ${file}`);
  return absolute;
}

async function search(scanRoot: string, repoRoot: string): Promise<string | undefined> {
  const top = realpathSync(repoRoot);
  for (let dir = realpathSync(scanRoot); ; dir = path.dirname(dir)) {
    // Above the scanned folder, code configurations are never loaded (loading runs them): only named.
    const above = dir !== realpathSync(scanRoot);
    let result;
    try {
      result = await explorer(above ? SEARCH_PLACES.filter((p) => !CODE.test(p)) : SEARCH_PLACES).search(dir);
    } catch (error) {
      throw new ConfigError(oneLine(error));
    }
    if (result) return result.filepath;
    const code = above ? SEARCH_PLACES.filter((p) => CODE.test(p)).map((p) => path.join(dir, p)).find((p) => existsSync(p)) : undefined;
    if (code) {
      throw new ConfigError(`${display(code)} is code and runs only from the scanned folder; pass --config ${display(code)} to use it`);
    }
    if (dir === top || path.dirname(dir) === dir || !isInside(dir, top)) return undefined;
  }
}

/** The file and, before it, every file its `extends` names (depth first), so later layers win. */
async function readLayers(file: string, seen: string[]): Promise<{ raw: RawConfig; where: string }[]> {
  if (seen.includes(file)) throw new ConfigError(`${display(file)}: "extends" loops back to itself (${[...seen, file].map(display).join(" -> ")})`);
  let raw: unknown;
  try {
    raw = (await explorer().load(file))?.config ?? {};
  } catch (error) {
    throw new ConfigError(`${display(file)}: ${oneLine(error)}`);
  }
  const where = display(file);
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new ConfigError(`${where}: the configuration must be an object`);
  const config = raw as RawConfig;
  const extended = typeof config.extends === "string" ? [config.extends] : Array.isArray(config.extends) ? config.extends : undefined;
  // Not a string or list: resolveConfig reports it with the file's name.
  if (!extended) return [{ raw: config, where }];
  // Each entry in order, presets and files alike, so a later entry wins over an earlier one.
  const layers: { raw: RawConfig; where: string }[] = [];
  for (const entry of extended) {
    if (typeof entry === "string" && isFileReference(entry)) {
      const target = path.resolve(path.dirname(file), entry);
      if (!existsSync(target)) throw new ConfigError(`${where}: "extends" names ${entry}, which does not exist`);
      layers.push(...(await readLayers(target, [...seen, file])));
    } else {
      layers.push({ raw: { extends: entry }, where });
    }
  }
  layers.push({ raw: { ...config, extends: undefined }, where });
  return layers;
}

function isInside(dir: string, top: string): boolean {
  const relative = path.relative(top, dir);
  return relative === "" || (!relative.startsWith("..") && !path.isAbsolute(relative));
}

function display(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith("..") ? relative : file;
}

function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n").map((l) => l.trim()).filter(Boolean).slice(0, 2).join(": ");
}
