import type { Range } from "../model/location.js";

/** The first line of a file: where findings about a whole file point. */
export const FILE_START: Range = { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } };
