import { describe, expect, it } from "vitest";
import { collapseCopies } from "../../src/engine/sort.js";
import type { Finding } from "../../src/model/finding.js";

const at = (path: string, line: number, message = 'Container "server" of Deployment "api" has no livenessProbe.'): Finding => ({
  ruleId: "k8s/probes-defined",
  section: "operations",
  severity: "error",
  message,
  fix: "Add probes.",
  path,
  range: { start: { line, column: 1 }, end: { line, column: 5 } },
  related: [],
});

describe("collapseCopies", () => {
  it("reports the same finding about copies of an object in several files once, at the first file, with the copies related", () => {
    const out = collapseCopies([at("release/all.yaml", 40), at("k8s/api.yaml", 12), at("kustomize/base/api.yaml", 12)]);
    expect(out).toHaveLength(1);
    expect(out[0]!.path).toBe("k8s/api.yaml");
    expect(out[0]!.message).toMatch(/The same holds for 2 copies of it in other files\.$/);
    expect(out[0]!.related.map((r) => `${r.path}:${r.range.start.line}`)).toEqual(["kustomize/base/api.yaml:12", "release/all.yaml:40"]);
  });

  it("keeps findings about different objects, and repeated findings within one file, apart", () => {
    const other = 'Container "server" of Deployment "web" has no livenessProbe.';
    const out = collapseCopies([at("k8s/api.yaml", 12), at("k8s/web.yaml", 12, other), at("k8s/api.yaml", 30)]);
    expect(out.map((f) => `${f.path}:${f.range.start.line}`).sort()).toEqual(["k8s/api.yaml:12", "k8s/api.yaml:30", "k8s/web.yaml:12"]);
    expect(out.every((f) => f.related.length === 0)).toBe(true);
  });
});

describe("copies across the engine", () => {
  it("never merges findings of non-Kubernetes rules: two different secrets under the same key stay two findings", async () => {
    const { mkdtempSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const path = await import("node:path");
    const { scan } = await import("../../src/api.js");
    const root = mkdtempSync(path.join(tmpdir(), "rc-copies-"));
    writeFileSync(path.join(root, "a.yaml"), "password: FirstPw11111\n");
    writeFileSync(path.join(root, "b.yaml"), "password: SecondPw2222\n");
    const result = await scan({ path: root, repoRoot: root, only: ["secrets/hardcoded-secret"] });
    expect(result.findings.map((f) => f.path)).toEqual(["a.yaml", "b.yaml"]);
  });
});
