/**
 * Multi-document YAML with positions. Every document becomes either a Kubernetes object (string
 * `apiVersion` and `kind`; `kind: List` expanded) or a service configuration. Documents are split by
 * the YAML parser, never by text. Helm templates are recognised and reported once, not parsed.
 *
 * Also home of the small positioned tree (`PosNode`) that YAML, JSON and .env documents share, so
 * `locate()` and config `entries` are written once.
 */
import { Composer, Document, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, Parser, type CST, type Pair, type DocumentOptions, type Node as YamlNode, type ParseOptions, type SchemaOptions, type YAMLError } from "yaml";
import type { ConfigDocument, ConfigEntry, K8sObject, Locatable } from "../model/artifacts.js";
import type { LoadDiagnostic } from "../model/finding.js";
import type { ObjectPath, Range } from "../model/location.js";

// ---------------------------------------------------------------------------------------------
// Positioned tree shared by YAML, JSON and .env documents. Ranges are [start, end) offsets.

export type ScalarValue = string | number | boolean | null;

export interface PosPair {
  key: string;
  keyRange: [number, number];
  value: PosNode;
  /** Reached through a YAML merge key (`<<: *base`): found by locate(), not listed as an entry. */
  merged?: boolean;
}

export type PosNode =
  | { kind: "scalar"; range: [number, number]; value: ScalarValue }
  | { kind: "map"; range: [number, number]; pairs: PosPair[]; alias?: boolean }
  | { kind: "seq"; range: [number, number]; items: PosNode[]; alias?: boolean };

/** A LineCounter for text that the YAML parser did not read (JSON, .env). */
export function lineCounterFor(text: string): LineCounter {
  const counter = new LineCounter();
  counter.addNewLine(0);
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) counter.addNewLine(i + 1);
  return counter;
}

export function offsetRange(lines: LineCounter, start: number, end: number): Range {
  const a = lines.linePos(start);
  const b = lines.linePos(Math.max(start, end));
  return { start: { line: a.line, column: a.col }, end: { line: b.line, column: b.col } };
}

/** Follows `path` from `root`; stops at the deepest node that exists. */
function walk(root: PosNode, path: ObjectPath): { node: PosNode; keyRange?: [number, number] } {
  let node = root;
  let keyRange: [number, number] | undefined;
  for (const segment of path) {
    if (node.kind === "map") {
      const pair = findPair(node.pairs, String(segment));
      if (!pair) break;
      node = pair.value;
      keyRange = pair.keyRange;
    } else if (node.kind === "seq") {
      const index = typeof segment === "number" ? segment : /^\d+$/.test(segment) ? Number(segment) : -1;
      const item = node.items[index];
      if (!item) break;
      node = item;
      keyRange = undefined;
    } else {
      break;
    }
  }
  return { node, keyRange };
}

function findPair(pairs: PosPair[], key: string): PosPair | undefined {
  // The last own pair wins (as with duplicate keys when read), then merged pairs in order.
  for (let i = pairs.length - 1; i >= 0; i--) if (!pairs[i].merged && pairs[i].key === key) return pairs[i];
  return pairs.find((p) => p.merged && p.key === key);
}

export function createLocatable(root: PosNode, lines: LineCounter, prefix: ObjectPath = []): Locatable {
  return {
    locate(path) {
      const { node } = walk(root, [...prefix, ...path]);
      return offsetRange(lines, node.range[0], node.range[1]);
    },
    locateKey(path) {
      const { node, keyRange } = walk(root, [...prefix, ...path]);
      const [start, end] = keyRange ?? node.range;
      return offsetRange(lines, start, end);
    },
  };
}

/** Every scalar leaf below `root` in document order; aliased collections are listed once, at their anchor. */
export function collectEntries(root: PosNode, lines: LineCounter): ConfigEntry[] {
  const entries: ConfigEntry[] = [];
  // An explicit stack rather than recursion: no input can overflow the call stack here.
  type Visit = { node: PosNode; path: (string | number)[]; key: string; keyRange: [number, number] | undefined };
  const stack: Visit[] = [{ node: root, path: [], key: "", keyRange: undefined }];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const { node, path, key, keyRange } = next;
    if (node.kind === "scalar") {
      if (path.length === 0) continue; // a bare scalar document has no key
      entries.push({
        path,
        key,
        value: node.value,
        range: offsetRange(lines, node.range[0], node.range[1]),
        keyRange: offsetRange(lines, ...(keyRange ?? node.range)),
      });
      continue;
    }
    if (node.alias) continue;
    // Pushed in reverse so that entries come out in document order.
    if (node.kind === "map") {
      for (let i = node.pairs.length - 1; i >= 0; i--) {
        const pair = node.pairs[i];
        if (!pair.merged) stack.push({ node: pair.value, path: [...path, pair.key], key: pair.key, keyRange: pair.keyRange });
      }
    } else {
      for (let i = node.items.length - 1; i >= 0; i--) stack.push({ node: node.items[i], path: [...path, i], key, keyRange: undefined });
    }
  }
  return entries;
}

