/**
 * The tool's identity and its usage error: light modules the CLI can load without the rules and parsers
 * (a cache hit never needs them). api.ts re-exports everything here.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const TOOL_NAME = "readiness-check";
export const INFORMATION_URI = "https://github.com/readiness-check/readiness-check";

export function toolVersion(): string {
  // package.json sits two folders up from both src/version.ts and dist/src/version.js.
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
      if (pkg.name === TOOL_NAME && pkg.version) return pkg.version;
    } catch {
      // Not here; look one folder up.
    }
    dir = path.dirname(dir);
  }
  return "0.0.0";
}

/** A mistake in how the tool was called: exit code 2 with a one-line reason. */
export class UsageError extends Error {}
