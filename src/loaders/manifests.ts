import type { GoModule, Lockfile, LockfileKind, Manifests, PackageJson } from "../model/artifacts.js";
import type { LoadDiagnostic } from "../model/finding.js";
import type { ObjectPath, Position, Range } from "../model/location.js";
import type { RepoFile } from "../model/repository.js";
import type { LoadResult } from "./load-result.js";
import type { RepoReader } from "./repository.js";

const LOCKFILE_KINDS: Record<string, LockfileKind> = {
  "package-lock.json": "npm",
  "npm-shrinkwrap.json": "npm",
  "yarn.lock": "yarn",
  "pnpm-lock.yaml": "pnpm",
  "bun.lock": "bun",
  "bun.lockb": "bun",
  "go.sum": "go.sum",
  // The workspace's own checksums; rules tell it from a module's go.sum by its name.
  "go.work.sum": "go.sum",
};
const NODE_LOCKFILES = ["package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "bun.lock", "bun.lockb"];

/**
 * Reads package.json, go.mod and go.work files and lists lockfiles. Lockfiles that discovery did not
 * list but that exist on disk beside a manifest (or, for Node, in a folder above it) are added too:
 * git-ignored ones with `ignored: true`, and those skipped for their size (a big package-lock.json)
 * as present, so that no rule mistakes them for missing.
 */
export function loadManifests(files: readonly RepoFile[], reader: RepoReader): LoadResult<Manifests> {
  const manifests: Manifests = { packageJsons: [], goModules: [], goWorks: [], lockfiles: [] };
  const diagnostics: LoadDiagnostic[] = [];
  const lockfiles = new Map<string, Lockfile>();
  const searchedDirs = new Set<string>();
  const addLockfile = (path: string, ignored: boolean) => {
    const kind = LOCKFILE_KINDS[baseName(path)];
    if (kind && !lockfiles.has(path)) lockfiles.set(path, { path, kind, ignored });
  };

  for (const file of files) {
    if (file.kind === "lockfile") addLockfile(file.path, false);
  }
  for (const file of files) {
    if (file.kind !== "manifest") continue;
    const name = baseName(file.path);
    if (name === "go.work") {
      manifests.goWorks.push(file.path);
      continue;
    }
    const text = reader.readText(file.path);
    if (text === undefined) continue;
    if (name === "package.json") {
      const result = parsePackageJson(file.path, text);
      diagnostics.push(...result.diagnostics);
      if (result.value) manifests.packageJsons.push(result.value);
      // A workspace's lockfile lives at its root, possibly above the scanned folder.
      for (const dir of ancestorDirs(dirName(file.path))) {
        if (searchedDirs.has(dir)) break; // and so were its parents
        searchedDirs.add(dir);
        for (const lockName of NODE_LOCKFILES) findOnDisk(joinPath(dir, lockName));
      }
    } else if (name === "go.mod") {
      const result = parseGoMod(file.path, text);
      diagnostics.push(...result.diagnostics);
      if (result.value) manifests.goModules.push(result.value);
      findOnDisk(joinPath(dirName(file.path), "go.sum"));
    }
  }
  for (const work of manifests.goWorks) findOnDisk(joinPath(dirName(work), "go.work.sum"));

  function findOnDisk(path: string) {
    if (lockfiles.has(path) || !reader.exists(path)) return;
    addLockfile(path, reader.isIgnored(path));
  }

  manifests.lockfiles = [...lockfiles.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { value: manifests, diagnostics };
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

function dirName(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash === -1 ? "" : path.slice(0, slash);
}

function joinPath(dir: string, name: string): string {
  return dir ? `${dir}/${name}` : name;
}

/** The folder itself, then each parent up to the repository root (""). */
function ancestorDirs(dir: string): string[] {
  const dirs = [dir];
  while (dir) {
    dir = dirName(dir);
    dirs.push(dir);
  }
  return dirs;
}

// ---------------------------------------------------------------------------------------------
// package.json

export function parsePackageJson(path: string, text: string): LoadResult<PackageJson> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    // JSON.parse's messages do not always carry a position: our own scan finds where it breaks.
    const scan = scanJson(text);
    const offset = scan.error?.offset ?? 0;
    const reason = scan.error?.message ?? (error as Error).message;
    return { diagnostics: [manifestError(path, rangeAt(text, offset), `package.json is not valid JSON: ${reason}`)] };
  }
  if (!isRecord(body)) {
    return { diagnostics: [manifestError(path, rangeAt(text, 0), "package.json must contain a JSON object")] };
  }
  const index = scanJson(text).index;
  const lineStarts = lineStartsOf(text);
  const toRange = (span: [number, number]) => ({ start: position(lineStarts, span[0]), end: position(lineStarts, span[1]) });
  const nearest = (objectPath: ObjectPath) => {
    for (let n = objectPath.length; n >= 0; n--) {
      const entry = index.get(pathKey(objectPath.slice(0, n)));
      if (entry) return { entry, exact: n === objectPath.length };
    }
    return undefined;
  };
  const fileStart: Range = { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } };
  const workspaces = Array.isArray(body.workspaces)
    ? body.workspaces
    : isRecord(body.workspaces) && Array.isArray(body.workspaces.packages)
      ? body.workspaces.packages // yarn classic's `{ packages: [...] }` form
      : [];
  return {
    value: {
      path,
      ...(typeof body.name === "string" ? { name: body.name } : {}),
      dependencies: stringRecord(body.dependencies),
      devDependencies: stringRecord(body.devDependencies),
      scripts: stringRecord(body.scripts),
      workspaces: workspaces.filter((w): w is string => typeof w === "string"),
      private: body.private === true,
      ...(typeof body.packageManager === "string" ? { packageManager: body.packageManager } : {}),
      locate: (objectPath) => {
        const found = nearest(objectPath);
        return found ? toRange(found.entry.value) : fileStart;
      },
      locateKey: (objectPath) => {
        const found = nearest(objectPath);
        if (!found) return fileStart;
        return toRange(found.exact && found.entry.key ? found.entry.key : found.entry.value);
      },
    },
    diagnostics: [],
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stringRecord(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isRecord(value)) return out;
  for (const [key, v] of Object.entries(value)) if (typeof v === "string") out[key] = v;
  return out;
}

function pathKey(objectPath: ObjectPath): string {
  return JSON.stringify(objectPath);
}

class JsonError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

interface JsonSpans {
  key?: [number, number];
  value: [number, number];
}

/**
 * A small JSON scanner that records the offsets of every key and value by object path, and where
 * the text stops being JSON. Values themselves come from JSON.parse.
 */
function scanJson(text: string): { index: Map<string, JsonSpans>; error?: { offset: number; message: string } } {
  const index = new Map<string, JsonSpans>();
  let i = 0;
  const fail = (message: string): never => {
    throw new JsonError(message, Math.min(i, text.length));
  };
  const space = () => {
    while (i < text.length && " \t\r\n".includes(text[i]!)) i++;
  };
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail(`unexpected ${describe()}`);
  };
  const describe = () => (i >= text.length ? "end of file" : `character '${text[i]}'`);
  const string = () => {
    i++; // opening quote
    while (i < text.length && text[i] !== '"') {
      if (text[i] === "\n") fail("unterminated string");
      i += text[i] === "\\" ? 2 : 1;
    }
    if (i >= text.length) fail("unterminated string");
    i++;
  };
  const value = (objectPath: (string | number)[], key?: [number, number]) => {
    space();
    const start = i;
    const c = text[i];
    if (c === "{") {
      i++;
      space();
      if (text[i] === "}") i++;
      else {
        for (;;) {
          space();
          if (text[i] !== '"') fail(`expected a double-quoted property name, found ${describe()}`);
          const keyStart = i;
          string();
          const keyEnd = i;
          const name = JSON.parse(text.slice(keyStart, keyEnd)) as string;
          space();
          if (text[i] !== ":") fail(`expected ':' after property name, found ${describe()}`);
          i++;
          value([...objectPath, name], [keyStart, keyEnd]);
          space();
          if (text[i] === ",") i++;
          else if (text[i] === "}") {
            i++;
            break;
          } else fail(`expected ',' or '}', found ${describe()}`);
        }
      }
    } else if (c === "[") {
      i++;
      space();
      if (text[i] === "]") i++;
      else {
        for (let n = 0; ; n++) {
          value([...objectPath, n]);
          space();
          if (text[i] === ",") i++;
          else if (text[i] === "]") {
            i++;
            break;
          } else fail(`expected ',' or ']', found ${describe()}`);
        }
      }
    } else if (c === '"') string();
    else if (c === "t") literal("true");
    else if (c === "f") literal("false");
    else if (c === "n") literal("null");
    else if (c !== undefined && /[-0-9]/.test(c)) {
      const number = /-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/y;
      number.lastIndex = i;
      const match = number.exec(text);
      if (!match) fail("invalid number");
      i += match![0].length;
    } else fail(`unexpected ${describe()}`);
    index.set(pathKey(objectPath), key ? { key, value: [start, i] } : { value: [start, i] });
  };
  try {
    value([]);
    space();
    if (i < text.length) fail(`unexpected ${describe()} after the JSON value`);
    return { index };
  } catch (error) {
    if (error instanceof JsonError) return { index, error: { offset: error.offset, message: error.message } };
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// go.mod

const GO_MOD_DIRECTIVES = new Set(["module", "go", "toolchain", "godebug", "require", "replace", "exclude", "retract", "tool", "ignore"]);

export function parseGoMod(path: string, text: string): LoadResult<GoModule> {
  const diagnostics: LoadDiagnostic[] = [];
  const module: GoModule = { path, requires: [], range: { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } } };
  let block: { directive: string; line: number } | undefined;
  let sawModule = false;
  const lines = text.split("\n");

  lines.forEach((raw, index) => {
    const lineNumber = index + 1;
    const line = raw.replace(/\r$/, "");
    const commentAt = findComment(line);
    const code = (commentAt === -1 ? line : line.slice(0, commentAt)).trimEnd();
    const comment = commentAt === -1 ? "" : line.slice(commentAt + 2).trim();
    const words = splitWords(code);
    if (words.length === 0) return;

    if (block) {
      if (words[0]!.text === ")") {
        block = undefined;
        return;
      }
      entry(block.directive, words, lineNumber, comment);
      return;
    }
    const directive = words[0]!.text;
    if (!GO_MOD_DIRECTIVES.has(directive)) {
      diagnostics.push(manifestError(path, wordRange(lineNumber, words[0]!), `go.mod has an unknown directive \`${directive}\``));
      return;
    }
    if (words[1]?.text === "(" && words.length === 2) {
      block = { directive, line: lineNumber };
      return;
    }
    if (directive === "module") {
      sawModule = true;
      if (words[1]) module.module = unquote(words[1].text);
      module.range = { start: { line: lineNumber, column: words[0]!.column }, end: { line: lineNumber, column: words.at(-1)!.end } };
    } else if (directive === "go") {
      if (words[1]) module.goVersion = words[1].text;
    } else {
      entry(directive, words.slice(1), lineNumber, comment);
    }
  });

  function entry(directive: string, words: Word[], lineNumber: number, comment: string) {
    if (directive !== "require") return;
    if (words.length !== 2) {
      diagnostics.push(manifestError(path, wordRange(lineNumber, words[0]!), "go.mod `require` needs a module path and a version"));
      return;
    }
    module.requires.push({
      path: unquote(words[0]!.text),
      version: words[1]!.text,
      // `// indirect` may be followed by more comment text (`// indirect; reason`).
      indirect: /^indirect(\W|$)/.test(comment),
      range: { start: { line: lineNumber, column: words[0]!.column }, end: { line: lineNumber, column: words[1]!.end } },
    });
  }

  if (block) {
    diagnostics.push(manifestError(path, { start: { line: block.line, column: 1 }, end: { line: block.line, column: 1 } }, `go.mod: the \`${block.directive} (\` block is never closed with \`)\``));
  }
  if (!sawModule) {
    diagnostics.push(manifestError(path, module.range, "go.mod has no `module` directive: the go command rejects it"));
  }
  return { value: module, diagnostics };
}

interface Word {
  text: string;
  /** 1-based start column and exclusive end column. */
  column: number;
  end: number;
}

/** Where a `//` comment starts outside a quoted string, or -1. */
function findComment(line: string): number {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === "\\" && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "`") quote = c;
    else if (c === "/" && line[i + 1] === "/") return i;
  }
  return -1;
}

function splitWords(code: string): Word[] {
  const words: Word[] = [];
  const re = /"(?:[^"\\]|\\.)*"|`[^`]*`|[()]|[^\s()]+/g;
  for (let m = re.exec(code); m; m = re.exec(code)) {
    words.push({ text: m[0], column: m.index + 1, end: m.index + m[0].length + 1 });
  }
  return words;
}

function unquote(word: string): string {
  if (word.startsWith('"')) {
    try {
      return JSON.parse(word) as string;
    } catch {
      return word.slice(1, -1);
    }
  }
  return word.startsWith("`") ? word.slice(1, -1) : word;
}

function wordRange(line: number, word: Word): Range {
  return { start: { line, column: word.column }, end: { line, column: word.end } };
}

// ---------------------------------------------------------------------------------------------

function manifestError(path: string, range: Range, message: string): LoadDiagnostic {
  return { kind: "parse-error", path, range, message: `${message}. Dependency checks skip what could not be read.` };
}

function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  return starts;
}

function position(lineStarts: number[], offset: number): Position {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - lineStarts[lo]! + 1 };
}

function rangeAt(text: string, offset: number): Range {
  const start = position(lineStartsOf(text), offset);
  return { start, end: start };
}
