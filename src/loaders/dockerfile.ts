/**
 * Dockerfile loader: dockerfile-ast finds the instructions, and we rebuild what it gets wrong
 * (see docs REFERENCE §3): logical lines are rebuilt from the raw text (it keeps comment lines inside
 * continuations and loses text after a comment holding a backslash), flags and words come from our own
 * tokenizer (its COPY --from is null beside other flags), FROM images are resolved here from the global
 * ARGs (its expansion of `${X:-d}`, `ARG A=1 B=2` and chained defaults is wrong), getHeredocs() is
 * guarded (it can throw), and an unterminated heredoc is a parse error.
 */
import { DockerfileParser, type Heredoc, type Instruction } from "dockerfile-ast";
import type { DockerFlag, DockerFrom, DockerInstruction, DockerStage, DockerfileModel } from "../model/artifacts.js";
import type { LoadDiagnostic } from "../model/finding.js";
import type { Range } from "../model/location.js";
import { parseImageRef } from "./image-ref.js";
import type { LoadResult } from "./load-result.js";

const KEYWORDS = new Set([
  "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL",
  "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
]);

/** Instructions whose leading `--name[=value]` words are flags rather than arguments. */
const FLAG_KEYWORDS = new Set(["FROM", "RUN", "COPY", "ADD", "HEALTHCHECK"]);

/** Build arguments BuildKit sets itself: their value depends on the build, never on the file. */
const AUTOMATIC_ARGS = new Set([
  "TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT",
  "BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT",
]);

export function loadDockerfile(path: string, text: string): LoadResult<DockerfileModel> {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lines = source.split(/\r\n|\r|\n/);
  const diagnostics: LoadDiagnostic[] = [];
  const fail = (range: Range, message: string) => diagnostics.push({ kind: "parse-error", path, range, message });

  let nodes: Instruction[];
  let escape: string;
  let customFrontend = false;
  try {
    const parsed = DockerfileParser.parse(source);
    nodes = parsed.getInstructions();
    escape = parsed.getEscapeCharacter();
    // A `# syntax=` directive naming another frontend may accept instructions Docker's does not.
    customFrontend = parsed
      .getDirectives()
      .some((d) => d.getName().toLowerCase() === "syntax" && !/docker\/dockerfile/i.test(d.getValue()));
  } catch {
    // The parser's message may quote the file's text: say what happened, not what it read.
    fail(pointAt(0, 0), "Dockerfile could not be parsed (the parser failed on this file), so it was not checked.");
    return { diagnostics };
  }
  try {
    return buildModel(path, nodes, lines, escape, customFrontend, diagnostics, fail);
  } catch {
    // Every known cause is handled below; this keeps an unforeseen one from ending the scan.
    return {
      diagnostics: [
        ...diagnostics,
        { kind: "parse-error", path, range: pointAt(0, 0), message: "Dockerfile could not be read (internal error), so it was not checked." },
      ],
    };
  }
}

function buildModel(
  path: string,
  nodes: Instruction[],
  lines: string[],
  escape: string,
  customFrontend: boolean,
  diagnostics: LoadDiagnostic[],
  fail: (range: Range, message: string) => void,
): LoadResult<DockerfileModel> {
  const instructions: DockerInstruction[] = [];
  let consumedThrough = -1;
  let reportedUnknown = false;
  for (const node of nodes) {
    const startLine = node.getRange().start.line;
    // dockerfile-ast may split a logical line we already read whole (comment lines inside continuations).
    if (startLine <= consumedThrough) continue;
    const built = buildInstruction(node, lines, escape);
    consumedThrough = built.lastLine;
    if (built.unterminated) {
      // The delimiter is not quoted: it is the file's text, and messages never echo unknown words.
      fail(
        built.unterminated.range,
        `The heredoc opened on line ${built.unterminated.range.start.line} is never closed by a line holding only its delimiter: ` +
          `Docker reads the rest of the file into it, so the instructions after line ${startLine + 1} are not part of the image.`,
      );
      return { diagnostics };
    }
    if (!KEYWORDS.has(built.instruction.keyword)) {
      // Docker stops at the first unknown instruction; so do we, once, to keep garbage files to one message.
      if (!customFrontend && !reportedUnknown) {
        reportedUnknown = true;
        // The word is not quoted: it is not a keyword, so it may be anything (a pasted token).
        const range = keywordRange(node);
        fail(range, `Unknown instruction at line ${range.start.line}: docker build rejects this file.`);
      }
      continue;
    }
    instructions.push(built.instruction);
  }

  const model = buildStages(path, instructions, fail);
  if (model.stages.length === 0) {
    const first = instructions[0];
    // A garbage file already has its unknown-instruction error; one message is enough.
    if (diagnostics.length === 0) {
      fail(
        first ? first.range : pointAt(0, 0),
        "No FROM instruction: this is not a buildable Dockerfile (every build stage starts with FROM).",
      );
    }
    return { diagnostics };
  }
  return { value: model, diagnostics };
}

