/**
 * Service configuration files that are not YAML: JSON (comments and trailing commas tolerated, as in
 * tsconfig.json and other JSONC files) and .env files. Both become the same positioned tree as YAML
 * documents, so `locate()` and `entries` behave identically.
 */
import type { LineCounter } from "yaml";
import type { ConfigDocument } from "../model/artifacts.js";
import type { LoadDiagnostic } from "../model/finding.js";
import type { LoadResult } from "./load-result.js";
import {
  collectEntries,
  createLocatable,
  lineCounterFor,
  MAX_DEPTH,
  offsetRange,
  type PosNode,
  type PosPair,
  type ScalarValue,
} from "./yaml-documents.js";

// ---------------------------------------------------------------------------------------------
// JSON

class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/** Nesting deeper than MAX_DEPTH: refused before any recursion (here or in rules) can overflow the stack. */
class JsonTooDeep extends JsonSyntaxError {}

/**
 * A small recursive-descent JSON reader that records offsets. The `yaml` package reads JSON too, but
 * about a hundred times slower; large JSON data files are common enough for that to matter.
 */
class JsonReader {
  private pos = 0;
  private depth = 0;

  constructor(private readonly text: string) {}

  readDocument(): PosNode | undefined {
    this.skipSpace();
    if (this.pos >= this.text.length) return undefined;
    const root = this.readValue();
    this.skipSpace();
    if (this.pos < this.text.length) this.fail("unexpected content after the JSON value");
    return root;
  }

  private readValue(): PosNode {
    const start = this.pos;
    const c = this.text[this.pos];
    if (c === "{") return this.readObject();
    if (c === "[") return this.readArray();
    if (c === '"') return { kind: "scalar", value: this.readString(), range: [start, this.pos] };
    const literal = /true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    literal.lastIndex = start;
    const match = literal.exec(this.text);
    if (!match) this.fail(c === undefined ? "unexpected end of input" : `unexpected character ${JSON.stringify(c)}`);
    this.pos = literal.lastIndex;
    const text = match[0];
    const value: ScalarValue = text === "true" ? true : text === "false" ? false : text === "null" ? null : Number(text);
    return { kind: "scalar", value, range: [start, this.pos] };
  }

  private enter() {
    if (++this.depth > MAX_DEPTH) throw new JsonTooDeep(`nested deeper than ${MAX_DEPTH} levels`, this.pos);
  }

  private readObject(): PosNode {
    this.enter();
    const start = this.pos++;
    const pairs: PosPair[] = [];
    this.skipSpace();
    while (this.text[this.pos] !== "}") {
      if (this.text[this.pos] !== '"') this.fail(pairs.length ? "expected a quoted key or }" : "expected a quoted key");
      const keyStart = this.pos;
      const key = this.readString();
      const keyRange: [number, number] = [keyStart, this.pos];
      this.skipSpace();
      this.expect(":");
      this.skipSpace();
      pairs.push({ key, keyRange, value: this.readValue() });
      if (!this.separator("}")) break;
    }
    this.expect("}");
    this.depth--;
    return { kind: "map", pairs, range: [start, this.pos] };
  }

  private readArray(): PosNode {
    this.enter();
    const start = this.pos++;
    const items: PosNode[] = [];
    this.skipSpace();
    while (this.text[this.pos] !== "]") {
      items.push(this.readValue());
      if (!this.separator("]")) break;
    }
    this.expect("]");
    this.depth--;
    return { kind: "seq", items, range: [start, this.pos] };
  }

  /** After a member: consumes `,` (a trailing one before `close` is tolerated). False at `close`. */
  private separator(close: string): boolean {
    this.skipSpace();
    if (this.text[this.pos] !== ",") return false;
    this.pos++;
    this.skipSpace();
    return this.text[this.pos] !== close;
  }

