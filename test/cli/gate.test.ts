/** End to end, in temporary repositories: configuration, suppressions, baseline, --changed-since, init, explain. */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "../../src/cli/run.js";

async function cli(args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await run(args, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env: {},
  });
  return { code, stdout, stderr };
}

async function json(args: string[]) {
  const { code, stdout, stderr } = await cli([...args, "--format", "json"]);
  return { code, stderr, report: JSON.parse(stdout || "{}") as Report };
}

interface Report {
  summary: Record<string, number>;
  findings: { ruleId: string; path: string; line: number; severity: string; message: string }[];
  suppressed: { ruleId: string; path: string; line: number; suppression: { kind: string; reason: string; line?: number } }[];
}

function write(root: string, files: Record<string, string>) {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
}

function repo(files: Record<string, string>): string {
  const root = realpathSync(mkdtempSync(path.join(tmpdir(), "rc-gate-")));
  write(root, files);
  git(root, "init", "-q");
  return root;
}

function git(root: string, ...args: string[]) {
  execFileSync("git", ["-c", "user.email=t@example.com", "-c", "user.name=t", ...args], { cwd: root, stdio: "ignore" });
}

const ids = (r: Report) => r.findings.map((f) => `${f.path}:${f.line} ${f.ruleId} ${f.severity}`);

const DEPLOYMENT = (name: string, annotations = "", templateAnnotations = "") => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
${annotations}spec:
  template:
${templateAnnotations}    spec:
      containers:
        - name: ${name}
          image: registry.example.com/${name}:1.0.0
          resources:
            requests: { cpu: 100m, memory: 64Mi }
            limits: { memory: 128Mi }
