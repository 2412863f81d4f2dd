import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { run, wantsColor } from "../../src/cli/run.js";
import { hashLines } from "../../src/loaders/line-hash.js";

async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = "";
  let stderr = "";
  const code = await run(args, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env,
  });
  return { code, stdout, stderr };
}

function repo(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), "rc-cli-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  return root;
}

describe("cli usage errors exit 2 with one line", () => {
  it.each([
    [["--bogus"], /^readiness-check: unknown option --bogus \(see --help\)\n$/],
    [["--format"], /option '-f, --format <value>' argument missing \(see --help\)/],
    [["--format", "xml"], /--format must be one of terminal, json, sarif, junit, markdown, github \(got "xml"\)/],
    [["--sarif-category", "api", "."], /--sarif-category applies to SARIF output only/],
    [["--fail-on", "fatal"], /--fail-on must be one of error, warning, note, never/],
    [["/definitely/not/here"], /path not found/],
    [["a", "b"], /one path at a time/],
    [["--rule", "no/such-rule", "."], /unknown rule id: no\/such-rule/],
  ])("%j", async (args, pattern) => {
    const { code, stderr, stdout } = await cli(args as string[]);
    expect(code).toBe(2);
    expect(stderr).toMatch(pattern);
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stdout).toBe("");
  });
});