// ---------------------------------------------------------------------------------------------
// Instructions

interface Piece {
  /** 0-based physical line and UTF-16 column where this piece of the logical line starts. */
  line: number;
  column: number;
  text: string;
}

interface BuiltInstruction {
  instruction: DockerInstruction;
  /** Last physical line (0-based) the instruction occupies, heredoc bodies included. */
  lastLine: number;
  unterminated?: { name: string; range: Range };
}

function buildInstruction(node: Instruction, lines: string[], escape: string): BuiltInstruction {
  const keyword = node.getKeyword();
  const keywordEnd = node.getInstructionRange().end;
  const { pieces, lastLine } = logicalLine(lines, keywordEnd.line, keywordEnd.character, escape);
  const logical = pieces.map((p) => p.text).join("");

  // Heredoc bodies follow the logical line, up to where dockerfile-ast ends the instruction.
  let bodyEnd = lastLine;
  let unterminated: BuiltInstruction["unterminated"];
  if (/<<-?\s*["']?[A-Za-z_]/.test(logical)) {
    const heredocs = safeHeredocs(node);
    const open = heredocs?.find((h) => h.getDelimiterRange() === null);
    if (open) {
      unterminated = { name: open.getName(), range: toRange(open.getStartRange()) };
    } else if (heredocs === undefined || heredocs.length > 0) {
      bodyEnd = Math.max(lastLine, lastContentLine(lines, node.getRange().end));
    }
  }
  const body = lines.slice(lastLine + 1, bodyEnd + 1);

  const words = splitWords(logical, escape);
  const flags: DockerFlag[] = [];
  let firstArg = 0;
  if (FLAG_KEYWORDS.has(keyword)) {
    while (firstArg < words.length && words[firstArg].value.startsWith("--")) {
      const word = words[firstArg].value.slice(2);
      const eq = word.indexOf("=");
      flags.push(eq < 0 ? { name: word, value: null } : { name: word.slice(0, eq), value: word.slice(eq + 1) });
      firstArg++;
    }
  }
  const argOffset = firstArg < words.length ? words[firstArg].start : logical.length;
  const exec = body.length === 0 ? parseExecForm(logical.slice(argOffset)) : null;
  const args = exec ?? words.slice(firstArg).map((w) => w.value);

  const start = node.getRange().start;
  const instruction: DockerInstruction = {
    keyword,
    text: [logical.trim(), ...body].join("\n"),
    args,
    flags,
    exec,
    range: {
      start: { line: start.line + 1, column: start.character + 1 },
      end: { line: bodyEnd + 1, column: (lines[bodyEnd] ?? "").length + 1 },
    },
    argsRange: argsRange(pieces, argOffset, keywordEnd.line, keywordEnd.character),
  };
  return { instruction, lastLine: bodyEnd, unterminated };
}

/**
 * Docker's reading of one logical line: a line ending in the escape character (spaces may follow it)
 * continues on the next line; comment lines and blank lines inside the continuation are dropped.
 * Pieces are concatenated as Docker does, without a separator.
 */
function logicalLine(lines: string[], line: number, column: number, escape: string): { pieces: Piece[]; lastLine: number } {
  const pieces: Piece[] = [];
  let current = line;
  let from = column;
  for (;;) {
    const segment = (lines[current] ?? "").slice(from);
    const cut = continuationIndex(segment, escape);
    if (cut < 0) {
      pieces.push({ line: current, column: from, text: segment });
      return { pieces, lastLine: current };
    }
    pieces.push({ line: current, column: from, text: segment.slice(0, cut) });
    let next = current + 1;
    while (next < lines.length && (lines[next].trim() === "" || lines[next].trimStart().startsWith("#"))) next++;
    if (next >= lines.length) return { pieces, lastLine: current }; // continued into the end of the file
    current = next;
    from = 0;
  }
}

/** Index of the trailing escape character that continues the line, or -1. */
function continuationIndex(segment: string, escape: string): number {
  const trimmed = segment.replace(/[ \t]+$/, "");
  return trimmed.endsWith(escape) ? trimmed.length - 1 : -1;
}

function safeHeredocs(node: Instruction): Heredoc[] | undefined {
  // Public on RUN, COPY and ADD only (protected on the base class).
  const getter = (node as unknown as { getHeredocs?: () => Heredoc[] }).getHeredocs;
  if (typeof getter !== "function") return [];
  try {
    return getter.call(node);
  } catch {
    // Known defect: throws on some continuations followed by comments; fall back to the instruction range.
    return undefined;
  }
}

/** The last line holding text at or before an LSP end position (which may sit at column 0 of the next line). */
function lastContentLine(lines: string[], end: { line: number; character: number }): number {
  return end.character === 0 && end.line > 0 ? end.line - 1 : Math.min(end.line, lines.length - 1);
}

interface Word {
  value: string;
  /** Offset of the word's first character in the logical line. */
  start: number;
}

/** Splits like Docker's word lexer: whitespace separates, quotes group and are removed, escapes are kept literal. */
function splitWords(text: string, escape: string): Word[] {
  const words: Word[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && (text[i] === " " || text[i] === "\t")) i++;
    if (i >= text.length) break;
    const start = i;
    let value = "";
    while (i < text.length && text[i] !== " " && text[i] !== "\t") {
      const ch = text[i];
      if (ch === escape && i + 1 < text.length) {
        value += text[i + 1];
        i += 2;
      } else if (ch === "$" && text[i + 1] === "{") {
        // `${X:-a b}` is one word even with spaces inside the braces.
        const close = matchingBrace(text, i + 1);
        const end = close < 0 ? text.length : close + 1;
        value += text.slice(i, end);
        i = end;
      } else if (ch === "'") {
        const close = text.indexOf("'", i + 1);
        const end = close < 0 ? text.length : close;
        value += text.slice(i + 1, end);
        i = end + 1;
      } else if (ch === '"') {
        i++;
        while (i < text.length && text[i] !== '"') {
          if (text[i] === escape && i + 1 < text.length && '"$'.concat(escape).includes(text[i + 1])) i++;
          value += text[i];
          i++;
        }
        i++;
      } else {
        value += ch;
        i++;
      }
    }
    words.push({ value, start });
  }
  return words;
}