`;

describe("inline suppressions", () => {
  it("suppress with a reason, in each file's comment syntax; report missing reasons and unused ones; list suppressed in JSON", async () => {
    const root = repo({
      "Dockerfile": [
        "# readiness-check-disable-next-line docker/base-image-pinned -- the platform team's golden image, pinned by digest at release",
        "FROM alpine:latest",
        "# readiness-check-disable-next-line docker/non-root-user",
        "RUN echo '# readiness-check-disable-file docker/non-root-user -- inside a string'",
        "",
      ].join("\n"),
      "internal/svc/svc.go": 'package svc\n\nimport "fmt"\n\nfunc Serve() {\n\t// readiness-check-disable-next-line go/no-fmt-print -- banner before the logger exists\n\tfmt.Println("hi")\n\ts := "// readiness-check-disable-next-line go/no-fmt-print -- in a string"\n\tfmt.Println(s)\n}\n',
      "go.mod": "module example.com/x\n\ngo 1.22\n",
      "src/cli.ts": "/* readiness-check-disable-file ts/no-console -- a CLI prints to its terminal */\nconsole.log('a');\nconsole.log('b');\n",
      "src/server.ts": "// readiness-check-disable-next-line ts/no-console -- stale\nconst x = 1;\nconsole.log(x);\n",
      "package.json": '{"name":"x","private":true}',
      "package-lock.json": "{}",
      "go.sum": "",
    });
    const { code, report } = await json([root, "--fail-on", "warning"]);
    expect(code).toBe(1);
    // Notes from rules about other artifacts (no CI workflow to check) are beside the point here.
    expect(ids(report).filter((l) => !l.endsWith(" note"))).toEqual([
      "Dockerfile:2 docker/non-root-user warning",
      "Dockerfile:3 readiness/invalid-suppression warning",
      "internal/svc/svc.go:9 go/no-fmt-print warning",
      "src/server.ts:1 readiness/unused-suppression warning",
      "src/server.ts:3 ts/no-console warning",
    ]);
    expect(report.findings.find((f) => f.ruleId === "readiness/invalid-suppression")!.message).toMatch(/no reason, so it suppresses nothing/);
    expect(report.summary.suppressed).toBe(4);
    expect(report.suppressed.map((s) => `${s.path}:${s.line} ${s.ruleId} ${s.suppression.kind}@${s.suppression.line}: ${s.suppression.reason}`)).toEqual([
      "Dockerfile:2 docker/base-image-pinned next-line@1: the platform team's golden image, pinned by digest at release",
      "internal/svc/svc.go:7 go/no-fmt-print next-line@6: banner before the logger exists",
      "src/cli.ts:2 ts/no-console file@1: a CLI prints to its terminal",
      "src/cli.ts:3 ts/no-console file@1: a CLI prints to its terminal",
    ]);
    // A suppression of a rule that did not run says nothing: it is not reported as unused.
    const only = await json([root, "--rule", "docker/base-image-pinned"]);
    expect(ids(only.report)).toEqual(["Dockerfile:3 readiness/invalid-suppression warning"]);
    // The terminal summary counts them; suppressed findings never fail the run.
    const terminal = await cli([root, "--rule", "docker/base-image-pinned"]);
    expect(terminal.code).toBe(0);
    expect(terminal.stdout).toContain("Suppressed: 1 (1 inline;");
    expect(terminal.stdout).toContain("Suppressions and baseline (1 finding)");
  });

  it("a suppression naming an unknown rule suppresses nothing and suggests the right id", async () => {
    const root = repo({ "Dockerfile": "# readiness-check-disable-next-line docker/base-image-pined -- typo\nFROM alpine:latest\nUSER 1000\n" });
    const { report } = await json([root]);
    expect(ids(report)).toEqual(["Dockerfile:1 readiness/invalid-suppression warning", "Dockerfile:2 docker/base-image-pinned warning"]);
    expect(report.findings[0]!.message).toMatch(/names unknown rule "docker\/base-image-pined"; did you mean "docker\/base-image-pinned"\?/);
  });

  it("a Kubernetes annotation on the object or its pod template covers that object only", async () => {
    const root = repo({
      "deploy/app.yaml": [
        DEPLOYMENT("worker", '  annotations:\n    readiness-check.io/ignore: "k8s/probes-defined -- queue worker, no port to probe"\n'),
        DEPLOYMENT("api", "", '    metadata:\n      annotations:\n        readiness-check.io/ignore: "k8s/probes-defined, k8s/resources-set -- probes come from the mesh sidecar"\n'),
        DEPLOYMENT("web"),
      ].join("---\n"),
    });
    const { report } = await json([root, "--rule", "k8s/probes-defined,k8s/resources-set"]);
    expect(report.suppressed.map((s) => `${s.ruleId} ${s.suppression.kind} ${s.suppression.reason}`)).toEqual([
      "k8s/probes-defined annotation queue worker, no port to probe",
      "k8s/probes-defined annotation queue worker, no port to probe",
      "k8s/probes-defined annotation probes come from the mesh sidecar",
      "k8s/probes-defined annotation probes come from the mesh sidecar",
    ]);
    // `web` is not covered; the api's resources-set suppression had nothing to suppress.
    expect(ids(report)).toEqual([
      "deploy/app.yaml:25 readiness/unused-suppression warning",
      "deploy/app.yaml:42 k8s/probes-defined error",
      "deploy/app.yaml:42 k8s/probes-defined note",
    ]);
  });
});

describe("configuration", () => {
  const files = {
    "Dockerfile": "FROM alpine:latest\nUSER 65532\n",
    "legacy/Dockerfile": "FROM alpine:latest\nUSER 65532\n",
    "tools/Dockerfile": "FROM alpine:latest\nUSER 65532\n",
  };

  it("severity overrides, ignore globs and per-path overrides change what fails", async () => {
    const root = repo({
      ...files,
      ".readinessrc.yaml": [
        "$schema: ./node_modules/readiness-check/schemas/readiness-config.schema.json",
        "rules:",
        "  docker/base-image-pinned: error",
        "ignore: [legacy/]",
        "overrides:",
        "  - files: ['tools/**']",
        "    rules:",
        "      docker/base-image-pinned: note",
      ].join("\n"),
    });
    const { code, report } = await json([root]);
    expect(code).toBe(1);
    expect(ids(report)).toEqual(["Dockerfile:1 docker/base-image-pinned error", "tools/Dockerfile:1 docker/base-image-pinned note"]);
  });

  it("--config names a file; rules can be turned off; strict promotes warnings", async () => {
    const root = repo({ ...files, "ci/readiness.json": JSON.stringify({ extends: "strict", rules: { "docker/non-root-user": "off" } }) });
    const { report } = await json([root, "--config", path.join(root, "ci/readiness.json")]);
    expect(ids(report).filter((l) => l.startsWith("Dockerfile:") && !l.endsWith(" note"))).toEqual(["Dockerfile:1 docker/base-image-pinned error"]);
  });

  it.each([
    [{ "rules": { "docker/base-image-pined": "error" } }, /^readiness-check: \.readinessrc\.json: rules names unknown rule "docker\/base-image-pined"; did you mean "docker\/base-image-pinned"\?/],
    [{ "rules": { "docker/base-image-pinned": ["error", { "allow": ["x"] }] } }, /\.readinessrc\.json: rules\["docker\/base-image-pinned"\] has option "allow", but docker\/base-image-pinned takes no options/],
  ])("a bad configuration exits 2 with one line naming file and key: %j", async (config, pattern) => {
    const root = repo({ ...files, ".readinessrc.json": JSON.stringify(config) });
    const cwd = process.cwd();
    process.chdir(root);
    try {
      const { code, stderr, stdout } = await cli(["."]);
      expect(code).toBe(2);
      expect(stderr).toMatch(pattern);
      expect(stderr.trim().split("\n")).toHaveLength(1);
      expect(stdout).toBe("");
    } finally {
      process.chdir(cwd);
    }
  });
});

describe("init and explain", () => {
  it("init writes a starter config that fits the repository and refuses to overwrite without --force", async () => {
    const root = repo({ "Dockerfile": "FROM alpine:latest\n" });
    const first = await cli(["init", root]);
    expect(first.code).toBe(0);
    const text = readFileSync(path.join(root, ".readinessrc.yaml"), "utf8");
    expect(text).toMatch(/Found: 1 dockerfile\./);
    expect(text).toMatch(/^  docker\/base-image-pinned: +warning {2}# 1 finding today$/m);
    expect(text).toMatch(/^  # {3}k8s\/probes-defined$/m); // not applicable here: listed as a comment
    // Rules the recommended preset leaves off are listed apart, never under "at their level in the recommended preset".
    const [onPart, offPart] = text.split("# Off in the recommended preset");
    expect(onPart).not.toMatch(/^ {2}[\w/-]+: +off\b/m);
    expect(offPart).toMatch(/^ {2}docker\/healthcheck-defined: +off {6}# 1 finding today$/m);
    // What init writes loads; the tool's own files are settings, never scanned as the service's artifacts.
    write(root, { "readiness-baseline.json": '{"schemaVersion":1,"findings":{}}', ".readinessrc.json": "{}" });
    const after = (await json([root, "--config", path.join(root, ".readinessrc.yaml")])).report;
    expect(after.findings.map((f) => f.path)).toEqual(["Dockerfile", "Dockerfile"]);
    // The count init announces is what its configuration reports (rules it leaves off do not count).
    expect(first.stderr).toMatch(new RegExp(`; ${after.findings.length} findings today`));
    expect((await json([root, "--rule", "secrets/hardcoded-secret", "-c", path.join(root, ".readinessrc.yaml")])).report.findings).toEqual([]);
    const again = await cli(["init", root]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/readinessrc\.json already configures readiness-check here; pass --force to write .readinessrc.yaml anyway/);
    expect((await cli(["init", root, "--force"])).code).toBe(0);
  });

  it("explain prints the rule's documentation page; an unknown id suggests the right one", async () => {
    const { code, stdout } = await cli(["explain", "docker/base-image-pinned"]);
    expect(code).toBe(0);
    expect(stdout).toBe(readFileSync(path.join(__dirname, "../../docs/rules/docker/base-image-pinned.md"), "utf8"));
    const bad = await cli(["explain", "base-image-pinned"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/did you mean "docker\/base-image-pinned"/);
  });
});

describe("baseline", () => {
  it("records counts per file × rule, fails only on new findings, reports stale entries, and only shrinks unless --force", async () => {
    const root = repo({ "Dockerfile": "FROM alpine:latest\nUSER 65532\n", "svc/Dockerfile": "FROM node:latest\nUSER 65532\n" });
    const write1 = await cli([root, "--update-baseline"]);
    expect(write1.code).toBe(0);
    const file = path.join(root, "readiness-baseline.json");
    const baseline = JSON.parse(readFileSync(file, "utf8"));
    expect(baseline).toMatchObject({ schemaVersion: 1, tool: { name: "readiness-check" } });
    expect(baseline.findings).toEqual({ "Dockerfile": { "docker/base-image-pinned": 1 }, "svc/Dockerfile": { "docker/base-image-pinned": 1 } });
    // Deterministic: the same tree writes the same bytes.
    await cli([root, "--update-baseline"]);
    expect(readFileSync(file, "utf8")).toBe(JSON.stringify(baseline, null, 2) + "\n");

    // Old findings pass the gate, even after a line shift.
    write(root, { "Dockerfile": "# a comment shifts the lines\nFROM alpine:latest\nUSER 65532\n" });
    const gate = await json([root, "--baseline", "--fail-on", "warning"]);
    expect(gate.code).toBe(0);
    expect(gate.report.summary.suppressed).toBe(2);

    // A new problem fails it; the old ones stay quiet.
    write(root, { "worker/Dockerfile": "FROM redis:latest\nUSER 65532\n" });
    const failing = await json([root, "--baseline", "--fail-on", "warning"]);
    expect(failing.code).toBe(1);
    expect(ids(failing.report)).toEqual(["worker/Dockerfile:1 docker/base-image-pinned warning"]);

    // --update-baseline refuses to grow the baseline...
    const refused = await cli([root, "--update-baseline"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/not added, new since the baseline .*worker\/Dockerfile docker\/base-image-pinned \(1, baseline 0\)/);
    expect(JSON.parse(readFileSync(file, "utf8")).findings["worker/Dockerfile"]).toBeUndefined();

    // ...a fixed problem leaves a stale entry (a note), and the next update shrinks the file.
    write(root, { "svc/Dockerfile": "FROM node:22.11.0\nUSER 65532\n", "worker/Dockerfile": "FROM redis:7.4\nUSER 65532\n" });
    const stale = await json([root, "--baseline=" + file]);
    expect(ids(stale.report)).toEqual(["svc/Dockerfile:1 readiness/baseline-stale note"]);
    expect((await cli([root, "--update-baseline"])).code).toBe(0);
    expect(JSON.parse(readFileSync(file, "utf8")).findings).toEqual({ "Dockerfile": { "docker/base-image-pinned": 1 } });

    // --force accepts new findings.
    write(root, { "worker/Dockerfile": "FROM redis:latest\nUSER 65532\n" });
    expect((await cli([root, "--update-baseline", "--force"])).code).toBe(0);
    expect(JSON.parse(readFileSync(file, "utf8")).findings["worker/Dockerfile"]).toEqual({ "docker/base-image-pinned": 1 });
  });

  it("a missing or malformed baseline is a usage error", async () => {
    const root = repo({ "Dockerfile": "FROM alpine:3.20\n" });
    expect((await cli([root, "--baseline"])).stderr).toMatch(/baseline file not found: .*readiness-baseline\.json \(create it with --update-baseline\)/);
    write(root, { "b.json": '{"findings": []}' });
    const bad = await cli([root, "--baseline", path.join(root, "b.json")]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not a readiness-check baseline/);
  });
});

describe("--changed-since", () => {
  it("reports only findings in files changed since the merge base, plus untracked files", async () => {
    const root = repo({ "Dockerfile": "FROM alpine:latest\nUSER 65532\n", "old/Dockerfile": "FROM node:latest\nUSER 65532\n" });
    git(root, "add", ".");
    git(root, "commit", "-qm", "base");
    git(root, "tag", "base");
    git(root, "checkout", "-qb", "feature");
    write(root, { "Dockerfile": "FROM alpine:latest\nUSER 65532\nEXPOSE 8080\n" });
    git(root, "commit", "-qam", "change");
    write(root, { "new/Dockerfile": "FROM redis:latest\nUSER 65532\n" });
    const result = await json([root, "--changed-since", "base"]);
    expect(ids(result.report)).toEqual(["Dockerfile:1 docker/base-image-pinned warning", "new/Dockerfile:1 docker/base-image-pinned warning"]);
    // Without the flag, the unchanged file is reported too.
    expect(ids((await json([root])).report)).toContain("old/Dockerfile:1 docker/base-image-pinned warning");
    const bad = await cli([root, "--changed-since", "no-such-ref"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--changed-since no-such-ref: no merge base/);
  });
});
