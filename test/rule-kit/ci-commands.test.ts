import { describe, expect, it } from "vitest";
import { loadCiPipeline } from "../../src/loaders/ci.js";
import { loadMakefile } from "../../src/loaders/makefile.js";
import { loadShellScript } from "../../src/loaders/shell.js";
import type { PackageJson } from "../../src/model/artifacts.js";
import type { Repository } from "../../src/model/repository.js";
import { ciCommands } from "../../src/rule-kit/ci-commands.js";
import { ciDockerBuilds } from "../../src/rule-kit/docker-build.js";

const AT = { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } };

function pkg(path: string, scripts: Record<string, string>): PackageJson {
  return { path, scripts, dependencies: {}, devDependencies: {}, workspaces: [], private: true, locate: () => AT, locateKey: () => AT };
}

function repo(workflow: string, makefiles: Record<string, string>, packages: PackageJson[], scripts: Record<string, string> = {}, ciPath = ".github/workflows/ci.yml"): Repository {
  return {
    ci: [loadCiPipeline(ciPath, workflow).value!],
    makefiles: Object.entries(makefiles).map(([path, text]) => loadMakefile(path, text).value!),
    shellScripts: Object.entries(scripts).map(([path, text]) => loadShellScript(path, text).value!),
    manifests: { packageJsons: packages, goModules: [], goWorks: [], lockfiles: [] },
  } as unknown as Repository;
}

const workflow = (...runs: string[]) => `on: push\njobs:\n  ci:\n    runs-on: x\n    steps:\n${runs.map((r) => `      - run: ${r}\n`).join("")}`;

