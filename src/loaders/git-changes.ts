/**
 * Files changed since a git ref, for `--changed-since`: what `git diff --name-only` reports against the
 * merge base of the ref and HEAD (committed, staged and unstaged changes), plus untracked files that
 * .gitignore does not exclude. Paths are repository-relative with forward slashes.
 */
import { execFileSync } from "node:child_process";

export class GitChangesError extends Error {}

export function changedFiles(repoRoot: string, ref: string): Set<string> {
  if (ref.startsWith("-")) throw new GitChangesError(`--changed-since needs a git ref, not an option (got "${ref}")`);
  const git = (args: string[]) =>
    execFileSync("git", args, { cwd: repoRoot, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 });
  let base: string;
  try {
    base = git(["merge-base", ref, "HEAD"]).trim();
  } catch (error) {
    const detail = String((error as { stderr?: string }).stderr ?? "").split("\n")[0]?.trim();
    throw new GitChangesError(`--changed-since ${ref}: no merge base with HEAD in ${repoRoot}${detail ? ` (${detail})` : ""}; is it a git repository with that ref fetched?`);
  }
  const split = (out: string) => out.split("\0").filter(Boolean);
  // -z: paths verbatim (no quoting of unusual names); --no-renames: a renamed file counts by its new name.
  const changed = split(git(["diff", "--name-only", "--no-renames", "-z", base]));
  const untracked = split(git(["ls-files", "--others", "--exclude-standard", "-z"]));
  return new Set([...changed, ...untracked]);
}

/** Whether `ref` names a commit in the repository at `repoRoot` (for `--base-ref`, checked before the scan). */
export function isCommit(repoRoot: string, ref: string): boolean {
  if (ref.startsWith("-")) return false;
  try {
    execFileSync("git", ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], { cwd: repoRoot, stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