/** Exec form is exactly a JSON array of strings; anything else (single quotes, trailing text) is shell form. */
function parseExecForm(text: string): string[] | null {
  const trimmed = text.trim();
  if (!trimmed.startsWith("[")) return null;
  try {
    const value: unknown = JSON.parse(trimmed);
    return Array.isArray(value) && value.every((v) => typeof v === "string") ? value : null;
  } catch {
    return null;
  }
}

/** From the first argument after the flags to the end of that physical line (continuation escape excluded). */
function argsRange(pieces: Piece[], offset: number, keywordLine: number, keywordEnd: number): Range {
  let consumed = 0;
  for (const piece of pieces) {
    if (offset < consumed + piece.text.length) {
      const column = piece.column + (offset - consumed);
      const endColumn = Math.max(column, piece.column + piece.text.replace(/\s+$/, "").length);
      return { start: { line: piece.line + 1, column: column + 1 }, end: { line: piece.line + 1, column: endColumn + 1 } };
    }
    consumed += piece.text.length;
  }
  return pointAt(keywordLine, keywordEnd);
}

// ---------------------------------------------------------------------------------------------
// Stages and FROM resolution

function buildStages(
  path: string,
  instructions: DockerInstruction[],
  fail: (range: Range, message: string) => void,
): DockerfileModel {
  const globalArgs: DockerInstruction[] = [];
  const stages: DockerStage[] = [];
  /** Stage name -> index of the first stage with that name (a Map: files with thousands of stages exist). */
  const stageIndex = new Map<string, number>();
  const scope = new Map<string, ArgValue>();

  for (const instruction of instructions) {
    if (instruction.keyword === "FROM") {
      const { from, name } = resolveFrom(instruction, scope, stageIndex, fail);
      if (name !== undefined && !stageIndex.has(name)) stageIndex.set(name, stages.length);
      stages.push({ index: stages.length, ...(name !== undefined && { name }), from, instructions: [] });
    } else if (stages.length > 0) {
      stages[stages.length - 1].instructions.push(instruction);
    } else if (instruction.keyword === "ARG") {
      globalArgs.push(instruction);
      declareArgs(instruction, scope);
    } else {
      fail(
        instruction.range,
        `${instruction.keyword} before the first FROM: only ARG may come before FROM, so docker build rejects this file.`,
      );
    }
  }
  return { path, globalArgs, stages };
}

