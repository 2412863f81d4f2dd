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
      for (const d of result.diagnostics) diagnostics.push(d); // never push(...array): it can be huge
      if (result.value) manifests.packageJsons.push(result.value);
      // A workspace's lockfile lives at its root, possibly above the scanned folder.
      for (const dir of ancestorDirs(dirName(file.path))) {
        if (searchedDirs.has(dir)) break; // and so were its parents
        searchedDirs.add(dir);
        for (const lockName of NODE_LOCKFILES) findOnDisk(joinPath(dir, lockName));
      }
    } else if (name === "go.mod") {
      const result = parseGoMod(file.path, text);
      for (const d of result.diagnostics) diagnostics.push(d);
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
  } catch {
    // JSON.parse's messages do not always carry a position, and they quote the input (which may hold
    // a token): our own scan finds where it breaks and says why in its own words.
    const scan = scanJson(text);
    const offset = scan.error?.offset ?? 0;
    const reason = scan.error?.message ?? "the text is not valid JSON";
    return { diagnostics: [manifestError(path, rangeAt(text, offset), `package.json is not valid JSON: ${reason}`)] };
  }
  if (!isRecord(body)) {
    return { diagnostics: [manifestError(path, rangeAt(text, 0), "package.json must contain a JSON object")] };
  }
  const root = scanJson(text).root;
  const lineStarts = lineStartsOf(text);
  const toRange = (span: [number, number]) => ({ start: position(lineStarts, span[0]), end: position(lineStarts, span[1]) });
  /** The node at `objectPath`, or at its longest prefix that exists. */
  const nearest = (objectPath: ObjectPath) => {
    if (!root) return undefined;
    let entry = root;
    let n = 0;
    for (; n < objectPath.length; n++) {
      const segment = objectPath[n]!;
      const children = entry.children;
      const child =
        children instanceof Map
          ? typeof segment === "string"
            ? children.get(segment)
            : undefined
          : children && typeof segment === "number"
            ? children[segment]
            : undefined;
      if (!child) break;
      entry = child;
    }
    return { entry, exact: n === objectPath.length };
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

class JsonError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/** Where a key and its value are written; members by name (the last duplicate wins, as in JSON.parse) or elements. */
interface JsonNode {
  key?: [number, number];
  value: [number, number];
  children?: Map<string, JsonNode> | JsonNode[];
}

/** An object or array being read: the scan keeps these on an explicit stack, not the call stack. */
interface OpenContainer {
  node: JsonNode;
  isObject: boolean;
  /** The member whose value comes next. */
  key?: { name: string; span: [number, number] };
}

/**
 * A small JSON scanner that records the offsets of every key and value, and where the text stops
 * being JSON, with the grammar JSON.parse applies (escapes, control characters in strings). Values
 * themselves come from JSON.parse. Iterative: valid JSON can nest far deeper than the call stack.
 * Messages describe the problem and never quote the text (a string may hold a token).
 */
function scanJson(text: string): { root?: JsonNode; error?: { offset: number; message: string } } {
  let i = 0;
  let root: JsonNode | undefined;
  const stack: OpenContainer[] = [];
  const fail = (message: string, at = i): never => {
    throw new JsonError(message, Math.min(at, text.length));
  };
  const space = () => {
    while (i < text.length && " \t\r\n".includes(text[i]!)) i++;
  };
  const describe = () => {
    if (i >= text.length) return "end of file";
    const code = text.charCodeAt(i);
    // One printable ASCII character cannot leak a secret; anything else is named by its code point.
    return code > 0x20 && code < 0x7f ? `character '${text[i]}'` : `character U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
  };
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail(`unexpected ${describe()}`);
  };
  /** Reads a string at `i` (its opening quote); returns its value only when `decode` is set. */
  const string = (decode: boolean): string | undefined => {
    const start = i;
    let escaped = false;
    i++; // opening quote
    for (;;) {
      if (i >= text.length) fail("unterminated string", start);
      const c = text.charCodeAt(i);
      if (c === 0x22) break; // closing quote
      if (c < 0x20) fail(c === 0x0a ? "unterminated string" : "control character in a string (it must be escaped)");
      if (c === 0x5c) {
        escaped = true;
        const e = text[i + 1];
        if (e === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail("invalid \\u escape in a string");
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) {
          i += 2;
        } else {
          fail("invalid escape in a string");
        }
      } else {
        i++;
      }
    }
    i++; // closing quote
    if (!decode) return undefined;
    if (!escaped) return text.slice(start + 1, i - 1);
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      return fail("invalid string", start); // not reached: the loop above checks JSON's string grammar
    }
  };
  const number = /-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/y;
  const scalar = () => {
    const c = text[i];
    if (c === '"') string(false);
    else if (c === "t") literal("true");
    else if (c === "f") literal("false");
    else if (c === "n") literal("null");
    else if (c !== undefined && /[-0-9]/.test(c)) {
      number.lastIndex = i;
      const match = number.exec(text);
      if (!match) fail("invalid number");
      i += match![0].length;
    } else fail(`unexpected ${describe()}`);
  };
  /** Reads `"name":` inside the open object on top of the stack. */
  const key = (container: OpenContainer) => {
    space();
    if (text[i] !== '"') fail(`expected a double-quoted property name, found ${describe()}`);
    const keyStart = i;
    const name = string(true)!;
    container.key = { name, span: [keyStart, i] };
    space();
    if (text[i] !== ":") fail(`expected ':' after property name, found ${describe()}`);
    i++;
  };
  const attach = (node: JsonNode) => {
    const parent = stack[stack.length - 1];
    if (!parent) root = node;
    else if (parent.node.children instanceof Map) {
      node.key = parent.key!.span;
      parent.node.children.set(parent.key!.name, node);
    } else parent.node.children!.push(node);
  };

  try {
    for (;;) {
      // A value is expected.
      space();
      const start = i;
      const c = text[i];
      if (c === "{" || c === "[") {
        i++;
        const container: OpenContainer = { node: { value: [start, start], children: c === "{" ? new Map() : [] }, isObject: c === "{" };
        attach(container.node);
        stack.push(container);
        space();
        if (text[i] === (c === "{" ? "}" : "]")) {
          i++;
          container.node.value[1] = i;
          stack.pop();
        } else {
          if (container.isObject) key(container);
          continue;
        }
      } else {
        scalar();
        attach({ value: [start, i] });
      }
      // A value ended: close the containers it ends, or move on to the next member or element.
      let more = false;
      while (stack.length > 0) {
        const top = stack[stack.length - 1]!;
        space();
        if (text[i] === ",") {
          i++;
          if (top.isObject) key(top);
          more = true;
          break;
        }
        if (text[i] === (top.isObject ? "}" : "]")) {
          i++;
          top.node.value[1] = i;
          stack.pop();
          continue;
        }
        fail(`expected ',' or '${top.isObject ? "}" : "]"}', found ${describe()}`);
      }
      if (!more) break;
    }
    space();
    if (i < text.length) fail(`unexpected ${describe()} after the JSON value`);
    return { root };
  } catch (error) {
    if (error instanceof JsonError) return { root, error: { offset: error.offset, message: error.message } };
    return { root, error: { offset: Math.min(i, text.length), message: "the text could not be read" } }; // a bug: never a crash
  }
}

// ---------------------------------------------------------------------------------------------
// go.mod

const GO_MOD_DIRECTIVES = new Set(["module", "go", "toolchain", "godebug", "require", "replace", "exclude", "retract", "tool", "ignore"]);

export function parseGoMod(path: string, text: string): LoadResult<GoModule> {
  // One diagnostic per file however broken it is (a garbage file has a problem on every line): the
  // first problem, and how many more there are.
  let firstProblem: { range: Range; message: string } | undefined;
  let problems = 0;
  const problem = (range: Range, message: string) => {
    problems++;
    firstProblem ??= { range, message };
  };
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
      // Not quoted: an unknown word may be anything (a pasted token).
      problem(wordRange(lineNumber, words[0]!), `go.mod has an unknown directive at line ${lineNumber}`);
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
      problem(wordRange(lineNumber, words[0]!), `go.mod \`require\` at line ${lineNumber} needs a module path and a version`);
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
    // The directive is one of GO_MOD_DIRECTIVES (a block opens only after a known one): safe to name.
    problem({ start: { line: block.line, column: 1 }, end: { line: block.line, column: 1 } }, `go.mod: the \`${block.directive} (\` block is never closed with \`)\``);
  }
  if (!sawModule) {
    problem(module.range, "go.mod has no `module` directive: the go command rejects it");
  }
  if (!firstProblem) return { value: module, diagnostics: [] };
  const more = problems > 1 ? ` (and ${problems - 1} more problem${problems > 2 ? "s" : ""} in this file)` : "";
  return { value: module, diagnostics: [manifestError(path, firstProblem.range, `${firstProblem.message}${more}`)] };
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
