import { describe, expect, it } from "vitest";
import { loadManifests, parseGoMod, parsePackageJson } from "../../src/loaders/manifests.js";
import type { RepoReader } from "../../src/loaders/repository.js";
import type { RepoFile } from "../../src/model/repository.js";

const at = (line: number, column: number, endLine: number, endColumn: number) => ({
  start: { line, column },
  end: { line: endLine, column: endColumn },
});

/** An in-memory repository: `disk` is every file that exists, `ignored` what .gitignore excludes. */
function fakeRepo(disk: Record<string, string>, ignored: string[] = [], tooLarge: string[] = []) {
  const files: RepoFile[] = Object.keys(disk)
    .filter((p) => !ignored.includes(p) && !tooLarge.includes(p))
    .map((p) => {
      const name = p.slice(p.lastIndexOf("/") + 1);
      const kind = ["package.json", "go.mod", "go.work"].includes(name)
        ? "manifest"
        : ["package-lock.json", "yarn.lock", "pnpm-lock.yaml", "bun.lock", "go.sum", "go.work.sum"].includes(name)
          ? "lockfile"
          : "other";
      return { path: p, kind, size: disk[p]!.length } as RepoFile;
    });
  const reader: RepoReader = {
    readText: (p) => disk[p],
    exists: (p) => p in disk,
    isIgnored: (p) => ignored.includes(p),
  };
  return { files, reader };
}

describe("parsePackageJson", () => {
  const text = `{
  "name": "@acme/api",
  "private": true,
  "packageManager": "pnpm@9.1.0",
  "workspaces": ["packages/*"],
  "scripts": { "build": "tsc" },
  "dependencies": {
    "pg": "^8.11.0",
    "weird": 42
  },
  "devDependencies": { "vitest": "~4.1" }
}
`;
  const pkg = parsePackageJson("package.json", text).value!;

  it("reads the fields", () => {
    expect(pkg).toMatchObject({
      path: "package.json",
      name: "@acme/api",
      private: true,
      workspaces: ["packages/*"],
      packageManager: "pnpm@9.1.0",
      scripts: { build: "tsc" },
      dependencies: { pg: "^8.11.0" }, // non-string values are dropped
      devDependencies: { vitest: "~4.1" },
    });
  });

  it("locates keys and values, and the nearest ancestor of a missing path", () => {
    expect(pkg.locateKey(["dependencies"])).toEqual(at(7, 3, 7, 17));
    expect(pkg.locate(["dependencies", "pg"])).toEqual(at(8, 11, 8, 20));
    expect(pkg.locateKey(["dependencies", "pg"])).toEqual(at(8, 5, 8, 9));
    expect(pkg.locate(["workspaces", 0])).toEqual(at(5, 18, 5, 30));
    expect(pkg.locateKey(["workspaces", 0])).toEqual(at(5, 18, 5, 30));
    expect(pkg.locate(["dependencies", "missing"])).toEqual(at(7, 19, 10, 4));
    expect(pkg.locate([])).toEqual(at(1, 1, 12, 2));
  });

  it("reads yarn classic's workspaces object", () => {
    const value = parsePackageJson("package.json", '{"workspaces": {"packages": ["apps/*"], "nohoist": []}}').value!;
    expect(value.workspaces).toEqual(["apps/*"]);
    expect(value.private).toBe(false);
  });

  it("turns malformed JSON into a parse-error diagnostic at the offending place", () => {
    const trailing = parsePackageJson("web/package.json", '{\n  "name": "x",\n}\n');
    expect(trailing.value).toBeUndefined();
    expect(trailing.diagnostics).toEqual([
      expect.objectContaining({ kind: "parse-error", path: "web/package.json", range: at(3, 1, 3, 1) }),
    ]);
    const badLiteral = parsePackageJson("package.json", '{\n  "private": tru\n}');
    expect(badLiteral.diagnostics[0]!.range.start).toEqual({ line: 2, column: 14 });
    const empty = parsePackageJson("package.json", "");
    expect(empty.diagnostics[0]).toMatchObject({ kind: "parse-error", range: at(1, 1, 1, 1) });
    const array = parsePackageJson("package.json", "[]");
    expect(array.diagnostics[0]!.message).toContain("JSON object");
  });
});

