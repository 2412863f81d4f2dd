import { describe, expect, it } from "vitest";
import { commentSyntax, extractComments } from "../../src/loaders/comments.js";

const lines = (path: string, text: string) => extractComments(path, text).map((c) => `${c.line}:${c.column}-${c.endLine} ${c.text.trim()}`);

describe("comment extraction (real comments only)", () => {
  it("YAML: comments, but not # inside block scalars or quoted strings", () => {
    const text = 'a: 1 # trailing\nscript: |\n  # inside a block scalar\n  echo hi\nb: "x # not a comment"\n# full line\n';
    expect(lines("deploy/app.yaml", text)).toEqual(["1:6-1 trailing", "6:1-6 full line"]);
  });

  it("Dockerfile: comment lines, not # inside RUN arguments", () => {
    const text = "# top\nFROM alpine:3.20\nRUN echo '# not a comment'\n  # indented\nCMD [\"x\"]\n";
    expect(lines("Dockerfile", text)).toEqual(["1:1-1 top", "4:3-4 indented"]);
  });

  it(".env and Makefiles: # at a line start or after whitespace, outside quotes", () => {
    expect(lines(".env", "# c\nA=1 # after\nB=\"x # y\"\nC=a#b\n")).toEqual(["1:1-1 c", "2:5-2 after"]);
    expect(lines("Makefile", "build: # target\n\tgo build ./... # recipe\n")).toEqual(["1:8-1 target", "2:17-2 recipe"]);
  });

  it("Go and proto: // and /* */ outside strings, runes and raw strings", () => {
    const go = 'package main\n// one\nvar s = "// no"\nvar r = `/* no\n*/`\nvar c = \'/\'\n/* two\n   lines */\nfunc f() {} // three\n';
    expect(lines("main.go", go)).toEqual(["2:1-2 one", "7:1-8 two\n   lines", "9:13-9 three"]);
    expect(lines("api/x.proto", 'syntax = "proto3"; // s\noption go_package = "a//b";\n')).toEqual(["1:20-1 s"]);
    expect(lines("go.mod", "module x // m\n")).toEqual(["1:10-1 m"]);
  });

  it("TypeScript: comments found through the parser, not // inside strings, templates or regexes", () => {
    const ts = 'const a = "// no";\nconst t = `// no ${x /* yes */}`;\nconst re = /\\/\\/ no/;\n// one\nfoo(); /* two */\n';
    expect(lines("src/a.ts", ts)).toEqual(["2:22-2 yes", "4:1-4 one", "5:8-5 two"]);
    expect(lines("src/a.js", "// js\nlet x = 1;\n")).toEqual(["1:1-1 js"]);
  });

  it("JSON has no comments", () => {
    expect(commentSyntax("package.json")).toBe("none");
    expect(extractComments("config.json", '{"a": "// x"}')).toEqual([]);
  });
});
