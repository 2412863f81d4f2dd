/**
 * `.dockerignore` loader: one pattern per line with its position, and a matcher. Docker's matching
 * (moby/patternmatcher) differs from .gitignore's: patterns are anchored at the context root (`*.pem`
 * matches `key.pem` but not `certs/key.pem`), a leading `/` is dropped, `**` spans folders, and the
 * last matching pattern wins. We translate each pattern to an anchored .gitignore pattern and let the
 * `ignore` package do the matching (which also excludes everything below an excluded folder).
 */
import ignore from "ignore";
import type { DockerIgnoreFile, DockerIgnorePattern } from "../model/artifacts.js";
import type { LoadResult } from "./load-result.js";

export function loadDockerIgnore(path: string, text: string): LoadResult<DockerIgnoreFile> {
  const patterns: DockerIgnorePattern[] = [];
  const lines = text.split(/\r\n|\r|\n/);
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const negated = line.startsWith("!");
    const pattern = (negated ? line.slice(1) : line).trim();
    if (pattern === "") return;
    const column = raw.indexOf(line) + 1;
    patterns.push({
      pattern,
      negated,
      range: { start: { line: index + 1, column }, end: { line: index + 1, column: column + line.length } },
    });
  });
  const matcher = ignore({ allowRelativePaths: true });
  for (const p of patterns) {
    const anchored = toGitignore(p.pattern);
    if (anchored !== undefined) matcher.add(p.negated ? `!${anchored}` : anchored);
  }
  const excludes = (contextPath: string): boolean => {
    const clean = contextPath.replace(/^\.?\/+/, "").replace(/\/+$/, "");
    if (clean === "" || clean === ".") return false;
    try {
      return matcher.ignores(clean);
    } catch {
      return false;
    }
  };
  return { value: { path, patterns, excludes }, diagnostics: [] };
}

/** A Docker pattern as an anchored .gitignore pattern; undefined for patterns that can match nothing. */
function toGitignore(pattern: string): string | undefined {
  // Docker cleans the pattern as a path: `./a`, `/a` and `a/` all mean `a`.
  let cleaned = pattern.replace(/\\/g, "/").replace(/^(\.\/)+/, "").replace(/^\/+/, "").replace(/\/+$/, "");
  cleaned = cleaned.replace(/\/\.\//g, "/");
  if (cleaned === "" || cleaned === ".") return undefined;
  // A leading `**/` keeps its any-depth meaning; anything else is anchored at the context root.
  return cleaned.startsWith("**/") || cleaned === "**" ? cleaned : `/${cleaned}`;
}
