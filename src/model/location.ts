/** A place in a file: 1-based line, 1-based column counted in UTF-16 code units (as SARIF and editors do). */
export interface Position {
  line: number;
  column: number;
}

/** A span in one file; `end` is exclusive, like an editor selection. */
export interface Range {
  start: Position;
  end: Position;
}

/** A path inside an object or document, e.g. ["spec", "template", "spec", "containers", 0, "image"]. */
export type ObjectPath = ReadonlyArray<string | number>;