/**
 * How deep a document may nest, aliases expanded. Deeper input is refused with a diagnostic, so
 * that neither the loaders nor rules walking `body` recursively can overflow the call stack.
 */
export const MAX_DEPTH = 512;

// ---------------------------------------------------------------------------------------------
// Parsing, guarded against deep nesting

export interface ParsedYaml {
  documents: Document.Parsed[];
  /** Documents nested deeper than MAX_DEPTH, with the offset of a node past that depth; they were not composed. */
  tooDeep: Map<Document, number>;
}

/**
 * parseAllDocuments(), except that a document nested deeper than MAX_DEPTH is not composed (it
 * becomes an empty document listed in `tooDeep`). The parser's composer recurses once per level
 * and turns a stack overflow into an error, but near the stack's end V8 may have to compile a
 * regular expression, which it cannot do there: the process dies ("RegExpCompiler Allocation
 * failed", uncatchable) on the third 5,000-deep `[[[...` file of a scan. The syntax tree is built
 * without recursion, so its depth is measured first.
 */
export function parseYaml(text: string, lines: LineCounter, options: ParseOptions & DocumentOptions & SchemaOptions): ParsedYaml {
  const tokens = Array.from(new Parser(lines.addNewLine).parse(text));
  const deep = new Map<number, number>();
  for (const token of tokens) {
    if (token.type !== "document") continue;
    const at = tooDeepAt(token);
    if (at === undefined) continue;
    deep.set(token.offset, at);
    token.value = undefined;
  }
  const documents = Array.from(new Composer(options).compose(tokens)) as Document.Parsed[];
  const tooDeep = new Map<Document, number>();
  for (const doc of documents) {
    const at = doc.range ? deep.get(doc.range[0]) : undefined;
    if (at !== undefined) tooDeep.set(doc, at);
  }
  return { documents, tooDeep };
}