  private readString(): string {
    const start = this.pos;
    const end = /"(?:[^"\\\n\r]|\\.)*"/y;
    end.lastIndex = start;
    const match = end.exec(this.text);
    if (!match) this.fail("unterminated string", start);
    try {
      this.pos = end.lastIndex;
      return JSON.parse(match[0]) as string;
    } catch {
      this.fail("invalid escape or control character in string", start);
    }
  }

  private expect(char: string) {
    if (this.text[this.pos] !== char) {
      const found = this.text[this.pos];
      this.fail(`expected ${char} but found ${found === undefined ? "the end of the file" : JSON.stringify(found)}`);
    }
    this.pos++;
  }

  /** Whitespace and JSONC comments. */
  private skipSpace() {
    const text = this.text;
    for (;;) {
      const c = text.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
        this.pos++;
      } else if (c === 0x2f && text[this.pos + 1] === "/") {
        const newline = text.indexOf("\n", this.pos);
        this.pos = newline === -1 ? text.length : newline;
      } else if (c === 0x2f && text[this.pos + 1] === "*") {
        const close = text.indexOf("*/", this.pos + 2);
        if (close === -1) this.fail("unterminated comment");
        this.pos = close + 2;
      } else {
        return;
      }
    }
  }

  private fail(message: string, offset = this.pos): never {
    throw new JsonSyntaxError(message, offset);
  }
}

/** The plain value of a JSON tree; duplicate keys keep the last value, as JSON.parse does. Depth is at most MAX_DEPTH. */
function toValue(node: PosNode): unknown {
  if (node.kind === "scalar") return node.value;
  if (node.kind === "seq") return node.items.map(toValue);
  const object: Record<string, unknown> = {};
  for (const pair of node.pairs) {
    // Assigning "__proto__" would set the prototype instead of a property.
    Object.defineProperty(object, pair.key, { value: toValue(pair.value), enumerable: true, writable: true, configurable: true });
  }
  return object;
}

export function loadJsonConfig(path: string, text: string): LoadResult<ConfigDocument[]> {
  const lines = lineCounterFor(text);
  try {
    const root = new JsonReader(text).readDocument();
    if (!root) return { value: [], diagnostics: [] };
    return { value: [configDocument(path, "json", toValue(root), root, lines)], diagnostics: [] };
  } catch (error) {
    return { value: [], diagnostics: [jsonDiagnostic(path, error, lines)] };
  }
}

function jsonDiagnostic(path: string, error: unknown, lines: LineCounter): LoadDiagnostic {
  if (error instanceof JsonTooDeep) {
    return {
      kind: "parse-error",
      path,
      range: offsetRange(lines, error.offset, error.offset + 1),
      message: `The JSON file is nested deeper than ${MAX_DEPTH} levels; it was not checked.`,
    };
  }
  if (error instanceof JsonSyntaxError) {
    return {
      kind: "parse-error",
      path,
      range: offsetRange(lines, error.offset, error.offset + 1),
      message: `JSON syntax error: ${error.message}; the file was not checked.`,
    };
  }
  // A defect: its message may quote the input, so only its kind is named.
  return {
    kind: "parse-error",
    path,
    range: offsetRange(lines, 0, 0),
    message: `The JSON file could not be read (${error instanceof Error ? error.name : "unknown error"}); it was not checked.`,
  };
}

function configDocument(path: string, format: ConfigDocument["format"], body: unknown, root: PosNode, lines: LineCounter): ConfigDocument {
  return { path, format, documentIndex: 0, body, entries: collectEntries(root, lines), ...createLocatable(root, lines) };
}

// ---------------------------------------------------------------------------------------------
// .env

const ENV_ASSIGNMENT = /^([ \t]*(?:export[ \t]+)?)([A-Za-z_][A-Za-z0-9_.-]*)[ \t]*=[ \t]*/;
const ESCAPES: Record<string, string> = { n: "\n", r: "\r", t: "\t" };

