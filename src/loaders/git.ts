import { execFileSync } from "node:child_process";
import { realpathSync } from "node:fs";
import type { ProtoBaseline, ProtoFile } from "../model/artifacts.js";
import type { LoadDiagnostic } from "../model/finding.js";
import { DEFAULT_MAX_FILE_BYTES, SKIPPED_DIRS } from "./discovery.js";
import type { LoadResult } from "./load-result.js";
import { loadProto } from "./proto.js";

/**
 * Reads the repository's protos at a base revision straight from git's object store
 * (`git ls-tree` + `git cat-file --batch`): no checkout, nothing in the working tree changes.
 * Every git failure becomes a diagnostic; "no history" or "no base" is simply no baseline.
 */
export interface BaselineRequest {
  /** Absolute repository root (must be git's top level, else there is no baseline). */
  repoRoot: string;
  /** The scanned folder relative to the root; only protos below it are read. */
  scanPrefix: string;
  /** `--base-ref`; when absent the latest release tag, else the merge base with the default branch. */
  baseRef?: string;
}

const RELEASE_TAG = /^v?(\d+)\.(\d+)\.(\d+)$/;
const DIAGNOSTIC_RANGE = { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } };

export function loadProtoBaseline(request: BaselineRequest): LoadResult<ProtoBaseline> {
  const git = gitRunner(request.repoRoot);
  const problem = (message: string): LoadResult<ProtoBaseline> => ({
    diagnostics: [{ kind: "parse-error", path: "", range: DIAGNOSTIC_RANGE, message } satisfies LoadDiagnostic],
  });

  const top = git.text(["rev-parse", "--show-toplevel"]);
  // Not a git repository, or the scanned root is not its top level (a fixture folder inside another repository).
  if (top === undefined || !sameDir(top.trim(), request.repoRoot)) {
    return request.baseRef
      ? problem(`--base-ref ${request.baseRef} was given, but ${request.repoRoot} is not the top of a git repository: proto breaking changes were not checked.`)
      : { diagnostics: [] };
  }
  if (git.text(["rev-parse", "--verify", "--quiet", "HEAD"]) === undefined) return { diagnostics: [] }; // no commit yet

  const base = request.baseRef ? explicitBase(git, request.baseRef) : defaultBase(git);
  if (!base) {
    return request.baseRef
      ? problem(`--base-ref ${request.baseRef} does not name a commit in this repository: proto breaking changes were not checked.`)
      : { diagnostics: [] };
  }

  const listing = git.buffer(["ls-tree", "-r", "-z", "--full-tree", base.commit, ...(request.scanPrefix ? ["--", request.scanPrefix] : [])]);
  if (listing === undefined) return problem(`git ls-tree failed for ${base.ref}: proto breaking changes were not checked.`);
  const entries: { path: string; blob: string }[] = [];
  for (const record of listing.toString("utf8").split("\0")) {
    // "<mode> <type> <object>\t<path>"
    const tab = record.indexOf("\t");
    if (tab < 0) continue;
    const [, type, object] = record.slice(0, tab).split(" ");
    const path = record.slice(tab + 1);
    if (type !== "blob" || !path.toLowerCase().endsWith(".proto")) continue;
    if (path.split("/").slice(0, -1).some((dir) => SKIPPED_DIRS.has(dir))) continue; // as discovery skips vendor/, node_modules/ ...
    entries.push({ path, blob: object! });
  }

  const protos: ProtoFile[] = [];
  const unreadable: string[] = [];
  const texts = entries.length > 0 ? readBlobs(git, entries.map((e) => e.blob)) : new Map<string, string | undefined>();
  if (texts === undefined) return problem(`git cat-file failed for ${base.ref}: proto breaking changes were not checked.`);
  for (const entry of entries) {
    const text = texts.get(entry.blob);
    const parsed = text === undefined ? undefined : loadProto(entry.path, text).value;
    if (parsed) protos.push(parsed);
    else unreadable.push(entry.path);
  }
  return { value: { ...base, protos, unreadable }, diagnostics: [] };
}

interface Git {
  text(args: string[]): string | undefined;
  buffer(args: string[], input?: string): Buffer | undefined;
}

