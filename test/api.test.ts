import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { scan } from "../src/api.js";

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: svc
spec:
  template:
    spec:
      containers:
        - name: svc
          image: registry.example.com/svc:1.0.0
`;

function gitRepo(files: Record<string, string>): string {
  const root = realpathSync(mkdtempSync(path.join(tmpdir(), "rc-api-")));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  execFileSync("git", ["init", "-q"], { cwd: root });
  return root;
}

describe("scan", () => {
  it("treats examples/ as sample code from the repository root, but checks it in earnest when pointed at", async () => {
    const root = gitRepo({ "examples/svc/deploy.yaml": deployment });
    const fromRoot = await scan({ path: root, only: ["k8s/probes-defined"] });
    expect(fromRoot.findings).toEqual([]);

    const fromExample = await scan({ path: path.join(root, "examples/svc"), only: ["k8s/probes-defined"] });
    expect(fromExample.scanPrefix).toBe("examples/svc");
    expect(fromExample.findings.map((f) => `${f.path}:${f.range.start.line}`)).toEqual([
      "examples/svc/deploy.yaml:9",
      "examples/svc/deploy.yaml:9",
    ]);
  });

  it("keeps going past a malformed file of every kind and reports each as a parse error", async () => {
    const root = gitRepo({
      "Dockerfile": "RUN echo no from\n",
      "deploy/broken.yaml": "kind: Deployment\n  metadata: [\n",
      "deploy/ok.yaml": deployment,
      "api/broken.proto": 'syntax = "proto3";\nmessage {\n',
      "config.json": '{ "a": 1,, }',
      ".env": "GOOD=1\nthis line is not an assignment\n",
      "go.mod": "module example.com/x\n\nrequire (\n\tgithub.com/a/b v1.0.0\n",
      "main.go": "package main\nfunc main() {\n",
      "src/server.ts": "const x = ;\n",
      "package.json": "{ not json",
    });
    const result = await scan({ path: root });
    expect(result.complete).toBe(true);
    const parseErrors = result.findings.filter((f) => f.ruleId === "readiness/parse-error").map((f) => f.path);
    expect(parseErrors).toEqual(
      expect.arrayContaining(["Dockerfile", "deploy/broken.yaml", "api/broken.proto", "config.json", ".env", "go.mod", "main.go", "src/server.ts", "package.json"]),
    );
    // The good manifest beside the broken one is still checked.
    expect(result.findings.some((f) => f.ruleId === "k8s/probes-defined" && f.path === "deploy/ok.yaml")).toBe(true);
  });
});

describe("templated YAML", () => {
  it("reports an unrendered template only where Kubernetes objects can hide: a chart's templates/ or a file naming apiVersion/kind", async () => {
    const root = gitRepo({
      "docs/templates/weaver.yaml": "text_maps:\n  {{ ctx.name }}: value\n",
      "loadtest/template.yaml": "config:\n  target: {{ TARGET }}\n",
      "chart/Chart.yaml": "apiVersion: v2\nname: app\nversion: 1.0.0\n",
      "chart/templates/deploy.yaml": "{{- include \"app.deployment\" . }}\n",
      "deploy/raw.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Values.name }}\n",
    });
    const result = await scan({ path: root, only: ["k8s/probes-defined"] });
    expect(result.findings.filter((f) => f.ruleId === "readiness/not-rendered").map((f) => f.path).sort()).toEqual(["chart/templates/deploy.yaml", "deploy/raw.yaml"]);
  });
});
