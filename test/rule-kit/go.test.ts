import type { Node } from "web-tree-sitter";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGoParser, type GoParser } from "../../src/loaders/go.js";
import type { GoFile } from "../../src/model/artifacts.js";
import {
  callArguments,
  declaredInEnclosingFunction,
  goNodeRange,
  isPackageSelector,
  packageLevelNames,
  stringLiteralValue,
} from "../../src/rule-kit/go.js";

let parser: GoParser;
beforeAll(async () => {
  parser = await createGoParser();
});
afterAll(() => parser.dispose());

function withFile<T>(text: string, use: (file: GoFile<Node>) => T): T {
  const { file } = parser.parse("p/a.go", text);
  try {
    return use(file);
  } finally {
    parser.free(file);
  }
}

describe("Go rule kit", () => {
  it("lists package-level names, not methods or locals", () => {
    const names = withFile(
      `package p
func println(a ...any) {}
func (s *S) Method() { local := 1; _ = local }
var (
	a, b = 1, 2
	_ = 3
)
const c = 4
type S struct{}
type Alias = S
`,
      (file) => [...packageLevelNames(file.root)].sort(),
    );
    expect(names).toEqual(["Alias", "S", "a", "b", "c", "println"]);
  });

  it("finds names declared in the enclosing function (params, :=, var, range)", () => {
    const result = withFile(
      `package p
func f(print func(string), xs []int) {
	for i, v := range xs { _ = i; _ = v }
	println := func(s string) {}
	var sprint = 1
	print("a"); println("b"); other("c")
}
func g() { print("d") }
`,
      (file) =>
        file.calls.map((c) => `${c.callee}:${declaredInEnclosingFunction(c.node, c.callee)}`),
    );
    expect(result).toEqual(["print:true", "println:true", "other:false", "print:false"]);
  });

  it("reads call arguments, package selectors and string literals", () => {
    const result = withFile(
      `package p
import out "os"
func f() {
	fmt.Fprintln(out.Stderr /* why */, "a\\tb\\u00e9\\x41", \`raw\\n\`)
}
`,
      (file) => {
        const call = file.calls[0]!;
        const args = callArguments(call.node);
        return {
          count: args.length,
          stderr: isPackageSelector(args[0]!, file.imports, "os", ["Stderr"]),
          stdout: isPackageSelector(args[0]!, file.imports, "os", ["Stdout"]),
          interpreted: stringLiteralValue(args[1]!),
          raw: stringLiteralValue(args[2]!),
          notString: stringLiteralValue(args[0]!),
          range: goNodeRange(args[0]!),
        };
      },
    );
    expect(result).toEqual({
      count: 3,
      stderr: true,
      stdout: false,
      interpreted: "a\tbéA",
      raw: "raw\\n",
      notString: undefined,
      range: { start: { line: 4, column: 15 }, end: { line: 4, column: 25 } },
    });
  });
});