/** The offset of the first node (in document order) nested deeper than MAX_DEPTH, if any; no recursion. */
function tooDeepAt(document: CST.Document): number | undefined {
  const stack: [CST.Token, number][] = document.value ? [[document.value, 1]] : [];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [token, depth] = next;
    if (depth > MAX_DEPTH) return token.offset;
    if (token.type !== "block-map" && token.type !== "block-seq" && token.type !== "flow-collection") continue;
    for (let i = token.items.length - 1; i >= 0; i--) {
      const item = token.items[i];
      if (item.value) stack.push([item.value, depth + 1]);
      if ("key" in item && item.key) stack.push([item.key, depth + 1]);
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// YAML node tree -> PosNode

function scalarValue(value: unknown): ScalarValue {
  if (value === null || value === undefined) return null;
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
  if (typeof value === "bigint") return Number(value);
  if (value instanceof Date) return value.toISOString();
  // `!!binary`: keep the base64 text, as it is written (and as a Secret's data holds it).
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  return String(value);
}

/** A mapping key as the YAML reader's plain JavaScript value names it (`null:` and `~:` are ""). */
function keyText(key: unknown, converted: PosNode | undefined): string {
  if (converted?.kind === "scalar") return converted.value === null ? "" : String(converted.value);
  if (isScalar(key)) {
    const value = scalarValue(key.value);
    return value === null ? "" : String(value);
  }
  try {
    return String(key);
  } catch {
    return "";
  }
}

function isNullKey(key: unknown, converted: PosNode | undefined): boolean {
  if (converted) return converted.kind === "scalar" && converted.value === null;
  return isScalar(key) && (key.value === null || key.value === undefined);
}

function isMergeKey(key: unknown): boolean {
  return isScalar(key) && (key.value === "<<" || (typeof key.value === "symbol" && key.value.description === "<<")) && key.type !== "QUOTE_DOUBLE" && key.type !== "QUOTE_SINGLE";
}

/** A problem that makes one document unreadable, found while converting it. */
export interface DocumentProblem {
  kind: "deep" | "merge" | "alias" | "large";
  range: [number, number];
}

/** One YAML document as a positioned tree, with what converting it found. */
export interface YamlAnalysis {
  root: PosNode;
  /** Keys repeated within one mapping, each with the range of the key's first use there. */
  duplicates: { keyRange: [number, number]; first: [number, number] }[];
  /** The first structural problem; the document should not be checked. */
  problem?: DocumentProblem;
  /** The node each alias stands for (resolved here, in document order). */
  aliasTargets: Map<unknown, YamlNode>;
}

interface Conversion extends YamlAnalysis {
  /** The latest node carrying each anchor name, met so far in document order. */
  anchors: Map<string, { node: YamlNode; converted: PosNode }>;
  /** How many pairs merge keys may still read before the document counts as an alias bomb. */
  budget: number;
  /** The pairs of the mappings being converted (the current node's ancestors). */
  open: Set<PosPair[]>;
}

/**
 * Converts one document of the parser's nodes. Aliases to collections share the anchor's children
 * (marked `alias`) instead of copying them, so an alias bomb costs nothing here.
 *
 * Aliases are resolved here, from the anchors met so far in document order, and never with the
 * parser's `Alias.resolve()` or `doc.toJS()`: both search the whole document for every alias, which
 * is quadratic (20,000 uses of one anchor took 86 s; this takes milliseconds). The conversion is
 * linear in the document's size: merge keys read at most `limit` pairs, then the document is
 * refused as an alias bomb; recursion stops at MAX_DEPTH.
 */
export function analyseYaml(doc: Document, limit: number): YamlAnalysis {
  const ctx: Conversion = {
    root: { kind: "scalar", range: [0, 0], value: null },
    duplicates: [],
    aliasTargets: new Map(),
    anchors: new Map(),
    budget: limit,
    open: new Set(),
  };
  const fallback: [number, number] = doc.range ? [doc.range[0], doc.range[1]] : [0, 0];
  ctx.root = convert(ctx, doc.contents, fallback, 1);
  return { root: ctx.root, duplicates: ctx.duplicates, problem: ctx.problem, aliasTargets: ctx.aliasTargets };
}

function convert(ctx: Conversion, node: unknown, fallback: [number, number], depth: number): PosNode {
  const range = rangeOf(node, fallback);
  if (depth > MAX_DEPTH) {
    ctx.problem ??= { kind: "deep", range };
    return { kind: "scalar", range, value: null };
  }
  if (isAlias(node)) {
    const anchor = ctx.anchors.get(node.source);
    if (!anchor) {
      // kubectl: "unknown anchor referenced"; the parser itself only notices when converting to JS.
      ctx.problem ??= { kind: "alias", range };
      return { kind: "scalar", range, value: null };
    }
    ctx.aliasTargets.set(node, anchor.node);
    const resolved = anchor.converted;
    if (resolved.kind === "scalar") return { kind: "scalar", range, value: resolved.value };
    return resolved.kind === "map"
      ? { kind: "map", range, pairs: resolved.pairs, alias: true }
      : { kind: "seq", range, items: resolved.items, alias: true };
  }
  if (isMap(node) || isPair(node)) {
    // A pair outside a mapping is an item of `!!omap` or `!!pairs`: read as the one-key mapping it is written as.
    const items = isMap(node) ? node.items : [node];
    const result: PosNode = { kind: "map", range: isMap(node) ? range : pairRange(node, fallback), pairs: [] };
    if (isMap(node) && node.anchor) ctx.anchors.set(node.anchor, { node, converted: result });
    const firstUse = new Map<string, [number, number]>();
    ctx.open.add(result.pairs);
    for (const pair of items) {
      const keyRange = rangeOf(pair.key, [range[0], range[0]]);
      // Keys are converted too (before their value, in document order) when they may hold anchors or aliases.
      const convertedKey = isScalar(pair.key) && !pair.key.anchor ? undefined : convert(ctx, pair.key, keyRange, depth + 1);
      const value = convert(ctx, pair.value, [keyRange[1], keyRange[1]], depth + 1);
      if (isMergeKey(pair.key)) {
        merge(ctx, result.pairs, value);
        continue;
      }
      const key = keyText(pair.key, convertedKey);
      // `null:` and `"":` both read as "", but they are different keys to kubectl.
      const identity = isNullKey(pair.key, convertedKey) ? "\u0000null" : key;
      const first = firstUse.get(identity);
      if (first) ctx.duplicates.push({ keyRange, first });
      else firstUse.set(identity, keyRange);
      result.pairs.push({ key, keyRange, value });
    }
    ctx.open.delete(result.pairs);
    return result;
  }
  if (isSeq(node)) {
    const result: PosNode = { kind: "seq", range, items: [] };
    if (node.anchor) ctx.anchors.set(node.anchor, { node, converted: result });
    for (const item of node.items) result.items.push(convert(ctx, item, range, depth + 1));
    return result;
  }
  if (isScalar(node)) {
    const result: PosNode = { kind: "scalar", range, value: scalarValue(node.value) };
    if (node.anchor) ctx.anchors.set(node.anchor, { node, converted: result });
    return result;
  }
  // A key without a value (`name:`) or an unknown node: an empty scalar where the value would be.
  return { kind: "scalar", range: fallback, value: null };
}

/**
 * `<<: *base` or `<<: [*a, *b]`: appends the sources' pairs, marked `merged`, where the merge key
 * stands. Each key is listed once, from the first source that has it (as YAML 1.1 merges), with the
 * value that source itself reads for it; the mapping's own keys win over merged ones when read.
 */
function merge(ctx: Conversion, pairs: PosPair[], value: PosNode) {
  const sources = value.kind === "seq" ? value.items : [value];
  const taken = new Set<string>();
  for (const source of sources) {
    if (source.kind !== "map") {
      // kubectl: "map merge requires map or sequence of maps as the value".
      ctx.problem ??= { kind: "merge", range: source.range };
      return;
    }
    if (ctx.open.has(source.pairs)) {
      // A mapping merged into itself (`&a {<<: *a}`): kubectl says its anchor "contains itself".
      ctx.problem ??= { kind: "large", range: source.range };
      return;
    }
    // Charged for every pair read, so that merging one large mapping many times stays linear.
    ctx.budget -= source.pairs.length;
    if (ctx.budget < 0) {
      ctx.problem ??= { kind: "large", range: value.range };
      return;
    }
    for (const pair of effectivePairs(source.pairs)) {
      if (taken.has(pair.key)) continue;
      taken.add(pair.key);
      pairs.push(pair.merged ? pair : { ...pair, merged: true });
    }
  }
}

/** A mapping's pairs as reading it gives them: one per key, the last own pair, else the first merged one. */
function effectivePairs(pairs: PosPair[]): Iterable<PosPair> {
  const byKey = new Map<string, PosPair>();
  for (const pair of pairs) {
    // Map.set keeps a key where it was first listed, as assigning to an object property does.
    if (!pair.merged || !byKey.has(pair.key)) byKey.set(pair.key, pair);
  }
  return byKey.values();
}

function pairRange(pair: Pair, fallback: [number, number]): [number, number] {
  const key = rangeOf(pair.key, fallback);
  return [key[0], rangeOf(pair.value, key)[1]];
}

function rangeOf(node: unknown, fallback: [number, number]): [number, number] {
  const range = (node as YamlNode | null)?.range;
  return range ? [range[0], range[1]] : fallback;
}

/**
 * The plain JavaScript value of a converted document, as the YAML reader would give it: aliased
 * collections are the same object, a mapping's own keys win over merged ones. Only for trees that
 * passed `measure()` (no cycles, bounded depth and size).
 */
export function plainValue(root: PosNode): unknown {
  const made = new Map<unknown, unknown>();
  const value = (node: PosNode): unknown => {
    if (node.kind === "scalar") return node.value;
    const children = node.kind === "map" ? node.pairs : node.items;
    const known = made.get(children);
    if (known !== undefined) return known;
    if (node.kind === "seq") {
      const array: unknown[] = [];
      made.set(children, array);
      for (const item of node.items) array.push(value(item));
      return array;
    }
    const object: Record<string, unknown> = {};
    made.set(children, object);
    for (const pair of node.pairs) {
      if (pair.merged && Object.prototype.hasOwnProperty.call(object, pair.key)) continue;
      // Assigning "__proto__" would set the prototype instead of a property.
      Object.defineProperty(object, pair.key, { value: value(pair.value), enumerable: true, writable: true, configurable: true });
    }
    return object;
  };
  return value(root);
}

// ---------------------------------------------------------------------------------------------
// Helm and other Go templates
//
// Every scan here is linear in the text: the regular expressions these replace backtracked over
// long lines (`{` x 250,000 took 51 s; `{{` x 100,000 in a quoted string, 101 s).

/**
 * The first Go-template action (`{{ .Values.x }}`, `{{- include "x" . }}`): a `{{` and the first
 * `}}` after it on the same line. Returns its [start, end) offsets.
 */
function findTemplateAction(text: string): [number, number] | undefined {
  let from = 0;
  for (;;) {
    const open = text.indexOf("{{", from);
    if (open === -1) return undefined;
    const close = text.indexOf("}}", open + 2);
    if (close === -1) return undefined;
    const newline = text.indexOf("\n", open);
    if (newline === -1 || close < newline) return [open, close + 2];
    // No `}}` on this line after the `{{`, nor anywhere before `close`: go on from close's line.
    from = text.lastIndexOf("\n", close) + 1;
  }
}

const HELM_NAME = /\.(?:Values|Release|Chart|Capabilities|Files)\b/g;

function isSpace(c: string | undefined): boolean {
  return c !== undefined && /\s/.test(c);
}

/**
 * Whether some action uses names only Helm provides (`.Values`, `.Release`, `.Chart`,
 * `.Capabilities`, `.Files`, `include "x"`, `tpl`): a value holding these is a chart template even
 * when it parses. Such a name counts when it follows the `{{` before the next `}` or line end.
 */
function hasHelmAction(text: string): boolean {
  // The span after the latest `{{` up to the next `}` or newline, and the last Helm name in it:
  // consecutive `{{` share one span, which is searched once.
  let spanEnd = -1;
  let lastName = -1;
  for (let open = text.indexOf("{{"); open !== -1; open = text.indexOf("{{", open + 1)) {
    let at = open + 2;
    if (text[at] === "-") at++;
    while (isSpace(text[at])) at++;
    if (text.startsWith("include", at) && isSpace(text[at + 7])) {
      let quote = at + 8;
      while (isSpace(text[quote])) quote++;
      if (text[quote] === '"') return true;
    }
    if (text.startsWith("tpl", at) && isSpace(text[at + 3])) return true;
    if (at > spanEnd) {
      spanEnd = at;
      while (spanEnd < text.length && text[spanEnd] !== "}" && text[spanEnd] !== "\n") spanEnd++;
      lastName = -1;
      for (const match of text.slice(at, spanEnd).matchAll(HELM_NAME)) lastName = at + match.index;
    }
    if (lastName >= at) return true;
  }
  return false;
}

/** `helm template` output marks each object with the template it came from. */
const RENDERED_MARKER = /^# Source: \S+\/templates\/\S+/m;

function inTemplatesFolder(path: string): boolean {
  return /(^|\/)templates\//.test(path);
}

/** A template action used as YAML structure parses as a flow map that starts with `{{`. */
function hasStructuralTemplate(text: string, node: PosNode): boolean {
  if (node.kind === "scalar" || node.alias) return false;
  if (node.kind === "map") {
    if (text.startsWith("{{", node.range[0])) return true;
    return node.pairs.some((p) => !p.merged && hasStructuralTemplate(text, p.value));
  }
  return node.items.some((item) => hasStructuralTemplate(text, item));
}

/**
 * Whether some `{{` stands outside a quoted string and outside a comment on its line. When every
 * action is quoted (`title: '{{ template "x" . }}'`), a parse error is a real YAML error, not templating.
 * Each line holding a `{{` is scanned once, left to right.
 */
function hasUnquotedAction(text: string): boolean {
  for (let at = text.indexOf("{{"); at !== -1; ) {
    const lineStart = text.lastIndexOf("\n", at) + 1;
    let lineEnd = text.indexOf("\n", at);
    if (lineEnd === -1) lineEnd = text.length;
    let quote: string | undefined;
    // A quote opens a string only where a value starts (`it's` in a plain value does not): after
    // nothing but blanks, or after one of `: - [ { ,` and blanks.
    let valueStart = true;
    const see = (c: string) => {
      if (!isSpace(c)) valueStart = ":-[{,".includes(c);
    };
    for (let i = lineStart; i < lineEnd; i++) {
      const c = text[i];
      if (!quote && c === "{" && text[i + 1] === "{") return true;
      if (quote) {
        if (c === "\\" && quote === '"') {
          see(c);
          i++;
          if (i < lineEnd) see(text[i]);
          continue;
        }
        if (c === quote) quote = undefined;
      } else if ((c === '"' || c === "'") && valueStart) {
        quote = c;
      } else if (c === "#" && (i === 0 || isSpace(text[i - 1]))) {
        break; // a comment: the rest of the line is not YAML
      }
      see(c);
    }
    at = text.indexOf("{{", lineEnd);
  }
  return false;
}

/** A line that is nothing but `${VAR}`: YAML structure filled in by envsubst or a CI step. */
const STRUCTURAL_PLACEHOLDER = /^[ \t-]*\$\{[A-Za-z_][A-Za-z0-9_]*\}[ \t]*$/m;

function placeholderTemplate(path: string, match: RegExpExecArray, lines: LineCounter): LoadDiagnostic {
  const start = match.index + match[0].indexOf("$");
  // The placeholder is a variable name (`${PHASES}`), never its value.
  return {
    kind: "not-rendered",
    path,
    range: offsetRange(lines, start, match.index + match[0].trimEnd().length),
    message: `${path} is a template: \`${match[0].trim().replace(/^-\s*/, "")}\` stands for YAML that is filled in before use (envsubst or a CI step), so the file was not checked as written.`,
  };
}

function notRendered(path: string, text: string, lines: LineCounter): LoadDiagnostic {
  const [start, end] = findTemplateAction(text) ?? [0, 0];
  const range = offsetRange(lines, start, end);
  // The action is not quoted: it may hold a default value that is a secret.
  return {
    kind: "not-rendered",
    path,
    range,
    message: `${path} is a template (a template action {{ ... }} at line ${range.start.line}): it becomes YAML only after rendering (helm template), so its Kubernetes objects were not checked.`,
  };
}

// ---------------------------------------------------------------------------------------------
// Parser errors, in our words

/**
 * Parser messages that never contain input text, passed through as they are. Other messages may
 * quote the input (`Block scalar header includes extra characters: |<secret>`,
 * `Unsupported YAML version 9.<token>`, `Ordered maps must not include duplicate keys: <key>`),
 * so they are replaced with a description chosen by the error's code.
 */
const SAFE_PARSER_MESSAGES = [
  new RegExp(
    `^(?:${[
      "A block sequence may not be used as an implicit map key",
      "A node can have at most one anchor",
      "A node can have at most one tag",
      "Alias cannot be an empty string",
      "Alias ending in : is ambiguous",
      "All (?:mapping|sequence) items must start at the same column",
      "An alias node must not specify any properties",
      "Anchor cannot be an empty string",
      "Anchor ending in : is ambiguous",
      "Block collection cannot start on same line with directives-end marker",
      "Block scalar header not found",
      "Block scalar values in collections must be indented",
      "Block scalars with more-indented leading empty lines must use an explicit indentation indicator",
      "Block scalar lines must not be less indented than their (?:explicit indentation indicator|first line)",
      "Comments must be separated from other tokens by white space characters",
      "Flow end indicator should be more indented than parent",
      "Flow (?:map|sequence)(?: in block collection must be sufficiently indented and)? (?:must )?end with a [\\]}]",
      "Implicit keys need to be on a single line",
      "Implicit keys of flow sequence pairs need to be on a single line",
      "Implicit map keys need to be followed by map values",
      "Map comment with trailing content",
      "Map keys must be unique",
      'Missing closing "quote',
      "Missing (?:,|, or :) between flow (?:map|sequence) items",
      "Missing directives-end indicator line",
      "Missing directives-end/doc-start indicator line",
      "Missing newline after block sequence props",
      "Missing space after : in flow (?:map|sequence)",
      "Nested mappings are not allowed in compact mappings",
      "Plain value cannot start with (?:a tab character|flow indicator character ,|directive indicator character %|block scalar indicator [|>]|reserved character [@`])",
      "Sequence item without - indicator",
      "Tabs are not allowed as indentation",
      "Tags and anchors must be separated from the next token by white space",
      "Unexpected (?:,|[-?:]) in (?:flow map|flow sequence|collection)",
      "Unexpected empty item in flow (?:map|sequence)",
      "Unexpected block-seq-ind on same line with key",
      "Unexpected doc-end without preceding document",
      "Anchors and tags must be after the [-?:] indicator",
      // Token types: the parser's own vocabulary (`scalar`, `flow-collection`, ...).
      "Unexpected [a-z]+(?:-[a-z]+)* (?:token(?: in YAML (?:stream|document))?|at node end)",
      "Expected a flow scalar value, but found: [a-z]+(?:-[a-z]+)*",
      "Unexpected token in block scalar header: [a-z]+(?:-[a-z]+)*",
      "Unsupported token (?:\\(type: )?[a-z]+(?:-[a-z]+)*\\)?",
    ].join("|")})$`,
  ),
];

const CODE_WORDING: Record<string, string> = {
  BAD_DIRECTIVE: "an invalid or unsupported directive (%YAML or %TAG)",
  BAD_DQ_ESCAPE: "an invalid escape sequence in a double-quoted string",
  BAD_INDENT: "bad indentation",
  BAD_SCALAR_START: "a plain value that starts with a reserved character",
  BAD_COLLECTION_TYPE: "a tag that does not fit its collection",
  MISSING_CHAR: "a missing indicator or separator",
  RESOURCE_EXHAUSTION: "nesting too deep to read",
  TAG_RESOLVE_FAILED: "a value that does not fit its tag, or a tag that cannot be resolved",
  UNEXPECTED_TOKEN: "unexpected content",
};

/** What a parser error says, without the input it may quote and without its position (the range says where). */
export function describeYamlError(error: Pick<YAMLError, "code" | "message">): string {
  const text = error.message.split("\n", 1)[0].replace(/ at line \d+, column \d+:?$/, "");
  if (SAFE_PARSER_MESSAGES.some((safe) => safe.test(text))) return text;
  // Errors from the parser's tokens end with the offending source as a JSON string: drop it.
  const quoted = text.indexOf(': "');
  if (quoted > 0 && text.endsWith('"') && SAFE_PARSER_MESSAGES.some((safe) => safe.test(text.slice(0, quoted)))) return text.slice(0, quoted);
  if (error.code === "UNEXPECTED_TOKEN" && text.startsWith("Block scalar header includes extra characters")) {
    return "a block scalar header (| or >) followed by other characters";
  }
  if (error.code === "TAG_RESOLVE_FAILED" && text.startsWith("Ordered maps must not include duplicate keys")) {
    return "an ordered map (!!omap) that repeats a key";
  }
  if (error.code === "BAD_DIRECTIVE" && text.startsWith("Unsupported YAML version")) return "an unsupported %YAML version";
  return CODE_WORDING[error.code] ?? `invalid YAML (${error.code.toLowerCase().replace(/_/g, " ")})`;
}

// ---------------------------------------------------------------------------------------------
// The loader

export interface YamlFileResult {
  kubernetes: K8sObject[];
  configs: ConfigDocument[];
  diagnostics: LoadDiagnostic[];
}

/**
 * How many nodes a document may have once its aliases are expanded. Counting expansion, rather
 * than alias uses (the `yaml` package's maxAliasCount), refuses billion-laughs bombs while a
 * compose file that reuses one small anchor hundreds of times still reads.
 */
export function expansionLimit(text: string): number {
  return 200_000 + text.length;
}

/**
 * Whether `root` stays within `limit` nodes and MAX_DEPTH levels with its aliases expanded:
 * "large" past `limit` or for an alias that contains itself, "deep" past MAX_DEPTH. Each
 * collection is measured once (its size and height are remembered), and the recursion stops at
 * MAX_DEPTH, so this is linear in the tree and cannot overflow the stack.
 */
export function measure(root: PosNode, limit: number): "ok" | "large" | "deep" {
  const known = new Map<unknown, { size: number; height: number }>();
  const inProgress = { size: Infinity, height: Infinity };
  let verdict: "large" | "deep" | undefined;
  const visit = (node: PosNode, depth: number): { size: number; height: number } => {
    if (node.kind === "scalar") {
      if (depth > MAX_DEPTH) verdict = "deep";
      return { size: 1, height: 1 };
    }
    const children = node.kind === "map" ? node.pairs : node.items;
    const seen = known.get(children);
    if (seen === inProgress) {
      verdict = "large"; // a cycle counts as endless
      return seen;
    }
    if (seen) {
      if (depth + seen.height - 1 > MAX_DEPTH) verdict = "deep";
      return seen;
    }
    if (depth > MAX_DEPTH) {
      verdict = "deep";
      return inProgress;
    }
    known.set(children, inProgress);
    let size = 1;
    let height = 1;
    for (const child of children) {
      const measured = visit("key" in child ? child.value : child, depth + 1);
      if (verdict) return inProgress;
      size += measured.size;
      height = Math.max(height, measured.height + 1);
      if (size > limit) {
        verdict = "large";
        return inProgress;
      }
    }
    const result = { size, height };
    known.set(children, result);
    return result;
  };
  visit(root, 1);
  return verdict ?? "ok";
}

export function loadYamlFile(path: string, text: string): YamlFileResult {
  try {
    return loadYaml(path, text);
  } catch (error) {
    // A defect here must not end the scan.
    return { kubernetes: [], configs: [], diagnostics: [crashDiagnostic(path, error)] };
  }
}

function problemText(problem: DocumentProblem["kind"], index: number, limit: number, expanded = false): string {
  const document = `YAML document ${index + 1}`;
  switch (problem) {
    case "deep":
      return `${document} is nested deeper than ${MAX_DEPTH} levels${expanded ? " once its aliases are expanded" : ""}; it was not checked.`;
    case "large":
      return `${document} expands its aliases into more than ${limit} values or into itself (an alias bomb?); the document was not checked.`;
    case "merge":
      return `${document} merges (<<) a value that is not a mapping or a list of mappings; kubectl rejects it, and the document was not checked.`;
    case "alias":
      return `${document} uses an alias whose anchor is not defined before it; kubectl rejects it, and the document was not checked.`;
  }
}

function loadYaml(path: string, text: string): YamlFileResult {
  const result: YamlFileResult = { kubernetes: [], configs: [], diagnostics: [] };
  const hasTemplate = findTemplateAction(text) !== undefined;
  const rendered = RENDERED_MARKER.test(text);
  const template = hasTemplate && !rendered;
  // A chart's templates are never read as YAML: even when one parses, its values are placeholders.
  if (template && (inTemplatesFolder(path) || hasHelmAction(text))) {
    return { ...result, diagnostics: [notRendered(path, text, lineCounterFor(text))] };
  }

  const lines = new LineCounter();
  // Merge keys (`<<: *base`) are YAML 1.1, which Kubernetes' YAML reader supports.
  // Duplicate keys are found while converting: the parser's check is quadratic in the mapping's size.
  const { documents, tooDeep } = parseYaml(text, lines, { merge: true, logLevel: "error", uniqueKeys: false });
  const limit = expansionLimit(text);
  // Both are properties of the whole file: found once, not once per broken document.
  let unquotedAction: boolean | undefined;
  let placeholder: RegExpExecArray | null | undefined;

  const parsed: { index: number; root: PosNode }[] = [];
  for (const [index, doc] of documents.entries()) {
    const deep = tooDeep.get(doc);
    if (deep !== undefined) {
      result.diagnostics.push({ kind: "parse-error", path, range: offsetRange(lines, deep, deep), message: problemText("deep", index, limit) });
      continue;
    }
    const errors = doc.errors;
    if (errors.length > 0) {
      if (template && (unquotedAction ??= hasUnquotedAction(text))) return { ...result, diagnostics: [notRendered(path, text, lines)] };
      if (placeholder === undefined) placeholder = STRUCTURAL_PLACEHOLDER.exec(text);
      if (placeholder) return { ...result, diagnostics: [placeholderTemplate(path, placeholder, lines)] };
      const error = errors[0];
      result.diagnostics.push({
        kind: "parse-error",
        path,
        range: offsetRange(lines, error.pos[0], error.pos[1]),
        message: `YAML syntax error in document ${index + 1}: ${describeYamlError(error)}; the document was not checked.`,
      });
      continue;
    }
    if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) continue;
    const { root, duplicates, problem } = analyseYaml(doc, limit);
    // Kubernetes (and most YAML readers) reject a repeated key or silently keep the last value.
    for (const duplicate of duplicates) {
      result.diagnostics.push({
        kind: "parse-error",
        path,
        range: offsetRange(lines, ...duplicate.keyRange),
        // Never the key itself: a key can be a secret.
        message: `This key repeats a key at line ${lines.linePos(duplicate.first[0]).line} of the same YAML mapping: kubectl rejects it and other readers keep only the last value.`,
      });
    }
    if (template && hasStructuralTemplate(text, root)) {
      return { ...result, diagnostics: [notRendered(path, text, lines)] };
    }
    if (problem) {
      result.diagnostics.push({ kind: "parse-error", path, range: offsetRange(lines, ...problem.range), message: problemText(problem.kind, index, limit) });
      continue;
    }
    parsed.push({ index, root });
  }

  for (const { index, root } of parsed) {
    const verdict = measure(root, limit);
    if (verdict !== "ok") {
      result.diagnostics.push({
        kind: "parse-error",
        path,
        range: offsetRange(lines, root.range[0], root.range[0]),
        message: problemText(verdict, index, limit, true),
      });
      continue;
    }
    addDocument(result, path, index, plainValue(root), root, lines);
  }
  return result;
}

/** kustomize reads these names; their apiVersion and kind are optional. */
const KUSTOMIZATION_FILE = /(^|\/)kustomization\.ya?ml$/;

function addDocument(result: YamlFileResult, path: string, index: number, body: unknown, root: PosNode, lines: LineCounter) {
  if (isRecord(body) && body.kind === undefined && body.apiVersion === undefined && KUSTOMIZATION_FILE.test(path)) {
    // Kubernetes tooling, not service configuration: rules need its patches to recognise fragments.
    const object = k8sObject(path, index, "kustomize.config.k8s.io/v1beta1", "Kustomization", body, createLocatable(root, lines));
    result.kubernetes.push({ ...object, range: offsetRange(lines, root.range[0], root.range[0]) });
    return;
  }
  if (isRecord(body) && typeof body.apiVersion === "string" && typeof body.kind === "string") {
    const items = body.items;
    if (body.kind.endsWith("List") && Array.isArray(items)) {
      // `kind: List` and typed lists (`DeploymentList`, whose items may omit apiVersion and kind).
      const itemKind = body.kind === "List" ? undefined : body.kind.slice(0, -"List".length);
      items.forEach((item, i) => {
        if (!isRecord(item)) return;
        const kind = typeof item.kind === "string" ? item.kind : itemKind;
        const apiVersion = typeof item.apiVersion === "string" ? item.apiVersion : itemKind ? (body.apiVersion as string) : undefined;
        if (kind && apiVersion) {
          result.kubernetes.push(k8sObject(path, index, apiVersion, kind, item, createLocatable(root, lines, ["items", i])));
        }
      });
      return;
    }
    result.kubernetes.push(k8sObject(path, index, body.apiVersion, body.kind, body, createLocatable(root, lines)));
    return;
  }
  result.configs.push({
    path,
    format: "yaml",
    documentIndex: index,
    body,
    entries: collectEntries(root, lines),
    ...createLocatable(root, lines),
  });
}

function k8sObject(
  path: string,
  documentIndex: number,
  apiVersion: string,
  kind: string,
  body: Record<string, unknown>,
  locatable: Locatable,
): K8sObject {
  const metadata = isRecord(body.metadata) ? body.metadata : {};
  const name = typeof metadata.name === "string" ? metadata.name : typeof metadata.generateName === "string" ? metadata.generateName : "";
  const kindKey = locatable.locateKey(["kind"]);
  const kindValue = locatable.locate(["kind"]);
  return {
    path,
    documentIndex,
    apiVersion,
    kind,
    name,
    namespace: typeof metadata.namespace === "string" ? metadata.namespace : undefined,
    body,
    range: { start: kindKey.start, end: kindValue.end },
    locate: locatable.locate,
    locateKey: locatable.locateKey,
  };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function crashDiagnostic(path: string, error: unknown): LoadDiagnostic {
  // The error's message may quote the input: only its kind is named.
  return {
    kind: "parse-error",
    path,
    range: { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } },
    message:
      error instanceof RangeError
        ? "The YAML file could not be read: it is nested too deeply or is too large for the parser; it was not checked."
        : `The YAML file could not be read (${error instanceof Error ? error.name : "unknown error"}); it was not checked.`,
  };
}
