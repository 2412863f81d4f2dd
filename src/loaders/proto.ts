import protobuf from "protobufjs";
import type {
  ProtoEnum,
  ProtoField,
  ProtoFile,
  ProtoMessage,
  ProtoMethod,
  ProtoNamed,
  ProtoService,
  ProtoValue,
} from "../model/artifacts.js";
import type { LoadDiagnostic } from "../model/finding.js";
import type { Position, Range } from "../model/location.js";
import type { LoadResult } from "./load-result.js";

/**
 * Loads one .proto file. protobufjs validates the syntax and gives the structure, but keeps no
 * positions, so a small scanner of our own indexes where every declaration's name is written
 * (and its leading comment). Imports are listed, never resolved: other files are not read.
 */
export function loadProto(path: string, text: string): LoadResult<ProtoFile> {
  try {
    return loadProtoUnguarded(path, text);
  } catch {
    // Every known cause is handled (the scanner is depth-limited, protobufjs runs in a try); this
    // keeps an unforeseen one in a parser library from ending the scan.
    return {
      diagnostics: [
        {
          kind: "parse-error",
          path,
          range: pointRange({ line: 1, column: 1 }),
          message: "Proto file could not be read (internal error). Rules that read protos skip this file.",
        },
      ],
    };
  }
}

function loadProtoUnguarded(path: string, text: string): LoadResult<ProtoFile> {
  const index = scanProto(text);
  if (index.tooDeep) {
    // protobufjs would refuse the file as well (at 32 nested messages); do not hand it a stack-sized input.
    return {
      diagnostics: [
        {
          kind: "parse-error",
          path,
          range: index.tooDeep,
          message:
            `Proto file does not parse: declarations are nested more than ${MAX_SCAN_DEPTH} levels deep ` +
            `(line ${index.tooDeep.start.line}). Rules that read protos skip this file.`,
        },
      ],
    };
  }
  let parsed: protobuf.IParserResult;
  try {
    parsed = protobuf.parse(text, { keepCase: true, alternateCommentMode: true });
  } catch (error) {
    return { diagnostics: [parseErrorDiagnostic(path, error, index, text.split("\n").length)] };
  }
  const header = index.header;
  const builder = new ModelBuilder(index, !header.syntax && !header.edition ? "proto2" : header.syntax?.value);
  const file: ProtoFile = {
    path,
    syntax: header.syntax,
    edition: header.edition,
    package: header.package,
    options: header.options,
    imports: header.imports,
    messages: [],
    enums: [],
    services: [],
  };
  builder.collect(parsed.root, file);
  return { value: file, diagnostics: [] };
}

// ---------------------------------------------------------------------------------------------
// From protobufjs reflection to our model

class ModelBuilder {
  constructor(
    private readonly index: ProtoIndex,
    /** "proto2" / "proto3", or undefined for editions (no implicit `optional` label there). */
    private readonly syntax: string | undefined,
  ) {}

  /** Walks namespaces (the package's segments) down to the file's top-level declarations. */
  collect(root: protobuf.NamespaceBase, into: { messages: ProtoMessage[]; enums: ProtoEnum[]; services: ProtoService[] }) {
    // Depth-first in declaration order, with an explicit stack (a package name can have many segments).
    const stack: protobuf.ReflectionObject[] = [...root.nestedArray].reverse();
    while (stack.length > 0) {
      const nested = stack.pop()!;
      if (nested instanceof protobuf.Type) into.messages.push(this.message(nested));
      else if (nested instanceof protobuf.Enum) into.enums.push(this.enumeration(nested));
      else if (nested instanceof protobuf.Service) into.services.push(this.service(nested));
      else if (nested instanceof protobuf.Namespace) {
        for (let k = nested.nestedArray.length - 1; k >= 0; k--) stack.push(nested.nestedArray[k]!);
      }
    }
  }

