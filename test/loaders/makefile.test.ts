import { describe, expect, it } from "vitest";
import { loadMakefile } from "../../src/loaders/makefile.js";

const MAKEFILE = [
  "GO ?= go",
  "PKGS := ./...",
  ".DEFAULT_GOAL := ci",
  ".PHONY: test lint ci",
  "",
  "ci: lint test ## everything CI runs",
  "",
  "test: GOFLAGS = -race",
  "test:",
  "\t@echo testing",
  "\t$(GO) test \\",
  "\t  -count=1 $(PKGS)",
  "",
  "\t# a shell comment",
  "ifeq ($(CI),true)",
  "\t-go vet ./...",
  "endif",
  "lint: ; golangci-lint run",
  "%.o: %.c",
  "\tcc -c $<",
  "define HELP",
  "not: a rule",
  "endef",
].join("\n");

describe("loadMakefile", () => {
  const { value, diagnostics } = loadMakefile("Makefile", MAKEFILE);
  it("reads variables, targets, prerequisites and recipe lines with positions", () => {
    expect(diagnostics).toEqual([]);
    expect(value!.variables).toMatchObject({ GO: "go", PKGS: "./...", ".DEFAULT_GOAL": "ci" });
    expect(value!.targets.map((t) => t.name)).toEqual(["ci", "test", "lint"]);
    const ci = value!.targets[0]!;
    expect(ci.prerequisites).toEqual(["lint", "test"]);
    expect(ci.range.start).toEqual({ line: 6, column: 1 });
    const test = value!.targets[1]!;
    expect(test.recipe.map((r) => r.text)).toEqual(["echo testing", "$(GO) test -count=1 $(PKGS)", "go vet ./..."]);
    expect(test.recipe[0]!.range.start).toEqual({ line: 10, column: 3 });
    expect(test.recipe[1]!.range).toEqual({ start: { line: 11, column: 2 }, end: { line: 12, column: 20 } });
    expect(test.recipe[2]!.range.start).toEqual({ line: 16, column: 3 });
    const lint = value!.targets[2]!;
    expect(lint.recipe).toEqual([{ text: "golangci-lint run", range: { start: { line: 18, column: 9 }, end: { line: 18, column: 26 } } }]);
  });
  it("survives odd input", () => {
    expect(loadMakefile("Makefile", "\t\t\n:::\n\\").value!.targets).toEqual([]);
  });
});
