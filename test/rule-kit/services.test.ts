import { describe, expect, it } from "vitest";
import type { GoModule } from "../../src/model/artifacts.js";
import type { Repository } from "../../src/model/repository.js";
import { pathExists } from "../../src/rule-kit/docker-build.js";
import { goImportRefersTo, goProgramDirs } from "../../src/rule-kit/services.js";

const AT = { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } };
const mod = (path: string, module: string): GoModule => ({ path, module, requires: [], range: AT }) as unknown as GoModule;

describe("goProgramDirs", () => {
  const modules = [mod("go.mod", "example.com/shop"), mod("tools/go.mod", "example.com/tools")];
  const imports = new Map<string, Set<string>>([
    ["cmd/api", new Set(["example.com/shop/internal/server", "fmt"])],
    ["internal/server", new Set(["example.com/shop/internal/db", "github.com/other/vendor/internal/log"])],
    ["internal/db", new Set()],
    ["internal/log", new Set()],
    ["tools/gen", new Set(["example.com/tools/lib"])],
    ["tools/lib", new Set()],
    ["cmd/worker", new Set(["example.com/shop/internal/db"])],
  ]);

  it("follows imports through go.mod module paths and, without one, by folder suffix", () => {
    // internal/log is reached by suffix only (github.com/other/vendor/internal/log ends with it), as goImportRefersTo says.
    expect(goProgramDirs("cmd/api", imports, modules).sort()).toEqual(["cmd/api", "internal/db", "internal/log", "internal/server"]);
    expect(goProgramDirs("cmd/worker", imports, modules).sort()).toEqual(["cmd/worker", "internal/db"]);
    expect(goProgramDirs("tools/gen", imports, modules).sort()).toEqual(["tools/gen", "tools/lib"]);
  });

  it("resolves each import to the first folder goImportRefersTo accepts", () => {
    for (const [, paths] of imports) {
      for (const path of paths) {
        const first = [...imports.keys()].find((dir) => goImportRefersTo(path, dir, modules));
        const program = goProgramDirs("cmd/api", new Map([["cmd/api", new Set([path])], ...[...imports].filter(([d]) => d !== "cmd/api")]), modules);
        if (first === undefined) expect(program).toEqual(["cmd/api"]);
        else expect(program).toContain(first);
      }
    }
  });
});

describe("pathExists", () => {
  const repo = { files: [{ path: "svc/api/etc/app.yaml", kind: "yaml", size: 1 }, { path: "Dockerfile", kind: "dockerfile", size: 1 }] } as unknown as Repository;
  it("knows files and every folder above them, and nothing else", () => {
    for (const p of ["", "svc", "svc/api", "svc/api/etc", "svc/api/etc/app.yaml", "Dockerfile"]) expect(pathExists(repo, p)).toBe(true);
    for (const p of ["sv", "svc/ap", "svc/api/etc/app", "api", "Dockerfile/x"]) expect(pathExists(repo, p)).toBe(false);
  });
});
