import { describe, expect, it } from "vitest";
import { parseTsFile } from "../../src/loaders/typescript.js";

const calls = (path: string, text: string) =>
  parseTsFile(path, text).file.calls.map(({ callee, module, member, isNew, enclosingFunction }) => ({
    callee,
    module,
    member,
    isNew,
    enclosingFunction,
  }));

describe("parseTsFile: imports", () => {
  it("collects ES imports with local and imported names", () => {
    const { file, diagnostics } = parseTsFile(
      "src/a.ts",
      [
        'import pg from "pg";',
        'import * as jwt from "jsonwebtoken";',
        'import { Pool as P, Client } from "pg";',
        'import "reflect-metadata";',
        'import fs = require("node:fs");',
        'import type { Logger } from "pino";',
      ].join("\n"),
    );
    expect(diagnostics).toEqual([]);
    expect(file.imports.map(({ module, localName, importedName }) => ({ module, localName, importedName }))).toEqual([
      { module: "pg", localName: "pg", importedName: "default" },
      { module: "jsonwebtoken", localName: "jwt", importedName: undefined },
      { module: "pg", localName: "P", importedName: "Pool" },
      { module: "pg", localName: "Client", importedName: "Client" },
      { module: "reflect-metadata", localName: undefined, importedName: undefined },
      { module: "node:fs", localName: "fs", importedName: undefined },
      { module: "pino", localName: "Logger", importedName: "Logger" },
    ]);
    expect(file.imports[1]!.range).toEqual({ start: { line: 2, column: 1 }, end: { line: 2, column: 37 } });
  });

  it("collects CommonJS requires, destructuring and dynamic imports", () => {
    const { file } = parseTsFile(
      "server.js",
      [
        'const express = require("express");',
        'const { Pool: PgPool, types } = require("pg");',
        'const Redis = require("ioredis").default;',
        'require("dotenv/config");',
        'const { connect } = await import("amqplib");',
        "const notRequire = load('x');",
      ].join("\n"),
    );
    expect(file.imports.map(({ module, localName, importedName }) => ({ module, localName, importedName }))).toEqual([
      { module: "express", localName: "express", importedName: undefined },
      { module: "pg", localName: "PgPool", importedName: "Pool" },
      { module: "pg", localName: "types", importedName: "types" },
      { module: "ioredis", localName: "Redis", importedName: "default" },
      { module: "dotenv/config", localName: undefined, importedName: undefined },
      { module: "amqplib", localName: "connect", importedName: "connect" },
    ]);
    expect(file.language).toBe("javascript");
  });
});

