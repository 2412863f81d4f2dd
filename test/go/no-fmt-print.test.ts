import { describe, expect, it } from "vitest";
import { fixtureCases, runCase } from "../helpers/rule-fixtures.js";

const RULE = "go/no-fmt-print";

describe("go/no-fmt-print messages", () => {
  it("names the call as written, the real fmt function behind an alias, and the stream", async () => {
    const fixture = fixtureCases(RULE).find((c) => c.name === "go-zero-service")!;
    const { findings } = await runCase(RULE, fixture);
    const byLine = new Map(findings.map((f) => [`${f.path}:${f.range.start.line}`, f.message]));
    expect(byLine.get("internal/logic/loginlogic.go:17")).toMatch(/^`f\.Println` \(fmt\.Println\) prints unstructured text to standard output/);
    expect(byLine.get("internal/handler/loginhandler.go:13")).toMatch(/^`fmt\.Fprintln\(out\.Stderr, \.\.\.\)` prints unstructured text to standard error/);
    expect(byLine.get("internal/svc/servicecontext.go:10")).toMatch(/^The builtin `println`/);
    expect(findings.every((f) => f.severity === "warning" && /structured logger/.test(f.message))).toBe(true);
  });
});
