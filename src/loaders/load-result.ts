import type { LoadDiagnostic } from "../model/finding.js";

/** A loader's answer: the parsed value (absent when nothing usable could be read) and what went wrong. */
export interface LoadResult<T> {
  value?: T;
  diagnostics: LoadDiagnostic[];
}