function gitRunner(cwd: string): Git {
  const buffer = (args: string[], input?: string): Buffer | undefined => {
    try {
      return execFileSync("git", args, {
        cwd,
        input,
        maxBuffer: 512 * 1024 * 1024,
        stdio: ["pipe", "pipe", "ignore"],
        // Never prompt, never page, never read a user's replacement objects or hooks.
        env: { ...process.env, GIT_TERMINAL_PROMPT: "0", GIT_NO_REPLACE_OBJECTS: "1", GIT_OPTIONAL_LOCKS: "0" },
      });
    } catch {
      return undefined;
    }
  };
  return { buffer, text: (args) => buffer(args)?.toString("utf8") };
}

function sameDir(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

function resolveCommit(git: Git, ref: string): string | undefined {
  if (ref.startsWith("-")) return undefined; // never let a ref be read as an option
  return git.text(["rev-parse", "--verify", "--quiet", "--end-of-options", `${ref}^{commit}`])?.trim() || undefined;
}

function explicitBase(git: Git, ref: string): Omit<ProtoBaseline, "protos" | "unreadable"> | undefined {
  const commit = resolveCommit(git, ref);
  return commit ? { ref, source: "option", commit } : undefined;
}

/** The highest release tag reachable from HEAD; else the merge base of HEAD with the default branch. */
function defaultBase(git: Git): Omit<ProtoBaseline, "protos" | "unreadable"> | undefined {
  const tag = latestReleaseTag((git.text(["tag", "--list", "--merged", "HEAD"]) ?? "").split("\n"));
  if (tag) {
    const commit = resolveCommit(git, `refs/tags/${tag}`);
    if (commit) return { ref: tag, source: "release-tag", commit };
  }
  for (const branch of defaultBranchCandidates(git)) {
    if (!resolveCommit(git, branch)) continue;
    const mergeBase = git.text(["merge-base", "HEAD", branch])?.trim();
    if (mergeBase) return { ref: branch, source: "merge-base", commit: mergeBase };
  }
  return undefined;
}

function defaultBranchCandidates(git: Git): string[] {
  const originHead = git.text(["symbolic-ref", "--quiet", "refs/remotes/origin/HEAD"])?.trim();
  const candidates = originHead ? [originHead.replace(/^refs\/remotes\//, "")] : [];
  return [...candidates, "origin/main", "origin/master", "main", "master"];
}

/** `v1.2.3` or `1.2.3`, highest by semver; pre-releases (`v2.0.0-rc.1`) are not releases. */
export function latestReleaseTag(tags: readonly string[]): string | undefined {
  let best: { tag: string; version: number[] } | undefined;
  for (const raw of tags) {
    const tag = raw.trim();
    const match = RELEASE_TAG.exec(tag);
    if (!match) continue;
    const version = match.slice(1, 4).map(Number);
    const newer = !best || compareVersions(version, best.version) > 0 || (compareVersions(version, best.version) === 0 && tag.startsWith("v"));
    if (newer) best = { tag, version };
  }
  return best?.tag;
}

function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/** `git cat-file --batch`: one process for every blob; oversized or binary blobs map to undefined. */
function readBlobs(git: Git, blobs: string[]): Map<string, string | undefined> | undefined {
  const output = git.buffer(["cat-file", "--batch"], blobs.join("\n") + "\n");
  if (output === undefined) return undefined;
  const texts = new Map<string, string | undefined>();
  let at = 0;
  while (at < output.length) {
    const headerEnd = output.indexOf(0x0a, at);
    if (headerEnd < 0) break;
    const [object, type, sizeText] = output.subarray(at, headerEnd).toString("utf8").split(" ");
    at = headerEnd + 1;
    if (type === "missing" || sizeText === undefined) continue;
    const size = Number(sizeText);
    const content = output.subarray(at, at + size);
    at += size + 1; // the content is followed by a newline
    if (size > DEFAULT_MAX_FILE_BYTES || content.subarray(0, 8000).includes(0)) texts.set(object!, undefined);
    else {
      const text = content.toString("utf8");
      texts.set(object!, text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    }
  }
  return texts;
}
