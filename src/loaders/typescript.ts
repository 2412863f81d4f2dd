import type { ts } from "ts-morph";
import type { TsFile } from "../model/artifacts.js";
import type { LoadDiagnostic } from "../model/finding.js";

// STUB: to be implemented (parse only, raw compiler nodes, no type checker).
export function parseTsFile(path: string, text: string): { file: TsFile<ts.SourceFile, ts.Node>; diagnostics: LoadDiagnostic[] } {
  void path;
  void text;
  throw new Error("TypeScript parser not implemented yet");
}