describe("ciCommands", () => {
  it("follows make targets (prerequisites first, variables expanded, recursive $(MAKE)) and records the chain", () => {
    const view = ciCommands(
      repo(workflow("make ci"), { Makefile: "GO ?= go\nci: lint\n\t$(MAKE) test\nlint:\n\tgolangci-lint run\ntest:\n\t$(GO) test ./...\n" }, []),
    );
    expect(view.commands.map((c) => [c.text, c.path, c.via])).toEqual([
      ["make ci", ".github/workflows/ci.yml", []],
      ["golangci-lint run", "Makefile", ["make ci", "make lint"]],
      ["make test", "Makefile", ["make ci"]],
      ["go test ./...", "Makefile", ["make ci", "make test"]],
    ]);
    expect(view.blindSpots).toEqual([]);
  });

  it("resolves `cd dir &&` and `make -C dir`, and npm scripts with pre/post hooks in the right package", () => {
    const view = ciCommands(
      repo(
        workflow("cd web && npm test", "make -C svc build"),
        { "svc/Makefile": "build:\n\tgo build ./...\n" },
        [pkg("package.json", { test: "echo root" }), pkg("web/package.json", { pretest: "tsc", test: "vitest run", posttest: "echo done" })],
      ),
    );
    expect(view.commands.filter((c) => c.via.length > 0).map((c) => [c.text, c.path])).toEqual([
      ["tsc", "web/package.json"],
      ["vitest run", "web/package.json"],
      ["echo done", "web/package.json"],
      ["go build ./...", "svc/Makefile"],
    ]);
  });

  it("stops at cycles and names what it cannot see", () => {
    const view = ciCommands(
      repo(workflow("make loop", "make missing", "./scripts/ci.sh", "npm run a"), { Makefile: "loop:\n\tmake loop\n" }, [pkg("package.json", { a: "npm run b", b: "npm run a" })]),
    );
    expect(view.commands.filter((c) => c.text === "make loop")).toHaveLength(2);
    expect(view.blindSpots).toEqual([
      "CI runs `make missing`, but Makefile has no such target",
      "CI runs the script `./scripts/ci.sh`, which was not found in the repository",
    ]);
  });

  it("follows shell scripts (relative to the folder CI is in, their own cd, make and scripts they call)", () => {
    const view = ciCommands(
      repo(
        workflow("./scripts/lint.sh common -install", "cd svc && bash ../scripts/test.sh"),
        { "svc/Makefile": "vet:\n\tgo vet ./...\n" },
        [],
        {
          "scripts/lint.sh": "#!/bin/bash\nset -e\n# comment\nif [ \"$2\" == \"-install\" ]; then\n  go install \\\n    github.com/golangci/golangci-lint/cmd/golangci-lint@v1.55.0\nfi\ncd \"./internal/$1\"\ngolangci-lint run\n",
          "scripts/test.sh": "cd ../svc\nmake vet\ngo test ./...\n",
        },
      ),
    );
    expect(view.commands.filter((c) => c.via.length > 0).map((c) => [c.text, c.path, c.range.start.line, c.via])).toEqual([
      ["set -e", "scripts/lint.sh", 2, ["./scripts/lint.sh common -install"]],
      ['if [ "$2" == "-install" ]; then', "scripts/lint.sh", 4, ["./scripts/lint.sh common -install"]],
      ["go install github.com/golangci/golangci-lint/cmd/golangci-lint@v1.55.0", "scripts/lint.sh", 5, ["./scripts/lint.sh common -install"]],
      ["fi", "scripts/lint.sh", 7, ["./scripts/lint.sh common -install"]],
      ['cd "./internal/$1"', "scripts/lint.sh", 8, ["./scripts/lint.sh common -install"]],
      ["golangci-lint run", "scripts/lint.sh", 9, ["./scripts/lint.sh common -install"]],
      ["cd ../svc", "scripts/test.sh", 1, ["bash ../scripts/test.sh"]],
      ["make vet", "scripts/test.sh", 2, ["bash ../scripts/test.sh"]],
      ["go vet ./...", "svc/Makefile", 2, ["bash ../scripts/test.sh", "make vet"]],
      ["go test ./...", "scripts/test.sh", 3, ["bash ../scripts/test.sh"]],
    ]);
    expect(view.blindSpots).toEqual([]);
  });

  it("reads Cloud Build steps: entrypoint and args, bash -c scripts, script fields, builder images", () => {
    const cloudbuild = [
      "steps:",
      "- id: lint",
      "  name: golang",
      "  entrypoint: ./scripts/lint.sh",
      "  args: ['common']",
      "- id: test",
      "  name: golang",
      "  args: ['go', 'test', './...']",
      "- id: verify",
      "  name: gcr.io/cloud-builders/go",
      "  args: ['mod', 'verify']",
      "- id: audit",
      "  name: node",
      "  entrypoint: bash",
      "  args: ['-c', 'npm ci && npm audit']",
      "- id: scan",
      "  name: ubuntu",
      "  script: |",
      "    govulncheck ./...",
      "",
    ].join("\n");
    const view = ciCommands(repo(cloudbuild, {}, [], { "scripts/lint.sh": "golangci-lint run\n" }, "cloudbuild.yaml"));
    expect(view.commands.map((c) => [c.text, c.path, c.range.start.line, c.origin.job])).toEqual([
      ["./scripts/lint.sh common", "cloudbuild.yaml", 4, "lint"],
      ["golangci-lint run", "scripts/lint.sh", 1, "lint"],
      ["go test ./...", "cloudbuild.yaml", 8, "test"],
      ["go mod verify", "cloudbuild.yaml", 11, "verify"],
      ["npm ci && npm audit", "cloudbuild.yaml", 15, "audit"],
      ["govulncheck ./...", "cloudbuild.yaml", 19, "scan"],
    ]);
  });

  it("finds the Dockerfiles CI builds and their contexts (folders, -f relative to where the command runs)", () => {
    const builds = ciDockerBuilds(
      repo(
        workflow(
          "cd svc && docker build -t svc:1 .",
          "docker buildx build -f deploy/api.Dockerfile --push -t api:1 --platform linux/amd64 services/api",
          "podman build --file=Dockerfile.prod --no-cache web",
          "docker build - < Dockerfile",
          'docker build -t "x:$TAG" "$CONTEXT"',
          "make images",
        ),
        { Makefile: "images:\n\tdocker build -f worker/Dockerfile worker\n" },
        [],
      ),
    );
    expect(builds).toEqual([
      { context: "svc", dockerfile: "svc/Dockerfile" },
      { context: "services/api", dockerfile: "deploy/api.Dockerfile" },
      { context: "web", dockerfile: "Dockerfile.prod" },
      { context: "worker", dockerfile: "worker/Dockerfile" },
    ]);
  });
});
