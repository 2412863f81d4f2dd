/**
 * Fixture cases for rules that compare with git history (proto/breaking-change). The harness scans
 * folders, so such a case holds the two versions side by side: `v1/` (committed and tagged v1.0.0) and
 * `v2/` (committed on top). `historyRepo` builds that repository in a temporary folder.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export function isHistoryCase(dir: string): boolean {
  return existsSync(path.join(dir, "v1")) && existsSync(path.join(dir, "v2"));
}

/** A git repository with v1 tagged `v1.0.0` and v2 committed after it; `dispose` removes it. */
export function historyRepo(caseDir: string): { dir: string; dispose(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), "rc-history-"));
  const git = (...args: string[]) =>
    execFileSync("git", args, {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.com", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.com" },
    });
  const replaceTree = (version: string) => {
    for (const entry of execFileSync("git", ["ls-files"], { cwd: dir, encoding: "utf8" }).split("\n").filter(Boolean)) {
      rmSync(path.join(dir, entry), { force: true });
    }
    cpSync(path.join(caseDir, version), dir, { recursive: true });
    git("add", "-A", ".");
  };
  git("init", "-q", "-b", "main");
  git("config", "commit.gpgsign", "false");
  replaceTree("v1");
  git("commit", "-q", "--allow-empty", "-m", "v1");
  git("tag", "v1.0.0");
  replaceTree("v2");
  git("commit", "-q", "--allow-empty", "-m", "v2");
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