  private message(type: protobuf.Type): ProtoMessage {
    const fullName = stripDot(type.fullName);
    const reserved = splitReserved(type.reserved);
    return {
      ...this.named("message", fullName, type.name),
      fullName,
      // Extension fields (`extend M { ... }`) are copied into M by protobufjs: they are not M's own.
      fields: type.fieldsArray.filter((f) => !f.declaringField && !f.name.startsWith(".")).map((f) => this.field(fullName, f)),
      messages: type.nestedArray.filter((n): n is protobuf.Type => n instanceof protobuf.Type).map((t) => this.message(t)),
      enums: type.nestedArray.filter((n): n is protobuf.Enum => n instanceof protobuf.Enum).map((e) => this.enumeration(e)),
      reservedNumbers: reserved.numbers,
      reservedNames: reserved.names,
    };
  }

  private field(messageFullName: string, field: protobuf.Field): ProtoField {
    const proto3Optional = field.options?.proto3_optional === true;
    const oneof = proto3Optional ? undefined : field.partOf?.name;
    const isMap = field instanceof protobuf.MapField;
    let label: ProtoField["label"];
    if (field.rule === "repeated" || field.rule === "required") label = field.rule;
    else if (proto3Optional) label = "optional";
    // In proto2 a singular field outside a oneof is written `optional`; protobufjs drops that label.
    else if (this.syntax === "proto2" && !oneof && !isMap) label = "optional";
    const result: ProtoField = {
      ...this.named("field", `${messageFullName}.${field.name}`, field.name),
      number: field.id,
      type: field.type,
    };
    if (label) result.label = label;
    if (oneof) result.oneof = oneof;
    if (isMap) result.mapKeyType = field.keyType;
    return result;
  }

  private enumeration(enm: protobuf.Enum): ProtoEnum {
    const fullName = stripDot(enm.fullName);
    const reserved = splitReserved(enm.reserved);
    return {
      ...this.named("enum", fullName, enm.name),
      fullName,
      values: Object.entries(enm.values).map(([name, number]) => ({
        ...this.named("value", `${fullName}.${name}`, name),
        number,
      })),
      reservedNumbers: reserved.numbers,
      reservedNames: reserved.names,
    };
  }

  private service(service: protobuf.Service): ProtoService {
    const fullName = stripDot(service.fullName);
    return {
      ...this.named("service", fullName, service.name),
      fullName,
      methods: service.methodsArray.map(
        (m): ProtoMethod => ({
          ...this.named("method", `${fullName}.${m.name}`, m.name),
          requestType: m.requestType,
          responseType: m.responseType,
          requestStream: m.requestStream === true,
          responseStream: m.responseStream === true,
        }),
      ),
    };
  }

  private named(kind: DeclKind, fullName: string, name: string): ProtoNamed {
    const decl = this.index.decls.get(`${kind}:${fullName}`);
    // The scanner sees every declaration protobufjs accepts; line 1 is a safe fallback all the same.
    const named: ProtoNamed = { name, range: decl?.range ?? pointRange({ line: 1, column: 1 }) };
    if (decl?.comment) named.comment = decl.comment;
    return named;
  }
}

function stripDot(fullName: string): string {
  return fullName.startsWith(".") ? fullName.slice(1) : fullName;
}

function splitReserved(reserved: (number[] | string)[] | undefined): { numbers: [number, number][]; names: string[] } {
  const numbers: [number, number][] = [];
  const names: string[] = [];
  for (const entry of reserved ?? []) {
    if (typeof entry === "string") names.push(entry);
    else numbers.push([entry[0]!, entry[1]!]);
  }
  return { numbers, names };
}

// ---------------------------------------------------------------------------------------------
// Parse errors

function parseErrorDiagnostic(path: string, error: unknown, index: ProtoIndex, lineCount: number): LoadDiagnostic {
  const reason = error instanceof Error ? error.message : String(error);
  let range = pointRange({ line: 1, column: 1 });
  const reportedLine = /\(line (\d+)\)/.exec(reason)?.[1];
  // protobufjs counts one line too many when the file ends inside a `//` comment.
  const lineNumber = reportedLine ? Math.min(Number(reportedLine), lineCount) : undefined;
  const culprit = /'([^']*)'/.exec(reason)?.[1];
  if (/^illegal comment\b/.test(reason) && index.unterminatedComment) {
    range = index.unterminatedComment; // protobufjs reports the end of the file; the mistake is where it opens
  } else if (/^max depth exceeded/.test(reason) && index.firstDeep) {
    range = index.firstDeep;
  } else if (lineNumber !== undefined) {
    // protobufjs names the offending token: point at it on that line when we can find it.
    const token = index.tokens.find((t) => t.start.line === lineNumber && t.text === culprit);
    range = token ? { start: token.start, end: token.end } : pointRange({ line: lineNumber, column: 1 });
  } else if (culprit && /duplicate name/.test(reason)) {
    const duplicate = index.names.filter((n) => n.name === culprit).at(-1);
    if (duplicate) range = duplicate.range;
  }
  let hint = "";
  if (!index.header.syntax && !index.header.edition && /illegal token/.test(reason)) {
    hint =
      ' The file declares no `syntax`, so it is read as proto2, where every field needs a label' +
      ' (`optional`, `required` or `repeated`); declare `syntax = "proto3";` if that is what it is written in.';
  }
  return {
    kind: "parse-error",
    path,
    range,
    message: `Proto file does not parse: ${describeProtoError(reason, range)}.${hint} Rules that read protos skip this file.`,
  };
}

