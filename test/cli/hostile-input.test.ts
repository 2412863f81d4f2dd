/** Found by attacking the tool: configuration code that must never run, a broken package.json, multi-line errors. */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { run } from "../../src/cli/run.js";

async function cli(args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await run(args, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, env: {} });
  return { code, stdout, stderr };
}

function repo(files: Record<string, string>): string {
  const root = realpathSync(mkdtempSync(path.join(tmpdir(), "rc-hostile-")));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  execFileSync("git", ["init", "-q"], { cwd: root });
  return root;
}

const cwd = process.cwd();
afterEach(() => process.chdir(cwd));

describe("hostile input", () => {
  it("never loads (runs) a code configuration above the scanned folder: refuses it without executing it", async () => {
    const root = repo({ "sub/Dockerfile": "FROM alpine:3.19\n" });
    const marker = path.join(root, "PWNED");
    writeFileSync(path.join(root, "readiness.config.cjs"), `require("fs").writeFileSync(${JSON.stringify(marker)}, "x"); module.exports = {};\n`);
    const { code, stderr } = await cli([path.join(root, "sub")]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/readiness\.config\.cjs is code and runs only from the scanned folder/);
    expect(existsSync(marker)).toBe(false);
  });

  it("a broken package.json in the working directory is a parse error finding, not a tool error that echoes its text", async () => {
    const root = repo({ "package.json": '{"name":"x","config":{"dbPassword":"PkgJsonPw9001"},}', "Dockerfile": "FROM alpine:3.19\n" });
    process.chdir(root);
    const { code, stdout, stderr } = await cli([".", "--format", "json"]);
    expect(stderr).toBe("");
    expect(code).toBe(1);
    expect(stdout).not.toContain("PkgJsonPw9001");
    expect(JSON.parse(stdout).findings.map((f: { ruleId: string; path: string }) => `${f.ruleId} ${f.path}`)).toContain("readiness/parse-error package.json");
  });

  it("tool errors are one line, whatever the argument holds", async () => {
    for (const args of [[".", "--rule", "-x"], [".", "--rule", "a\nb"], ["explain", "no/such\nrule"]]) {
      const { code, stderr } = await cli(args);
      expect(code).toBe(2);
      expect(stderr.trimEnd().split("\n")).toHaveLength(1);
    }
  });

  it("a --base-ref that names no commit is a usage error", async () => {
    const root = repo({ "api.proto": 'syntax = "proto3";\npackage api.v1;\n' });
    const { code, stderr } = await cli([root, "--base-ref", "nosuchref"]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^readiness-check: --base-ref nosuchref does not name a commit/);
  });

  it("Cloud Build steps of any shape and shell scripts that call each other in a loop are read without a crash or a hang", async () => {
    const root = repo({
      "go.mod": "module example.com/x\n\ngo 1.22\n\nrequire github.com/a/b v1.0.0\n",
      "go.sum": "github.com/a/b v1.0.0 h1:x=\n",
      "cloudbuild.yaml": [
        "steps:",
        "- {id: a, name: golang, entrypoint: ./scripts/a.sh}",
        "- {id: weird, name: {nested: map}, entrypoint: [1, 2], args: {not: a list}}",
        "- 42",
        "- {id: number, script: 12345}",
        "- {id: dash-c-alone, entrypoint: bash, args: [-c]}",
        "",
      ].join("\n"),
      "scripts/a.sh": "#!/bin/sh\n./scripts/b.sh\nbash scripts/a.sh\ncat <<EOF\nnever closed\n",
      "scripts/b.sh": "./scripts/a.sh && make -C nowhere\ngo test ./...\n",
    });
    const { code, stdout } = await cli([root, "--format", "json", "--fail-on", "never"]);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as { complete: boolean; findings: { ruleId: string }[] };
    expect(report.complete).toBe(true);
    expect(report.findings.map((f) => f.ruleId)).not.toContain("ci/tests-run"); // go test reached through two scripts
  });
});