describe("parseTsFile: calls", () => {
  it("resolves module and member through every kind of import binding", () => {
    const text = [
      'import { Pool } from "pg";',
      'import pg from "pg";',
      'import * as jwt from "jsonwebtoken";',
      'import { Pool as P } from "pg";',
      "new Pool({ max: 10 });",
      "new pg.Pool();",
      "jwt.sign(payload, 'secret');",
      "new P();",
      'jwt["verify"](token);',
      "pg();",
      "jwt[method]();",
      "other.call();",
    ].join("\n");
    expect(calls("src/db.ts", text)).toEqual([
      { callee: "Pool", module: "pg", member: "Pool", isNew: true, enclosingFunction: undefined },
      { callee: "pg.Pool", module: "pg", member: "Pool", isNew: true, enclosingFunction: undefined },
      { callee: "jwt.sign", module: "jsonwebtoken", member: "sign", isNew: false, enclosingFunction: undefined },
      { callee: "P", module: "pg", member: "Pool", isNew: true, enclosingFunction: undefined },
      { callee: 'jwt["verify"]', module: "jsonwebtoken", member: "verify", isNew: false, enclosingFunction: undefined },
      // The module object itself is called: module without member.
      { callee: "pg", module: "pg", member: undefined, isNew: false, enclosingFunction: undefined },
      // A dynamic member is unknown: no module claimed rather than a wrong member.
      { callee: "jwt[method]", module: undefined, member: undefined, isNew: false, enclosingFunction: undefined },
      { callee: "other.call", module: undefined, member: undefined, isNew: false, enclosingFunction: undefined },
    ]);
  });

  it("resolves CommonJS bindings, including ones declared after the call", () => {
    const text = [
      "function connect() { return new Pool(); }",
      'const { Pool } = require("pg");',
      'const mysql = require("mysql2/promise");',
      "mysql.createPool({});",
      'new (require("pg").Pool)();',
    ].join("\n");
    expect(calls("src/db.cjs", text)).toEqual([
      { callee: "Pool", module: "pg", member: "Pool", isNew: true, enclosingFunction: "connect" },
      { callee: "require", module: undefined, member: undefined, isNew: false, enclosingFunction: undefined },
      { callee: "require", module: undefined, member: undefined, isNew: false, enclosingFunction: undefined },
      { callee: "mysql.createPool", module: "mysql2/promise", member: "createPool", isNew: false, enclosingFunction: undefined },
      { callee: '(require("pg").Pool)', module: "pg", member: "Pool", isNew: true, enclosingFunction: undefined },
      { callee: "require", module: undefined, member: undefined, isNew: false, enclosingFunction: undefined },
    ]);
  });

  it("removes whitespace from the callee and keeps the raw node", () => {
    const { file } = parseTsFile("src/a.ts", "console\n  .log( 'x' );\nnew Date;");
    expect(file.calls.map((c) => c.callee)).toEqual(["console.log", "Date"]);
    expect(file.calls[0]!.node).toBe(file.ast.statements[0]!.getChildAt(0));
    expect(file.calls[0]!.range).toEqual({ start: { line: 1, column: 1 }, end: { line: 2, column: 14 } });
  });

  it("names the innermost named function, method or assigned arrow", () => {
    const text = [
      "function outer() { a(); }",
      "const handler = async (req) => { b(); };",
      "class UserService {",
      "  constructor() { c(); }",
      "  async create() { [1].map(() => d()); }",
      "  onEvent = () => e();",
      "}",
      "const routes = { list: function () { f(); } };",
      "app.get('/', (req, res) => { g(); });",
      "const named = function inner() { h(); };",
    ].join("\n");
    expect(calls("src/a.ts", text).map((c) => `${c.callee}@${c.enclosingFunction ?? "-"}`)).toEqual([
      "a@outer",
      "b@handler",
      "c@constructor",
      "[1].map@create",
      "d@create",
      "e@onEvent",
      "f@list",
      "app.get@-",
      "g@-",
      "h@inner",
    ]);
  });

  it("counts columns in UTF-16 code units after non-ASCII text", () => {
    // "é" is one UTF-16 unit and "😀" two (four UTF-8 bytes): `console` starts at UTF-16 column 18.
    const line = 'const s = "é😀"; console.log(s);';
    const { file } = parseTsFile("src/a.ts", `// 日本語\n${line}`);
    const call = file.calls[0]!;
    expect(call.range.start).toEqual({ line: 2, column: line.indexOf("console") + 1 });
    expect(call.range.start.column).toBe(18);
  });

  it("parses .tsx with JSX and calls inside it", () => {
    const text = [
      'import { useState } from "react";',
      "export function App() {",
      "  const [n, setN] = useState(0);",
      "  return <button onClick={() => setN(n + 1)}>{format(n)}</button>;",
      "}",
    ].join("\n");
    const { file, diagnostics } = parseTsFile("web/App.tsx", text);
    expect(diagnostics).toEqual([]);
    expect(file.calls.map((c) => `${c.callee}@${c.enclosingFunction}:${c.range.start.line}`)).toEqual([
      "useState@App:3",
      "setN@App:4",
      "format@App:4",
    ]);
    expect(file.calls[0]).toMatchObject({ module: "react", member: "useState" });
  });

  it("parses JSX in a .js file and keeps a shebang out of the way", () => {
    const { file, diagnostics } = parseTsFile("bin/run.mjs", "#!/usr/bin/env node\nrender(<App />);\n");
    expect(diagnostics).toEqual([]);
    expect(file.calls[0]!.range.start).toEqual({ line: 2, column: 1 });
  });
});

describe("parseTsFile: malformed input", () => {
  it("reports the first syntax error as a diagnostic and still returns the file", () => {
    const text = "import { Pool } from 'pg';\nconst x = ;\nnew Pool(\n";
    const { file, diagnostics } = parseTsFile("src/broken.ts", text);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({
      kind: "parse-error",
      path: "src/broken.ts",
      range: { start: { line: 2, column: 11 }, end: { line: 2, column: 12 } },
    });
    expect(diagnostics[0]!.message).toContain("Expression expected");
    expect(diagnostics[0]!.message).toContain("1 more syntax error");
    // The parser recovers: what it understood is still there.
    expect(file.imports).toHaveLength(1);
    expect(file.calls[0]).toMatchObject({ callee: "Pool", module: "pg", isNew: true });
  });

  it("survives garbage without throwing", () => {
    for (const text of ["}}}{{{", "\u0000\u0001", "<<<<<<< HEAD\nconst a = 1;\n=======\n", "class { (", ""]) {
      expect(() => parseTsFile("src/x.ts", text)).not.toThrow();
    }
    expect(parseTsFile("src/x.ts", "").diagnostics).toEqual([]);
    expect(parseTsFile("src/x.ts", "}}}").diagnostics[0]!.range.start).toEqual({ line: 1, column: 1 });
  });
});

