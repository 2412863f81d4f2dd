import type { Repository } from "../model/repository.js";

/**
 * A repository-relative path made relative to the scanned folder, for folder-name heuristics: scanning
 * `examples/patient-rpc` checks that service in earnest, while scanning the whole repository treats
 * `examples/` as sample code.
 */
export function scanRelative(repo: Pick<Repository, "scanPrefix">, path: string): string {
  const prefix = repo.scanPrefix;
  if (!prefix) return path;
  if (path === prefix) return ""; // the scanned folder itself (a service root when one service is scanned)
  return path.startsWith(`${prefix}/`) ? path.slice(prefix.length + 1) : path;
}
