import { ts } from "ts-morph";
import { describe, expect, it } from "vitest";
import { parseTsFile } from "../../src/loaders/typescript.js";
import { tsNodeRange, typescriptKit } from "../../src/rule-kit/typescript.js";

const kit = typescriptKit(ts);

function firstCall(text: string, callee: string, path = "src/a.ts") {
  const call = parseTsFile(path, text).file.calls.find((c) => c.callee === callee);
  if (!call) throw new Error(`no call of ${callee}`);
  return call;
}

describe("object-literal and literal helpers", () => {
  it("reads an object-literal argument's keys and values", () => {
    const call = firstCall(
      'new Pool({ max: 10, "idleTimeoutMillis": 3e4, connectionString, ["maxLifetimeSeconds"]: -60, ssl() { return true; } } as PoolConfig);',
      "Pool",
    );
    const literal = kit.objectLiteralArgument(call.node, 0)!;
    const keys = kit.objectLiteralKeys(literal);
    expect([...keys.names]).toEqual(["max", "idleTimeoutMillis", "connectionString", "maxLifetimeSeconds", "ssl"]);
    expect(keys.open).toBe(false);
    expect(kit.numericLiteralValue(kit.objectLiteralProperty(literal, "max"))).toBe(10);
    expect(kit.numericLiteralValue(kit.objectLiteralProperty(literal, "idleTimeoutMillis"))).toBe(30000);
    expect(kit.numericLiteralValue(kit.objectLiteralProperty(literal, "maxLifetimeSeconds"))).toBe(-60);
    expect(ts.isIdentifier(kit.objectLiteralProperty(literal, "connectionString")!)).toBe(true);
    expect(kit.objectLiteralProperty(literal, "absent")).toBeUndefined();
  });

  it("marks a literal with a spread or computed key as open (absence cannot be verified)", () => {
    const spread = kit.objectLiteralArgument(firstCall("new Pool({ ...defaults, max: 5 });", "Pool").node, 0)!;
    expect(kit.objectLiteralKeys(spread)).toEqual({ names: new Set(["max"]), open: true });
    const computed = kit.objectLiteralArgument(firstCall("new Pool({ [key]: 1 });", "Pool").node, 0)!;
    expect(kit.objectLiteralKeys(computed).open).toBe(true);
    expect(kit.objectLiteralArgument(firstCall("new Pool(config);", "Pool").node, 0)).toBeUndefined();
    expect(kit.objectLiteralArgument(firstCall("new Pool;", "Pool").node, 0)).toBeUndefined();
  });

  it("reads string values, and refuses computed ones", () => {
    const call = firstCall("jwt.sign(p, 'literal', `tpl`, `a${b}`, process.env.S, (\"wrapped\" as string));", "jwt.sign");
    const args = kit.callArguments(call.node);
    expect(args.map((a) => kit.stringLiteralValue(a))).toEqual([undefined, "literal", "tpl", undefined, undefined, "wrapped"]);
  });

  it("gives node ranges in UTF-16 columns", () => {
    const call = firstCall('const s = "😀"; f({ key: 1 });', "f");
    const literal = kit.objectLiteralArgument(call.node, 0)!;
    expect(tsNodeRange(literal)).toEqual({ start: { line: 1, column: 19 }, end: { line: 1, column: 29 } });
  });

  it("sees through member accesses written with a string key", () => {
    const call = firstCall('console["log"](1);', 'console["log"]');
    const access = kit.staticMemberAccess((call.node as ts.CallExpression).expression)!;
    expect(access.name).toBe("log");
    expect(ts.isIdentifier(access.object) && access.object.text).toBe("console");
    expect(kit.staticMemberAccess((firstCall("console[m](1);", "console[m]").node as ts.CallExpression).expression)).toBeUndefined();
  });
});

describe("findLocalDeclaration", () => {
  /** Whether `console` in the call on the marked line resolves to a local declaration. */
  function consoleIsLocal(text: string, line: number): boolean {
    const call = parseTsFile("src/a.ts", text).file.calls.find((c) => c.range.start.line === line && c.callee.startsWith("console"));
    if (!call) throw new Error(`no console call on line ${line}`);
    const root = ((call.node as ts.CallExpression).expression as ts.PropertyAccessExpression).expression;
    return kit.findLocalDeclaration(root, "console") !== undefined;
  }

  it.each([
    ["the global", "console.log(1);", 1, false],
    ["a file-level const", "const console = makeLogger();\nconsole.log(1);", 2, true],
    ["an import", 'import { console } from "./log";\nconsole.log(1);', 2, true],
    ["a default import", 'import console from "node:console";\nconsole.log(1);', 2, true],
    ["a parameter", "function f(console) {\n  console.log(1);\n}", 2, true],
    ["a destructured parameter", "const f = ({ deps: [console] }) => {\n  console.log(1);\n};", 2, true],
    ["a hoisted var in a nested block", "function f() {\n  console.log(1);\n  if (x) { var console = y; }\n}", 2, true],
    ["a catch binding", "try {} catch (console) {\n  console.log(1);\n}", 2, true],
    ["a for-of binding", "for (const console of sinks) {\n  console.log(1);\n}", 2, true],
    ["a class declared later in the file", "console.log(1);\nclass console {}", 1, true],
    ["a let in a sibling block", "{ let console = y; }\nconsole.log(1);", 2, false],
    ["a let in an inner block below", "function f() {\n  console.log(1);\n  { const console = y; }\n}", 2, false],
    ["a var inside a nested function", "function f() {\n  console.log(1);\n  function g() { var console = y; }\n}", 2, false],
    ["a type of that name", "interface console { log(): void }\nconsole.log(1);", 2, false],
    ["a member named console", "class A { console = y; m() {\n  console.log(1);\n} }", 2, false],
  ])("%s", (_name, text, line, expected) => {
    expect(consoleIsLocal(text, line)).toBe(expected);
  });
});
