import type { RunResult } from "../model/finding.js";

// STUB: to be implemented (SARIF 2.1.0 for GitHub code scanning).
export function renderSarif(result: RunResult): string {
  return JSON.stringify({ version: "2.1.0", runs: [{ tool: { driver: { name: result.tool.name } }, results: [] }] }, null, 2) + "\n";
}
