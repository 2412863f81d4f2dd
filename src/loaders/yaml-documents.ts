/**
 * Multi-document YAML with positions. Every document becomes either a Kubernetes object (string
 * `apiVersion` and `kind`; `kind: List` expanded) or a service configuration. Documents are split by
 * the YAML parser, never by text. Helm templates are recognised and reported once, not parsed.
 *
 * Also home of the small positioned tree (`PosNode`) that YAML, JSON and .env documents share, so
 * `locate()` and config `entries` are written once.
 */
import { Document, isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Node as YamlNode } from "yaml";
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
  const visit = (node: PosNode, path: (string | number)[], key: string, keyRange: [number, number] | undefined) => {
    if (node.kind === "scalar") {
      if (path.length === 0) return; // a bare scalar document has no key
      entries.push({
        path,
        key,
        value: node.value,
        range: offsetRange(lines, node.range[0], node.range[1]),
        keyRange: offsetRange(lines, ...(keyRange ?? node.range)),
      });
      return;
    }
    if (node.alias) return;
    if (node.kind === "map") {
      for (const pair of node.pairs) {
        if (!pair.merged) visit(pair.value, [...path, pair.key], pair.key, pair.keyRange);
      }
    } else {
      node.items.forEach((item, i) => visit(item, [...path, i], key, undefined));
    }
  };
  visit(root, [], "", undefined);
  return entries;
}

// ---------------------------------------------------------------------------------------------
// YAML node tree -> PosNode

