import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { classify, discover } from "../../src/loaders/discovery.js";

function tree(files: Record<string, string>): string {
  const root = realpathSync(mkdtempSync(path.join(tmpdir(), "rc-discovery-")));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  return root;
}

describe("discover", () => {
  it("honours nested .gitignore files and skips vendored folders", async () => {
    const root = tree({
      ".gitignore": "*.local.yaml\nbuild-out/\n",
      "svc/.gitignore": "secret.env\n",
      "svc/secret.env": "A=1",
      "svc/app.env": "A=1",
      "svc/deploy.yaml": "a: 1",
      "svc/dev.local.yaml": "a: 1",
      "build-out/x.yaml": "a: 1",
      "node_modules/pkg/package.json": "{}",
      "vendor/github.com/x/y.go": "package y",
      "Dockerfile": "FROM scratch",
      "README.md": "# not loaded",
    });
    const d = await discover(root, { repoRoot: root });
    expect(d.files.map((f) => `${f.path} ${f.kind}`)).toEqual(["Dockerfile dockerfile", "svc/app.env env", "svc/deploy.yaml yaml"]);
    expect(d.isIgnored("svc/secret.env")).toBe(true);
    expect(d.isIgnored("svc/app.env")).toBe(false);
  });

  it("uses the git top level as the repository root and keeps paths relative to it", async () => {
    const root = tree({ "services/api/Dockerfile": "FROM scratch", ".gitignore": "services/api/ignored.yaml\n", "services/api/ignored.yaml": "a: 1" });
    execFileSync("git", ["init", "-q"], { cwd: root });
    const d = await discover(path.join(root, "services/api"));
    expect(d.repoRoot).toBe(root);
    expect(d.files.map((f) => f.path)).toEqual(["services/api/Dockerfile"]);
  });

  it("reads only regular .gitignore files: a FIFO would block, a link could point anywhere", async () => {
    const root = tree({ "svc/app.yaml": "a: 1", "keep.yaml": "a: 1" });
    execFileSync("mkfifo", [path.join(root, "svc/.gitignore")]);
    symlinkSync("/dev/zero", path.join(root, ".gitignore"));
    const d = await discover(root, { repoRoot: root });
    expect(d.files.map((f) => f.path)).toEqual(["keep.yaml", "svc/app.yaml"]);
  });

  it("falls back to the scanned folder outside git, and skips files over the size cap with a reason", async () => {
    const root = tree({ "big.json": "x".repeat(2000), "small.json": "{}" });
    const d = await discover(root, { repoRoot: root, maxFileBytes: 1000 });
    expect(d.files.map((f) => f.path)).toEqual(["small.json"]);
    expect(d.skipped).toEqual([{ path: "big.json", reason: "larger than 1 KiB" }]);
  });
});

describe("classify", () => {
  it.each([
    ["Dockerfile", "dockerfile"],
    ["api.Dockerfile", "dockerfile"],
    ["Dockerfile.prod", "dockerfile"],
    ["Containerfile", "dockerfile"],
    ["Dockerfile.md", "other"],
    ["dockerfile.ts", "other"],
    ["dockerfile.test.ts", "other"],
    ["Dockerfile.dockerignore", "dockerignore"],
    ["Dockerfile.node20", "dockerfile"],
    [".env", "env"],
    [".env.production", "env"],
    ["prod.env", "env"],
    ["package.json", "manifest"],
    ["package-lock.json", "lockfile"],
    ["go.sum", "lockfile"],
    ["types.d.ts", "other"],
    ["server.ts", "typescript"],
    ["app.min.js", "other"],
    ["main.go", "go"],
    ["api.proto", "proto"],
    ["values.yml", "yaml"],
  ])("%s is %s", (name, kind) => {
    expect(classify(name)).toBe(kind);
  });
});
