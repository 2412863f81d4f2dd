/**
 * Reads the targets of a Makefile and their recipe lines, with positions: enough to follow `make test` from a
 * CI step to the commands it runs. Not a make implementation: variables are recorded, not expanded;
 * conditionals are ignored (recipes under every branch are kept); `include`d files are not followed.
 */
import type { Makefile, MakeRecipeLine, MakeTarget } from "../model/artifacts.js";
import type { LoadResult } from "./load-result.js";

const DIRECTIVE = /^\s*(-?include|sinclude|ifeq|ifneq|ifdef|ifndef|else|endif|export|unexport|vpath|undefine)(\s|$)/;
const ASSIGNMENT = /^\s*(?:(?:export|override)\s+)*([A-Za-z0-9_.-]+)\s*(\?|::?:?|\+|!)?=\s*(.*)$/;

interface LogicalLine {
  text: string;
  line: number;
  endLine: number;
  endColumn: number;
}

export function loadMakefile(path: string, text: string): LoadResult<Makefile> {
  const makefile: Makefile = { path, targets: [], variables: {} };
  const byName = new Map<string, MakeTarget>();
  let current: MakeTarget[] = [];
  let inDefine = false;

  for (const logical of logicalLines(text)) {
    const raw = logical.text;
    if (inDefine) {
      if (/^\s*endef\b/.test(raw)) inDefine = false;
      continue;
    }
    if (raw.startsWith("\t")) {
      if (current.length === 0) continue;
      const recipe = recipeLine(logical);
      if (recipe) for (const target of current) target.recipe.push(recipe);
      continue;
    }
    const trimmed = raw.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    if (/^\s*(?:(?:export|override)\s+)*define\b/.test(raw)) {
      inDefine = true;
      current = [];
      continue;
    }
    // Conditionals may wrap recipe lines of the current rule: they do not end it.
    if (/^\s*(ifeq|ifneq|ifdef|ifndef|else|endif)(\s|$)/.test(raw)) continue;
    const assignment = ASSIGNMENT.exec(raw);
    if (assignment && !assignment[1]!.includes(":")) {
      const [, name, op, value] = assignment;
      const cleaned = stripComment(value!).trim();
      makefile.variables[name!] = op === "+" && makefile.variables[name!] ? `${makefile.variables[name!]} ${cleaned}` : op === "?" && makefile.variables[name!] !== undefined ? makefile.variables[name!]! : cleaned;
      current = [];
      continue;
    }
    if (DIRECTIVE.test(raw)) {
      current = [];
      continue;
    }
    current = ruleLine(logical, makefile, byName);
  }
  return { value: makefile, diagnostics: [] };
}

/** A rule line `a b: c d ; inline recipe`: its targets (created or extended), or none for special and pattern rules. */
function ruleLine(logical: LogicalLine, makefile: Makefile, byName: Map<string, MakeTarget>): MakeTarget[] {
  const raw = stripComment(logical.text);
  const colon = findRuleColon(raw);
  if (colon < 0) return [];
  const double = raw[colon + 1] === ":";
  let rest = raw.slice(colon + (double ? 2 : 1));
  // Target-specific variables (`test: GOFLAGS = -race`) define no prerequisites.
  if (/^\s*(?:(?:export|override)\s+)*[A-Za-z0-9_.-]+\s*(\?|::?|\+|!)?=/.test(rest)) return [];
  let inline: string | undefined;
  const semicolon = rest.indexOf(";");
  if (semicolon >= 0) {
    inline = rest.slice(semicolon + 1);
    rest = rest.slice(0, semicolon);
  }
  const prerequisites = rest.split("|").join(" ").trim().split(/\s+/).filter(Boolean);
  const targets: MakeTarget[] = [];
  const namesPart = raw.slice(0, colon);
  for (const match of namesPart.matchAll(/\S+/g)) {
    const name = match[0];
    if (name.includes("%") || /^\.[A-Z_]+$/.test(name)) continue;
    const column = match.index + 1;
    let target = byName.get(name);
    if (!target) {
      target = {
        name,
        prerequisites: [],
        recipe: [],
        range: { start: { line: logical.line, column }, end: { line: logical.line, column: column + name.length } },
      };
      byName.set(name, target);
      makefile.targets.push(target);
    }
    target.prerequisites.push(...prerequisites);
    targets.push(target);
  }
  if (inline !== undefined && inline.trim()) {
    const text = inline.trim().replace(/^[@+-]+\s*/, "");
    const start = { line: logical.line, column: logical.text.indexOf(text, logical.text.indexOf(";", colon)) + 1 };
    for (const target of targets) target.recipe.push({ text, range: { start, end: { line: logical.endLine, column: logical.endColumn } } });
  }
  return targets;
}

/** The `:` that separates targets from prerequisites (not `:=`, not inside `$(...)`, not a Windows drive). */
function findRuleColon(line: string): number {
  let depth = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "$" && (line[i + 1] === "(" || line[i + 1] === "{")) {
      depth++;
      i++;
    } else if ((c === ")" || c === "}") && depth > 0) depth--;
    else if (c === "=" && depth === 0) return -1;
    else if (c === ":" && depth === 0) return line[i + 1] === "=" ? -1 : i;
  }
  return -1;
}

function recipeLine(logical: LogicalLine): MakeRecipeLine | undefined {
  const body = logical.text.slice(1);
  const match = /^[\s@+-]*/.exec(body)!;
  const text = body.slice(match[0].length).trimEnd();
  if (text === "" || text.startsWith("#")) return undefined;
  const column = 2 + match[0].length;
  return { text, range: { start: { line: logical.line, column }, end: { line: logical.endLine, column: logical.endColumn } } };
}

/** Cuts a make comment (`#` not escaped); recipe lines keep theirs (the shell sees them). */
function stripComment(line: string): string {
  for (let i = 0; i < line.length; i++) {
    if (line[i] === "\\") i++;
    else if (line[i] === "#") return line.slice(0, i);
  }
  return line;
}

/** Physical lines joined at trailing backslashes, each with its first line and end position. */
function logicalLines(text: string): LogicalLine[] {
  const physical = text.split("\n").map((l) => l.replace(/\r$/, ""));
  const out: LogicalLine[] = [];
  for (let i = 0; i < physical.length; i++) {
    const first = i;
    let joined = physical[i]!;
    while (endsWithContinuation(joined) && i + 1 < physical.length) {
      i++;
      // Recipe continuations keep the next line (minus a leading tab); make joins other lines with a space.
      const next = physical[i]!.replace(/^\t/, "");
      joined = `${joined.slice(0, -1).trimEnd()} ${next.trimStart()}`;
    }
    out.push({ text: joined, line: first + 1, endLine: i + 1, endColumn: physical[i]!.length + 1 });
  }
  return out;
}

function endsWithContinuation(line: string): boolean {
  const trailing = /\\+$/.exec(line);
  return trailing !== null && trailing[0].length % 2 === 1;
}
