import { describe, expect, it } from "vitest";
import { maskSecrets } from "../../src/engine/mask.js";
import { runRules, type LoadedRepository } from "../../src/engine/run.js";
import type { Repository } from "../../src/model/repository.js";
import { defineRule } from "../../src/rule-kit/define-rule.js";

describe("maskSecrets", () => {
  it("masks a secret where it stands on its own, not inside a longer word", () => {
    expect(maskSecrets("the password is Xk9mPq2vL7wZ3.", ["Xk9mPq2vL7wZ3"])).toBe("the password is ****.");
    expect(maskSecrets("anyone with access to the repository", ["ository"], true)).toBe("anyone with access to the repository");
  });

  it("leaves short letters-only secrets in the tool's own sentences, but masks them where input may be quoted", () => {
    expect(maskSecrets("Anyone with read access can use it.", ["Anyone"])).toBe("Anyone with read access can use it.");
    expect(maskSecrets("extra characters: |Anyone", ["Anyone"], true)).toBe("extra characters: |****");
  });

  it("scrubs provider tokens and connection passwords from any text, reported or not", () => {
    expect(maskSecrets("illegal token 'ghp_Zq8LkT3vW9xR2mN5pQ7sY1uB4cD6eF0gH2jK'", [])).toBe("illegal token '****'");
    expect(maskSecrets("cannot reach postgres://app:S3cr3t-pw@db:5432/app", [])).not.toContain("S3cr3t-pw");
  });
});

describe("the engine's masking pass", () => {
  it("masks a secret one rule met in every other finding, parse errors included", async () => {
    const secret = "Xk9#mPq2vL7wZ3";
    const loaded: LoadedRepository = {
      repo: { has: () => true } as unknown as Repository,
      forEachGoFile: async () => {},
      forEachTsFile: async () => {},
      diagnostics: () => [
        { kind: "parse-error", path: "Dockerfile", range: { start: { line: 2, column: 1 }, end: { line: 2, column: 1 } }, message: `"registry.example.com/app:${secret}" is not a valid image reference` },
      ],
    };
    const finder = defineRule({
      meta: { id: "secrets/x", section: "foundation", title: "t", severity: "error", rationale: "r", remediation: "f", inputs: ["dockerfile"], tags: [], precision: "high" },
      check: ({ report }) => report({ path: "Dockerfile", range: { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } }, message: "ARG REGISTRY_PASSWORD holds a secret.", secrets: [secret] }),
    });
    const result = await runRules(loaded, [finder]);
    expect(JSON.stringify(result)).not.toContain(secret);
    expect(result.findings.find((f) => f.ruleId === "readiness/parse-error")?.message).toBe('"registry.example.com/app:****" is not a valid image reference');
  });
});