function resolveFrom(
  instruction: DockerInstruction,
  scope: Map<string, ArgValue>,
  stageIndex: ReadonlyMap<string, number>,
  fail: (range: Range, message: string) => void,
): { from: DockerFrom; name?: string } {
  const platform = instruction.flags.find((f) => f.name === "platform")?.value ?? undefined;
  const from: DockerFrom = { instruction, scratch: false, unresolved: false, ...(platform && { platform }) };
  const [written, as, stageName] = instruction.args;
  const name = as?.toLowerCase() === "as" && stageName ? stageName.toLowerCase() : undefined;
  if (written === undefined) {
    fail(instruction.range, "FROM names no image: docker build rejects this file.");
    return { from: { ...from, unresolved: true }, name };
  }
  if (instruction.args.length !== 1 && name === undefined) {
    fail(
      instruction.argsRange,
      `FROM on line ${instruction.range.start.line} has ${instruction.args.length} words where it takes one image and an optional "AS name": docker build rejects it.`,
    );
  }

  const expanded = expand(written, scope);
  if (expanded === undefined || expanded.trim() === "") return { from: { ...from, unresolved: true }, name };
  const reference = expanded.trim();
  const lower = reference.toLowerCase();
  // An earlier stage's name shadows any image of that name.
  const parent = stageIndex.get(lower);
  if (parent !== undefined) return { from: { ...from, parentStage: parent }, name };
  if (lower === "scratch") return { from: { ...from, scratch: true }, name };

  const image = parseImageRef(reference);
  if (!image) {
    // Never quote the reference: after expansion it can hold an ARG default, which may be a password.
    const after = written.includes("$") ? " after ARG expansion" : "";
    fail(instruction.argsRange, `The image reference on line ${instruction.range.start.line} is not valid${after}: docker build rejects it.`);
    return { from: { ...from, unresolved: true }, name };
  }
  return { from: { ...from, image }, name };
}

/** A build argument's value as far as the file tells: a string, declared without default, or unknown. */
type ArgValue = { kind: "value"; value: string } | { kind: "unset" } | { kind: "unknown" };

/** `ARG A=1 B=${A}`: each name in order, defaults expanded with what is declared so far. */
function declareArgs(instruction: DockerInstruction, scope: Map<string, ArgValue>): void {
  for (const word of instruction.args) {
    const eq = word.indexOf("=");
    const name = eq < 0 ? word : word.slice(0, eq);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) continue;
    if (eq < 0) {
      if (!scope.has(name)) scope.set(name, { kind: "unset" });
      continue;
    }
    const value = expand(word.slice(eq + 1), scope);
    scope.set(name, value === undefined ? { kind: "unknown" } : { kind: "value", value });
  }
}