describe("parseTsFile: file classification", () => {
  it.each([
    ["src/user.service.spec.ts", true],
    ["src/user.test.tsx", true],
    ["test/app.e2e-spec.ts", true],
    ["packages/api/__tests__/a.ts", true],
    ["src/__mocks__/pg.js", true],
    ["e2e/login.ts", true],
    ["tests/helpers.mjs", true],
    ["fixtures/ts/no-console/fire/a/src/server.ts", true],
    ["src/latest.ts", false],
    ["src/testing-utils/contest.ts", false],
    ["src/user.service.ts", false],
  ])("%s is a test: %s", (path, expected) => {
    expect(parseTsFile(path, "").file.isTest).toBe(expected);
  });

  it.each([
    ["src/a.ts", "// Code generated by protoc-gen-ts_proto. DO NOT EDIT.\nexport const a = 1;", true],
    ["src/a.ts", "/* eslint-disable */\n// @generated by protoc-gen-es v1.0\nexport const a = 1;", true],
    ["src/a.ts", "/**\n * NOTE: This class is auto generated by OpenAPI Generator.\n * Do not edit the class manually.\n */\nexport class A {}", true],
    ["src/generated/client.ts", "export const a = 1;", true],
    ["src/a.ts", "export const a = 1;\n// Code generated by hand. DO NOT EDIT. (not a header)\n", false],
    ["src/gen-report.ts", "// Generates reports.\nexport const a = 1;", false],
  ])("%s is generated: %s", (path, text, expected) => {
    expect(parseTsFile(path, text).file.isGenerated).toBe(expected);
  });

  it("derives the language from the extension", () => {
    expect(parseTsFile("a.mts", "").file.language).toBe("typescript");
    expect(parseTsFile("a.cts", "").file.language).toBe("typescript");
    expect(parseTsFile("a.jsx", "").file.language).toBe("javascript");
    expect(parseTsFile("a.cjs", "").file.language).toBe("javascript");
  });
});

describe("parseTsFile: pathological nesting", () => {
  it("turns a parser stack overflow into a diagnostic instead of an exception", () => {
    const text = "f(".repeat(20_000) + ")".repeat(20_000);
    const { file, diagnostics } = parseTsFile("src/data.js", text);
    expect(diagnostics).toEqual([
      expect.objectContaining({ kind: "parse-error", path: "src/data.js", range: { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } } }),
    ]);
    expect(file.calls).toEqual([]);
    expect(file.text).toBe(text);
  });

  it("walks long operator chains the parser accepts without recursing per node", () => {
    const { file, diagnostics } = parseTsFile("src/strings.ts", `const s = ${"a + ".repeat(3000)}g();`);
    expect(diagnostics).toEqual([]);
    expect(file.calls.map((c) => c.callee)).toEqual(["g"]);
  });

  it("records the calls of `a()()()...` (200,000 calls) in linear time, with long callees elided", () => {
    const started = Date.now();
    const { file, diagnostics } = parseTsFile("src/chain.ts", "a" + "()".repeat(200_000) + ";\n");
    // Measured: 49-61 s before (each callee's whole text copied and stripped), ~2 s after.
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(diagnostics).toEqual([]);
    expect(file.calls).toHaveLength(200_000);
    const outer = file.calls[0]!;
    expect(outer.callee.length).toBeLessThanOrEqual(201);
    expect(outer.callee).toMatch(/^a\(\)\(\).*….*\(\)$/);
  }, 60_000);

  it("resolves a 500,000-member access chain in linear time", () => {
    const started = Date.now();
    const { file } = parseTsFile("src/dots.ts", 'import x from "m";\nx' + ".a".repeat(500_000) + "();\n");
    // Measured: 26 s before (members.unshift per step), ~3 s after.
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(file.calls).toHaveLength(1);
    expect(file.calls[0]!.module).toBe("m");
    expect(file.calls[0]!.member).toBe(Array(500_000).fill("a").join("."));
  }, 60_000);

  it("keeps member order and elides long callees in the middle, keeping the method at the end", () => {
    const { file } = parseTsFile(
      "src/pool.ts",
      'import pg from "pg";\nconst p = new pg.a["b"].c.Pool();\n(function () {\n' + "  console.log(1);\n".repeat(30) + "})();\n" +
        "databases.primary.replicas[0].connections.configure().pool.end();\n",
    );
    expect(file.calls[0]).toMatchObject({ callee: 'pg.a["b"].c.Pool', module: "pg", member: "a.b.c.Pool", isNew: true });
    const iife = file.calls.find((c) => c.callee.startsWith("(function"))!;
    expect(iife.callee.length).toBeLessThanOrEqual(201);
    expect(iife.callee).toContain("…");
    expect(iife.callee.endsWith("console.log(1);})")).toBe(true);
    expect(file.calls.some((c) => c.callee === "databases.primary.replicas[0].connections.configure().pool.end")).toBe(true);
  });
});

describe("parseTsFile: diagnostics never echo the file's words", () => {
  it("replaces quoted input in the compiler's message, keeping keywords and punctuation", () => {
    const jsx = parseTsFile("src/a.tsx", "const x = <Xk9mPq2vL7wZ3>hi</ghpOther>;\n");
    expect(jsx.diagnostics).toHaveLength(1);
    expect(jsx.diagnostics[0]!.message).toContain("closing tag for '…'");
    expect(jsx.diagnostics[0]!.message).not.toContain("Xk9mPq2vL7wZ3");
    const octal = parseTsFile("src/b.ts", "const pin = 04711;\n");
    expect(octal.diagnostics[0]!.message).not.toContain("4711");
    const punctuation = parseTsFile("src/c.ts", "let x = (1;\n");
    expect(punctuation.diagnostics[0]!.message).toContain("')' expected");
  });
});