/**
 * `KEY=VALUE` lines as docker compose and dotenv read them: `export` prefixes, blank lines and `#`
 * comments; single quotes are literal, double quotes understand \n, \t, \" and \\ and may span lines;
 * an unquoted value ends at ` #`.
 */
export function loadEnvFile(path: string, text: string): LoadResult<ConfigDocument[]> {
  const lines = lineCounterFor(text);
  const pairs: PosPair[] = [];
  const diagnostics: LoadDiagnostic[] = [];
  let lineStart = 0;
  while (lineStart < text.length) {
    let lineEnd = text.indexOf("\n", lineStart);
    if (lineEnd === -1) lineEnd = text.length;
    const line = text.slice(lineStart, lineEnd).replace(/\r$/, "");
    let next = lineEnd + 1;
    const assignment = ENV_ASSIGNMENT.exec(line);
    if (assignment) {
      const [, prefix, key] = assignment;
      const keyStart = lineStart + prefix.length;
      const valueStart = lineStart + assignment[0].length;
      const value = readEnvValue(text, valueStart, lineStart + line.length);
      if (value.unterminated && diagnostics.length === 0) {
        diagnostics.push({
          kind: "parse-error",
          path,
          range: offsetRange(lines, valueStart, valueStart + 1),
          // Not the key's name: a key can be a secret too.
          message: "The quoted value on this line is never closed: the rest of the line is read as its value.",
        });
      }
      pairs.push({
        key,
        keyRange: [keyStart, keyStart + key.length],
        value: { kind: "scalar", value: value.value, range: [valueStart, value.end] },
      });
      if (value.end > lineEnd) {
        // A quoted value spanning lines: go on after the line where it closed.
        const newline = text.indexOf("\n", value.end);
        next = newline === -1 ? text.length : newline + 1;
      }
    } else if (line.trim() !== "" && !line.trimStart().startsWith("#") && diagnostics.length === 0) {
      // One diagnostic per file is enough to send someone to it.
      const column = line.search(/\S/);
      diagnostics.push({
        kind: "parse-error",
        path,
        range: offsetRange(lines, lineStart + column, lineStart + line.length),
        message: "This line of the .env file is not a KEY=VALUE assignment or a comment; docker compose refuses the file.",
      });
    }
    lineStart = next;
  }
  if (pairs.length === 0) return { value: [], diagnostics };
  const root: PosNode = { kind: "map", pairs, range: [pairs[0].keyRange[0], pairs[pairs.length - 1].value.range[1]] };
  const body: Record<string, string> = {};
  for (const pair of pairs) Object.defineProperty(body, pair.key, { value: pair.value.kind === "scalar" ? pair.value.value : "", enumerable: true, writable: true, configurable: true });
  return { value: [configDocument(path, "env", body, root, lines)], diagnostics };
}

function readEnvValue(text: string, start: number, lineEnd: number): { value: string; end: number; unterminated?: boolean } {
  const quote = text[start];
  if (quote === '"' || quote === "'" || quote === "`") {
    let value = "";
    for (let i = start + 1; i < text.length; i++) {
      const c = text[i];
      if (c === quote) return { value, end: i + 1 };
      if (c === "\\" && quote === '"' && i + 1 < text.length) {
        const escaped = text[++i];
        value += ESCAPES[escaped] ?? escaped;
      } else if (c !== "\r") {
        value += c;
      }
    }
    // No closing quote: read the rest of the line as an unquoted value.
    return { ...readUnquoted(text, start, lineEnd), unterminated: true };
  }
  return readUnquoted(text, start, lineEnd);
}

function readUnquoted(text: string, start: number, lineEnd: number): { value: string; end: number } {
  let raw = text.slice(start, lineEnd);
  const comment = raw.search(/[ \t]#/);
  if (comment !== -1) raw = raw.slice(0, comment);
  raw = raw.trimEnd();
  return { value: raw, end: start + raw.length };
}