/** Words of the proto language: an unexpected one is named in a message, any other word is not. */
const PROTO_KEYWORDS = new Set([
  "syntax", "edition", "package", "import", "public", "weak", "option", "message", "enum", "service", "rpc",
  "returns", "stream", "oneof", "map", "reserved", "extensions", "extend", "to", "max", "optional", "required",
  "repeated", "group", "export", "local", "true", "false", "double", "float", "int32", "int64", "uint32", "uint64",
  "sint32", "sint64", "fixed32", "fixed64", "sfixed32", "sfixed64", "bool", "string", "bytes",
]);

/** A keyword or a short run of punctuation; anything else protobufjs quotes is the file's text (maybe a secret). */
function quotable(token: string): boolean {
  return PROTO_KEYWORDS.has(token) || /^[{}=;:[\],()<>./-]{1,3}$/.test(token);
}

/**
 * protobufjs's reason in our own words. Its messages quote the offending input (`illegal token
 * 'ghp_...'`, `duplicate name 'x' in Type y`): only keywords and punctuation are repeated here.
 */
function describeProtoError(reason: string, range: Range): string {
  const where = `line ${range.start.line}`;
  if (/^illegal comment\b/.test(reason)) return `a block comment (\`/*\`) opened on ${where} is never closed`;
  if (/^illegal string\b/.test(reason)) return `a string is not closed on ${where}`;
  if (/^max depth exceeded/.test(reason)) return `nesting is too deep near ${where} (protobuf allows 32 levels of nested messages)`;
  const expected = /^illegal token '([^']*)', '([^']*)' expected/.exec(reason);
  if (expected) {
    const want = quotable(expected[2]!) ? `\`${expected[2]}\`` : "another token";
    const found = quotable(expected[1]!) ? `, found \`${expected[1]}\`` : "";
    return `expected ${want}${found} on ${where}`;
  }
  const illegal = /^illegal ([a-z ]+?) '([^']*)'/.exec(reason);
  if (illegal) {
    const [, what, token] = illegal as unknown as [string, string, string];
    if (what === "end of input") return `unexpected end of file on ${where}`;
    if (what === "token") return `unexpected ${quotable(token) ? `\`${token}\`` : "word"} on ${where}`;
    // id, name, type, type name, value, number, integer, syntax, edition, service name: protobufjs's own vocabulary.
    return `invalid ${what === "id" ? "field number" : what} on ${where}`;
  }
  if (/^duplicate name\b/.test(reason)) return `a name is declared twice in the same scope (${where})`;
  if (/^duplicate id\b/.test(reason)) return "two fields of one message use the same number";
  if (/^id \d+ is reserved\b/.test(reason)) return "a field uses a reserved number";
  if (/^name '[^']*' is reserved\b/.test(reason)) return "a field uses a reserved name";
  return range.start.line > 1 ? `invalid protobuf near ${where}` : "invalid protobuf";
}

// ---------------------------------------------------------------------------------------------
// Position index: a tokenizer with positions and a tolerant walk over declarations

interface Token {
  text: string;
  kind: "word" | "string" | "punct";
  start: Position;
  end: Position;
  /** Comments between the previous token and this one. */
  comments: Comment[];
}

interface Comment {
  text: string;
  startLine: number;
  endLine: number;
  /** Starts on the line of the previous token: it belongs to that declaration, not the next. */
  trailing: boolean;
}

type DeclKind = "message" | "field" | "enum" | "value" | "service" | "method";

interface ProtoIndex {
  tokens: Token[];
  header: Pick<ProtoFile, "syntax" | "edition" | "package" | "options" | "imports">;
  /** `<kind>:<full name>` -> where the name is written and its leading comment. */
  decls: Map<string, { range: Range; comment?: string }>;
  /** Every declared name in order, to place errors protobufjs reports without a line. */
  names: { name: string; range: Range }[];
  /** Where a `/*` comment opens that is never closed. */
  unterminatedComment?: Range;
  /** The `{` past MAX_SCAN_DEPTH nested blocks, where the scan stopped. */
  tooDeep?: Range;
  /** The first declaration inside PROTOBUF_NESTING_LIMIT blocks (protobufjs: "max depth exceeded", no line). */
  firstDeep?: Range;
}

