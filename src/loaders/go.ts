import type { Node } from "web-tree-sitter";
import type { GoFile } from "../model/artifacts.js";
import type { LoadDiagnostic } from "../model/finding.js";

export interface GoParser {
  parse(path: string, text: string): { file: GoFile<Node>; diagnostics: LoadDiagnostic[] };
  /** Frees the tree-sitter tree behind a parsed file (wasm memory is not garbage-collected). */
  free(file: GoFile<Node>): void;
  dispose(): void;
}

// STUB: to be implemented (web-tree-sitter + tree-sitter-go wasm).
export async function createGoParser(): Promise<GoParser> {
  throw new Error("Go parser not implemented yet");
}
