import path from "node:path";
import { describe, expect, it } from "vitest";
import { render, scan } from "../../src/api.js";
import { FIXTURES_ROOT } from "../helpers/rule-fixtures.js";

describe("ci/dependencies-verified", () => {
  it("quotes install lines with their credentials masked, in every format", async () => {
    const dir = path.join(FIXTURES_ROOT, "ci/dependencies-verified/fire/install-with-credentials");
    const result = await scan({ path: dir, repoRoot: dir, only: ["ci/dependencies-verified"] });
    expect(result.findings.map((f) => f.fix)).toEqual([
      "Replace `npm install --//registry.npmjs.org/:_authToken=****` with `npm ci --//registry.npmjs.org/:_authToken=****`.",
      "Replace `npm install --registry https://ci:****@npm.example.com/` with `npm ci --registry https://ci:****@npm.example.com/`.",
    ]);
    for (const format of ["terminal", "json", "sarif"] as const) {
      const output = render(result, format);
      expect(output).not.toContain("npm_Zq8LkT3vW9xR2mN5pQ7sY1uB4cD6eF0gH2jK");
      expect(output).not.toContain("Xk9mPq2vL7wZ3");
    }
  });
});
