/**
 * Shell command lines with positions, for CI steps (`run:`, `script:`) and for the shell scripts they run
 * (`./scripts/test.sh`): enough to see which tools a pipeline runs. Not a shell: variables are not expanded
 * and control flow is not followed (every command line counts).
 */
import type { ShellScript } from "../model/artifacts.js";
import type { Position, Range } from "../model/location.js";
import type { LoadResult } from "./load-result.js";

export interface SourceLine {
  text: string;
  line: number;
  /** 1-based column of text[0]. */
  column: number;
}

export interface ShellCommand {
  text: string;
  range: Range;
}

/** A shell script file (`*.sh`, `*.bash`) as its command lines. */
export function loadShellScript(path: string, text: string): LoadResult<ShellScript> {
  const lines = text.split("\n").map((raw, index) => ({ text: raw.replace(/\r$/, ""), line: index + 1, column: 1 }));
  return { value: { path, commands: shellCommands(lines) }, diagnostics: [] };
}

/**
 * Splits script lines into shell commands: `\`-continued lines and lines ending in `&&`, `||` or `|`
 * join the next; comment lines and heredoc bodies are dropped; trailing `# comments` are cut.
 */
export function shellCommands(lines: (SourceLine & { endLine?: number; endColumn?: number })[]): ShellCommand[] {
  const commands: ShellCommand[] = [];
  let pending: { parts: string[]; start: Position; end: Position } | undefined;
  let heredoc: { word: string; stripTabs: boolean } | undefined;

  for (const line of lines) {
    if (heredoc) {
      const candidate = heredoc.stripTabs ? line.text.replace(/^\t+/, "") : line.text;
      if (candidate.trim() === heredoc.word) heredoc = undefined;
      continue;
    }
    const raw = stripComment(line.text);
    const code = raw.trimEnd();
    const lead = raw.length - raw.trimStart().length;
    if (!code.trim()) continue; // blank and comment-only lines (also inside a continuation)
    const startColumn = line.column + lead;
    const end: Position = { line: line.endLine ?? line.line, column: line.endColumn ?? line.column + code.length };
    if (!pending) pending = { parts: [], start: { line: line.line, column: startColumn }, end };
    pending.end = end;
    const continued = /\\$/.test(code);
    pending.parts.push((continued ? code.slice(0, -1) : code).trim());
    // `<<EOF`, `<<-'EOF'`; not `<<<` here-strings.
    const marker = /(?:^|[^<])<<(-?)\s*(['"]?)([A-Za-z_][A-Za-z0-9_]*)\2/.exec(code);
    if (continued || /(&&|\|\||\|)$/.test(code)) continue;
    commands.push({ text: pending.parts.filter(Boolean).join(" "), range: { start: pending.start, end: pending.end } });
    pending = undefined;
    if (marker) heredoc = { word: marker[3]!, stripTabs: marker[1] === "-" };
  }
  if (pending) commands.push({ text: pending.parts.filter(Boolean).join(" "), range: { start: pending.start, end: pending.end } });
  return commands;
}

/** Cuts a `#` comment that starts a word outside quotes (`$#`, `${#x}` and `"a#b"` are not comments). */
function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === "\\" && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === "\\") i++;
    else if (c === "'" || c === '"') quote = c;
    else if (c === "#" && (i === 0 || /\s/.test(line[i - 1]!))) return line.slice(0, i);
  }
  return line;
}