function lookup(name: string, scope: Map<string, ArgValue>): ArgValue {
  if (AUTOMATIC_ARGS.has(name)) return { kind: "unknown" };
  return scope.get(name) ?? { kind: "unset" };
}

/** Expansions longer than this are unresolved: `ARG A1=${A0}${A0}` chains double at every step. */
const MAX_EXPANDED_LENGTH = 4096;
/** `${A:-${B:-${C}}}` nested deeper than this is unresolved (real files nest two or three levels). */
const MAX_EXPANSION_DEPTH = 16;

/**
 * Expands `$X`, `${X}`, `${X:-d}`, `${X-d}`, `${X:+a}`, `${X+a}`, `${X:?m}` as the default build
 * (no --build-arg) would. Returns undefined when the result depends on a value the file does not give:
 * a plain reference to an argument without default, an automatic platform argument, or an unsupported
 * form; and when it would grow past MAX_EXPANDED_LENGTH or nest past MAX_EXPANSION_DEPTH.
 */
function expand(text: string, scope: Map<string, ArgValue>, depth = 0): string | undefined {
  if (depth > MAX_EXPANSION_DEPTH || text.length > MAX_EXPANDED_LENGTH) return undefined;
  let out = "";
  let i = 0;
  while (i < text.length) {
    if (out.length > MAX_EXPANDED_LENGTH) return undefined;
    const ch = text[i];
    if (ch === "\\" && text[i + 1] === "$") {
      out += "$";
      i += 2;
      continue;
    }
    if (ch !== "$") {
      out += ch;
      i++;
      continue;
    }
    if (text[i + 1] === "{") {
      const close = matchingBrace(text, i + 1);
      if (close < 0) return undefined;
      const value = expandBraced(text.slice(i + 2, close), scope, depth);
      if (value === undefined) return undefined;
      out += value;
      i = close + 1;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1))?.[0];
    if (!name) {
      out += "$";
      i++;
      continue;
    }
    const arg = lookup(name, scope);
    if (arg.kind !== "value") return undefined;
    out += arg.value;
    i += 1 + name.length;
  }
  return out.length > MAX_EXPANDED_LENGTH ? undefined : out;
}

function expandBraced(inner: string, scope: Map<string, ArgValue>, depth: number): string | undefined {
  const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+?])([\s\S]*))?$/.exec(inner);
  if (!match) return undefined; // ${X#p}, ${X%p}, ${X/a/b}: not worth guessing
  const [, name, operator, word = ""] = match;
  const arg = lookup(name, scope);
  if (arg.kind === "unknown") return undefined;
  const isSet = arg.kind === "value";
  const value = isSet ? arg.value : "";
  const present = operator?.startsWith(":") ? isSet && value !== "" : isSet;
  switch (operator?.slice(-1)) {
    case undefined:
      return isSet ? value : undefined;
    case "-":
      return present ? value : expand(word, scope, depth + 1);
    case "+":
      return present ? expand(word, scope, depth + 1) : "";
    default: // "?": the build fails unless a value is given
      return present ? value : undefined;
  }
}

function matchingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === "{") depth++;
    else if (text[i] === "}" && --depth === 0) return i;
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------
// Positions: dockerfile-ast is 0-based LSP; the model is 1-based.

function toRange(range: { start: { line: number; character: number }; end: { line: number; character: number } }): Range {
  return {
    start: { line: range.start.line + 1, column: range.start.character + 1 },
    end: { line: range.end.line + 1, column: range.end.character + 1 },
  };
}

function keywordRange(node: Instruction): Range {
  return toRange(node.getInstructionRange());
}

function pointAt(line: number, character: number): Range {
  return { start: { line: line + 1, column: character + 1 }, end: { line: line + 1, column: character + 1 } };
}
