import path from "node:path";
import { describe, expect, it } from "vitest";
import { scan } from "../../src/api.js";
import { FIXTURES_ROOT } from "../helpers/rule-fixtures.js";

/** docker/no-secret-build-args (the mechanism) and secrets/hardcoded-secret (literal values) never report the same line. */
describe("docker/no-secret-build-args beside secrets/hardcoded-secret", () => {
  for (const fixture of ["silent/literal-is-hardcoded-secret", "fire/arg-token", "fire/env-from-arg"]) {
    it(`reports each line once (${fixture})`, async () => {
      const dir = path.join(FIXTURES_ROOT, "docker/no-secret-build-args", fixture);
      const result = await scan({ path: dir, repoRoot: dir, only: ["docker/no-secret-build-args", "secrets/hardcoded-secret"] });
      const lines = result.findings.map((f) => `${f.path}:${f.range.start.line}`);
      expect(result.findings.length).toBeGreaterThan(0);
      expect(new Set(lines).size).toBe(lines.length);
    });
  }
});