describe("cli", () => {
  it("prints help and version", async () => {
    expect((await cli(["--help"])).stdout).toContain("Usage: readiness-check");
    expect((await cli(["--version"])).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it("lists rules with id, section, severity and title", async () => {
    const { code, stdout } = await cli(["rules"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/docker\/base-image-pinned\s+foundation\s+warning\s+\S/);
    const json = JSON.parse((await cli(["rules", "--format", "json"])).stdout);
    expect(json.map((r: { id: string }) => r.id)).toContain("k8s/probes-defined");
    // Every listed id is accepted by --rule, the engine's own readiness/* rules included.
    const all = json.map((r: { id: string }) => r.id).join(",");
    const run = await cli([repo({ "README.md": "# nothing" }), "--rule", all, "-f", "json"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
  });

  it("writes machine formats only to the output file, never mixed with human text", async () => {
    const root = repo({ "README.md": "# nothing to check" });
    const out = path.join(root, "report.json");
    const { code, stdout } = await cli([root, "--format", "json", "--output", out]);
    expect(code).toBe(0);
    expect(stdout).toBe("");
    expect(JSON.parse(readFileSync(out, "utf8")).findings).toEqual([]);
  });

  it("takes --rule as a comma list too, and creates the output file's folder", async () => {
    const root = repo({ "Dockerfile": "FROM alpine:latest\n" });
    const out = path.join(root, "reports/deep/r.json");
    const { code } = await cli([root, "--rule", "docker/base-image-pinned,docker/non-root-user", "-f", "json", "-o", out]);
    expect(code).toBe(0);
    const report = JSON.parse(readFileSync(out, "utf8"));
    expect(report.findings.map((f: { ruleId: string }) => f.ruleId).sort()).toEqual(["docker/base-image-pinned", "docker/non-root-user"]);
  });

  it("exits 0 on an empty folder and says every rule is not applicable", async () => {
    const { code, stdout } = await cli([repo({})]);
    expect(code).toBe(0);
    expect(stdout).toContain("No findings.");
    expect(stdout).toMatch(/0 passed, 0 failed, \d+ not applicable/);
  });

  it("exits 1 for findings at or above --fail-on, 0 below it", async () => {
    // A YAML syntax error is an error-level finding whatever rules are enabled.
    const root = repo({ "deploy/app.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n data: [\n" });
    expect((await cli([root])).code).toBe(1);
    expect((await cli([root, "--fail-on", "never"])).code).toBe(0);
  });
});

describe("colour", () => {
  const tty = { isTTY: true, write: () => true };
  const pipe = { isTTY: false, write: () => true };
  it("follows --color, then FORCE_COLOR, then NO_COLOR, then the terminal", () => {
    expect(wantsColor(false, { stdout: tty, env: { FORCE_COLOR: "1" } })).toBe(false);
    expect(wantsColor(undefined, { stdout: pipe, env: { FORCE_COLOR: "1" } })).toBe(true);
    expect(wantsColor(undefined, { stdout: tty, env: { NO_COLOR: "1" } })).toBe(false);
    expect(wantsColor(undefined, { stdout: tty, env: {} })).toBe(true);
    expect(wantsColor(undefined, { stdout: pipe, env: {} })).toBe(false);
  });
});

describe("extra reports from one scan", () => {
  it("writes SARIF with GitHub line hashes and a category, JUnit and Markdown beside the terminal report", async () => {
    const root = repo({ "Dockerfile": "FROM alpine:latest\nCMD [\"/app\"]\n", "go.mod": "module example.com/x\n\ngo 1.22\n", "go.sum": "" });
    const out = mkdtempSync(path.join(tmpdir(), "rc-out-"));
    const sarifFile = path.join(out, "r.sarif");
    const { code, stdout, stderr } = await cli([
      root, "--rule", "docker/base-image-pinned", "--fail-on", "warning",
      "--sarif-output", sarifFile, "--sarif-category", "svc", "--junit-output", path.join(out, "r.xml"), "--markdown-output", path.join(out, "r.md"),
    ]);
    expect(code).toBe(1);
    expect(stdout).toContain("docker/base-image-pinned");
    expect(stderr).toContain(`wrote sarif report to ${sarifFile}`);
    const sarif = JSON.parse(readFileSync(sarifFile, "utf8"));
    expect(sarif.runs[0].automationDetails).toEqual({ id: "svc/" });
    const [result] = sarif.runs[0].results;
    expect(result.locations[0].physicalLocation.region.startLine).toBe(1);
    // The hash of line 1 of this Dockerfile, as codeql-action computes it (see test/loaders/line-hash.test.ts).
    const hashes: string[] = [];
    hashLines(readFileSync(path.join(root, "Dockerfile"), "utf8"), (_line, hash) => hashes.push(hash));
    expect(result.partialFingerprints.primaryLocationLineHash).toBe(hashes[0]);
    expect(readFileSync(path.join(out, "r.xml"), "utf8")).toContain('<failure message="1 finding at or above warning" type="warning">');
    expect(readFileSync(path.join(out, "r.md"), "utf8")).toMatch(/^## readiness-check: \d+% ready/);
  });
});

describe("--timing", () => {
  it("prints where the time went to stderr and leaves the report alone", async () => {
    const root = repo({ "Dockerfile": "FROM alpine:latest\n", "deploy/app.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n" });
    const plain = await cli([root, "--format", "json"]);
    const timed = await cli([root, "--format", "json", "--timing"]);
    expect(timed.stdout).toBe(plain.stdout);
    expect(timed.stderr).toMatch(/^Timing: \d+\.\d\d s wall, 2 files \(\d+ files\/s\), peak RSS \d+ MB\n {2}discovery/);
    expect(timed.stderr).toContain("  loaders (parsing, reading)\n");
    expect(timed.stderr).toMatch(/\n {4}docker\/base-image-pinned +\d+\.\d\d s/);
    expect(timed.stderr).toMatch(/\n {4}dockerfile loader +\d+\.\d\d s/);
    expect(plain.stderr).toBe("");
  });
});

describe("cli --cache", () => {
  it("keeps results only when asked, where --cache-location says, and reports the same from a hit", async () => {
    const root = repo({ "deploy/app.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: c:1\n" });
    const location = mkdtempSync(path.join(tmpdir(), "rc-cli-cache-"));
    const args = [root, "--rule", "k8s/probes-defined", "--format", "json", "--cache-location", location];

    const off = await cli(args);
    expect(readdirSync(location)).toEqual([]);
    const noCache = await cli([...args, "--no-cache"]);
    expect(readdirSync(location)).toEqual([]);

    const miss = await cli([...args, "--cache"]);
    expect(readdirSync(location)).toHaveLength(1);
    const hit = await cli([...args, "--cache", "--timing"]);
    expect(hit.stderr).toMatch(/result cache \(hit\)/);
    expect(hit.code).toBe(off.code);
    expect(hit.stdout).toBe(off.stdout);
    expect(miss.stdout).toBe(off.stdout);
    expect(noCache.stdout).toBe(off.stdout);
  });
});
