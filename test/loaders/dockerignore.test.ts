import { describe, expect, it } from "vitest";
import { classify } from "../../src/loaders/discovery.js";
import { loadDockerIgnore } from "../../src/loaders/dockerignore.js";

const excludes = (text: string, path: string) => loadDockerIgnore(".dockerignore", text).value!.excludes(path);

describe("dockerignore loader", () => {
  it("keeps each pattern with its 1-based position, dropping comments and blanks", () => {
    const file = loadDockerIgnore("svc/.dockerignore", "# comment\n\n  node_modules\n!keep.pem\n").value!;
    expect(file.patterns).toEqual([
      { pattern: "node_modules", negated: false, range: { start: { line: 3, column: 3 }, end: { line: 3, column: 15 } } },
      { pattern: "keep.pem", negated: true, range: { start: { line: 4, column: 1 }, end: { line: 4, column: 10 } } },
    ]);
  });

  it("anchors patterns at the context root, as Docker does", () => {
    expect(excludes("node_modules", "node_modules")).toBe(true);
    expect(excludes("node_modules", "web/node_modules")).toBe(false);
    expect(excludes("**/node_modules", "web/node_modules/x.js")).toBe(true);
    expect(excludes("*.pem", "key.pem")).toBe(true);
    expect(excludes("*.pem", "certs/key.pem")).toBe(false);
    expect(excludes("/.git/", ".git/HEAD")).toBe(true);
    expect(excludes("./.env", ".env")).toBe(true);
  });

  it("lets the last matching pattern win, exceptions included", () => {
    expect(excludes(".*\n!.swcrc", ".git")).toBe(true);
    expect(excludes(".*\n!.swcrc", ".swcrc")).toBe(false);
    expect(excludes("*\n!src\n!go.mod", "src/main.go")).toBe(false);
    expect(excludes("*\n!src\n!go.mod", ".env")).toBe(true);
  });

  it("is classified by discovery", () => {
    expect(classify(".dockerignore")).toBe("dockerignore");
    expect(classify("api.Dockerfile.dockerignore")).toBe("dockerignore");
    expect(classify("Dockerfile.dockerignore")).toBe("dockerignore");
  });
});
