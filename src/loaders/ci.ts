import type { CiPipeline } from "../model/artifacts.js";
import type { LoadResult } from "./load-result.js";

export function isCiPipelinePath(path: string): boolean {
  return /^(.*\/)?\.github\/workflows\/[^/]+\.ya?ml$/.test(path) || /(^|\/)\.gitlab-ci\.ya?ml$/.test(path);
}

// STUB: to be implemented.
export function loadCiPipeline(path: string, text: string): LoadResult<CiPipeline> {
  void text;
  const start = { line: 1, column: 1 };
  return { value: { path, provider: "github-actions", commands: [], uses: [], range: { start, end: start } }, diagnostics: [] };
}
