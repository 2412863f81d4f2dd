import { describe, expect, it } from "vitest";
import { meetsThreshold, runRules, type LoadedRepository } from "../../src/engine/run.js";
import { createRegistry } from "../../src/engine/registry.js";
import type { Repository } from "../../src/model/repository.js";
import type { InputKind } from "../../src/model/rule.js";
import { defineRule } from "../../src/rule-kit/define-rule.js";

const at = (line: number) => ({ start: { line, column: 1 }, end: { line, column: 5 } });

function fakeRepo(kinds: InputKind[]): LoadedRepository {
  const repo = { has: (kind: InputKind) => kinds.includes(kind) } as unknown as Repository;
  return {
    repo,
    forEachGoFile: async (visit) => {
      for (const path of ["b.go", "a.go"]) visit({ path } as never);
    },
    forEachTsFile: async () => {},
    diagnostics: () => [{ kind: "parse-error", path: "broken.yaml", range: at(3), message: "bad indentation" }],
  };
}

function rule(id: string, inputs: InputKind[], check: Parameters<typeof defineRule>[0]["check"]) {
  return defineRule({
    meta: { id, section: "foundation", title: id, severity: "warning", rationale: "r", remediation: "fix it", inputs, tags: [], precision: "high" },
    check: check!,
  });
}

