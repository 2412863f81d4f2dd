import type { ConfigDocument } from "../model/artifacts.js";
import type { LoadResult } from "./load-result.js";

// STUB: to be implemented.
export function loadJsonConfig(path: string, text: string): LoadResult<ConfigDocument[]> {
  void path;
  void text;
  return { value: [], diagnostics: [] };
}

// STUB: to be implemented.
export function loadEnvFile(path: string, text: string): LoadResult<ConfigDocument[]> {
  void path;
  void text;
  return { value: [], diagnostics: [] };
}
