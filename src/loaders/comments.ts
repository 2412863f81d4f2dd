/**
 * The comments of one file, in that file type's syntax, for inline suppressions. Only real comments:
 * a `#` inside a YAML block scalar or quoted string, or `//` inside a Go or TypeScript string, is text.
 * Called lazily by the engine's suppression pass, only for files that need it.
 */
import { DockerfileParser } from "dockerfile-ast";
import { ts } from "ts-morph";
import { Lexer } from "yaml";
import type { SourceComment } from "../model/artifacts.js";
import { classify } from "./discovery.js";

export type CommentSyntax = "hash" | "yaml" | "dockerfile" | "slash-go" | "slash-proto" | "typescript" | "none";

/** Which comment syntax a file uses, by its name. JSON has none. */
export function commentSyntax(filePath: string): CommentSyntax {
  const name = filePath.slice(filePath.lastIndexOf("/") + 1);
  const lower = name.toLowerCase();
  if (lower === "makefile" || lower === "gnumakefile" || lower.endsWith(".mk") || lower.endsWith(".sh") || lower.endsWith(".toml")) return "hash";
  if (name === "go.mod" || name === "go.work") return "slash-go";
  switch (classify(name)) {
    case "dockerfile":
      return "dockerfile";
    case "yaml":
      return "yaml";
    case "env":
      return "hash";
    case "go":
      return "slash-go";
    case "proto":
      return "slash-proto";
    case "typescript":
    case "javascript":
      return "typescript";
    default:
      return lower === "pnpm-lock.yaml" ? "yaml" : "none";
  }
}

export function extractComments(filePath: string, text: string): SourceComment[] {
  switch (commentSyntax(filePath)) {
    case "yaml":
      return yamlComments(text);
    case "dockerfile":
      return dockerfileComments(text);
    case "hash":
      return hashComments(text);
    case "slash-go":
      return cStyleComments(text, { backquote: true });
    case "slash-proto":
      return cStyleComments(text, { backquote: false });
    case "typescript":
      return typescriptComments(filePath, text);
    case "none":
      return [];
  }
}

/** Line starts, for turning offsets into 1-based lines and columns. */
function lineIndex(text: string): (offset: number) => { line: number; column: number } {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo]! + 1 };
  };
}

function comment(text: string, start: number, end: number, at: ReturnType<typeof lineIndex>, body: string): SourceComment {
  const from = at(start);
  return { text: body, line: from.line, column: from.column, endLine: at(Math.max(start, end - 1)).line };
}

/** YAML through the `yaml` lexer: block scalars and quoted strings are single tokens, so their `#` is text. */
function yamlComments(text: string): SourceComment[] {
  const at = lineIndex(text);
  const out: SourceComment[] = [];
  let offset = 0;
  for (const token of new Lexer().lex(text)) {
    // Control tokens (document start, scalar marker, flow end, BOM) are not in the source.
    if (token.length === 1 && (token === "\u0002" || token === "\u0018" || token === "\u001f" || token === "\ufeff")) continue;
    if (token.startsWith("#")) out.push(comment(text, offset, offset + token.length, at, token.slice(1)));
    offset += token.length;
  }
  return out;
}

function dockerfileComments(text: string): SourceComment[] {
  const out: SourceComment[] = [];
  for (const c of DockerfileParser.parse(text).getComments()) {
    const range = c.getRange();
    out.push({ text: c.getContent() ?? "", line: range.start.line + 1, column: range.start.character + 1, endLine: range.end.line + 1 });
  }
  return out;
}

/** `#` at the start of a line or after whitespace, outside quotes (.env, Makefiles, shell). */
function hashComments(text: string): SourceComment[] {
  const out: SourceComment[] = [];
  text.split("\n").forEach((line, i) => {
    let quote: string | undefined;
    for (let j = 0; j < line.length; j++) {
      const ch = line[j]!;
      if (quote) {
        if (ch === "\\" && quote === '"') j++;
        else if (ch === quote) quote = undefined;
      } else if (ch === '"' || ch === "'") {
        quote = ch;
      } else if (ch === "#" && (j === 0 || /\s/.test(line[j - 1]!))) {
        out.push({ text: line.slice(j + 1).replace(/\r$/, ""), line: i + 1, column: j + 1, endLine: i + 1 });
        return;
      }
    }
  });
  return out;
}

/** `//` and `/* *\/` outside "strings", 'runes' and (Go) `raw strings`. */
function cStyleComments(text: string, options: { backquote: boolean }): SourceComment[] {
  const at = lineIndex(text);
  const out: SourceComment[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === "/" && text[i + 1] === "/") {
      let end = text.indexOf("\n", i);
      if (end < 0) end = text.length;
      out.push(comment(text, i, end, at, text.slice(i + 2, end).replace(/\r$/, "")));
      i = end;
    } else if (ch === "/" && text[i + 1] === "*") {
      let end = text.indexOf("*/", i + 2);
      end = end < 0 ? text.length : end + 2;
      out.push(comment(text, i, end, at, text.slice(i + 2, Math.max(i + 2, end - 2))));
      i = end;
    } else if (ch === '"' || ch === "'" || (options.backquote && ch === "`")) {
      i++;
      while (i < text.length && text[i] !== ch) {
        if (ch !== "`" && text[i] === "\\") i++;
        else if (ch !== "`" && text[i] === "\n") break; // unterminated: stop at the line end
        i++;
      }
      i++;
    } else {
      i++;
    }
  }
  return out;
}

/** Every comment range TypeScript attaches to a token, found by walking the tree (strings, templates and regexes are tokens). */
function typescriptComments(filePath: string, text: string): SourceComment[] {
  const lower = filePath.toLowerCase();
  const kind = lower.endsWith(".tsx") ? ts.ScriptKind.TSX : lower.endsWith(".jsx") ? ts.ScriptKind.JSX : /\.[mc]?js$/.test(lower) ? ts.ScriptKind.JS : ts.ScriptKind.TS;
  const source = ts.createSourceFile(filePath, text, ts.ScriptTarget.Latest, true, kind);
  const at = lineIndex(text);
  const seen = new Set<number>();
  const out: SourceComment[] = [];
  const collect = (ranges: ts.CommentRange[] | undefined) => {
    for (const r of ranges ?? []) {
      if (seen.has(r.pos)) continue;
      seen.add(r.pos);
      const raw = text.slice(r.pos, r.end);
      const body = r.kind === ts.SyntaxKind.SingleLineCommentTrivia ? raw.slice(2) : raw.slice(2, -2);
      out.push(comment(text, r.pos, r.end, at, body));
    }
  };
  const visit = (node: ts.Node) => {
    collect(ts.getLeadingCommentRanges(text, node.getFullStart()));
    collect(ts.getTrailingCommentRanges(text, node.getEnd()));
    node.getChildren(source).forEach(visit);
  };
  visit(source);
  return out.sort((a, b) => a.line - b.line || a.column - b.column);
}
