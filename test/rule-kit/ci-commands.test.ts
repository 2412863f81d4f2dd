import { describe, expect, it } from "vitest";
import { loadCiPipeline } from "../../src/loaders/ci.js";
import { loadMakefile } from "../../src/loaders/makefile.js";
import type { PackageJson } from "../../src/model/artifacts.js";
import type { Repository } from "../../src/model/repository.js";
import { ciCommands } from "../../src/rule-kit/ci-commands.js";

const AT = { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } };

function pkg(path: string, scripts: Record<string, string>): PackageJson {
  return { path, scripts, dependencies: {}, devDependencies: {}, workspaces: [], private: true, locate: () => AT, locateKey: () => AT };
}

function repo(workflow: string, makefiles: Record<string, string>, packages: PackageJson[]): Repository {
  return {
    ci: [loadCiPipeline(".github/workflows/ci.yml", workflow).value!],
    makefiles: Object.entries(makefiles).map(([path, text]) => loadMakefile(path, text).value!),
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
      "CI runs the script `./scripts/ci.sh`, whose commands are not read",
    ]);
  });
});
