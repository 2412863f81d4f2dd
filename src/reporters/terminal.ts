import type { RunResult } from "../model/finding.js";

export interface TerminalOptions {
  color: boolean;
}

// STUB
export function renderTerminal(result: RunResult, options: TerminalOptions): string {
  void options;
  return result.findings.map((f) => `${f.path}:${f.range.start.line}:${f.range.start.column} ${f.severity} ${f.message} [${f.ruleId}]`).join("\n") + "\n";
}
