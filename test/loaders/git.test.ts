import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { latestReleaseTag, loadProtoBaseline } from "../../src/loaders/git.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function repo(): { dir: string; git(...args: string[]): string; write(file: string, text: string): void } {
  const dir = mkdtempSync(path.join(tmpdir(), "rc-git-"));
  dirs.push(dir);
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", ...args], { cwd: dir, encoding: "utf8" });
  const write = (file: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  };
  git("init", "-q", "-b", "main");
  return { dir, git, write };
}

const proto = (message: string) => `syntax = "proto3";\npackage a.v1;\nmessage ${message} {}\n`;

describe("latestReleaseTag", () => {
  it("picks the highest semver release, ignoring pre-releases and other tags", () => {
    expect(latestReleaseTag(["v1.2.0", "v1.10.0", "v1.9.9", "v2.0.0-rc.1", "nightly", "1.3.0"])).toBe("v1.10.0");
    expect(latestReleaseTag(["deploy-1", ""])).toBeUndefined();
  });
});

describe("loadProtoBaseline", () => {
  it("reads protos at the latest release tag from git objects, leaving the working tree alone", () => {
    const r = repo();
    r.write("api/a.proto", proto("Old"));
    r.write("vendor/x/v.proto", proto("Vendored"));
    r.git("add", "-A");
    r.git("commit", "-qm", "one");
    r.git("tag", "v1.0.0");
    r.write("api/a.proto", proto("New"));
    r.git("commit", "-qam", "two");
    r.write("api/a.proto", proto("Uncommitted"));
    const result = loadProtoBaseline({ repoRoot: r.dir, scanPrefix: "" });
    expect(result.diagnostics).toEqual([]);
    expect(result.value?.ref).toBe("v1.0.0");
    expect(result.value?.source).toBe("release-tag");
    expect(result.value?.protos.map((p) => [p.path, p.messages.map((m) => m.name)])).toEqual([["api/a.proto", ["Old"]]]);
    expect(r.git("status", "--porcelain")).toBe(" M api/a.proto\n");
  });

  it("falls back to the merge base with the default branch, and honours the scanned folder", () => {
    const r = repo();
    r.write("svc/a.proto", proto("Base"));
    r.write("other/b.proto", proto("Other"));
    r.git("add", "-A");
    r.git("commit", "-qm", "one");
    r.git("checkout", "-qb", "feature");
    r.write("svc/a.proto", proto("Feature"));
    r.git("commit", "-qam", "two");
    const result = loadProtoBaseline({ repoRoot: r.dir, scanPrefix: "svc" });
    expect(result.value?.source).toBe("merge-base");
    expect(result.value?.ref).toBe("main");
    expect(result.value?.protos.map((p) => p.path)).toEqual(["svc/a.proto"]);
    expect(result.value?.protos[0]?.messages[0]?.name).toBe("Base");
  });

  it("turns a --base-ref that names nothing into a diagnostic, and no git into no baseline", () => {
    const r = repo();
    r.write("a.proto", proto("A"));
    r.git("add", "-A");
    r.git("commit", "-qm", "one");
    const bad = loadProtoBaseline({ repoRoot: r.dir, scanPrefix: "", baseRef: "v9.9.9" });
    expect(bad.value).toBeUndefined();
    expect(bad.diagnostics[0]?.message).toMatch(/--base-ref v9\.9\.9 does not name a commit/);
    const option = loadProtoBaseline({ repoRoot: r.dir, scanPrefix: "", baseRef: "--output=x" });
    expect(option.value).toBeUndefined();

    const plain = mkdtempSync(path.join(tmpdir(), "rc-nogit-"));
    dirs.push(plain);
    expect(loadProtoBaseline({ repoRoot: plain, scanPrefix: "" })).toEqual({ diagnostics: [] });
    // A folder inside another repository is not that repository's top: no baseline.
    mkdirSync(path.join(r.dir, "sub"));
    expect(loadProtoBaseline({ repoRoot: path.join(r.dir, "sub"), scanPrefix: "" })).toEqual({ diagnostics: [] });
  });
});
