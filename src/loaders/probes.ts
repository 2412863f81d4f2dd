/** Disk facts a scan depended on beyond the discovered files' contents; the result cache checks them again. */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

/** What a loader learned about a path outside the discovered files (see `LazyRepository.probes`). */
export interface Probe {
  path: string;
  exists?: boolean;
  ignored?: boolean;
  /** SHA-256 of the contents read, "" when the file could not be read. */
  contents?: string;
}

/** SHA-256 of a file's contents, "" when it cannot be read. */
export function contentsHash(file: string): string {
  try {
    return createHash("sha256").update(readFileSync(file)).digest("hex");
  } catch {
    return "";
  }
}