describe("parseGoMod", () => {
  const text = `// The service.
module github.com/acme/patient-rpc

go 1.22.3

toolchain go1.22.4

require github.com/zeromicro/go-zero v1.6.0

require (
\tgithub.com/go-sql-driver/mysql v1.7.1
\tgolang.org/x/sys v0.18.0 // indirect
\tgolang.org/x/text v0.14.0 // indirect; used by tests
\t"example.com/quoted" v1.0.0
)

replace github.com/acme/lib => ../lib
`;

  it("reads module, go version and requires with ranges", () => {
    const { value, diagnostics } = parseGoMod("go.mod", text);
    expect(diagnostics).toEqual([]);
    expect(value).toMatchObject({ path: "go.mod", module: "github.com/acme/patient-rpc", goVersion: "1.22.3", range: at(2, 1, 2, 35) });
    expect(value!.requires).toEqual([
      { path: "github.com/zeromicro/go-zero", version: "v1.6.0", indirect: false, range: at(8, 9, 8, 44) },
      { path: "github.com/go-sql-driver/mysql", version: "v1.7.1", indirect: false, range: at(11, 2, 11, 39) },
      { path: "golang.org/x/sys", version: "v0.18.0", indirect: true, range: at(12, 2, 12, 26) },
      { path: "golang.org/x/text", version: "v0.14.0", indirect: true, range: at(13, 2, 13, 27) },
      { path: "example.com/quoted", version: "v1.0.0", indirect: false, range: at(14, 2, 14, 29) },
    ]);
  });

  it("reports malformed go.mod files and keeps what it could read", () => {
    const { value, diagnostics } = parseGoMod("svc/go.mod", "module a\n\nfrobnicate x\nrequire (\n\texample.com/b\n");
    expect(value!.module).toBe("a");
    // One diagnostic per file: the first problem (the unknown directive), and the count of the others
    // (the `require` line without a version, the block never closed).
    expect(diagnostics.map((d) => [d.kind, d.range.start.line])).toEqual([["parse-error", 3]]);
    expect(diagnostics[0]!.message).toContain("unknown directive at line 3 (and 2 more problems in this file)");
    const noModule = parseGoMod("go.mod", "go 1.22\n");
    expect(noModule.diagnostics[0]!.message).toContain("no `module` directive");
  });
});

describe("loadManifests", () => {
  it("lists manifests, go.work and discovered lockfiles", () => {
    const { files, reader } = fakeRepo({
      "package.json": '{"dependencies": {"a": "1"}}',
      "package-lock.json": "{}",
      "go.mod": "module x\n",
      "go.sum": "",
      "go.work": "go 1.22\nuse .\n",
    });
    const { value, diagnostics } = loadManifests(files, reader);
    expect(diagnostics).toEqual([]);
    expect(value!.packageJsons.map((p) => p.path)).toEqual(["package.json"]);
    expect(value!.goModules.map((m) => m.module)).toEqual(["x"]);
    expect(value!.goWorks).toEqual(["go.work"]);
    expect(value!.lockfiles).toEqual([
      { path: "go.sum", kind: "go.sum", ignored: false },
      { path: "package-lock.json", kind: "npm", ignored: false },
    ]);
  });

  it("adds lockfiles that .gitignore hid from discovery, and ones skipped for their size", () => {
    const { files, reader } = fakeRepo(
      {
        "svc/package.json": '{"dependencies": {"a": "1"}}',
        "svc/package-lock.json": "{}",
        "yarn.lock": "",
        "api/go.mod": "module y\n",
        "api/go.sum": "",
      },
      ["svc/package-lock.json", "api/go.sum"],
      ["yarn.lock"],
    );
    const { value } = loadManifests(files, reader);
    expect(value!.lockfiles).toEqual([
      { path: "api/go.sum", kind: "go.sum", ignored: true },
      { path: "svc/package-lock.json", kind: "npm", ignored: true },
      // In an ancestor folder (a workspace root) and too large to be listed: still present.
      { path: "yarn.lock", kind: "yarn", ignored: false },
    ]);
  });

  it("turns malformed manifests into diagnostics without throwing", () => {
    const { files, reader } = fakeRepo({ "package.json": "{ not json", "go.mod": "modul x\n" });
    const { value, diagnostics } = loadManifests(files, reader);
    expect(value!.packageJsons).toEqual([]);
    expect(diagnostics.map((d) => `${d.path}:${d.range.start.line}:${d.range.start.column}`)).toEqual([
      "package.json:1:3",
      "go.mod:1:1", // unknown directive `modul`, and so no module directive: one diagnostic
    ]);
    expect(diagnostics[1]!.message).toContain("(and 1 more problem in this file)");
  });
});