function scalarValue(value: unknown): ScalarValue {
  if (value === null || value === undefined) return null;
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

function isMergeKey(key: unknown): boolean {
  return isScalar(key) && (key.value === "<<" || (typeof key.value === "symbol" && key.value.description === "<<")) && key.type !== "QUOTE_DOUBLE" && key.type !== "QUOTE_SINGLE";
}

interface Conversion {
  doc: Document;
  /** Converted collections, so that aliases share them. */
  seen: Map<unknown, PosNode>;
  /** Keys repeated within one mapping (the parser's own check is quadratic, so we do it here). */
  duplicates: PosPair[];
}

/**
 * Converts the parser's nodes. Aliases to collections share the anchor's children (marked `alias`)
 * instead of copying them, so an alias bomb costs nothing here.
 */
export function fromYaml(doc: Document, node: unknown, fallback: [number, number], duplicates: PosPair[] = []): PosNode {
  return convert({ doc, seen: new Map(), duplicates }, node, fallback);
}

function convert(ctx: Conversion, node: unknown, fallback: [number, number]): PosNode {
  const { doc, seen } = ctx;
  if (isAlias(node)) {
    const range = rangeOf(node, fallback);
    const target = node.resolve(doc);
    if (!target) return { kind: "scalar", range, value: null };
    const resolved = seen.get(target) ?? convert(ctx, target, range);
    if (resolved.kind === "scalar") return { kind: "scalar", range, value: resolved.value };
    return resolved.kind === "map"
      ? { kind: "map", range, pairs: resolved.pairs, alias: true }
      : { kind: "seq", range, items: resolved.items, alias: true };
  }
  if (isMap(node)) {
    const result: PosNode = { kind: "map", range: rangeOf(node, fallback), pairs: [] };
    seen.set(node, result);
    const merged: PosPair[] = [];
    const keys = new Set<string>();
    for (const pair of node.items) {
      const keyRange = rangeOf(pair.key, [result.range[0], result.range[0]]);
      const value = convert(ctx, pair.value, [keyRange[1], keyRange[1]]);
      if (isMergeKey(pair.key)) {
        const sources = value.kind === "seq" ? value.items : [value];
        for (const source of sources) {
          if (source.kind === "map") merged.push(...source.pairs.map((p) => ({ ...p, merged: true })));
        }
        continue;
      }
      const key = isScalar(pair.key) ? String(scalarValue(pair.key.value)) : String(pair.key);
      if (keys.has(key)) ctx.duplicates.push({ key, keyRange, value });
      keys.add(key);
      result.pairs.push({ key, keyRange, value });
    }
    result.pairs.push(...merged);
    return result;
  }
  if (isSeq(node)) {
    const result: PosNode = { kind: "seq", range: rangeOf(node, fallback), items: [] };
    seen.set(node, result);
    for (const item of node.items) result.items.push(convert(ctx, item, result.range));
    return result;
  }
  if (isScalar(node)) return { kind: "scalar", range: rangeOf(node, fallback), value: scalarValue(node.value) };
  // A key without a value (`name:`) or an unknown node: an empty scalar where the value would be.
  return { kind: "scalar", range: fallback, value: null };
}

function rangeOf(node: unknown, fallback: [number, number]): [number, number] {
  const range = (node as YamlNode | null)?.range;
  return range ? [range[0], range[1]] : fallback;
}

// ---------------------------------------------------------------------------------------------
// Helm and other Go templates

/** A Go-template action: `{{ .Values.x }}`, `{{- include "x" . }}`. */
const TEMPLATE_ACTION = /\{\{-?[^\n]*?-?\}\}/;
/** Names only Helm provides: a value holding these is a chart template even when it parses. */
const HELM_ACTION = /\{\{-?\s*(?:[^}\n]*?\.(?:Values|Release|Chart|Capabilities|Files)\b|include\s+"|tpl\s)/;
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
 */
function hasUnquotedAction(text: string): boolean {
  for (let at = text.indexOf("{{"); at !== -1; at = text.indexOf("{{", at + 2)) {
    let quote: string | undefined;
    let comment = false;
    const lineStart = text.lastIndexOf("\n", at) + 1;
    for (let i = lineStart; i < at && !comment; i++) {
      const c = text[i];
      if (quote) {
        if (c === "\\" && quote === '"') i++;
        else if (c === quote) quote = undefined;
      } else if ((c === '"' || c === "'") && /(^|[:\-[{,])\s*$/.test(text.slice(lineStart, i))) {
        // A quote opens a string only where a value starts (`it's` in a plain value does not).
        quote = c;
      } else if (c === "#" && (i === 0 || /\s/.test(text[i - 1]))) {
        comment = true;
      }
    }
    if (!quote && !comment) return true;
  }
  return false;
}

/** A line that is nothing but `${VAR}`: YAML structure filled in by envsubst or a CI step. */
const STRUCTURAL_PLACEHOLDER = /^[ \t-]*\$\{[A-Za-z_][A-Za-z0-9_]*\}[ \t]*$/m;

function placeholderTemplate(path: string, match: RegExpExecArray, lines: LineCounter): LoadDiagnostic {
  const start = match.index + match[0].indexOf("$");
  return {
    kind: "not-rendered",
    path,
    range: offsetRange(lines, start, match.index + match[0].trimEnd().length),
    message: `${path} is a template: \`${match[0].trim().replace(/^-\s*/, "")}\` stands for YAML that is filled in before use (envsubst or a CI step), so the file was not checked as written.`,
  };
}

function notRendered(path: string, text: string, lines: LineCounter): LoadDiagnostic {
  const match = TEMPLATE_ACTION.exec(text)!;
  const action = match[0].length > 60 ? `${match[0].slice(0, 57)}...` : match[0];
  return {
    kind: "not-rendered",
    path,
    range: offsetRange(lines, match.index, match.index + match[0].length),
    message: `${path} is a template (it contains \`${action}\`): it becomes YAML only after rendering (helm template), so its Kubernetes objects were not checked.`,
  };
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
function expansionLimit(text: string): number {
  return 200_000 + text.length;
}

/** Nodes in `root` with aliases expanded, or Infinity past `limit` or for an alias that contains itself. */
function expandedSize(root: PosNode, limit: number): number {
  const sizes = new Map<unknown, number>();
  const size = (node: PosNode): number => {
    if (node.kind === "scalar") return 1;
    const children = node.kind === "map" ? node.pairs : node.items;
    const known = sizes.get(children);
    if (known !== undefined) return known;
    sizes.set(children, Infinity); // while in progress: a cycle counts as endless
    let total = 1;
    for (const child of children) {
      total += size("key" in child ? child.value : child);
      if (total > limit) break;
    }
    sizes.set(children, total);
    return total;
  };
  const total = size(root);
  return total > limit ? Infinity : total;
}

export function loadYamlFile(path: string, text: string): YamlFileResult {
  try {
    return loadYaml(path, text);
  } catch (error) {
    // A defect here (or a document nested deeper than the stack) must not end the scan.
    return { kubernetes: [], configs: [], diagnostics: [crashDiagnostic(path, error)] };
  }
}

function loadYaml(path: string, text: string): YamlFileResult {
  const result: YamlFileResult = { kubernetes: [], configs: [], diagnostics: [] };
  const hasTemplate = TEMPLATE_ACTION.test(text);
  const rendered = RENDERED_MARKER.test(text);
  const template = hasTemplate && !rendered;
  // A chart's templates are never read as YAML: even when one parses, its values are placeholders.
  if (template && (inTemplatesFolder(path) || HELM_ACTION.test(text))) {
    return { ...result, diagnostics: [notRendered(path, text, lineCounterFor(text))] };
  }

  const lines = new LineCounter();
  // Merge keys (`<<: *base`) are YAML 1.1, which Kubernetes' YAML reader supports.
  // Duplicate keys are found while converting: the parser's check is quadratic in the mapping's size.
  const documents = parseAllDocuments(text, { lineCounter: lines, merge: true, logLevel: "error", uniqueKeys: false }) as Document.Parsed[];

  const parsed: { doc: Document.Parsed; index: number; root: PosNode }[] = [];
  for (const [index, doc] of documents.entries()) {
    const errors = doc.errors;
    if (errors.length > 0) {
      if (template && hasUnquotedAction(text)) return { ...result, diagnostics: [notRendered(path, text, lines)] };
      const placeholder = STRUCTURAL_PLACEHOLDER.exec(text);
      if (placeholder) return { ...result, diagnostics: [placeholderTemplate(path, placeholder, lines)] };
      const error = errors[0];
      result.diagnostics.push({
        kind: "parse-error",
        path,
        range: offsetRange(lines, error.pos[0], error.pos[1]),
        message: `YAML syntax error in document ${index + 1}: ${errorText(error.message)}; the document was not checked.`,
      });
      continue;
    }
    if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) continue;
    const duplicates: PosPair[] = [];
    const root = fromYaml(doc, doc.contents, [doc.range[0], doc.range[1]], duplicates);
    // Kubernetes (and most YAML readers) reject a repeated key or silently keep the last value.
    for (const duplicate of duplicates) {
      result.diagnostics.push({
        kind: "parse-error",
        path,
        range: offsetRange(lines, ...duplicate.keyRange),
        message: `Duplicate key ${JSON.stringify(duplicate.key)} in a YAML mapping: kubectl rejects it and other readers keep only the last value.`,
      });
    }
    if (template && hasStructuralTemplate(text, root)) {
      return { ...result, diagnostics: [notRendered(path, text, lines)] };
    }
    parsed.push({ doc, index, root });
  }

  for (const { doc, index, root } of parsed) {
    if (expandedSize(root, expansionLimit(text)) === Infinity) {
      result.diagnostics.push({
        kind: "parse-error",
        path,
        range: offsetRange(lines, root.range[0], root.range[0]),
        message: `YAML document ${index + 1} expands its aliases into more than ${expansionLimit(text)} values or into itself (an alias bomb?); the document was not checked.`,
      });
      continue;
    }
    addDocument(result, path, index, doc.toJS({ maxAliasCount: -1 }), root, lines);
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

/** The parser's message without its "at line X, column Y" suffix and code frame (the range says where). */
function errorText(message: string): string {
  return message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "").replace(/[.:]$/, "");
}

function crashDiagnostic(path: string, error: unknown): LoadDiagnostic {
  return {
    kind: "parse-error",
    path,
    range: { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } },
    message: `The YAML file could not be read: ${error instanceof Error ? error.message : String(error)}.`,
  };
}