/** Nested blocks the scanner follows (it recurses per block); protobufjs itself stops at 32 nested messages. */
const MAX_SCAN_DEPTH = 100;
const PROTOBUF_NESTING_LIMIT = 32;

/** Same delimiters as protobufjs's tokenizer, so words (`foo.v1`, `-5`, `.baz`) split alike. */
const DELIMITERS = new Set([..." \t\r\n\f\v{}=;:[],'\"()<>/"]);

function tokenizeProto(text: string): { tokens: Token[]; unterminatedComment?: Range } {
  const tokens: Token[] = [];
  let unterminatedComment: Range | undefined;
  let pending: Comment[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  let lastTokenLine = 0;
  const pos = (offset: number): Position => ({ line, column: offset - lineStart + 1 });
  const newline = (offset: number) => {
    line++;
    lineStart = offset + 1;
  };
  const push = (text: string, kind: Token["kind"], start: Position, end: Position) => {
    tokens.push({ text, kind, start, end, comments: pending });
    pending = [];
    lastTokenLine = end.line;
  };

  while (i < text.length) {
    const c = text[i]!;
    if (c === "\n") {
      newline(i);
      i++;
    } else if (/\s/.test(c)) {
      i++;
    } else if (c === "/" && text[i + 1] === "/") {
      const end = text.indexOf("\n", i);
      const stop = end === -1 ? text.length : end;
      addComment(pending, text.slice(i + 2, stop), line, line, line === lastTokenLine);
      i = stop;
    } else if (c === "/" && text[i + 1] === "*") {
      const startLine = line;
      const close = text.indexOf("*/", i + 2);
      if (close === -1) unterminatedComment = { start: pos(i), end: pos(i + 2) };
      const stop = close === -1 ? text.length : close + 2;
      for (let j = i; j < stop; j++) if (text[j] === "\n") newline(j);
      const body = text.slice(i + 2, close === -1 ? text.length : close);
      addComment(pending, body, startLine, line, startLine === lastTokenLine);
      i = stop;
    } else if (c === '"' || c === "'") {
      const start = pos(i);
      let j = i + 1;
      while (j < text.length && text[j] !== c && text[j] !== "\n") j += text[j] === "\\" ? 2 : 1;
      const stop = Math.min(j + 1, text.length);
      push(text.slice(i, stop), "string", start, pos(stop));
      i = stop;
    } else if (DELIMITERS.has(c)) {
      push(c, "punct", pos(i), pos(i + 1));
      i++;
    } else {
      let j = i + 1;
      while (j < text.length && !DELIMITERS.has(text[j]!)) j++;
      push(text.slice(i, j), "word", pos(i), pos(j));
      i = j;
    }
  }
  return { tokens, unterminatedComment };
}

function addComment(into: Comment[], raw: string, startLine: number, endLine: number, trailing: boolean) {
  const text = raw
    .split("\n")
    .map((l) => l.replace(/^\s*\*?/, "").replace(/^\//, "").trim())
    .join("\n")
    .trim();
  into.push({ text, startLine, endLine, trailing });
}

/** The comment block that ends on the line just above a declaration, with no blank line between. */
function leadingComment(token: Token): string | undefined {
  const block: string[] = []; // last comment first: reversed once at the end (unshift per line is quadratic)
  let nextLine = token.start.line;
  for (let k = token.comments.length - 1; k >= 0; k--) {
    const comment = token.comments[k]!;
    if (comment.trailing || comment.endLine < nextLine - 1) break;
    block.push(comment.text);
    nextLine = comment.startLine;
  }
  const text = block.reverse().join("\n").trim();
  return text || undefined;
}

function pointRange(start: Position): Range {
  return { start, end: start };
}

function tokenRange(first: Token, last: Token = first): Range {
  return { start: first.start, end: last.end };
}

function scanProto(text: string): ProtoIndex {
  const { tokens, unterminatedComment } = tokenizeProto(text);
  const index: ProtoIndex = { tokens, header: { options: {}, imports: [] }, decls: new Map(), names: [] };
  if (unterminatedComment) index.unterminatedComment = unterminatedComment;
  let at = 0;
  /** Blocks open around the current statement; the walk recurses once per block. */
  let depth = 0;
  const peek = (offset = 0): Token | undefined => tokens[at + offset];
  const next = (): Token | undefined => tokens[at++];
  const is = (token: Token | undefined, text: string) => token?.kind !== "string" && token?.text === text;

  const declare = (kind: DeclKind, fullName: string, nameToken: Token, commentToken: Token) => {
    const range = tokenRange(nameToken);
    if (depth >= PROTOBUF_NESTING_LIMIT && !index.firstDeep) index.firstDeep = range;
    index.decls.set(`${kind}:${fullName}`, { range, comment: leadingComment(commentToken) });
    index.names.push({ name: nameToken.text, range });
  };

  /** Skips to the end of a statement: its `;`, or the `}` closing a block it opened. */
  const skipStatement = () => {
    let depth = 0;
    for (let t = peek(); t; t = peek()) {
      if (is(t, "}") && depth === 0) return; // the enclosing block's end: not ours to consume
      next();
      if (is(t, "{")) depth++;
      else if (is(t, "}") && --depth === 0) return;
      else if (is(t, ";") && depth === 0) return;
    }
  };

  /** Consumes adjacent string literals ("a" "b" concatenate in protobuf). */
  const readStrings = (): ProtoValue | undefined => {
    const first = peek();
    if (first?.kind !== "string") return undefined;
    let value = "";
    let last = first;
    while (peek()?.kind === "string") {
      last = next()!;
      value += protobuf.tokenize.unescape(last.text.slice(1, -1));
    }
    return { value, range: tokenRange(first, last) };
  };

  const readOption = () => {
    const nameTokens: Token[] = [];
    while (peek() && !is(peek(), "=") && !is(peek(), ";") && !is(peek(), "}")) nameTokens.push(next()!);
    if (nameTokens.length === 0 || !is(peek(), "=")) return skipStatement();
    next();
    const name = nameTokens.map((t) => t.text).join("");
    const strings = readStrings();
    const valueToken = peek();
    if (strings) index.header.options[name] = strings;
    else if (valueToken?.kind === "word") {
      next();
      const raw = valueToken.text;
      const value = raw === "true" ? true : raw === "false" ? false : /^[-+]?(0x[0-9a-f]+|\d|\.\d)/i.test(raw) ? Number(raw) : raw;
      index.header.options[name] = { value, range: tokenRange(valueToken) };
    }
    // Aggregate values (`{ ... }`) are not scalars: the model leaves them out.
    skipStatement();
  };

  const scanFile = () => {
    while (peek()) {
      const t = peek()!;
      if (is(t, "syntax") || is(t, "edition")) {
        next();
        if (is(peek(), "=")) next();
        const value = readStrings();
        if (value) index.header[t.text === "syntax" ? "syntax" : "edition"] = value;
        skipStatement();
      } else if (is(t, "package")) {
        next();
        const name = peek();
        if (name?.kind === "word") index.header.package = { value: name.text, range: tokenRange(name) };
        skipStatement();
      } else if (is(t, "import")) {
        next();
        let kind: "normal" | "public" | "weak" = "normal";
        if (is(peek(), "public") || is(peek(), "weak")) kind = next()!.text as "public" | "weak";
        else if (is(peek(), "option")) next(); // editions 2024 option-only import: still a dependency
        const value = readStrings();
        if (value) index.header.imports.push({ ...value, kind });
        skipStatement();
      } else if (is(t, "option")) {
        next();
        readOption();
      } else if (is(t, "}")) {
        next(); // stray brace: protobufjs reports it; keep scanning
      } else {
        scanDeclaration(index.header.package?.value ?? "", "file");
      }
    }
  };

  /** Scans a block's statements up to its closing brace (consumed). Past MAX_SCAN_DEPTH the scan stops. */
  const scanBlock = (scope: string, kind: "message" | "enum" | "service" | "oneof" | "extend") => {
    if (depth >= MAX_SCAN_DEPTH) {
      index.tooDeep = tokenRange(tokens[at - 1]!); // the `{` just consumed
      at = tokens.length; // every enclosing loop ends at once
      return;
    }
    depth++;
    while (peek() && !is(peek(), "}")) scanDeclaration(scope, kind);
    if (is(peek(), "}")) next();
    depth--;
  };

  const openBlock = (): boolean => {
    if (!is(peek(), "{")) return false;
    next();
    return true;
  };

  const scanDeclaration = (scope: string, inside: "file" | "message" | "enum" | "service" | "oneof" | "extend") => {
    const lead = peek()!;
    // Edition 2024 visibility: `export message M {}` / `local enum E {}`.
    const visibility = (is(lead, "export") || is(lead, "local")) && (is(peek(1), "message") || is(peek(1), "enum"));
    if (visibility) next();
    const first = peek()!;
    const qualify = (name: string) => (scope ? `${scope}.${name}` : name);
    if (is(first, ";")) {
      next();
      return;
    }
    if (is(first, "option") || is(first, "reserved") || is(first, "extensions")) return skipStatement();
    if (inside !== "enum" && inside !== "service" && (is(first, "message") || is(first, "enum") || is(first, "service"))) {
      next();
      const name = peek();
      if (name?.kind !== "word") return skipStatement();
      next();
      const fullName = qualify(name.text);
      declare(first.text as DeclKind, fullName, name, lead);
      if (!openBlock()) return skipStatement();
      return scanBlock(fullName, first.text as "message" | "enum" | "service");
    }
    if (is(first, "extend") && inside !== "enum" && inside !== "service") {
      next();
      while (peek() && !is(peek(), "{") && !is(peek(), ";")) next();
      if (!openBlock()) return skipStatement();
      return scanBlock(scope, "extend");
    }
    if (inside === "service") {
      if (is(first, "rpc")) {
        next();
        const name = peek();
        if (name?.kind === "word") declare("method", qualify(name.text), name, first);
      }
      return skipStatement();
    }
    if (inside === "enum") {
      if (first.kind === "word" && is(peek(1), "=")) declare("value", qualify(first.text), first, first);
      return skipStatement();
    }
    if (inside === "file") return skipStatement();
    // A field, oneof, map field or group inside a message (or an extension field inside `extend`).
    if (is(first, "oneof")) {
      next();
      if (peek()?.kind === "word") next();
      if (!openBlock()) return skipStatement();
      return scanBlock(scope, "oneof");
    }
    const statement: Token[] = [];
    while (peek() && !is(peek(), "=") && !is(peek(), ";") && !is(peek(), "{") && !is(peek(), "}")) statement.push(next()!);
    const name = statement.at(-1);
    const groupAt = statement.findIndex((t) => is(t, "group"));
    if (groupAt !== -1 && statement[groupAt + 1]) {
      // `optional group Result = 1 { ... }` declares message Result and field `result`.
      const groupName = statement[groupAt + 1]!;
      const fieldName = groupName.text.charAt(0).toLowerCase() + groupName.text.slice(1);
      if (inside !== "extend") declare("field", `${scope}.${fieldName}`, groupName, first);
      const typeName = qualify(groupName.text.charAt(0).toUpperCase() + groupName.text.slice(1));
      declare("message", typeName, groupName, first);
      while (peek() && !is(peek(), "{") && !is(peek(), ";") && !is(peek(), "}")) next();
      if (!openBlock()) return skipStatement();
      return scanBlock(typeName, "message");
    }
    if (name?.kind === "word" && is(peek(), "=") && inside !== "extend") declare("field", `${scope}.${name.text}`, name, first);
    skipStatement();
  };

  scanFile();
  return index;
}