describe("manifests: hostile input", () => {
  const TOKEN = "ghp_Zq8LmN2vR7tX4wK9pB3sD6fH1jC5gA0eYuIo";

  it("reports what JSON.parse rejects inside strings at the offending character, without throwing", () => {
    const cases: [string, { line: number; column: number }, string][] = [
      ['{"name":"x","\\q": 1}', { line: 1, column: 14 }, "invalid escape"],
      ['{"name":"x","a\tb": 1}', { line: 1, column: 15 }, "control character"],
      [`{"name":"x",\n  "token": "${TOKEN}\\x"}`, { line: 2, column: 53 }, "invalid escape"],
      ['{"a": "\\u12G4"}', { line: 1, column: 8 }, "invalid \\u escape"],
    ];
    for (const [text, start, reason] of cases) {
      let result: ReturnType<typeof parsePackageJson> | undefined;
      expect(() => (result = parsePackageJson("package.json", text))).not.toThrow();
      expect(result!.value).toBeUndefined();
      expect(result!.diagnostics).toEqual([expect.objectContaining({ kind: "parse-error", range: { start, end: start } })]);
      expect(result!.diagnostics[0]!.message).toContain(reason);
      expect(result!.diagnostics[0]!.message).not.toContain("ghp_"); // JSON.parse's own message quotes the text
    }
  });

  it("reads a valid package.json nested 100,000 deep (the scan is iterative) and still locates keys", () => {
    const depth = 100_000;
    const text = '{"name":"x",\n"dependencies": {"pg": "^8"},\n"a":' + "[".repeat(depth) + "]".repeat(depth) + "}";
    let result: ReturnType<typeof parsePackageJson> | undefined;
    expect(() => (result = parsePackageJson("package.json", text))).not.toThrow();
    expect(result!.diagnostics).toEqual([]);
    expect(result!.value!.dependencies).toEqual({ pg: "^8" });
    expect(result!.value!.locate(["dependencies", "pg"])).toEqual(at(2, 24, 2, 28));
    expect(result!.value!.locateKey(["dependencies", "pg"])).toEqual(at(2, 18, 2, 22));
    // The deepest array sits on line 3; a path that leaves the tree falls back to the nearest node.
    expect(result!.value!.locate(["a", 0, 0, "x"]).start).toEqual({ line: 3, column: 7 });
    // Broken at the bottom: the error is found there, not by overflowing the stack.
    const broken = parsePackageJson("package.json", '{"a":' + "[".repeat(depth) + "}");
    expect(broken.diagnostics).toEqual([expect.objectContaining({ kind: "parse-error", range: at(1, depth + 6, 1, depth + 6) })]);
  });

  it("gives one diagnostic for a go.mod with 150,000 bad lines, without quoting them", () => {
    const text = "module x\n" + `${TOKEN} y\n`.repeat(150_000);
    const { value, diagnostics } = parseGoMod("go.mod", text);
    expect(value!.module).toBe("x");
    expect(diagnostics).toEqual([expect.objectContaining({ kind: "parse-error", range: at(2, 1, 2, 41) })]);
    expect(diagnostics[0]!.message).toContain("unknown directive at line 2 (and 149999 more problems in this file)");
    expect(diagnostics[0]!.message).not.toContain("ghp_");
    const { files, reader } = fakeRepo({ "go.mod": text });
    expect(loadManifests(files, reader).diagnostics).toHaveLength(1);
  });
});
