import type { RunResult } from "../model/finding.js";

// STUB
export function renderJson(result: RunResult): string {
  return JSON.stringify(result, null, 2) + "\n";
}