describe("runRules", () => {
  it("marks rules without any of their inputs not applicable and does not run them", async () => {
    let ran = false;
    const r = rule("k8s/thing", ["kubernetes"], () => {
      ran = true;
    });
    const result = await runRules(fakeRepo(["dockerfile"]), [r]);
    expect(ran).toBe(false);
    expect(result.rules.find((o) => o.meta.id === "k8s/thing")?.status).toBe("not-applicable");
  });

  it("turns a crashing rule into a rule-error finding, keeps the others, and marks the run incomplete", async () => {
    const crashing = rule("a/crash", ["dockerfile"], () => {
      throw new Error("boom");
    });
    const fine = rule("a/fine", ["dockerfile"], ({ report }) => report({ path: "Dockerfile", range: at(2), message: "m" }));
    const result = await runRules(fakeRepo(["dockerfile"]), [crashing, fine]);
    expect(result.complete).toBe(false);
    expect(result.rules.map((o) => [o.meta.id, o.status])).toContainEqual(["a/crash", "errored"]);
    expect(result.rules.map((o) => [o.meta.id, o.status])).toContainEqual(["a/fine", "failed"]);
    expect(result.findings.map((f) => f.ruleId)).toEqual(["readiness/rule-error", "a/fine", "readiness/parse-error"]);
    expect(result.findings[0]!.message).toContain("a/crash crashed: boom");
  });

  it("names the file when a source visitor crashes, and still visits the rest with other rules", async () => {
    const seen: string[] = [];
    const crashing = defineRule({
      meta: { id: "go/crash", section: "architecture", title: "t", severity: "warning", rationale: "r", remediation: "f", inputs: ["go"], tags: [], precision: "high" },
      analyzeGo: (file) => {
        if (file.path === "b.go") throw new Error("bad node");
        return undefined;
      },
      create: () => ({}),
    });
    const counting = defineRule({
      meta: { id: "go/count", section: "architecture", title: "t", severity: "warning", rationale: "r", remediation: "f", inputs: ["go"], tags: [], precision: "high" },
      analyzeGo: (file) => file.path,
      create: () => ({ goFacts: (path: string) => void seen.push(path) }),
    });
    const result = await runRules(fakeRepo(["go"]), [crashing, counting]);
    expect(seen).toEqual(["b.go", "a.go"]);
    expect(result.findings.find((f) => f.ruleId === "readiness/rule-error")?.message).toContain("on b.go");
  });

  it("masks secrets handed to report() in message and fix, sorts and dedupes", async () => {
    const r = rule("s/secret", ["config"], ({ report }) => {
      report({ path: "z.yaml", range: at(1), message: "later file" });
      report({ path: "a.yaml", range: at(9), message: "value hunter2-secret leaked", fix: "rotate hunter2-secret", secrets: ["hunter2-secret"] });
      report({ path: "a.yaml", range: at(2), message: "first" });
      report({ path: "a.yaml", range: at(2), message: "first" });
    });
    const result = await runRules(fakeRepo(["config"]), [r]);
    const mine = result.findings.filter((f) => f.ruleId === "s/secret");
    expect(mine.map((f) => `${f.path}:${f.range.start.line}`)).toEqual(["a.yaml:2", "a.yaml:9", "z.yaml:1"]);
    expect(JSON.stringify(result)).not.toContain("hunter2-secret");
    expect(mine[1]!.message).toBe("value **** leaked");
  });

  it("shows a rule that found nothing to check as not applicable, unless it reported something", async () => {
    const idle = rule("db/idle", ["config"], ({ notApplicable }) => notApplicable());
    const both = rule("db/both", ["config"], ({ notApplicable, report }) => {
      notApplicable();
      report({ path: "a.yaml", range: at(1), message: "m" });
    });
    const result = await runRules(fakeRepo(["config"]), [idle, both]);
    expect(result.rules.map((o) => [o.meta.id, o.status])).toEqual([
      ["db/idle", "not-applicable"],
      ["db/both", "failed"],
      ["readiness/parse-error", "failed"],
      ["readiness/not-rendered", "passed"],
      ["readiness/rule-error", "passed"],
    ]);
  });

  it("costs only the rule when looking at its inputs throws, and marks every visitor crashed when a parser cannot start", async () => {
    const loaded = fakeRepo(["go"]);
    loaded.repo.has = (kind) => {
      if (kind === "kubernetes") throw new Error("loader defect");
      return kind === "go";
    };
    loaded.forEachGoFile = async () => {
      throw new Error("wasm missing");
    };
    const k8s = rule("k8s/x", ["kubernetes"], () => {});
    const go = defineRule({
      meta: { id: "go/x", section: "architecture", title: "t", severity: "warning", rationale: "r", remediation: "f", inputs: ["go"], tags: [], precision: "high" },
      analyzeGo: () => undefined,
      create: () => ({}),
    });
    const result = await runRules(loaded, [k8s, go]);
    expect(result.complete).toBe(false);
    expect(result.rules.filter((o) => o.status === "errored").map((o) => o.meta.id)).toEqual(["k8s/x", "go/x"]);
    expect(result.findings.filter((f) => f.ruleId === "readiness/rule-error").map((f) => f.message)).toEqual([
      expect.stringContaining("go/x crashed: wasm missing"),
      expect.stringContaining("k8s/x crashed: loader defect"),
    ]);
  });

  it("gives each rule its declared option defaults, overridden by configured values", async () => {
    const seen: Record<string, unknown>[] = [];
    const r = defineRule({
      meta: {
        id: "a/opts", section: "foundation", title: "t", severity: "warning", rationale: "r", remediation: "f",
        inputs: ["dockerfile"], tags: [], precision: "high",
        options: { digest: { type: "boolean", default: false, description: "d" }, max: { type: "number", default: 3, description: "m" } },
      },
      check: ({ options }) => void seen.push({ ...options }),
    });
    await runRules(fakeRepo(["dockerfile"]), [r]);
    await runRules(fakeRepo(["dockerfile"]), [r], { options: new Map([["a/opts", { digest: true, unknown: 1 }]]) });
    expect(seen).toEqual([{ digest: false, max: 3 }, { digest: true, max: 3 }]);
  });

  it("reports loader diagnostics as parse-error findings", async () => {
    const result = await runRules(fakeRepo(["config"]), []);
    expect(result.findings).toMatchObject([{ ruleId: "readiness/parse-error", path: "broken.yaml", severity: "error" }]);
  });
});

describe("thresholds and registry", () => {
  it("compares severities against --fail-on", () => {
    expect(meetsThreshold("error", "warning")).toBe(true);
    expect(meetsThreshold("note", "warning")).toBe(false);
    expect(meetsThreshold("warning", "warning")).toBe(true);
    expect(meetsThreshold("error", "never")).toBe(false);
  });

  it("rejects duplicate and malformed rule ids", () => {
    const r = rule("a/b", ["go"], () => {});
    expect(() => createRegistry([r, r])).toThrow(/registered twice/);
    expect(() => createRegistry([rule("NoArea", ["go"], () => {})])).toThrow(/not <area>/);
  });
});
